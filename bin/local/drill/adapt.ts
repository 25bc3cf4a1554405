/**
 * Adaptation in the drill: the real adapt core (`functions/core/adapt/run.ts`) on the drill's
 * virtual clock, every adaptation period while the shadow holds the lease, over the same ports
 * the adapt Lambda uses (the lease, the adapt log and the forecast copy on dynalite, CloudWatch and
 * Application Auto Scaling of the sandbox's staging region).
 *
 * What the sandbox does not model, the drill plays here, and says so:
 * - staging's CloudWatch: each period, the trace's real continuation (its 5-minute points after
 *   the forecast origin) is written as the staged service's datapoints, as the ALB would report
 *   them;
 * - Application Auto Scaling: when a run moves the scalable target's minimum, the service's
 *   desired count follows it (target tracking itself is not simulated).
 *
 * The demo traces are EC2/ELB/RDS metrics, not ECS services' own, so every service adapts on
 * `requestRate` read as absolute demand in the trace's own unit, with one task's capacity set so
 * that the history's 95th percentile needs the primary's task count at the target utilisation.
 * The primary is dark during the outage, so no primary history is read: adaptation works on
 * staging's series alone, as it does on AWS when the primary's CloudWatch does not answer.
 */
import { DynamoDbAdaptLog } from '../../../functions/adapters/aws/dynamodb-adapt-log';
import type { AdaptDecisionRecord } from '../../../functions/core/adapt/log';
import { DEFAULT_ADAPT_SETTINGS } from '../../../functions/core/adapt/policy';
import {
  type AdaptRunConfig,
  type AdaptServiceConfig,
  runAdaptation,
} from '../../../functions/core/adapt/run';
import { buildMetricQueries } from '../../../functions/core/forecast/metric-queries';
import type { AdaptationFreezeReader } from '../../../functions/core/handback/ports';
import type { Forecast, ServiceKey, TimeSeries } from '../../../functions/core/model';
import type { Clock, LoggerLike } from '../../../functions/core/ports';
import type { LocalFailoverWorld } from '../failover-world';
import type { AdaptAdjustment, AdaptInputs } from './report';

/** The adapt Lambda's schedule and metric period (the handler's default), seconds. */
export const ADAPT_PERIOD_SECONDS = 300;

/** Fraction of a task's capacity planned for (the pipeline settings' `targetUtilization`). */
const TARGET_UTILIZATION = 0.6;

/** What one service adapts on. */
export interface AdaptFeed {
  /** The protected service's key (`cluster/service`). */
  readonly service: ServiceKey;
  /** The primary's forecast (requestRate), on the drill clock. */
  readonly forecast: Forecast;
  /** The trace's real continuation after the forecast origin, at its own step, on the drill clock. */
  readonly continuation: TimeSeries;
  /** The trace's 95th percentile before the origin (sets one task's capacity). */
  readonly historyP95: number;
  /** Tasks the primary ran the history with. */
  readonly referenceTasks: number;
}

/** Where a steady service runs in staging. */
export interface StagedRef {
  readonly service: ServiceKey;
  readonly cluster: string;
  readonly serviceName: string;
}

/** Adaptation runs that failed for one service with one error (each retried next period). */
export interface AdaptFailure {
  readonly firstAt: string;
  readonly lastAt: string;
  readonly service: ServiceKey;
  readonly error: string;
  readonly count: number;
}

/** The logger the core writes to: the drill's output is the report, not log lines. */
const quiet: LoggerLike = { debug() {}, info() {}, warn() {}, error() {} };

/** One task's demand capacity: the history's 95th percentile needs `referenceTasks` tasks. */
export function requestsPerTaskOf(feed: Pick<AdaptFeed, 'historyP95' | 'referenceTasks'>): number {
  const perTask = feed.historyP95 / (Math.max(1, feed.referenceTasks) * TARGET_UTILIZATION);
  // A flat-zero history has no capacity to scale by: one unit per task keeps the formula finite.
  return perTask > 0 && Number.isFinite(perTask) ? perTask : 1;
}

