/**
 * The sandbox `MetricsSource` (CloudWatch GetMetricData) bound to one account + region. It reads
 * the datapoints seeded with `SandboxCloud.loadMetricSeries` and aggregates them per period
 * with the query's statistic, leaving `null` where a period has no datapoint.
 */
import { ValidationError } from '../../core/errors';
import type { Location, TimeSeries } from '../../core/model';
import type { MetricQuery, MetricsSource } from '../../core/ports';
import type { SandboxCloud } from './sandbox-cloud';

/** GetMetricData accepts at most this many queries per call. */
export const MAX_QUERIES_PER_CALL = 500;

/** CloudWatch in one sandbox location. */
export class SandboxMetricsSource implements MetricsSource {
  public constructor(
    private readonly cloud: SandboxCloud,
    /** Where this adapter's calls go. */
    public readonly location: Location,
  ) {}

  /** One GetMetricData call per 500 queries. */
  public async getSeries(
    queries: readonly MetricQuery[],
    range: { readonly startMs: number; readonly endMs: number; readonly periodSeconds: number },
  ): Promise<ReadonlyMap<string, TimeSeries>> {
    const bad = queries.filter((query) => !/^[a-z][a-zA-Z0-9_]*$/.test(query.id)).map((q) => q.id);
    if (bad.length > 0) throw new ValidationError('invalid metric query id', bad);
    const result = new Map<string, TimeSeries>();
    for (let offset = 0; offset < queries.length; offset += MAX_QUERIES_PER_CALL) {
      const chunk = queries.slice(offset, offset + MAX_QUERIES_PER_CALL);
      await this.cloud.call(this.location, 'cloudwatch:GetMetricData', () => {
        const metrics = this.cloud.state(this.location).metrics;
        for (const query of chunk) {
          const { start, values } = metrics.read(query, query.stat, range);
          result.set(query.id, { start, intervalSeconds: range.periodSeconds, values });
        }
      });
    }
    return result;
  }
}
