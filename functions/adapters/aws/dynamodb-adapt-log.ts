/**
 * Adaptation's log on DynamoDB, in the staging forecast table (`FORECAST_TABLE`: pk/sk, TTL on
 * `expiresAt`) beside the forecasts it reads:
 *
 * - `pk = ADAPT#<service>`, `sk = STATE`: the state as a JSON string, with a `revision` every
 *   write is conditional on (two overlapping scheduled runs cannot both move it);
 * - `pk = ADAPT#<service>`, `sk = DECISION#<period>`: one decision per period, put only if absent,
 *   so a retried run finds the decision it made and re-applies that instead of deciding twice.
 *   Decisions expire after {@link DECISION_RETENTION_DAYS} days.
 *
 * Single-item conditional writes only (dynalite has no transactions): every intermediate state —
 * decision recorded but not applied, applied but state not yet written — is recovered by the next
 * run of the same period or the next period.
 */
import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type {
  AdaptDecisionRecord,
  AdaptLog,
  AdaptState,
  VersionedAdaptState,
} from '../../core/adapt/log';
import { ConflictError, ValidationError } from '../../core/errors';
import type { ServiceKey } from '../../core/model';
import type { Clock } from '../../core/ports';
import { systemClock } from '../../shared/clock';
import { callDynamo, fromItem, numberField, stringField, toItem, writeIf } from './dynamodb-common';

/** How long decision records are kept. */
export const DECISION_RETENTION_DAYS = 90;

/** Partition key of a service's adaptation items. */
export function adaptPartitionKey(service: ServiceKey): string {
  return `ADAPT#${service}`;
}

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ValidationError('invalid adapt log item', [`${what} is not JSON`]);
  }
}

/** `AdaptLog` on DynamoDB. */
export class DynamoDbAdaptLog implements AdaptLog {
  private readonly clock: Clock;

  /**
   * @param client - DynamoDB client for the staging region.
   * @param tableName - Physical name of the staging table built from `FORECAST_TABLE`.
   * @param options - `clock` for `updatedAt` and decision expiry (default the system clock).
   */
  public constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: { readonly clock?: Clock } = {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  /** {@inheritDoc AdaptLog.getState} (strongly consistent). */
  public async getState(service: ServiceKey): Promise<VersionedAdaptState | undefined> {
    const output = await callDynamo('GetItem', this.tableName, () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: toItem({ pk: adaptPartitionKey(service), sk: 'STATE' }),
          ConsistentRead: true,
        }),
      ),
    );
    if (!output.Item) return undefined;
    const item = fromItem(output.Item);
    return {
      state: parseJson<AdaptState>(stringField(item, 'state'), `state of ${service}`),
      revision: numberField(item, 'revision') ?? 0,
    };
  }

  /** {@inheritDoc AdaptLog.putState} */
  public async putState(state: AdaptState, expectedRevision: number | undefined): Promise<number> {
    const revision = (expectedRevision ?? 0) + 1;
    const written = await writeIf(() =>
      callDynamo('PutItem', this.tableName, () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toItem({
              pk: adaptPartitionKey(state.service),
              sk: 'STATE',
              kind: 'adapt-state',
              state: JSON.stringify(state),
              revision,
              epoch: state.epoch,
              updatedAt: new Date(this.clock.now()).toISOString(),
            }),
            ...(expectedRevision === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: 'revision = :expected',
                  ExpressionAttributeValues: toItem({ ':expected': expectedRevision }),
                }),
          }),
        ),
      ),
    );
    if (!written) {
      throw new ConflictError(
        `adapt state of ${state.service} moved on: expected revision ${expectedRevision ?? 'none'}`,
      );
    }
    return revision;
  }

  /** {@inheritDoc AdaptLog.recordDecision} */
  public async recordDecision(
    record: AdaptDecisionRecord,
  ): Promise<{ readonly recorded: boolean; readonly record: AdaptDecisionRecord }> {
    const key = { pk: adaptPartitionKey(record.service), sk: `DECISION#${record.period}` };
    const expiresAt = Math.floor(this.clock.now() / 1000) + DECISION_RETENTION_DAYS * 24 * 3600;
    const recorded = await writeIf(() =>
      callDynamo('PutItem', this.tableName, () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toItem({
              ...key,
              kind: 'adapt-decision',
              epoch: record.epoch,
              action: record.decision.action,
              newMin: record.decision.newMin,
              decidedAt: record.decision.decidedAt,
              record: JSON.stringify(record),
              expiresAt,
            }),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      ),
    );
    if (recorded) return { recorded, record };
    const output = await callDynamo('GetItem', this.tableName, () =>
      this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: toItem(key), ConsistentRead: true }),
      ),
    );
    if (!output.Item) throw new ConflictError(`decision ${key.sk} of ${record.service} vanished`);
    return {
      recorded,
      record: parseJson<AdaptDecisionRecord>(
        stringField(fromItem(output.Item), 'record'),
        `decision ${key.sk} of ${record.service}`,
      ),
    };
  }

  /** {@inheritDoc AdaptLog.listDecisions} */
  public async listDecisions(
    service: ServiceKey,
    limit: number,
  ): Promise<readonly AdaptDecisionRecord[]> {
    if (!(Number.isInteger(limit) && limit >= 1)) {
      throw new ValidationError('invalid limit', [`limit ${limit} must be an integer ≥ 1`]);
    }
    const output = await callDynamo('Query', this.tableName, () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :decision)',
          ExpressionAttributeValues: toItem({
            ':pk': adaptPartitionKey(service),
            ':decision': 'DECISION#',
          }),
          ScanIndexForward: false,
          Limit: limit,
          ConsistentRead: true,
        }),
      ),
    );
    return (output.Items ?? []).map((raw) =>
      parseJson<AdaptDecisionRecord>(stringField(fromItem(raw), 'record'), 'decision record'),
    );
  }
}
