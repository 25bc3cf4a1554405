import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  InternalServerError,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
  RequestLimitExceeded,
  ResourceNotFoundException,
  ThrottlingException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbAuthorityLease } from '../../functions/adapters/aws/dynamodb-authority-lease';
import { isConditionalCheckFailure } from '../../functions/adapters/aws/dynamodb-common';
import { DynamoDbForecastRepository } from '../../functions/adapters/aws/dynamodb-forecast-repository';
import { DynamoDbInventoryRepository } from '../../functions/adapters/aws/dynamodb-inventory-repository';
import { DynamoDbPlanRepository } from '../../functions/adapters/aws/dynamodb-plan-repository';
import {
  AccessDeniedError,
  ConflictError,
  isRetryable,
  NotFoundError,
  ServiceUnavailableError,
  ThrottlingError,
} from '../../functions/core/errors';

const TABLE = 'inventory-table';
const clock = { now: () => Date.parse('2026-11-26T12:00:00.000Z'), sleep: async () => {} };
const dynamo = mockClient(DynamoDBClient);

function client(): DynamoDBClient {
  return new DynamoDBClient({ region: 'us-east-1' });
}

const leaseItem = (epoch: number, holder = 'primary') =>
  marshall({
    pk: 'LEASE#authority',
    holder,
    epoch,
    reason: 'initialised',
    acquiredAt: '2026-11-26T12:00:00.000Z',
    updatedAt: '2026-11-26T12:00:00.000Z',
  });

afterEach(() => {
  dynamo.reset();
});

describe('Function: isConditionalCheckFailure', () => {
  it('recognises the SDK exception and nothing else', () => {
    // Arrange
    const failed = new ConditionalCheckFailedException({ message: 'failed', $metadata: {} });

    // Act / Assert
    expect(isConditionalCheckFailure(failed)).toBe(true);
    expect(isConditionalCheckFailure(new ConflictError('other conflict'))).toBe(false);
    expect(isConditionalCheckFailure(new Error('boom'))).toBe(false);
  });
});

describe('Class: DynamoDbInventoryRepository', () => {
  describe('Method: getLatestValidated', () => {
    it.each([
      [
        'ProvisionedThroughputExceededException',
        new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }),
      ],
      ['ThrottlingException', new ThrottlingException({ message: 'slow down', $metadata: {} })],
      ['RequestLimitExceeded', new RequestLimitExceeded({ message: 'slow down', $metadata: {} })],
    ])('maps %s to a retryable ThrottlingError', async (_name, error) => {
      // Arrange
      dynamo.on(GetItemCommand).rejects(error);
      const repo = new DynamoDbInventoryRepository(client(), TABLE, { clock });

      // Act
      const outcome = repo.getLatestValidated('shop/web');

      // Assert
      await expect(outcome).rejects.toThrow(ThrottlingError);
      await expect(outcome).rejects.toMatchObject({ operation: 'dynamodb:GetItem' });
      expect(isRetryable(await outcome.catch((e: unknown) => e))).toBe(true);
    });

    it('maps InternalServerError to ServiceUnavailableError', async () => {
      // Arrange
      dynamo
        .on(GetItemCommand)
        .rejects(new InternalServerError({ message: 'oops', $metadata: { httpStatusCode: 500 } }));
      const repo = new DynamoDbInventoryRepository(client(), TABLE, { clock });

      // Act / Assert
      await expect(repo.getLatestValidated('shop/web')).rejects.toThrow(ServiceUnavailableError);
    });

    it('maps a missing table to NotFoundError naming the table', async () => {
      // Arrange
      dynamo
        .on(GetItemCommand)
        .rejects(new ResourceNotFoundException({ message: 'no table', $metadata: {} }));
      const repo = new DynamoDbInventoryRepository(client(), TABLE, { clock });

      // Act
      const outcome = repo.getLatestValidated('shop/web');

      // Assert
      await expect(outcome).rejects.toThrow(NotFoundError);
      await expect(outcome).rejects.toMatchObject({ kind: 'table', id: TABLE });
    });

    it('reads the pointer item with one strongly consistent GetItem', async () => {
      // Arrange
      dynamo.on(GetItemCommand).resolves({});
      const repo = new DynamoDbInventoryRepository(client(), TABLE, { clock });

      // Act
      const latest = await repo.getLatestValidated('shop/web');

      // Assert
      expect(latest).toBeUndefined();
      expect(dynamo).toHaveReceivedCommandTimes(GetItemCommand, 1);
      expect(dynamo).toHaveReceivedCommandWith(GetItemCommand, {
        TableName: TABLE,
        Key: marshall({ pk: 'SVC#shop/web', sk: 'HEAD' }),
        ConsistentRead: true,
      });
    });
  });

  describe('Method: claimHash', () => {
    it('turns a lost conditional write into false, not an error', async () => {
      // Arrange
      dynamo
        .on(PutItemCommand)
        .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
      const repo = new DynamoDbInventoryRepository(client(), TABLE, { clock });

      // Act
      const claimed = await repo.claimHash('shop/web', 'abc', 'token');

      // Assert
      expect(claimed).toBe(false);
      expect(dynamo).toHaveReceivedCommandWith(PutItemCommand, {
        ConditionExpression: 'attribute_not_exists(pk)',
      });
    });

    it('lets throttling through as ThrottlingError', async () => {
      // Arrange
      dynamo
        .on(PutItemCommand)
        .rejects(new ProvisionedThroughputExceededException({ message: 'slow', $metadata: {} }));
      const repo = new DynamoDbInventoryRepository(client(), TABLE, { clock });

      // Act / Assert
      await expect(repo.claimHash('shop/web', 'abc', 'token')).rejects.toThrow(ThrottlingError);
    });
  });
});

