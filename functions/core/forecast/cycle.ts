/**
 * One forecast cycle, as the scheduled Lambda runs it: read every protected service's demand
 * history in one batched call, forecast each service × metric, store the forecast in the primary
 * region and copy it to the staging region, then decide per service whether to clone now —
 * recording every decision and starting the clone-validate-store pipeline when one fires.
 *
 * Failure policy: the history read is one call for everything, so its failure fails the cycle
 * (the Lambda retries). After that, one series failing (no data, engine refused it, primary write
 * failed) never fails the others; a failed staging copy is logged and counted, not fatal — the
 * primary still has the forecast, and the next cycle copies again.
 */
import pLimit from 'p-limit';
import type { Forecast, ResourceMetric, ScheduledEvent, ServiceKey, TimeSeries } from '../model';
import { serviceKey } from '../model';
import type {
  Clock,
  ForecastRepository,
  LoggerLike,
  MetricQuery,
  MetricsSource,
  PipelineStarter,
} from '../ports';
import {
  decide,
  type MetricEvidence,
  type TriggerDecision,
  type TriggerPolicy,
  toDecisionRecord,
} from '../trigger';
import { forecast as engineForecast } from './engine';
import { exceedance as engineExceedance } from './exceedance';
import { buildMetricQueries, type ServiceMetricsConfig } from './metric-queries';
import type { Exceedance, ForecastInput, ForecastResult } from './types';

/** The forecasting functions the cycle calls; injectable so a bench can time them. */
export interface ForecastEngine {
  forecast(input: ForecastInput): ForecastResult;
  exceedance(result: ForecastResult, threshold: number): Exceedance;
}

/** The real engine. */
export const defaultEngine: ForecastEngine = {
  forecast: engineForecast,
  exceedance: engineExceedance,
};

/** A protected service as the forecaster sees it. */
export interface ServiceForecastConfig extends ServiceMetricsConfig {
  /** Trigger settings; without them the service is forecast but never triggers a clone. */
  readonly trigger?: TriggerPolicy;
}

/** Settings of one cycle. */
export interface ForecastCycleConfig {
  readonly services: readonly ServiceForecastConfig[];
  /** Metric period and forecast step, seconds. @default 3600 */
  readonly intervalSeconds?: number;
  /** History read, in steps. @default 672 (28 days hourly) */
  readonly historySteps?: number;
  /** Steps forecast. @default 24 */
  readonly horizon?: number;
  /** Quantile levels; the engine's defaults when absent. */
  readonly quantiles?: readonly number[];
  /** Known events (each scoped by its own `services` / `metrics`). */
  readonly events?: readonly ScheduledEvent[];
  /** Sample paths per series (joint exceedance). Engine default when absent. */
  readonly samplePaths?: number;
  /** Series forecast at once (the engine is CPU-bound; this overlaps the writes). @default 3 */
  readonly concurrency?: number;
}

/** What the cycle needs from outside. */
export interface ForecastCycleDeps {
  readonly metrics: MetricsSource;
  /** Forecasts and decisions in the primary region. */
  readonly forecasts: ForecastRepository;
  /** The staging region's forecast store, which a failover reads. */
  readonly stagingForecasts?: ForecastRepository;
  readonly pipeline: PipelineStarter;
  readonly clock: Clock;
  readonly logger: LoggerLike;
  /** @default defaultEngine */
  readonly engine?: ForecastEngine;
}

/** Options of one run. */
export interface ForecastCycleRun {
  /**
   * The cycle's reference time (epoch ms), e.g. the scheduled event's time, so a retried
   * invocation covers the same window. @default clock.now()
   */
  readonly asOf?: number;
  /** Only these services (`cluster/service`); all when absent. */
  readonly services?: readonly ServiceKey[];
}

