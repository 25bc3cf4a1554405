/**
 * One scheduled adaptation run, as the adapt Lambda makes it (staging region):
 *
 * 1. Read the authority lease (without writing). Unless the shadow holds it, do nothing at all.
 * 2. Per service: load its adapt state (or start one for this epoch: the cloned scaling bounds
 *    and policy from the staged service, the latest forecast bands, the primary's history read
 *    once, if the primary region answers); read staging's actual demand since the failover.
 * 3. Decide (`policy.ts`), record the decision once per period (a retried run re-applies the
 *    recorded one rather than deciding again), and when the minimum changes, check the lease is
 *    still held at the granted epoch immediately before the one mutating call, `applyScaling`
 *    (RegisterScalableTarget with the new minimum and the cloned maximum, then the cloned
 *    target-tracking policy again). Never a desired-count write.
 * 4. Write the state, conditional on the revision read.
 *
 * One service failing (no forecast, metrics unreadable, a lost race) never stops the others; a
 * stale epoch stops the run, since nothing more may be changed under it.
 */
import pLimit from 'p-limit';
import { evaluateAuthority } from '../authority';
import { ConflictError, StaleEpochError, ValidationError } from '../errors';
import { buildMetricQueries, type ServiceMetricsConfig } from '../forecast/metric-queries';
import { type AdaptationFreezeReader, isFrozen } from '../handback/ports';
import type { Lease, ResourceMetric, ServiceKey, TimeSeries } from '../model';
import type {
  AuthorityLease,
  Clock,
  ContainerPlatform,
  ForecastRepository,
  InventoryRepository,
  LoggerLike,
  MetricsSource,
} from '../ports';
import { bandsOfForecast, type ForecastBands } from './bands';
import type { AdaptDecisionRecord, AdaptLog, AdaptState } from './log';
import {
  type AdaptDecision,
  type AdaptSettings,
  type AdaptSignal,
  type CapacityBasis,
  DEFAULT_ADAPT_SETTINGS,
  decideAdaptation,
} from './policy';
import type { Forecaster } from './reforecast';

/** The metrics adaptation can follow (those that say how many tasks are needed). */
export const ADAPT_METRICS = ['cpu', 'memory', 'requestRate', 'queueDepth'] as const;

/** One of {@link ADAPT_METRICS}. */
export type AdaptMetric = (typeof ADAPT_METRICS)[number];

/** A protected service as adaptation sees it. */
export interface AdaptServiceConfig {
  /** The protected service's key (`cluster/service` as the primary names it). */
  readonly service: ServiceKey;
  /** Where its clone runs in staging. */
  readonly staging: ServiceMetricsConfig['ref'];
  /** Metric dimensions in staging (target group, load balancer, queue). */
  readonly stagingMetrics?: Omit<ServiceMetricsConfig, 'ref' | 'metrics'>;
  /** Metric dimensions in the primary region, for its history. */
  readonly primaryMetrics?: Omit<ServiceMetricsConfig, 'ref' | 'metrics'>;
  readonly metrics: readonly AdaptMetric[];
  /** Tasks the forecast's history ran with (utilisation and per-target figures are relative). */
  readonly referenceTasks: number;
  /** Requests per period one task serves (request rate). */
  readonly requestsPerTask?: number;
  /** Queue messages one task absorbs (queue depth). */
  readonly messagesPerTask?: number;
  /** Fraction of capacity planned for, in (0, 1]: the target-tracking target. */
  readonly targetUtilization: number;
}

/** Settings of a run. */
export interface AdaptRunConfig {
  readonly services: readonly AdaptServiceConfig[];
  /** The schedule's period and the metric period, seconds. @default 300 */
  readonly periodSeconds?: number;
  /** Days of the primary's history read at the first run of an epoch. @default 14 */
  readonly historyDays?: number;
  readonly settings?: AdaptSettings;
  /** Services decided at once. @default 3 */
  readonly concurrency?: number;
}

/** The ports a run uses. */
export interface AdaptRunDeps {
  /**
   * The authority lease: `peek` (never writes, so a run while the primary holds authority changes
   * nothing, not even an absent lease item) and the fence, `assertHeld`.
   */
  readonly lease: Pick<AuthorityLease, 'assertHeld'> & {
    peek(): Promise<Lease | undefined>;
  };
  readonly log: AdaptLog;
  /**
   * The handback's adaptation freeze (`core/handback/ports.ts`): while a handback holds it at the
   * lease's epoch, a run changes nothing and says why. Absent: never frozen.
   */
  readonly freeze?: AdaptationFreezeReader;
  /** The staging copy of the forecasts (latest per service × metric). */
  readonly forecasts: ForecastRepository;
  readonly stagingMetrics: MetricsSource;
  /** CloudWatch in the primary region; absent or failing, staging's series stands alone. */
  readonly primaryMetrics?: MetricsSource;
  /** ECS + Application Auto Scaling in staging. */
  readonly platform: ContainerPlatform;
  /**
   * The inventory: the effective clone version's scaling is the cloned bounds and policy. Absent
   * (or a clone without scaling), the previous epoch's record of them, else the scalable target
   * as the failover left it, stand in.
   */
  readonly inventory?: Pick<InventoryRepository, 'getEffective'>;
  readonly clock: Clock;
  readonly logger: LoggerLike;
  readonly forecaster?: Forecaster;
}

