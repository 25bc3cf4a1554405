/**
 * {@link PlanPages} on the inventory table's plan entries (`pk = PLAN`, `sk = <service key>`,
 * written by `DynamoDbPlanRepository`): the summary reads the plan once; each page is a query
 * from the cursor (the last service key returned) filtered to one wave, so a deploy Lambda holds
 * one page, never 5,000 entries.
 */
import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { ValidationError } from '../../core/errors';
import { summarisePlan } from '../../core/failover/plan-summary';
import type { PlanPage, PlanPages, PlanSummary } from '../../core/failover/ports';
import type { PlanEntry } from '../../core/model';
import { callDynamo, type DynamoItem, fromItem, stringField, toItem } from './dynamodb-common';
import { DynamoDbPlanRepository } from './dynamodb-plan-repository';

const PLAN_PK = 'PLAN';
/** Items DynamoDB evaluates per query round (the wave filter applies after it). */
const SCAN_PAGE = 500;

/** The plan in pages, from DynamoDB. */
export class DynamoDbPlanPages implements PlanPages {
  /**
   * @param client - DynamoDB client of the staging region.
   * @param tableName - Physical name of the table built from `INVENTORY_TABLE`.
   */
  public constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** Services, tasks and services per wave of the current plan. */
  public async summary(): Promise<PlanSummary> {
    const plan = await new DynamoDbPlanRepository(this.client, this.tableName).getPlan();
    return summarisePlan(plan);
  }

  /** Up to `limit` entries of `wave` after `cursor`, ordered by service key. */
  public async page(wave: number, limit: number, cursor?: string): Promise<PlanPage> {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ValidationError('invalid page', [`limit ${limit} is not a positive integer`]);
    }
    const entries: PlanEntry[] = [];
    let start: DynamoItem | undefined =
      cursor === undefined ? undefined : toItem({ pk: PLAN_PK, sk: cursor });
    // One more than asked: it tells whether there is a next page without another round trip.
    while (entries.length <= limit) {
      const output = await callDynamo('Query', this.tableName, () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            FilterExpression: 'wave = :wave',
            ExpressionAttributeValues: toItem({ ':pk': PLAN_PK, ':wave': wave }),
            ConsistentRead: true,
            Limit: SCAN_PAGE,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const item of output.Items ?? []) {
        entries.push(JSON.parse(stringField(fromItem(item), 'entry')) as PlanEntry);
      }
      start = output.LastEvaluatedKey;
      if (!start) break;
    }
    const page = entries.slice(0, limit);
    const last = page.at(-1);
    return entries.length > limit && last
      ? { entries: page, nextCursor: last.service }
      : { entries: page };
  }
}
