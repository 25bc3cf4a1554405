/**
 * Forecasts and trigger decisions on DynamoDB.
 *
 * Items, all under `pk = SVC#<service>` in the forecasts table:
 * - `LATEST#<metric>`              the latest forecast of a service × metric (replaced only by a
 *                                  forecast generated at the same time or later, so a delayed
 *                                  writer cannot roll it back);
 * - `HIST#<metric>#<generatedMs>`  every stored forecast, expiring (`expiresAt`, epoch seconds)
 *                                  after the history retention;
 * - `DEC#<decidedMs>#<id>`         trigger decisions, expiring after the decision retention.
 *
 * A forecast's arrays go into one gzip-compressed binary attribute: a week at 5-minute steps
 * with several quantiles is ~100 KB of JSON, close to DynamoDB's 400 KB item limit, and
 * compresses several-fold. Expiry is relative to the data's own time (`generatedAt`,
 * `decidedAt`), so no clock is needed here. Numbers are rounded to `significantDigits` first (forecasts carry
 * far less real precision than a double), and evenly spaced timestamps are stored as start +
 * count instead of one string per step.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { ValidationError } from '../../core/errors';
import {
  type Forecast,
  RESOURCE_METRICS,
  type ResourceMetric,
  type ServiceKey,
} from '../../core/model';
import type { DecisionRecord, ForecastRepository } from '../../core/ports';
import {
  callDynamo,
  type DynamoItem,
  fromItem,
  padNumber,
  stringField,
  toItem,
  writeIf,
} from './dynamodb-common';

const DAY_SECONDS = 86_400;
/** Leaves room under DynamoDB's 400 KB item limit for keys and the scalar attributes. */
const MAX_BODY_BYTES = 350 * 1024;

/** Options of {@link DynamoDbForecastRepository}. */
export interface DynamoDbForecastRepositoryOptions {
  /**
   * How long forecast history items live after their `generatedAt`.
   * @default 30 days
   */
  readonly historyRetentionSeconds?: number;
  /**
   * How long decision items live after their `decidedAt`.
   * @default 90 days
   */
  readonly decisionRetentionSeconds?: number;
  /**
   * Significant digits kept of every forecast value (1–17; 17 keeps doubles exactly).
   * @default 6
   */
  readonly significantDigits?: number;
}

/** The compact body of a stored forecast (JSON inside gzip). */
interface ForecastBody {
  readonly service: ServiceKey;
  readonly metric: ResourceMetric;
  readonly generatedAt: string;
  readonly intervalSeconds: number;
  readonly model: string;
  readonly warnings: readonly string[];
  /** Epoch ms of the first step when the timestamps are evenly spaced ISO strings. */
  readonly t0?: number;
  readonly steps: number;
  /** Every timestamp, only when they are not evenly spaced ISO strings. */
  readonly timestamps?: readonly string[];
  readonly mean: readonly number[];
  readonly quantiles: Readonly<Record<string, readonly number[]>>;
}

function servicePk(service: ServiceKey): string {
  return `SVC#${service}`;
}

function epochMs(iso: string, field: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) {
    throw new ValidationError('invalid timestamp', [`${field} is not an ISO-8601 time: ${iso}`]);
  }
  return ms;
}

function assertMetric(metric: string): asserts metric is ResourceMetric {
  if (!(RESOURCE_METRICS as readonly string[]).includes(metric)) {
    throw new ValidationError('invalid metric', [
      `metric ${metric} is not one of ${RESOURCE_METRICS.join(', ')}`,
    ]);
  }
}

/** True when `timestamps[i]` is exactly `t0 + i·interval` in `toISOString` form. */
function evenlySpaced(timestamps: readonly string[], intervalSeconds: number): number | undefined {
  const first = timestamps[0];
  if (first === undefined) return undefined;
  const t0 = Date.parse(first);
  if (!Number.isFinite(t0)) return undefined;
  for (let i = 0; i < timestamps.length; i += 1) {
    if (timestamps[i] !== new Date(t0 + i * intervalSeconds * 1000).toISOString()) return undefined;
  }
  return t0;
}

/**
 * `ForecastRepository` on DynamoDB: latest per service × metric, expiring history, and trigger
 * decisions (see the module comment for the layout and the compact encoding).
 */
export class DynamoDbForecastRepository implements ForecastRepository {
  private readonly historyRetentionSeconds: number;
  private readonly decisionRetentionSeconds: number;
  private readonly significantDigits: number;