/** What happened to one service. */
export interface ServiceRunResult {
  readonly service: ServiceKey;
  readonly status: 'decided' | 'replayed' | 'failed';
  readonly action?: AdaptDecision['action'];
  readonly previousMin?: number;
  readonly newMin?: number;
  readonly reason?: string;
  readonly error?: string;
}

/** What a run did. */
export interface AdaptRunSummary {
  readonly status: 'ran' | 'skipped';
  /** Why a run was skipped (the lease is not the shadow's, or a handback froze adaptation). */
  readonly reason?: string;
  readonly epoch: number;
  /** Who held the lease when the run read it (absent: no lease item yet, the primary's by default). */
  readonly holder?: 'primary' | 'shadow';
  /** ISO-8601 UTC start of the period decided. */
  readonly period: string;
  readonly services: readonly ServiceRunResult[];
}

function basisOf(config: AdaptServiceConfig, metric: AdaptMetric): CapacityBasis {
  switch (metric) {
    case 'cpu':
      return { kind: 'cpu-percent', referenceTasks: config.referenceTasks };
    case 'memory':
      return { kind: 'memory-percent', referenceTasks: config.referenceTasks };
    case 'requestRate':
      return config.stagingMetrics?.loadBalancer
        ? { kind: 'requests' }
        : { kind: 'requests-per-target', referenceTasks: config.referenceTasks };
    case 'queueDepth':
      return { kind: 'requests' };
  }
}

function perTaskOf(config: AdaptServiceConfig, metric: AdaptMetric): number | undefined {
  if (metric === 'requestRate') return config.requestsPerTask;
  if (metric === 'queueDepth') return config.messagesPerTask;
  return undefined;
}

/**
 * Staging's series in the forecast's units. Utilisation and per-target counts are averages over
 * the tasks running in staging; the forecast's are over `referenceTasks`, so they are rescaled by
 * running ÷ reference (the running count now stands for the window: ECS reports no history of it).
 */
function toForecastUnits(
  series: TimeSeries,
  basis: CapacityBasis,
  runningTasks: number,
): TimeSeries {
  if (!('referenceTasks' in basis)) return series;
  const factor = runningTasks / basis.referenceTasks;
  return { ...series, values: series.values.map((v) => (v === null ? null : v * factor)) };
}

function emptySeries(startMs: number, periodSeconds: number): TimeSeries {
  return { start: startMs, intervalSeconds: periodSeconds, values: [] };
}

/** Why adaptation is frozen at `epoch` (a handback holds the freeze), or undefined. */
async function frozenBy(deps: AdaptRunDeps, epoch: number): Promise<string | undefined> {
  if (!deps.freeze) return undefined;
  const marker = await deps.freeze.read();
  return marker && isFrozen(marker, epoch)
    ? `adaptation frozen at epoch ${epoch} by handback ${marker.executionName} since ${marker.frozenAt}`
    : undefined;
}

/** Runs one period of adaptation for every configured service. */
export async function runAdaptation(
  deps: AdaptRunDeps,
  config: AdaptRunConfig,
  run: { readonly asOf?: number; readonly services?: readonly ServiceKey[] } = {},
): Promise<AdaptRunSummary> {
  const periodSeconds = config.periodSeconds ?? 300;
  const periodMs = periodSeconds * 1000;
  // The period that has just ended: a retried invocation of the same schedule decides the same one.
  const nowMs = Math.floor((run.asOf ?? deps.clock.now()) / periodMs) * periodMs;
  const period = new Date(nowMs).toISOString();
  const lease = await deps.lease.peek();
  if (lease?.holder !== 'shadow') {
    const answer = evaluateAuthority(lease, { holder: 'shadow' });
    deps.logger.info('adaptation skipped', { reason: answer.reason });
    return {
      status: 'skipped',
      reason: answer.reason,
      epoch: lease?.epoch ?? 1,
      ...(lease ? { holder: lease.holder } : {}),
      period,
      services: [],
    };
  }
  const frozen = await frozenBy(deps, lease.epoch);
  if (frozen) {
    deps.logger.info('adaptation skipped', { reason: frozen });
    return {
      status: 'skipped',
      reason: frozen,
      epoch: lease.epoch,
      holder: 'shadow',
      period,
      services: [],
    };
  }
  const wanted = run.services ? new Set(run.services) : undefined;
  const services = config.services.filter((s) => !wanted || wanted.has(s.service));
  const limit = pLimit(config.concurrency ?? 3);
  let stale: StaleEpochError | undefined;
  const results = await Promise.all(
    services.map((service) =>
      limit(async (): Promise<ServiceRunResult> => {
        if (stale) return { service: service.service, status: 'failed', error: stale.message };
        try {
          return await adaptService(deps, config, service, {
            nowMs,
            period,
            epoch: lease.epoch,
            failoverMs: Date.parse(lease.acquiredAt),
          });
        } catch (error) {
          if (error instanceof StaleEpochError) stale = error;
          deps.logger.error('adaptation failed', { service: service.service, error });
          return { service: service.service, status: 'failed', error: (error as Error).message };
        }
      }),
    ),
  );
  if (stale) throw stale;
  return { status: 'ran', epoch: lease.epoch, holder: 'shadow', period, services: results };
}