/** The adapt core over one telling of the story's ports, period by period. */
export class DrillAdaptation {
  private readonly config: AdaptRunConfig;
  private readonly feeds = new Map<ServiceKey, AdaptFeed>();
  private readonly refs = new Map<ServiceKey, StagedRef>();
  private fedUntil: number | undefined;
  /** Every change of a minimum, in order. */
  public readonly adjustments: AdaptAdjustment[] = [];
  /** Every per-service failure, in order. */
  public readonly failures: AdaptFailure[] = [];
  /** Scheduled runs made (a run while the primary holds the lease is the core's `skipped`). */
  public runs = 0;
  private log: DynamoDbAdaptLog | undefined;

  public constructor(
    private readonly world: LocalFailoverWorld,
    feeds: readonly AdaptFeed[],
    staged: readonly StagedRef[],
    /** The handback's freeze beside the lease, read as the adapt Lambda reads it. */
    private readonly freeze?: AdaptationFreezeReader,
  ) {
    for (const feed of feeds) this.feeds.set(feed.service, feed);
    const services: AdaptServiceConfig[] = [];
    for (const ref of staged) {
      const feed = this.feeds.get(ref.service);
      if (!feed) continue;
      this.refs.set(ref.service, ref);
      services.push({
        service: ref.service,
        staging: { cluster: ref.cluster, service: ref.serviceName },
        stagingMetrics: this.dimensionsOf(ref),
        metrics: ['requestRate'],
        referenceTasks: Math.max(1, feed.referenceTasks),
        requestsPerTask: requestsPerTaskOf(feed),
        targetUtilization: TARGET_UTILIZATION,
      });
    }
    this.config = {
      services,
      periodSeconds: ADAPT_PERIOD_SECONDS,
      settings: DEFAULT_ADAPT_SETTINGS,
      // One service at a time: the virtual clock jumps when the process idles, so concurrent
      // services awaiting dynalite and sandbox latency would order their instants by real I/O.
      concurrency: 1,
    };
  }

  /** Services that adapt (steady in staging, with a forecast). */
  public get services(): readonly ServiceKey[] {
    return this.config.services.map((s) => s.service);
  }

