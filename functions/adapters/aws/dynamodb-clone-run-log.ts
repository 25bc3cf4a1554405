/**
 * Per-batch outcomes of a clone run on DynamoDB: the clone-batch workflow's `Record batch
 * outcomes` state puts one item per batch under `pk = RUN#<run>`, `sk = BATCH#<index>` in the
 * inventory table (outcomes as a JSON string, `expiresAt` for the table's TTL); this reads them.
 */
import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { ValidationError } from '../../core/errors';
import type { CloneRunBatchRecord, CloneRunLog } from '../../core/ports';
import { callDynamo, type DynamoItem, fromItem, stringField, toItem } from './dynamodb-common';

/** Partition key of a run's batch items (the ASL writes `States.Format('RUN#{}', $.run)`). */
export function runPartitionKey(run: string): string {
  return `RUN#${run}`;
}

/** `CloneRunLog` on DynamoDB (items in the inventory table). */
export class DynamoDbCloneRunLog implements CloneRunLog {
  /**
   * @param client - DynamoDB client for the staging region.
   * @param tableName - Physical name of the table built from `INVENTORY_TABLE`.
   */
  public constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /**
   * Every batch record of `run`, in batch order (strongly consistent: the children wrote them
   * moments before).
   * @throws ValidationError when an item's outcomes are not JSON or its sort key is no batch.
   */
  public async listBatches(run: string): Promise<readonly CloneRunBatchRecord[]> {
    const records: CloneRunBatchRecord[] = [];
    let startKey: DynamoItem | undefined;
    do {
      const output = await callDynamo('Query', this.tableName, () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :batch)',
            ExpressionAttributeValues: toItem({ ':pk': runPartitionKey(run), ':batch': 'BATCH#' }),
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const raw of output.Items ?? []) {
        const item = fromItem(raw);
        const sk = stringField(item, 'sk');
        const batch = Number(sk.slice('BATCH#'.length));
        if (!Number.isInteger(batch) || batch < 0) {
          throw new ValidationError('invalid clone run record', [`${sk}: not BATCH#<index>`]);
        }
        let outcomes: unknown;
        try {
          outcomes = JSON.parse(stringField(item, 'outcomes'));
        } catch {
          throw new ValidationError('invalid clone run record', [`${sk}: outcomes is not JSON`]);
        }
        records.push({ batch, outcomes });
      }
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return records.sort((a, b) => a.batch - b.batch);
  }
}