interface RunContext {
  readonly nowMs: number;
  readonly period: string;
  readonly epoch: number;
  readonly failoverMs: number;
}

async function adaptService(
  deps: AdaptRunDeps,
  config: AdaptRunConfig,
  service: AdaptServiceConfig,
  ctx: RunContext,
): Promise<ServiceRunResult> {
  const periodSeconds = config.periodSeconds ?? 300;
  const settings = config.settings ?? DEFAULT_ADAPT_SETTINGS;
  const { cluster, service: name } = service.staging;
  const description = await deps.platform.describeService(cluster, name);
  const stored = await deps.log.getState(service.service);
  const fresh = !stored || stored.state.epoch !== ctx.epoch;
  const state = fresh
    ? await initialState(
        deps,
        config,
        service,
        ctx,
        await clonedScaling(deps, service.service, stored?.state, description.scaling),
      )
    : stored.state;
  const revision = fresh ? (stored?.revision ?? undefined) : stored.revision;

  // Staging's demand since the failover, in whole periods.
  const failoverPeriod = Math.floor(ctx.failoverMs / (periodSeconds * 1000)) * periodSeconds * 1000;
  const queries = buildMetricQueries([
    { ref: service.staging, ...service.stagingMetrics, metrics: service.metrics },
  ]);
  const series =
    ctx.nowMs > failoverPeriod
      ? await deps.stagingMetrics.getSeries(queries, {
          startMs: failoverPeriod,
          endMs: ctx.nowMs,
          periodSeconds,
        })
      : new Map<string, TimeSeries>();
  const signals: AdaptSignal[] = [];
  const task: { requestsPerTask?: number } = {};
  for (const query of queries) {
    const metric = query.metric as AdaptMetric;
    const bands = state.bands[metric];
    if (!bands) continue;
    const basis = basisOf(service, metric);
    const perTask = perTaskOf(service, metric);
    if (basis.kind === 'requests' || basis.kind === 'requests-per-target') {
      if (perTask === undefined) {
        throw new ValidationError('invalid adapt configuration', [
          `${service.service}: ${metric} needs ${metric === 'queueDepth' ? 'messagesPerTask' : 'requestsPerTask'}`,
        ]);
      }
      // One per-task figure per service: the capacity core reads requests through it.
      task.requestsPerTask = perTask;
    }
    const history = state.primaryHistory[metric];
    signals.push({
      metric,
      bands,
      actual: toForecastUnits(
        series.get(query.id) ?? emptySeries(failoverPeriod, periodSeconds),
        basis,
        description.runningCount,
      ),
      ...(history ? { primaryHistory: history } : {}),
      basis,
    });
  }
  if (signals.length === 0) {
    throw new ValidationError('nothing to adapt on', [
      `${service.service}: no forecast bands for ${service.metrics.join(', ')}`,
    ]);
  }
  const outcome = decideAdaptation({
    service: service.service,
    nowMs: ctx.nowMs,
    signals,
    bounds: state.clonedBounds,
    currentMin: state.currentMin,
    ...(state.lastChange ? { lastChange: state.lastChange } : {}),
    task,
    targetUtilization: service.targetUtilization,
    settings,
    ...(deps.forecaster ? { forecaster: deps.forecaster } : {}),
  });
  const proposed: AdaptDecisionRecord = {
    service: service.service,
    period: ctx.period,
    epoch: ctx.epoch,
    decision: outcome.decision,
    context: {
      failoverAt: state.failoverAt,
      runningTasks: description.runningCount,
      primaryHistory: Object.keys(state.primaryHistory).length > 0,
    },
  };
  const { recorded, record } = await deps.log.recordDecision(proposed);
  const decision = record.decision;
  if (decision.action !== 'hold') {
    // A handback that froze adaptation since the run began owns the services now.
    const frozen = await frozenBy(deps, ctx.epoch);
    if (frozen) throw new ConflictError(frozen);
    // The fence: nothing is changed unless the shadow still holds the epoch it was granted.
    await deps.lease.assertHeld('shadow', ctx.epoch);
    await deps.platform.applyScaling(cluster, name, {
      minCapacity: decision.newMin,
      maxCapacity: state.clonedBounds.maxCapacity,
      ...(state.policy ? { policy: state.policy, targetValue: state.policy.targetValue } : {}),
    });
  }
  const next: AdaptState = {
    ...state,
    currentMin: decision.newMin,
    ...(decision.action !== 'hold'
      ? { lastChange: { atMs: ctx.nowMs, direction: decision.action } }
      : {}),
    bands: recorded ? { ...state.bands, ...outcome.bands } : state.bands,
    lastPeriod: ctx.period,
  };
  await deps.log.putState(next, revision);
  deps.logger.info('adaptation decided', {
    service: service.service,
    action: decision.action,
    previousMin: decision.previousMin,
    newMin: decision.newMin,
    reason: decision.reason,
    replayed: !recorded,
  });
  return {
    service: service.service,
    status: recorded ? 'decided' : 'replayed',
    action: decision.action,
    previousMin: decision.previousMin,
    newMin: decision.newMin,
    reason: decision.reason,
  };
}

