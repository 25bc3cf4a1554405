/**
 * CloudWatch (AWS SDK v3) implementation of the {@link MetricsSource} port: demand history as
 * regular, period-aligned series with gaps kept as `null`.
 */
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { AccessDeniedError, ServiceUnavailableError } from '../../core/errors';
import type { TimeSeries } from '../../core/model';
import type { MetricQuery, MetricsSource } from '../../core/ports';
import { callAws } from './sdk-errors';

/** GetMetricData takes at most 500 MetricDataQuery structures per call. */
export const MAX_QUERIES_PER_CALL = 500;
/** GetMetricData returns at most 100,800 datapoints per call (all queries together). */
export const MAX_DATAPOINTS_PER_CALL = 100_800;

/** One GetMetricData request's worth of work: some queries over one time window. */
interface CallPlan {
  /** Indexes into the caller's query list. */
  readonly queryIndexes: readonly number[];
  /** Window start (epoch ms, period-aligned). */
  readonly startMs: number;
  /** Window end (epoch ms, exclusive, period-aligned). */
  readonly endMs: number;
}

/**
 * Splits the work so no call asks for more than {@link MAX_QUERIES_PER_CALL} queries or
 * {@link MAX_DATAPOINTS_PER_CALL} datapoints: long ranges are cut into windows of at most
 * 100,800 periods, and queries are batched so queries × periods per window stays in the limit.
 */
export function planCalls(
  queryCount: number,
  alignedStartMs: number,
  slots: number,
  periodMs: number,
): CallPlan[] {
  const plans: CallPlan[] = [];
  const slotsPerWindow = Math.min(slots, MAX_DATAPOINTS_PER_CALL);
  const perBatch = Math.max(
    1,
    Math.min(MAX_QUERIES_PER_CALL, Math.floor(MAX_DATAPOINTS_PER_CALL / slotsPerWindow)),
  );
  for (let first = 0; first < slots; first += slotsPerWindow) {
    const windowSlots = Math.min(slotsPerWindow, slots - first);
    const startMs = alignedStartMs + first * periodMs;
    const endMs = startMs + windowSlots * periodMs;
    for (let index = 0; index < queryCount; index += perBatch) {
      const queryIndexes = Array.from(
        { length: Math.min(perBatch, queryCount - index) },
        (_, offset) => index + offset,
      );
      plans.push({ queryIndexes, startMs, endMs });
    }
  }
  return plans;
}

/** Internal CloudWatch query id of the caller's i-th query (always matches CloudWatch's rule). */
function internalId(index: number): string {
  return `q${index}`;
}

function toMetricDataQuery(
  query: MetricQuery,
  index: number,
  periodSeconds: number,
): MetricDataQuery {
  return {
    Id: internalId(index),
    Label: query.id,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: query.namespace,
        MetricName: query.metricName,
        Dimensions: query.dimensions.map((dimension) => ({
          Name: dimension.name,
          Value: dimension.value,
        })),
      },
      Period: periodSeconds,
      Stat: query.stat,
    },
  };
}

/** Reads CloudWatch metrics through GetMetricData. */
export class CloudWatchMetricsSource implements MetricsSource {
  /** @param client a CloudWatch client for the region (and account) the metrics live in. */
  public constructor(private readonly client: CloudWatchClient) {}

  /** {@inheritDoc MetricsSource.getSeries} */
  public async getSeries(
    queries: readonly MetricQuery[],
    range: { readonly startMs: number; readonly endMs: number; readonly periodSeconds: number },
  ): Promise<ReadonlyMap<string, TimeSeries>> {
    const periodMs = range.periodSeconds * 1000;
    const alignedStart = Math.floor(range.startMs / periodMs) * periodMs;
    const slots = Math.max(0, Math.ceil((range.endMs - alignedStart) / periodMs));
    const values = queries.map(() => new Array<number | null>(slots).fill(null));

    for (const plan of planCalls(queries.length, alignedStart, slots, periodMs)) {
      const metricDataQueries = plan.queryIndexes.map((index) =>
        toMetricDataQuery(queries[index] as MetricQuery, index, range.periodSeconds),
      );
      let nextToken: string | undefined;
      do {
        const output = await callAws({ operation: 'cloudwatch:GetMetricData' }, () =>
          this.client.send(
            new GetMetricDataCommand({
              MetricDataQueries: metricDataQueries,
              StartTime: new Date(plan.startMs),
              EndTime: new Date(plan.endMs),
              ScanBy: 'TimestampAscending',
              NextToken: nextToken,
            }),
          ),
        );
        for (const result of output.MetricDataResults ?? []) {
          this.place(result, values, alignedStart, periodMs, plan);
        }
        nextToken = output.NextToken;
      } while (nextToken);
    }

    return new Map(
      queries.map((query, index) => [
        query.id,
        { start: alignedStart, intervalSeconds: range.periodSeconds, values: values[index] ?? [] },
      ]),
    );
  }

  /**
   * Puts each returned datapoint into the slot its timestamp falls in. Slots with no datapoint
   * stay `null`: CloudWatch omits empty periods, and a gap must stay visible to the forecaster.
   */
  private place(
    result: MetricDataResult,
    values: (number | null)[][],
    alignedStart: number,
    periodMs: number,
    plan: CallPlan,
  ): void {
    if (result.StatusCode === 'Forbidden') {
      throw new AccessDeniedError('cloudwatch:GetMetricData', result.Label ?? result.Id ?? '');
    }
    if (result.StatusCode === 'InternalError') {
      throw new ServiceUnavailableError(
        'cloudwatch:GetMetricData',
        `internal error for ${result.Label ?? result.Id ?? ''}`,
      );
    }
    const index = Number(/^q(\d+)$/.exec(result.Id ?? '')?.[1] ?? Number.NaN);
    const series = values[index];
    if (!series || !plan.queryIndexes.includes(index)) return;
    const timestamps = result.Timestamps ?? [];
    const points = result.Values ?? [];
    timestamps.forEach((timestamp, position) => {
      const value = points[position];
      const at = new Date(timestamp).getTime();
      if (value === undefined || at < plan.startMs || at >= plan.endMs) return;
      const slot = Math.floor((at - alignedStart) / periodMs);
      if (slot >= 0 && slot < series.length) series[slot] = value;
    });
  }
}
