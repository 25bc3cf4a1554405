/**
 * The one place AWS SDK v3 errors become Understudy's typed errors. Every AWS adapter routes its
 * calls through {@link callAws} so core never sees an SDK exception and retry decisions
 * (`isRetryable`) work the same for every service.
 */
import {
  AccessDeniedError,
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  ThrottlingError,
  UnderstudyError,
} from '../../core/errors';

/** An AWS client-side error (validation, bad parameter) that no other typed error describes. */
export class AwsRequestError extends UnderstudyError {
  /** The AWS error name (`InvalidParameterException`, …), kept for logs and tests. */
  public readonly awsCode: string;

  public constructor(
    public readonly operation: string,
    awsCode: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super('AwsRequestError', `${operation} failed with ${awsCode}: ${message}`, options);
    this.name = 'AwsRequestError';
    this.awsCode = awsCode;
  }
}

/** What the failing call was about, so a NotFoundError can name the missing thing. */
export interface AwsCallContext {
  /** The API operation, e.g. `ecs:DescribeServices`. */
  readonly operation: string;
  /** The kind of thing the call addresses (`service`, `image`, …), for NotFoundError. */
  readonly kind?: string;
  /** Its id as the caller named it, for NotFoundError. */
  readonly id?: string;
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'TooManyRequests',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'LimitExceededException',
]);

const UNAVAILABLE = new Set([
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServerException',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'InternalServiceError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'RequestAbortedError',
  'Unavailable',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const NOT_FOUND = new Set([
  'ServiceNotFoundException',
  'ServiceNotActiveException',
  'ClusterNotFoundException',
  'TaskDefinitionNotFoundException',
  'RepositoryNotFoundException',
  'ImageNotFoundException',
  'LayersNotFoundException',
  'LayerInaccessibleException',
  'UploadNotFoundException',
  'InvalidGroup.NotFound',
  'InvalidGroupId.NotFound',
  'InvalidVpcID.NotFound',
  'InvalidPermission.NotFound',
  'ResourceNotFoundException',
  'ResourceNotFound',
  'NoSuchEntity',
]);

const CONFLICT = new Set([
  'ImageTagAlreadyExistsException',
  'RepositoryAlreadyExistsException',
  'InvalidGroup.Duplicate',
  'ResourceInUseException',
  'ConflictException',
  'ConditionalCheckFailedException',
  'TransactionConflictException',
  'UpdateInProgressException',
]);

/** Message patterns ECS's generic `ClientException` uses for a missing thing. */
const NOT_FOUND_MESSAGE =
  /not found|does not exist|unable to describe task definition|revision is missing/i;

/** Messages of errors raised below HTTP (no response), which are worth retrying. */
const NETWORK_MESSAGE = /socket hang up|ECONN|ETIMEDOUT|EPIPE|network|timed out|fetch failed/i;

interface SdkErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $fault?: 'client' | 'server';
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $response?: { readonly statusCode?: number };
}

function shapeOf(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

/** The AWS error code of an SDK error (`name`, or `code` for some query-protocol errors). */
export function awsErrorCode(error: unknown): string {
  const shape = shapeOf(error);
  return shape.name && shape.name !== 'Error' ? shape.name : (shape.code ?? shape.name ?? '');
}

function statusOf(shape: SdkErrorShape): number | undefined {
  return shape.$metadata?.httpStatusCode ?? shape.$response?.statusCode;
}

/**
 * Translates any error thrown by an SDK call into Understudy's typed errors. Errors that are
 * already Understudy errors pass through unchanged. The SDK error is kept as `cause`.
 */
export function translateSdkError(error: unknown, context: AwsCallContext): Error {
  if (error instanceof UnderstudyError) return error;
  const shape = shapeOf(error);
  const code = awsErrorCode(error);
  const message = shape.message ?? String(error);
  const status = statusOf(shape);
  const options = { cause: error };
  const { operation } = context;

  if (THROTTLING.has(code) || status === 429) return new ThrottlingError(operation, options);
  if (code.startsWith('AccessDenied') || code === 'UnauthorizedOperation' || status === 403) {
    return new AccessDeniedError(operation, message, options);
  }
  if (
    NOT_FOUND.has(code) ||
    code.endsWith('.NotFound') ||
    (code === 'ClientException' && NOT_FOUND_MESSAGE.test(message))
  ) {
    return new NotFoundError(context.kind ?? 'resource', context.id ?? message, options);
  }
  if (CONFLICT.has(code) || /not idempotent/i.test(message)) {
    return new ConflictError(`${operation}: ${message}`, options);
  }
  if (
    UNAVAILABLE.has(code) ||
    NETWORK_CODES.has(shape.code ?? '') ||
    NETWORK_CODES.has(code) ||
    shape.$fault === 'server' ||
    (status !== undefined && status >= 500)
  ) {
    return new ServiceUnavailableError(operation, `${code || 'error'}: ${message}`, options);
  }
  if (status === undefined && NETWORK_MESSAGE.test(message)) {
    // No HTTP response at all: the request never completed (socket, DNS, timeout).
    return new ServiceUnavailableError(
      operation,
      `${code || 'network error'}: ${message}`,
      options,
    );
  }
  return new AwsRequestError(operation, code || 'UnknownError', message, options);
}

/** Runs one SDK call and translates whatever it throws (see {@link translateSdkError}). */
export async function callAws<T>(context: AwsCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateSdkError(error, context);
  }
}