/** Outcome of one service × metric. */
export interface SeriesOutcome {
  readonly service: ServiceKey;
  readonly metric: ResourceMetric;
  readonly status: 'forecast' | 'failed';
  /** Why it failed. */
  readonly error?: string;
  readonly model?: string;
  /** Time of the first forecast step (ISO-8601 UTC) and its p50 / p90 (when requested). */
  readonly nextTimestamp?: string;
  readonly nextP50?: number;
  readonly nextP90?: number;
  /** Last observed value of the history and its slot time: the "actual" beside the forecast. */
  readonly lastActual?: number;
  readonly lastActualTimestamp?: string;
  readonly stagingCopied?: boolean;
}

/** Outcome of one service's trigger decision. */
export interface DecisionOutcome {
  readonly service: ServiceKey;
  readonly decisionId: string;
  readonly executionName: string;
  readonly fired: boolean;
  readonly recommendedTier: TriggerDecision['recommendedTier'];
  readonly reason: string;
  readonly recorded: boolean;
  /** Set when the pipeline was asked to start. */
  readonly executionArn?: string;
  readonly alreadyStarted?: boolean;
  /** Set when starting the pipeline failed. */
  readonly startError?: string;
}

/** What a cycle did. */
export interface CycleSummary {
  readonly generatedAt: string;
  /** History read: [start, end) ISO-8601 UTC; the forecast starts at `historyEnd`. */
  readonly historyStart: string;
  readonly historyEnd: string;
  readonly intervalSeconds: number;
  readonly seriesTotal: number;
  readonly seriesForecast: number;
  readonly seriesFailed: number;
  readonly stagingCopyFailures: number;
  readonly decisionsRecorded: number;
  readonly decisionRecordFailures: number;
  readonly decisionsFired: number;
  readonly pipelinesStarted: number;
  readonly pipelinesAlreadyStarted: number;
  readonly pipelineStartFailures: number;
  readonly series: readonly SeriesOutcome[];
  readonly decisions: readonly DecisionOutcome[];
}

/** Formats a quantile level as `Forecast.quantiles` keys it: `0.9` → `"0.9"`. */
export function quantileKey(level: number): string {
  return String(level);
}

