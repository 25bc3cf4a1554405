/**
 * Errors of the clone rules. A clone that cannot be expressed in staging terms is an input
 * problem (config or source), never a transient failure, so it extends ValidationError and the
 * pipeline records it instead of retrying.
 */
import { ValidationError } from '../errors';

/**
 * The source cannot be cloned as configured. `issues` lists every problem at once, each prefixed
 * with the path it concerns (`containerDefinitions[web].secrets[DB_PASSWORD].valueFrom: …`), so an
 * operator fixes the mapping config in one pass instead of one failed clone per problem.
 */
export class CloneValidationError extends ValidationError {
  public constructor(message: string, issues: readonly string[], options?: ErrorOptions) {
    super(message, issues, options);
    this.name = 'CloneValidationError';
  }
}

/** Throws {@link CloneValidationError} when `issues` is not empty. */
export function throwIfIssues(message: string, issues: readonly string[]): void {
  if (issues.length > 0) throw new CloneValidationError(message, issues);
}
