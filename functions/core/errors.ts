/**
 * Typed errors. Every error Understudy raises on purpose extends {@link UnderstudyError}, so a
 * handler or the CLI maps them in one place; adapters translate SDK/sandbox errors into these.
 */

/** Base of every deliberate Understudy error. `code` is stable and safe to show or log. */
export class UnderstudyError extends Error {
  /** Stable machine-readable code. */
  public readonly code: string;

  public constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnderstudyError';
    this.code = code;
  }
}

/** Input (event, flag, file, config) failed validation. Nothing was changed. */
export class ValidationError extends UnderstudyError {
  /** Each problem, naming the field or key it concerns. */
  public readonly issues: readonly string[];

  public constructor(message: string, issues: readonly string[] = [], options?: ErrorOptions) {
    super('ValidationError', issues.length ? `${message}: ${issues.join('; ')}` : message, options);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/** A named thing (service, version, task definition, image, group) does not exist. */
export class NotFoundError extends UnderstudyError {
  public constructor(
    public readonly kind: string,
    public readonly id: string,
    options?: ErrorOptions,
  ) {
    super('NotFound', `${kind} not found: ${id}`, options);
    this.name = 'NotFoundError';
  }
}

/** A conditional write lost a race or a precondition no longer holds; safe to re-read and retry. */
export class ConflictError extends UnderstudyError {
  public constructor(message: string, options?: ErrorOptions) {
    super('Conflict', message, options);
    this.name = 'ConflictError';
  }
}

/** The API refused the call for rate (throttling). Retry with jittered backoff. */
export class ThrottlingError extends UnderstudyError {
  public constructor(
    public readonly operation: string,
    options?: ErrorOptions,
  ) {
    super('Throttling', `${operation} was throttled`, options);
    this.name = 'ThrottlingError';
  }
}

/** A transient server-side failure (5xx, timeout, region unreachable). Retry with backoff. */
export class ServiceUnavailableError extends UnderstudyError {
  public constructor(
    public readonly operation: string,
    public readonly reason: string,
    options?: ErrorOptions,
  ) {
    super('ServiceUnavailable', `${operation} failed: ${reason}`, options);
    this.name = 'ServiceUnavailableError';
  }
}

/** The caller lacks permission (AccessDenied). Not retryable. */
export class AccessDeniedError extends UnderstudyError {
  public constructor(
    public readonly operation: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super('AccessDenied', `${operation}: ${message}`, options);
    this.name = 'AccessDeniedError';
  }
}

/** A deploy path presented an epoch older than the lease's: it must stop (fencing). */
export class StaleEpochError extends UnderstudyError {
  public constructor(
    public readonly presented: number,
    public readonly current: number,
  ) {
    super('StaleEpoch', `epoch ${presented} is stale; the lease is at epoch ${current}`);
    this.name = 'StaleEpochError';
  }
}

/**
 * The caller does not hold the authority lease (another holder, or a stale epoch): it must not
 * deploy. Raised by the authority check the primary's pipeline runs before each deployment.
 */
export class AuthorityNotHeldError extends UnderstudyError {
  public constructor(message: string, options?: ErrorOptions) {
    super('AuthorityNotHeld', message, options);
    this.name = 'AuthorityNotHeldError';
  }
}

/** The authority lease could not be read (region or table unreachable), and the policy is to fail closed. */
export class AuthorityUnreachableError extends UnderstudyError {
  public constructor(message: string, options?: ErrorOptions) {
    super('AuthorityUnreachable', message, options);
    this.name = 'AuthorityUnreachableError';
  }
}

/** True for errors a caller should retry with backoff. */
export function isRetryable(error: unknown): boolean {
  return error instanceof ThrottlingError || error instanceof ServiceUnavailableError;
}