/** The storable {@link Forecast} of an engine result. */
export function toForecastRecord(
  service: ServiceKey,
  metric: ResourceMetric,
  generatedAt: string,
  intervalSeconds: number,
  result: ForecastResult,
): Forecast {
  const quantiles: Record<string, readonly number[]> = {};
  for (const [level, values] of [...result.quantiles.entries()].sort(([a], [b]) => a - b)) {
    quantiles[quantileKey(level)] = [...values];
  }
  return {
    service,
    metric,
    generatedAt,
    timestamps: result.timestamps.map((t) => new Date(t).toISOString()),
    intervalSeconds,
    mean: [...result.mean],
    quantiles,
    model: result.model,
    warnings: [...result.warnings],
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function eventsFor(
  events: readonly ScheduledEvent[] | undefined,
  service: ServiceKey,
  metric: ResourceMetric,
): ScheduledEvent[] {
  return (events ?? []).filter(
    (e) =>
      (e.services === undefined || e.services.includes(service)) &&
      (e.metrics === undefined || e.metrics.includes(metric)),
  );
}

/** Drops leading gaps (a service younger than the window), keeping the series regular. */
function trimLeadingGaps(series: TimeSeries): TimeSeries {
  const first = series.values.findIndex((v) => v !== null);
  if (first <= 0) return series;
  return {
    start: series.start + first * series.intervalSeconds * 1000,
    intervalSeconds: series.intervalSeconds,
    values: series.values.slice(first),
  };
}

function lastObserved(series: TimeSeries): { value: number; time: number } | undefined {
  for (let i = series.values.length - 1; i >= 0; i--) {
    const value = series.values[i];
    if (value !== null && value !== undefined) {
      return { value, time: series.start + i * series.intervalSeconds * 1000 };
    }
  }
  return undefined;
}

/**
 * Runs one forecast cycle. See the module comment for the failure policy.
 *
 * @throws whatever the batched history read throws (nothing has been written by then), and
 *   ValidationError for an invalid service configuration.
 */
export async function runForecastCycle(
  deps: ForecastCycleDeps,
  config: ForecastCycleConfig,
  run: ForecastCycleRun = {},
): Promise<CycleSummary> {
  const engine = deps.engine ?? defaultEngine;
  const { logger } = deps;
  const intervalSeconds = config.intervalSeconds ?? 3600;
  const historySteps = config.historySteps ?? 28 * 24;
  const horizon = config.horizon ?? 24;
  const stepMs = intervalSeconds * 1000;
  const generatedAt = new Date(deps.clock.now()).toISOString();
  // The current period is still filling in CloudWatch: history ends at its start.
  const endMs = Math.floor((run.asOf ?? deps.clock.now()) / stepMs) * stepMs;
  const startMs = endMs - historySteps * stepMs;

  const wanted = run.services ? new Set(run.services) : undefined;
  const services = config.services.filter((s) => !wanted || wanted.has(serviceKey(s.ref)));
  const queries = buildMetricQueries(services);
  logger.info('forecast cycle starting', {
    services: services.length,
    series: queries.length,
    historyStart: new Date(startMs).toISOString(),
    historyEnd: new Date(endMs).toISOString(),
  });
  const history = await deps.metrics.getSeries(queries, {
    startMs,
    endMs,
    periodSeconds: intervalSeconds,
  });

  const limit = pLimit(Math.max(1, config.concurrency ?? 3));
  const evidence = new Map<ServiceKey, MetricEvidence[]>();
  const triggerOf = new Map(services.map((s) => [serviceKey(s.ref), s.trigger]));
  let stagingCopyFailures = 0;

  const forecastOne = async (query: MetricQuery): Promise<SeriesOutcome> => {
    const { service, metric } = query;
    const base = { service, metric };
    const raw = history.get(query.id);
    if (!raw || raw.values.every((v) => v === null)) {
      logger.warn('no history for series', base);
      return { ...base, status: 'failed', error: 'no datapoints in the history window' };
    }
    const series = trimLeadingGaps(raw);
    let result: ForecastResult;
    try {
      result = engine.forecast({
        start: series.start,
        intervalSeconds,
        values: series.values,
        horizon,
        ...(config.quantiles ? { quantiles: config.quantiles } : {}),
        ...(config.samplePaths ? { samplePaths: config.samplePaths } : {}),
        events: eventsFor(config.events, service, metric),
      });
    } catch (error) {
      logger.warn('series not forecast', { ...base, error: messageOf(error) });
      return { ...base, status: 'failed', error: messageOf(error) };
    }
    const record = toForecastRecord(service, metric, generatedAt, intervalSeconds, result);
    try {
      await deps.forecasts.put(record);
    } catch (error) {
      logger.error('forecast not stored', { ...base, error: messageOf(error) });
      return { ...base, status: 'failed', error: `store: ${messageOf(error)}` };
    }
    let stagingCopied: boolean | undefined;
    if (deps.stagingForecasts) {
      try {
        await deps.stagingForecasts.put(record);
        stagingCopied = true;
      } catch (error) {
        stagingCopyFailures += 1;
        stagingCopied = false;
        logger.error('forecast not copied to staging', { ...base, error: messageOf(error) });
      }
    }
    const threshold = triggerOf.get(service)?.thresholds[metric];
    if (threshold !== undefined) {
      const list = evidence.get(service) ?? [];
      list.push({ metric, forecast: record, exceedance: engine.exceedance(result, threshold) });
      evidence.set(service, list);
    }
    const actual = lastObserved(series);
    const p50 = record.quantiles[quantileKey(0.5)]?.[0];
    const p90 = record.quantiles[quantileKey(0.9)]?.[0];
    return {
      ...base,
      status: 'forecast',
      model: record.model,
      ...(record.timestamps[0] ? { nextTimestamp: record.timestamps[0] } : {}),
      ...(p50 !== undefined ? { nextP50: p50 } : {}),
      ...(p90 !== undefined ? { nextP90: p90 } : {}),
      ...(actual
        ? { lastActual: actual.value, lastActualTimestamp: new Date(actual.time).toISOString() }
        : {}),
      ...(stagingCopied !== undefined ? { stagingCopied } : {}),
    };
  };

  const series = await Promise.all(queries.map((query) => limit(() => forecastOne(query))));

  const decideOne = async (
    service: ServiceKey,
    policy: TriggerPolicy,
  ): Promise<DecisionOutcome | undefined> => {
    const items = evidence.get(service);
    if (!items?.length) {
      logger.warn('no decision: no thresholded metric was forecast', { service });
      return undefined;
    }
    const decision = decide({ service, generatedAt, evidence: items, policy });
    let recorded = true;
    try {
      await deps.forecasts.putDecision(toDecisionRecord(decision));
    } catch (error) {
      recorded = false;
      logger.error('decision not recorded', {
        service,
        decisionId: decision.decisionId,
        error: messageOf(error),
      });
    }
    const outcome = {
      service,
      decisionId: decision.decisionId,
      executionName: decision.executionName,
      fired: decision.fired,
      recommendedTier: decision.recommendedTier,
      reason: decision.reason,
      recorded,
    };
    logger.info('trigger decision', { ...outcome });
    if (!decision.fired) return outcome;
    // Started even when recording failed: missing a pre-bake before a peak costs more than an
    // unrecorded start, and the execution name keeps a later retry from starting it twice.
    try {
      // The clone-validate-store execution input (see `handlers/clone-select.ts`): which services,
      // why, and the decision that fired, shown with the execution for an operator.
      const started = await deps.pipeline.start(decision.executionName, {
        services: [service],
        trigger: 'forecast-trigger',
        requestedBy: `forecast:${decision.decisionId}`,
        decision: {
          id: decision.decisionId,
          recommendedTier: decision.recommendedTier,
          window: decision.window,
          reason: decision.reason,
        },
      });
      logger.info('pipeline started', { service, ...started });
      return {
        ...outcome,
        executionArn: started.executionArn,
        alreadyStarted: started.alreadyStarted,
      };
    } catch (error) {
      logger.error('pipeline not started', { service, error: messageOf(error) });
      return { ...outcome, startError: messageOf(error) };
    }
  };

  const decided = await Promise.all(
    [...triggerOf.entries()]
      .filter((entry): entry is [ServiceKey, TriggerPolicy] => entry[1] !== undefined)
      .map(([service, policy]) => limit(() => decideOne(service, policy))),
  );
  const decisions = decided.filter((d): d is DecisionOutcome => d !== undefined);
  const summary: CycleSummary = {
    generatedAt,
    historyStart: new Date(startMs).toISOString(),
    historyEnd: new Date(endMs).toISOString(),
    intervalSeconds,
    seriesTotal: series.length,
    seriesForecast: series.filter((s) => s.status === 'forecast').length,
    seriesFailed: series.filter((s) => s.status === 'failed').length,
    stagingCopyFailures,
    decisionsRecorded: decisions.filter((d) => d.recorded).length,
    decisionRecordFailures: decisions.filter((d) => !d.recorded).length,
    decisionsFired: decisions.filter((d) => d.fired).length,
    pipelinesStarted: decisions.filter((d) => d.alreadyStarted === false).length,
    pipelinesAlreadyStarted: decisions.filter((d) => d.alreadyStarted === true).length,
    pipelineStartFailures: decisions.filter((d) => d.startError !== undefined).length,
    series,
    decisions,
  };
  const { series: _series, decisions: _decisions, ...counts } = summary;
  logger.info('forecast cycle finished', counts);
  return summary;
}