type Scaling = {
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly policy?: AdaptState['policy'];
};

/**
 * The scaling the clone brought, never what an earlier adaptation left on the scalable target:
 * the inventory's effective clone version, else the previous epoch's record, else the target.
 */
async function clonedScaling(
  deps: AdaptRunDeps,
  service: ServiceKey,
  previous: AdaptState | undefined,
  live: Scaling | undefined,
): Promise<Scaling | undefined> {
  const clone = deps.inventory ? await deps.inventory.getEffective(service) : undefined;
  const fromClone = clone?.content.serviceDefinition.scaling;
  if (fromClone) return fromClone;
  if (previous) {
    return { ...previous.clonedBounds, ...(previous.policy ? { policy: previous.policy } : {}) };
  }
  return live;
}

async function initialState(
  deps: AdaptRunDeps,
  config: AdaptRunConfig,
  service: AdaptServiceConfig,
  ctx: RunContext,
  scaling:
    | {
        readonly minCapacity: number;
        readonly maxCapacity: number;
        readonly policy?: AdaptState['policy'];
      }
    | undefined,
): Promise<AdaptState> {
  if (!scaling) {
    throw new ValidationError('service has no scalable target', [
      `${service.service}: the failover applies the cloned scaling bounds before adaptation can move the minimum`,
    ]);
  }
  const bands: Partial<Record<ResourceMetric, ForecastBands>> = {};
  for (const metric of service.metrics) {
    const latest = await deps.forecasts.getLatest(service.service, metric);
    if (latest) bands[metric] = bandsOfForecast(latest);
    else deps.logger.warn('no forecast to adapt on', { service: service.service, metric });
  }
  const primaryHistory: Partial<Record<ResourceMetric, TimeSeries>> = {};
  if (deps.primaryMetrics) {
    const periodSeconds = config.periodSeconds ?? 300;
    const [cluster, name] = service.service.split('/');
    const queries = buildMetricQueries([
      {
        ref: { cluster: cluster ?? '', service: name ?? '' },
        ...service.primaryMetrics,
        metrics: service.metrics,
      },
    ]);
    const endMs = Math.floor(ctx.failoverMs / (periodSeconds * 1000)) * periodSeconds * 1000;
    try {
      const read = await deps.primaryMetrics.getSeries(queries, {
        startMs: endMs - (config.historyDays ?? 14) * 86_400_000,
        endMs,
        periodSeconds,
      });
      for (const query of queries) {
        const history = read.get(query.id);
        // Four significant digits keep two weeks of 5-minute points of four metrics well inside
        // one DynamoDB item (400 KB), and are finer than any capacity decision needs.
        if (history) {
          primaryHistory[query.metric] = {
            ...history,
            values: history.values.map((v) => (v === null ? null : Number(v.toPrecision(4)))),
          };
        }
      }
    } catch (error) {
      // The primary region may be the one that went dark: adapt on staging's series alone.
      deps.logger.warn('primary history unreadable', { service: service.service, error });
    }
  }
  return {
    service: service.service,
    epoch: ctx.epoch,
    failoverAt: new Date(ctx.failoverMs).toISOString(),
    clonedBounds: { minCapacity: scaling.minCapacity, maxCapacity: scaling.maxCapacity },
    ...(scaling.policy ? { policy: scaling.policy } : {}),
    currentMin: scaling.minCapacity,
    bands,
    primaryHistory,
  };
}
