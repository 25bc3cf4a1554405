import { ClientException, ServerException } from '@aws-sdk/client-ecs';
import {
  AwsRequestError,
  callAws,
  translateSdkError,
} from '../../functions/adapters/aws/sdk-errors';
import {
  AccessDeniedError,
  ConflictError,
  isRetryable,
  NotFoundError,
  ServiceUnavailableError,
  ThrottlingError,
  ValidationError,
} from '../../functions/core/errors';
import { awsError } from './support/aws-error';

const context = { operation: 'ecs:DescribeServices', kind: 'service', id: 'prod/web' };

describe('Function: translateSdkError', () => {
  it.each([
    'ThrottlingException',
    'TooManyRequestsException',
    'ProvisionedThroughputExceededException',
    'RequestLimitExceeded',
  ])('maps %s to ThrottlingError', (name) => {
    // Arrange
    const error = awsError(name, 'Rate exceeded');

    // Act
    const translated = translateSdkError(error, context);

    // Assert
    expect(translated).toBeInstanceOf(ThrottlingError);
    expect(translated.cause).toBe(error);
    expect(isRetryable(translated)).toBe(true);
  });

  it('maps an HTTP 429 without a known name to ThrottlingError', () => {
    // Arrange
    const error = awsError('SomethingNew', 'slow down', 429);

    // Act / Assert
    expect(translateSdkError(error, context)).toBeInstanceOf(ThrottlingError);
  });

  it.each([
    ['ServiceUnavailable', 503],
    ['InternalFailure', 500],
    ['WeirdServerThing', 502],
    ['RequestTimeout', 408],
  ])('maps %s (HTTP %d) to ServiceUnavailableError', (name, status) => {
    // Arrange
    const error = awsError(name, 'try later', status);

    // Act
    const translated = translateSdkError(error, context);

    // Assert
    expect(translated).toBeInstanceOf(ServiceUnavailableError);
    expect(isRetryable(translated)).toBe(true);
  });

  it('maps an SDK ServerException to ServiceUnavailableError', () => {
    // Arrange
    const error = new ServerException({ message: 'boom', $metadata: { httpStatusCode: 500 } });

    // Act / Assert
    expect(translateSdkError(error, context)).toBeInstanceOf(ServiceUnavailableError);
  });

  it('maps network failures without a response to ServiceUnavailableError', () => {
    // Arrange
    const error = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), {
      code: 'ECONNREFUSED',
    });
    const timeout = Object.assign(new Error('Connection timed out after 3000 ms'), {
      name: 'TimeoutError',
    });

    // Act / Assert
    expect(translateSdkError(error, context)).toBeInstanceOf(ServiceUnavailableError);
    expect(translateSdkError(timeout, context)).toBeInstanceOf(ServiceUnavailableError);
  });

  it.each(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation'])(
    'maps %s to AccessDeniedError (not retryable)',
    (name) => {
      // Arrange
      const error = awsError(name, 'not authorized');

      // Act
      const translated = translateSdkError(error, context);

      // Assert
      expect(translated).toBeInstanceOf(AccessDeniedError);
      expect(isRetryable(translated)).toBe(false);
    },
  );

  it.each([
    'ServiceNotFoundException',
    'RepositoryNotFoundException',
    'ImageNotFoundException',
    'InvalidGroup.NotFound',
  ])('maps %s to NotFoundError naming the thing', (name) => {
    // Arrange
    const error = awsError(name, 'missing');

    // Act
    const translated = translateSdkError(error, context);

    // Assert
    expect(translated).toBeInstanceOf(NotFoundError);
    expect(translated).toMatchObject({ kind: 'service', id: 'prod/web' });
  });

  it('maps an ECS ClientException about a missing task definition to NotFoundError', () => {
    // Arrange
    const error = new ClientException({
      message: 'Unable to describe task definition.',
      $metadata: { httpStatusCode: 400 },
    });

    // Act / Assert
    expect(translateSdkError(error, context)).toBeInstanceOf(NotFoundError);
  });

  it('keeps other ECS ClientExceptions as AwsRequestError', () => {
    // Arrange
    const error = new ClientException({
      message: 'Container.image should not be null or empty.',
      $metadata: { httpStatusCode: 400 },
    });

    // Act
    const translated = translateSdkError(error, context);

    // Assert
    expect(translated).toBeInstanceOf(AwsRequestError);
    expect(translated).toMatchObject({ awsCode: 'ClientException' });
    expect(isRetryable(translated)).toBe(false);
  });

  it.each([
    ['ImageTagAlreadyExistsException', 'tag exists'],
    ['InvalidGroup.Duplicate', 'group exists'],
    ['InvalidParameterException', 'Creation of service was not idempotent.'],
  ])('maps %s to ConflictError', (name, message) => {
    // Arrange
    const error = awsError(name, message);

    // Act / Assert
    expect(translateSdkError(error, context)).toBeInstanceOf(ConflictError);
  });

  it('passes Understudy errors through unchanged', () => {
    // Arrange
    const error = new ValidationError('bad input');

    // Act / Assert
    expect(translateSdkError(error, context)).toBe(error);
  });
});

describe('Function: callAws', () => {
  it('returns the call result', async () => {
    // Act
    const result = await callAws(context, async () => 42);

    // Assert
    expect(result).toBe(42);
  });

  it('throws the translated error', async () => {
    // Arrange
    const failing = async () => {
      throw awsError('ThrottlingException', 'Rate exceeded');
    };

    // Act / Assert
    await expect(callAws(context, failing)).rejects.toThrow(ThrottlingError);
    await expect(callAws(context, failing)).rejects.toThrow('ecs:DescribeServices was throttled');
  });
});