describe('Class: DynamoDbAuthorityLease', () => {
  describe('Method: transfer', () => {
    it('maps a failed epoch condition to ConflictError naming the current epoch', async () => {
      // Arrange
      dynamo.on(GetItemCommand).resolves({ Item: leaseItem(4, 'shadow') });
      dynamo
        .on(UpdateItemCommand)
        .rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
      const lease = new DynamoDbAuthorityLease(client(), 'lease-table', { clock });

      // Act
      const outcome = lease.transfer('primary', 3, 'handback');

      // Assert
      await expect(outcome).rejects.toThrow(ConflictError);
      await expect(outcome).rejects.toThrow(/expected epoch 3, lease is at epoch 4/);
    });

    it('conditions the update on the expected epoch and writes epoch + 1', async () => {
      // Arrange
      dynamo.on(GetItemCommand).resolves({ Item: leaseItem(1) });
      dynamo.on(UpdateItemCommand).resolves({ Attributes: leaseItem(2, 'shadow') });
      const lease = new DynamoDbAuthorityLease(client(), 'lease-table', { clock });

      // Act
      const moved = await lease.transfer('shadow', 1, 'failover');

      // Assert
      expect(moved.epoch).toBe(2);
      expect(dynamo).toHaveReceivedCommandWith(UpdateItemCommand, {
        TableName: 'lease-table',
        ConditionExpression: 'epoch = :expected',
        ExpressionAttributeValues: expect.objectContaining({
          ':expected': { N: '1' },
          ':next': { N: '2' },
          ':holder': { S: 'shadow' },
        }),
      });
    });

    it('maps throttling to ThrottlingError, not ConflictError', async () => {
      // Arrange
      dynamo.on(GetItemCommand).resolves({ Item: leaseItem(1) });
      dynamo
        .on(UpdateItemCommand)
        .rejects(new ThrottlingException({ message: 'slow', $metadata: {} }));
      const lease = new DynamoDbAuthorityLease(client(), 'lease-table', { clock });

      // Act / Assert
      await expect(lease.transfer('shadow', 1, 'failover')).rejects.toThrow(ThrottlingError);
    });
  });
});

describe('Class: DynamoDbForecastRepository', () => {
  describe('Method: put', () => {
    it('treats a lost "newer latest" condition as success', async () => {
      // Arrange
      dynamo
        .on(PutItemCommand)
        .resolvesOnce({})
        .rejectsOnce(new ConditionalCheckFailedException({ message: 'newer', $metadata: {} }));
      const repo = new DynamoDbForecastRepository(client(), 'forecasts');

      // Act
      const outcome = repo.put({
        service: 'shop/web',
        metric: 'cpu',
        generatedAt: '2026-11-26T12:00:00.000Z',
        timestamps: ['2026-11-26T12:05:00.000Z'],
        intervalSeconds: 300,
        mean: [1],
        quantiles: { '0.9': [2] },
        model: 'naive',
        warnings: [],
      });

      // Assert
      await expect(outcome).resolves.toBeUndefined();
      expect(dynamo).toHaveReceivedCommandTimes(PutItemCommand, 2);
    });
  });

  describe('Method: listDecisions', () => {
    it('maps throttling on the query to ThrottlingError', async () => {
      // Arrange
      dynamo
        .on(QueryCommand)
        .rejects(new ProvisionedThroughputExceededException({ message: 'slow', $metadata: {} }));
      const repo = new DynamoDbForecastRepository(client(), 'forecasts');

      // Act / Assert
      await expect(repo.listDecisions('shop/web', 5)).rejects.toThrow(ThrottlingError);
    });
  });
});

describe('Class: DynamoDbPlanRepository', () => {
  describe('Method: putEntry', () => {
    it('maps AccessDeniedException to AccessDeniedError', async () => {
      // Arrange
      const denied = Object.assign(new Error('not allowed'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      });
      dynamo.on(PutItemCommand).rejects(denied);
      const repo = new DynamoDbPlanRepository(client(), TABLE, { clock });

      // Act / Assert
      await expect(
        repo.putEntry({
          service: 'shop/web',
          cloneVersion: 1,
          cluster: 'staging',
          taskDefinitionArn: 'arn:aws:ecs:eu-central-1:222222222222:task-definition/web:1',
          desiredCount: 2,
          dependsOn: [],
          wave: 0,
        }),
      ).rejects.toThrow(AccessDeniedError);
    });
  });
});
