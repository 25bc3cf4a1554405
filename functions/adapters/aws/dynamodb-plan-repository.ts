/**
 * Deployment plan entries on DynamoDB: one item per service under `pk = PLAN` in the inventory
 * table, so the failover reads the whole plan with one strongly consistent query.
 */
import {
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { contentHash } from '../../core/content-hash';
import { ValidationError } from '../../core/errors';
import type { DeploymentPlan, PlanEntry, ServiceKey } from '../../core/model';
import type { Clock, PlanRepository } from '../../core/ports';
import { systemClock } from '../../shared/clock';
import { callDynamo, type DynamoItem, fromItem, stringField, toItem } from './dynamodb-common';

const PLAN_PK = 'PLAN';

/** Options of {@link DynamoDbPlanRepository}. */
export interface DynamoDbPlanRepositoryOptions {
  /**
   * Time source for entry `updatedAt` (and `generatedAt` of an empty plan).
   * @default systemClock
   */
  readonly clock?: Clock;
}

/** `PlanRepository` on DynamoDB (entries in the inventory table). */
export class DynamoDbPlanRepository implements PlanRepository {
  private readonly clock: Clock;

  /**
   * @param client - DynamoDB client for the staging region.
   * @param tableName - Physical name of the table built from `INVENTORY_TABLE`.
   */
  public constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: DynamoDbPlanRepositoryOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  /** Stores (replaces) the plan entry of one service. */
  public async putEntry(entry: PlanEntry): Promise<void> {
    if (!entry.service)
      throw new ValidationError('invalid plan entry', ['service must be non-empty']);
    await callDynamo('PutItem', this.tableName, () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({
            pk: PLAN_PK,
            sk: entry.service,
            kind: 'plan-entry',
            wave: entry.wave,
            cloneVersion: entry.cloneVersion,
            updatedAt: new Date(this.clock.now()).toISOString(),
            entry: JSON.stringify(entry),
          }),
        }),
      ),
    );
  }

  /** Removes a service's entry (a service no longer protected); a no-op when absent. */
  public async deleteEntry(service: ServiceKey): Promise<void> {
    await callDynamo('DeleteItem', this.tableName, () =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: toItem({ pk: PLAN_PK, sk: service }),
        }),
      ),
    );
  }

  /**
   * The current plan: every entry, ordered by wave then service. `planId` is derived from the
   * entries' content (same entries → same id), `generatedAt` is the newest entry's write time.
   */
  public async getPlan(): Promise<DeploymentPlan> {
    const items: Record<string, unknown>[] = [];
    let startKey: DynamoItem | undefined;
    do {
      const output = await callDynamo('Query', this.tableName, () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: toItem({ ':pk': PLAN_PK }),
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of output.Items ?? []) items.push(fromItem(item));
      startKey = output.LastEvaluatedKey;
    } while (startKey);

    const entries = items
      .map((item) => JSON.parse(stringField(item, 'entry')) as PlanEntry)
      .sort(
        (a, b) => a.wave - b.wave || (a.service < b.service ? -1 : a.service > b.service ? 1 : 0),
      );
    const updated = items.map((item) => stringField(item, 'updatedAt')).sort();
    return {
      planId: `plan-${contentHash(entries).slice(0, 16)}`,
      generatedAt: updated[updated.length - 1] ?? new Date(this.clock.now()).toISOString(),
      entries,
      warnings: [],
    };
  }
}
