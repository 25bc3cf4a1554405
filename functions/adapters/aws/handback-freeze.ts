/**
 * {@link AdaptationFreeze} on DynamoDB: one item beside the lease in the lease table
 * (`pk = FREEZE#<lease id>`), read strongly consistently. The adapt Lambda already reads that
 * table, so honouring the freeze costs it one GetItem and no new table. Every write is
 * conditional: a freeze lands only when no other execution holds this epoch unthawed, a thaw only
 * from the execution that froze.
 */
import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ConflictError, ValidationError } from '../../core/errors';
import type { AdaptationFreeze, FreezeMarker } from '../../core/handback/ports';
import { callDynamo, getByPk, numberField, stringField, toItem, writeIf } from './dynamodb-common';

/** Options of {@link DynamoDbAdaptationFreeze}. */
export interface DynamoDbAdaptationFreezeOptions {
  /**
   * Which lease the freeze belongs to (the drill deployment keeps its own).
   * @default 'authority'
   */
  readonly leaseId?: string;
}

function decode(item: Record<string, unknown>): FreezeMarker {
  const thawedAt = item.thawedAt;
  return {
    epoch: numberField(item, 'epoch') ?? 0,
    executionName: stringField(item, 'executionName'),
    frozenAt: stringField(item, 'frozenAt'),
    ...(typeof thawedAt === 'string' ? { thawedAt } : {}),
  };
}

/** The adaptation freeze in the lease table. */
export class DynamoDbAdaptationFreeze implements AdaptationFreeze {
  private readonly key: string;

  /**
   * @param client - DynamoDB client of the staging region.
   * @param tableName - Physical name of the table built from `LEASE_TABLE`.
   */
  public constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: DynamoDbAdaptationFreezeOptions = {},
  ) {
    this.key = `FREEZE#${options.leaseId ?? 'authority'}`;
  }

  /** The marker (strongly consistent), or undefined. */
  public async read(): Promise<FreezeMarker | undefined> {
    const item = await getByPk(this.client, this.tableName, this.key);
    return item ? decode(item) : undefined;
  }

  /**
   * Freezes `epoch`: lands when there is no marker, the marker is of an older epoch, it was
   * thawed, or it is this execution's own (a retry).
   */
  public async freeze(epoch: number, executionName: string, at: string): Promise<FreezeMarker> {
    if (!Number.isSafeInteger(epoch) || epoch < 1) {
      throw new ValidationError('invalid freeze', [`epoch ${epoch} is not an integer ≥ 1`]);
    }
    const current = await this.read();
    if (current && current.epoch === epoch && current.executionName === executionName) {
      if (current.thawedAt === undefined) return current;
    }
    const marker: FreezeMarker = { epoch, executionName, frozenAt: at };
    const written = await writeIf(() =>
      callDynamo('PutItem', this.tableName, () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toItem({ pk: this.key, ...marker }),
            ConditionExpression:
              'attribute_not_exists(pk) OR epoch < :epoch OR attribute_exists(thawedAt) OR executionName = :name',
            ExpressionAttributeValues: toItem({ ':epoch': epoch, ':name': executionName }),
          }),
        ),
      ),
    );
    if (written) return marker;
    const holder = await this.read();
    throw new ConflictError(
      `adaptation at epoch ${epoch} is already frozen by ${holder?.executionName ?? 'another handback'} (epoch ${holder?.epoch ?? '?'}): one handback at a time`,
    );
  }

  /** Thaws the freeze `executionName` holds at `epoch` (a no-op otherwise). */
  public async thaw(epoch: number, executionName: string, at: string): Promise<void> {
    await writeIf(() =>
      callDynamo('UpdateItem', this.tableName, () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: toItem({ pk: this.key }),
            UpdateExpression: 'SET thawedAt = :at',
            ConditionExpression:
              'epoch = :epoch AND executionName = :name AND attribute_not_exists(thawedAt)',
            ExpressionAttributeValues: toItem({
              ':at': at,
              ':epoch': epoch,
              ':name': executionName,
            }),
          }),
        ),
      ),
    );
  }
}
