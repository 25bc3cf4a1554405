/**
 * The failover admission record on DynamoDB: one item in the authority lease table (the same
 * single-region table, so admission and lease are read and written with the same guarantees),
 * replaced only by a conditional write naming the execution the writer read.
 */
import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type {
  AdmissionRecord,
  AdmissionStore,
  FailoverTrigger,
} from '../../core/failover/admission';
import { FAILOVER_TRIGGERS } from '../../core/failover/admission';
import { callDynamo, getByPk, numberField, stringField, toItem, writeIf } from './dynamodb-common';

/** Options of {@link DynamoDbFailoverAdmission}. */
export interface DynamoDbFailoverAdmissionOptions {
  /**
   * Which admission record (the drill deployment keeps its own).
   * @default 'failover'
   */
  readonly admissionId?: string;
}

function decodeRecord(item: Record<string, unknown>): AdmissionRecord {
  const trigger = stringField(item, 'trigger');
  if (!(FAILOVER_TRIGGERS as readonly string[]).includes(trigger)) {
    throw new Error(`stored failover admission has an unknown trigger: ${trigger}`);
  }
  const admittedAt = numberField(item, 'admittedAt');
  if (admittedAt === undefined) throw new Error('stored failover admission has no admittedAt');
  return {
    executionName: stringField(item, 'executionName'),
    admittedAt,
    trigger: trigger as FailoverTrigger,
  };
}

/** {@link AdmissionStore} on the lease table. */
export class DynamoDbFailoverAdmission implements AdmissionStore {
  private readonly key: string;

  /**
   * @param client - DynamoDB client for the staging region.
   * @param tableName - Physical name of the table built from `LEASE_TABLE`.
   */
  public constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: DynamoDbFailoverAdmissionOptions = {},
  ) {
    this.key = `ADMISSION#${options.admissionId ?? 'failover'}`;
  }

  /** The record, strongly consistent (a stale read would only lose the conditional write). */
  public async read(): Promise<AdmissionRecord | undefined> {
    const item = await getByPk(this.client, this.tableName, this.key);
    return item ? decodeRecord(item) : undefined;
  }

  /** Replaces the record only if it still names `expectedExecutionName` (or is absent). */
  public replace(
    next: AdmissionRecord,
    expectedExecutionName: string | undefined,
  ): Promise<boolean> {
    const condition =
      expectedExecutionName === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: 'executionName = :expected',
            ExpressionAttributeValues: toItem({ ':expected': expectedExecutionName }),
          };
    return writeIf(() =>
      callDynamo('PutItem', this.tableName, () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toItem({
              pk: this.key,
              executionName: next.executionName,
              admittedAt: next.admittedAt,
              admittedAtIso: new Date(next.admittedAt).toISOString(),
              trigger: next.trigger,
            }),
            ...condition,
          }),
        ),
      ),
    );
  }
}
