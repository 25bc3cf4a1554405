/**
 * `DrillHistory` on DynamoDB: one item per drill in the drill deployment's failover table, under
 * one partition (`DRILLS`) sorted by start time, so the trend is one Query. A drill a year at
 * most every few minutes stays far below a partition's limits.
 */
import { type DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { DrillHistory, DrillRecord } from '../../core/drill/ports';
import { callDynamo, fromItem, toItem } from './dynamodb-common';

const PARTITION = 'DRILLS';

/** The drill history in the drill deployment's failover table. */
export class DynamoDbDrillHistory implements DrillHistory {
  /**
   * @param client - DynamoDB client of the staging region.
   * @param tableName - The drill deployment's failover table (`FAILOVER_TABLE`).
   */
  public constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** PutItem, keyed by start time and name: a retried teardown rewrites the same item. */
  public async put(record: DrillRecord): Promise<void> {
    await callDynamo('PutItem', this.tableName, () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({
            pk: PARTITION,
            sk: `${record.startedAt}#${record.drillName}`,
            ...record,
          }),
        }),
      ),
    );
  }

  /** The newest `limit` drills (Query, newest first), returned oldest first. */
  public async list(limit: number): Promise<readonly DrillRecord[]> {
    const out = await callDynamo('Query', this.tableName, () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: PARTITION } },
          ScanIndexForward: false,
          Limit: limit,
          ConsistentRead: true,
        }),
      ),
    );
    return (out.Items ?? [])
      .map((item) => {
        const { pk: _pk, sk: _sk, ...record } = fromItem(item);
        return record as unknown as DrillRecord;
      })
      .reverse();
  }
}