  /** The staged service's ALB dimensions (stand-ins: the sandbox has no load balancer). */
  private dimensionsOf(ref: StagedRef): { targetGroup: string; loadBalancer: string } {
    const name = ref.serviceName.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 32);
    return { targetGroup: `targetgroup/${name}/drill`, loadBalancer: `app/understudy/drill` };
  }

  /** The adapt log on the story's forecast table (the adapt Lambda's storage). */
  private logOf(clock: Clock): DynamoDbAdaptLog {
    this.log ??= new DynamoDbAdaptLog(this.world.dynamo.client, this.world.tables.forecasts, {
      clock,
    });
    return this.log;
  }

  /** Stores the primary's forecasts in the staging forecast copy (the forecaster's job on AWS). */
  public async prepare(): Promise<void> {
    for (const service of this.services) {
      const feed = this.feeds.get(service);
      if (feed) await this.world.forecasts.put(feed.forecast);
    }
  }

  /** Writes the trace's datapoints in [fedUntil, untilMs) as staging's CloudWatch datapoints. */
  private feedMetrics(fromMs: number, untilMs: number): void {
    const { cloud, staging } = this.world;
    for (const config of this.config.services) {
      const feed = this.feeds.get(config.service);
      if (!feed) continue;
      const [query] = buildMetricQueries([
        { ref: config.staging, ...config.stagingMetrics, metrics: ['requestRate'] },
      ]);
      if (!query) continue;
      const step = feed.continuation.intervalSeconds * 1000;
      const points: { atMs: number; value: number }[] = [];
      feed.continuation.values.forEach((value, i) => {
        const atMs = feed.continuation.start + i * step;
        if (value !== null && atMs >= fromMs && atMs < untilMs) points.push({ atMs, value });
      });
      cloud.state(staging).metrics.put(query, points);
    }
  }

  /**
   * One scheduled run at the clock's now: feed the period's datapoints, run the core, and play
   * Application Auto Scaling for every minimum it moved. A run while the shadow does not hold the
   * lease, or while a handback holds the freeze, is the core's own `skipped`, with its reason.
   */
  public async runPeriod(): Promise<{ status: 'ran' | 'skipped'; reason: string }> {
    if (this.config.services.length === 0)
      return { status: 'skipped', reason: 'no service adapts' };
    const { cloud, staging } = this.world;
    const clock = cloud.clock;
    const now = clock.now();
    this.feedMetrics(this.fedUntil ?? Number.NEGATIVE_INFINITY, now);
    this.fedUntil = now;
    const summary = await runAdaptation(
      {
        lease: this.world.lease,
        log: this.logOf(clock),
        forecasts: this.world.forecasts,
        stagingMetrics: cloud.metricsSource(staging),
        platform: cloud.containerPlatform(staging),
        inventory: this.world.inventory,
        clock,
        logger: quiet,
        ...(this.freeze ? { freeze: this.freeze } : {}),
      },
      this.config,
      { asOf: now },
    );
    this.runs += 1;
    if (summary.status !== 'ran') return { status: 'skipped', reason: summary.reason ?? 'skipped' };
    const platform = cloud.containerPlatform(staging);
    for (const result of summary.services) {
      const at = new Date(clock.now()).toISOString();
      if (result.status === 'failed') {
        const error = result.error ?? 'failed';
        const index = this.failures.findIndex(
          (f) => f.service === result.service && f.error === error,
        );
        const seen = this.failures[index];
        if (seen) this.failures[index] = { ...seen, lastAt: at, count: seen.count + 1 };
        else
          this.failures.push({ firstAt: at, lastAt: at, service: result.service, error, count: 1 });
        continue;
      }
      if (result.action === undefined || result.action === 'hold') continue;
      if (result.previousMin === undefined || result.newMin === undefined) continue;
      const ref = this.refs.get(result.service);
      const [record] = await this.logOf(clock).listDecisions(result.service, 1);
      if (ref) {
        // Application Auto Scaling keeps capacity at or above the minimum; scaling in below the
        // old minimum is target tracking's job, which the sandbox does not run: follow the minimum.
        await platform.updateService(ref.cluster, ref.serviceName, {
          desiredCount: result.newMin,
        });
      }
      this.adjustments.push({
        at,
        period: summary.period,
        epoch: summary.epoch,
        service: result.service,
        action: result.action,
        fromMinCapacity: result.previousMin,
        toMinCapacity: result.newMin,
        reason: result.reason ?? '',
        inputs: inputsOf(record, this.feeds.get(result.service)),
      });
    }
    return { status: 'ran', reason: `${summary.services.length} service(s) decided` };
  }
}

const round3 = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) ? null : Math.round(v * 1000) / 1000;

/** The decision's inputs as the report shows them (the stored record holds them all). */
function inputsOf(
  record: AdaptDecisionRecord | undefined,
  feed: AdaptFeed | undefined,
): AdaptInputs {
  const decision = record?.decision;
  const signal = decision?.signals[0];
  const last = signal?.excursion?.points.at(-1);
  return {
    metric: signal?.metric ?? 'requestRate',
    requestsPerTask: round3(feed ? requestsPerTaskOf(feed) : undefined),
    runningTasks: record?.context?.runningTasks ?? null,
    actual: round3(last?.actual),
    bandEdge: round3(last?.edge),
    excursion: signal?.excursion
      ? { direction: signal.excursion.direction, periods: signal.excursion.periods }
      : null,
    reforecast: signal?.reforecast
      ? {
          reason: signal.reforecast.reason,
          model: signal.reforecast.model,
          relevelFactor: round3(signal.reforecast.relevelFactor),
        }
      : null,
    peak: round3(signal?.peak),
    raiseTasks: signal?.raiseTasks ?? null,
    lowerTasks: signal?.lowerTasks ?? null,
    bounds: decision?.bounds ?? null,
  };
}