  /**
   * @param client - DynamoDB client.
   * @param tableName - Physical name of the table built from `FORECAST_TABLE`.
   */
  public constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: DynamoDbForecastRepositoryOptions = {},
  ) {
    this.historyRetentionSeconds = options.historyRetentionSeconds ?? 30 * DAY_SECONDS;
    this.decisionRetentionSeconds = options.decisionRetentionSeconds ?? 90 * DAY_SECONDS;
    this.significantDigits = options.significantDigits ?? 6;
    if (
      !Number.isInteger(this.significantDigits) ||
      this.significantDigits < 1 ||
      this.significantDigits > 17
    ) {
      throw new ValidationError('invalid forecast repository options', [
        'significantDigits must be an integer in 1..17',
      ]);
    }
  }

  /**
   * Stores a forecast in the history and makes it the latest of its service × metric unless a
   * forecast generated later is already there. ValidationError when even compressed it would
   * not fit in one item, or its arrays disagree in length.
   */
  public async put(forecast: Forecast): Promise<void> {
    assertMetric(forecast.metric);
    const generatedMs = epochMs(forecast.generatedAt, 'generatedAt');
    const body = this.encode(forecast);
    const common = {
      pk: servicePk(forecast.service),
      service: forecast.service,
      metric: forecast.metric,
      generatedAt: forecast.generatedAt,
      generatedMs,
      model: forecast.model,
      steps: forecast.mean.length,
      body,
    };
    await callDynamo('PutItem', this.tableName, () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({
            ...common,
            sk: `HIST#${forecast.metric}#${padNumber(generatedMs)}`,
            kind: 'forecast-history',
            expiresAt: Math.floor(generatedMs / 1000) + this.historyRetentionSeconds,
          }),
        }),
      ),
    );
    // A lost condition means a newer forecast is already the latest: nothing to do.
    await writeIf(() =>
      callDynamo('PutItem', this.tableName, () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toItem({ ...common, sk: `LATEST#${forecast.metric}`, kind: 'forecast-latest' }),
            ConditionExpression: 'attribute_not_exists(pk) OR generatedMs <= :g',
            ExpressionAttributeValues: toItem({ ':g': generatedMs }),
          }),
        ),
      ),
    );
  }

  /** The latest forecast of a service × metric, or undefined. */
  public async getLatest(
    service: ServiceKey,
    metric: ResourceMetric,
  ): Promise<Forecast | undefined> {
    const output = await callDynamo('GetItem', this.tableName, () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: toItem({ pk: servicePk(service), sk: `LATEST#${metric}` }),
          ConsistentRead: true,
        }),
      ),
    );
    return output.Item ? decodeForecast(fromItem(output.Item)) : undefined;
  }

  /** The latest forecast of every metric of a service. */
  public async listLatest(service: ServiceKey): Promise<readonly Forecast[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: toItem({ ':pk': servicePk(service), ':prefix': 'LATEST#' }),
      ConsistentRead: true,
    });
    return items.map(decodeForecast);
  }

  /** Stored forecasts of a service × metric, newest first (at most `limit` when given). */
  public async listHistory(
    service: ServiceKey,
    metric: ResourceMetric,
    limit?: number,
  ): Promise<readonly Forecast[]> {
    assertMetric(metric);
    const items = await this.queryAll(
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: toItem({
          ':pk': servicePk(service),
          ':prefix': `HIST#${metric}#`,
        }),
        ConsistentRead: true,
        ScanIndexForward: false,
      },
      limit,
    );
    return items.map(decodeForecast);
  }

  /**
   * Stores a trigger decision; writing the same id and time again replaces it (idempotent).
   * ValidationError when `inputs` is not JSON-safe.
   */
  public async putDecision(decision: DecisionRecord): Promise<void> {
    if (!decision.id) throw new ValidationError('invalid decision', ['id must be non-empty']);
    const decidedMs = epochMs(decision.decidedAt, 'decidedAt');
    let record: string;
    try {
      record = JSON.stringify(decision);
    } catch (error) {
      throw new ValidationError('invalid decision', ['inputs are not JSON-safe'], { cause: error });
    }
    await callDynamo('PutItem', this.tableName, () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({
            pk: servicePk(decision.service),
            sk: `DEC#${padNumber(decidedMs)}#${decision.id}`,
            kind: 'decision',
            id: decision.id,
            service: decision.service,
            metric: decision.metric,
            decidedAt: decision.decidedAt,
            fired: decision.fired,
            record,
            expiresAt: Math.floor(decidedMs / 1000) + this.decisionRetentionSeconds,
          }),
        }),
      ),
    );
  }

  /** The newest `limit` decisions of a service, newest first. */
  public async listDecisions(
    service: ServiceKey,
    limit: number,
  ): Promise<readonly DecisionRecord[]> {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ValidationError('invalid limit', ['limit must be an integer ≥ 1']);
    }
    const items = await this.queryAll(
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: toItem({ ':pk': servicePk(service), ':prefix': 'DEC#' }),
        ConsistentRead: true,
        ScanIndexForward: false,
      },
      limit,
    );
    return items.map((item) => JSON.parse(stringField(item, 'record')) as DecisionRecord);
  }

  /** Compresses a forecast into the item's binary `body` (see the module comment). */
  private encode(forecast: Forecast): Uint8Array {
    const steps = forecast.mean.length;
    const problems: string[] = [];
    if (forecast.timestamps.length !== steps) {
      problems.push(`timestamps has ${forecast.timestamps.length} entries, mean has ${steps}`);
    }
    if (!forecast.mean.every(Number.isFinite)) problems.push('mean holds a non-finite value');
    for (const [level, values] of Object.entries(forecast.quantiles)) {
      // JSON would silently turn NaN/Infinity into null: refuse instead of storing a lie.
      if (!values.every(Number.isFinite))
        problems.push(`quantile ${level} holds a non-finite value`);
      if (values.length !== steps)
        problems.push(`quantile ${level} has ${values.length} entries, mean has ${steps}`);
    }
    if (problems.length > 0) throw new ValidationError('invalid forecast', problems);

    const round = (values: readonly number[]): number[] =>
      values.map((v) => Number(v.toPrecision(this.significantDigits)));
    const t0 = evenlySpaced(forecast.timestamps, forecast.intervalSeconds);
    const body: ForecastBody = {
      service: forecast.service,
      metric: forecast.metric,
      generatedAt: forecast.generatedAt,
      intervalSeconds: forecast.intervalSeconds,
      model: forecast.model,
      warnings: forecast.warnings,
      steps,
      ...(t0 === undefined ? { timestamps: forecast.timestamps } : { t0 }),
      mean: round(forecast.mean),
      quantiles: Object.fromEntries(
        Object.entries(forecast.quantiles).map(([level, values]) => [level, round(values)]),
      ),
    };
    const compressed = gzipSync(Buffer.from(JSON.stringify(body), 'utf8'));
    if (compressed.byteLength > MAX_BODY_BYTES) {
      throw new ValidationError('forecast too large', [
        `${compressed.byteLength} bytes compressed exceeds ${MAX_BODY_BYTES}; shorten the horizon or the quantiles`,
      ]);
    }
    return new Uint8Array(compressed);
  }

  private async queryAll(
    input: QueryCommandInput,
    limit?: number,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: DynamoItem | undefined;
    do {
      const remaining = limit === undefined ? undefined : limit - items.length;
      const output = await callDynamo('Query', this.tableName, () =>
        this.client.send(
          new QueryCommand({
            ...input,
            ExclusiveStartKey: startKey,
            ...(remaining ? { Limit: remaining } : {}),
          }),
        ),
      );
      for (const item of output.Items ?? []) items.push(fromItem(item));
      startKey = output.LastEvaluatedKey;
    } while (startKey && (limit === undefined || items.length < limit));
    return items;
  }
}

function decodeForecast(item: Record<string, unknown>): Forecast {
  const raw = item.body;
  if (!(raw instanceof Uint8Array)) throw new Error('stored forecast has no binary body');
  const body = JSON.parse(gunzipSync(raw).toString('utf8')) as ForecastBody;
  const timestamps =
    body.timestamps ??
    Array.from({ length: body.steps }, (_, i) =>
      new Date((body.t0 ?? 0) + i * body.intervalSeconds * 1000).toISOString(),
    );
  return {
    service: body.service,
    metric: body.metric,
    generatedAt: body.generatedAt,
    timestamps,
    intervalSeconds: body.intervalSeconds,
    mean: body.mean,
    quantiles: body.quantiles,
    model: body.model,
    warnings: body.warnings,
  };
}
