/**
 * The authority lease on DynamoDB: one item in a single-region table (never a global table,
 * whose conditional writes are checked only in the local replica). The epoch is the fencing
 * token: every transfer is conditional on the epoch the caller read and raises it by one, so of
 * two racing transfers from the same epoch exactly one wins.
 */
import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ConflictError, StaleEpochError, ValidationError } from '../../core/errors';
import type { AuthorityHolder, Lease } from '../../core/model';
import type { AuthorityLease, Clock } from '../../core/ports';
import { systemClock } from '../../shared/clock';
import {
  callDynamo,
  fromItem,
  getByPk,
  numberField,
  stringField,
  toItem,
  writeIf,
} from './dynamodb-common';

const HOLDERS: readonly AuthorityHolder[] = ['primary', 'shadow'];

/** Options of {@link DynamoDbAuthorityLease}. */
export interface DynamoDbAuthorityLeaseOptions {
  /**
   * Time source for `acquiredAt`/`updatedAt`.
   * @default systemClock
   */
  readonly clock?: Clock;
  /**
   * Which lease in the table (the drill deployment keeps its own).
   * @default 'authority'
   */
  readonly leaseId?: string;
}

function decodeLease(item: Record<string, unknown>): Lease {
  const holder = stringField(item, 'holder');
  if (!(HOLDERS as readonly string[]).includes(holder)) {
    throw new Error(`stored lease has an unknown holder: ${holder}`);
  }
  return {
    holder: holder as AuthorityHolder,
    epoch: numberField(item, 'epoch') ?? 0,
    reason: stringField(item, 'reason'),
    acquiredAt: stringField(item, 'acquiredAt'),
    updatedAt: stringField(item, 'updatedAt'),
  };
}

/** `AuthorityLease` on DynamoDB (one item, conditional writes on the epoch). */
export class DynamoDbAuthorityLease implements AuthorityLease {
  private readonly clock: Clock;
  private readonly key: string;

  /**
   * @param client - DynamoDB client for the staging region.
   * @param tableName - Physical name of the table built from `LEASE_TABLE`.
   */
  public constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: DynamoDbAuthorityLeaseOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.key = `LEASE#${options.leaseId ?? 'authority'}`;
  }

  /**
   * The current lease (strongly consistent). When there is none yet it is created as
   * `primary`, epoch 1, conditional on still being absent, so concurrent first readers agree.
   */
  public async read(): Promise<Lease> {
    const existing = await this.get();
    if (existing) return existing;
    const now = new Date(this.clock.now()).toISOString();
    const initial: Lease = {
      holder: 'primary',
      epoch: 1,
      reason: 'initialised',
      acquiredAt: now,
      updatedAt: now,
    };
    const created = await writeIf(() =>
      callDynamo('PutItem', this.tableName, () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toItem({ pk: this.key, ...initial }),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      ),
    );
    if (created) return initial;
    const raced = await this.get();
    if (!raced) throw new ConflictError('lease vanished while it was being initialised');
    return raced;
  }

  /**
   * Gives authority to `holder` at `expectedEpoch + 1`, only if the lease is still at
   * `expectedEpoch`. ConflictError when another transfer got there first.
   */
  public async transfer(
    holder: AuthorityHolder,
    expectedEpoch: number,
    reason: string,
  ): Promise<Lease> {
    if (!HOLDERS.includes(holder)) {
      throw new ValidationError('invalid lease holder', [
        `holder ${holder} is not primary or shadow`,
      ]);
    }
    if (!Number.isSafeInteger(expectedEpoch) || expectedEpoch < 1) {
      throw new ValidationError('invalid epoch', [
        `expectedEpoch ${expectedEpoch} is not an integer ≥ 1`,
      ]);
    }
    await this.read(); // make sure the item exists, so the condition below can hold
    const now = new Date(this.clock.now()).toISOString();
    try {
      const output = await callDynamo('UpdateItem', this.tableName, () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: toItem({ pk: this.key }),
            UpdateExpression:
              'SET holder = :holder, epoch = :next, reason = :reason, acquiredAt = :now, updatedAt = :now',
            ConditionExpression: 'epoch = :expected',
            ExpressionAttributeValues: toItem({
              ':holder': holder,
              ':next': expectedEpoch + 1,
              ':reason': reason,
              ':now': now,
              ':expected': expectedEpoch,
            }),
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      if (!output.Attributes) throw new Error('UpdateItem returned no lease');
      return decodeLease(fromItem(output.Attributes));
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const current = await this.get();
      throw new ConflictError(
        `lease transfer to ${holder} lost: expected epoch ${expectedEpoch}, lease is at epoch ${current?.epoch ?? 'unknown'} held by ${current?.holder ?? 'nobody'}`,
        { cause: error },
      );
    }
  }

  /** Throws StaleEpochError unless `holder` holds the lease at exactly `epoch`. */
  public async assertHeld(holder: AuthorityHolder, epoch: number): Promise<void> {
    const lease = await this.read();
    if (lease.holder !== holder || lease.epoch !== epoch) {
      throw new StaleEpochError(epoch, lease.epoch);
    }
  }

  /**
   * The lease as stored (strongly consistent), or `undefined` when none was ever written. Unlike
   * {@link read} it never writes, so a read-only caller (the primary's pipeline) can use it.
   */
  public peek(): Promise<Lease | undefined> {
    return this.get();
  }

  private async get(): Promise<Lease | undefined> {
    const item = await getByPk(this.client, this.tableName, this.key);
    return item ? decodeLease(item) : undefined;
  }
}
