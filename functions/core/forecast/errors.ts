import { ValidationError } from '../errors';

/**
 * The forecast input cannot be forecast as given (too little history, non-finite values, a bad
 * horizon or bad quantile levels). Each problem is listed in `issues`; nothing was computed.
 */
export class ForecastInputError extends ValidationError {
  public constructor(message: string, issues: readonly string[] = [], options?: ErrorOptions) {
    super(message, issues, options);
    this.name = 'ForecastInputError';
  }
}
