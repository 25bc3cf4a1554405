/**
 * The adaptation benchmark's simulator: one ECS service after a failover, minute by minute, under
 * four capacity policies, with demand taken from a real trace.
 *
 * Model (every figure cited):
 * - Demand is the trace's 5-minute value, held for its 5 minutes; a task serves `perTask` demand
 *   units at 100 %. A missing trace point holds the previous value.
 * - Tasks start 1 minute after the desired count rises (LATENCY.md: Fargate tasks take "30–45
 *   seconds or longer", the whole image is pulled per task) and stop at once when it falls.
 * - Target tracking (Application Auto Scaling, as it manages ECS services): the service's average
 *   CPU utilisation, one datapoint a minute, saturating at 100 % (an overloaded CPU cannot report
 *   more), visible to the alarms one minute late (ingestion). The scale-out alarm fires on 3 of 3
 *   datapoints above the target, the scale-in alarm on 15 of 15 below 90 % of it. Scale-out sets
 *   `ceil(desired × metric / target)`; it waits out the 300 s scale-out cooldown unless the new
 *   count is larger than the last scale-out's. Scale-in uses the same formula and is blocked for
 *   300 s after a scale-in (the ECS defaults), and never goes below the minimum capacity.
 * - Raising the minimum above the desired count raises the desired count at once
 *   (RegisterScalableTarget); lowering it leaves the count to target tracking.
 */
import { type ForecastBands, quantileRow } from '../../functions/core/adapt/bands';
import {
  type AdaptSettings,
  decideAdaptation,
  type LastChange,
} from '../../functions/core/adapt/policy';
import type { Forecaster } from '../../functions/core/adapt/reforecast';
import type { TimeSeries } from '../../functions/core/model';

/** Minutes a new task takes to serve. */
export const TASK_START_MINUTES = 1;
/** Target tracking's alarm shapes and ECS's default cooldowns. */
export const TT = {
  outDatapoints: 3,
  inDatapoints: 15,
  inThresholdFactor: 0.9,
  scaleOutCooldownMinutes: 5,
  scaleInCooldownMinutes: 5,
  metricDelayMinutes: 1,
} as const;

/** One service after a failover, as every policy sees it. */
export interface SimService {
  readonly name: string;
  /** The trace after the failover: 5-minute demand, starting at the failover. */
  readonly continuation: TimeSeries;
  /** The primary's hourly series before the failover. */
  readonly primaryHistory: TimeSeries;
  /** The primary's forecast at the failover (hourly bands, 24 steps). */
  readonly bands: ForecastBands;
  /** Demand units one task serves at 100 %. */
  readonly perTask: number;
  /** Target-tracking target, as a fraction (0.6 = 60 % CPU). */
  readonly targetUtilization: number;
  /** The deployment plan's count: the forecast's p90 peak over 24 h at the target. */
  readonly planCount: number;
  /** ARC's count: ceil(100 % × the primary's largest count over the last 24 h). */
  readonly arcCount: number;
  readonly bounds: { readonly minCapacity: number; readonly maxCapacity: number };
}

/** What one policy did on one service. */
export interface SimResult {
  readonly policy: PolicyName;
  readonly service: string;
  readonly minutes: number;
  readonly underProvisionedTaskMinutes: number;
  /** Task-minutes short of the count the demand needs at the target utilisation. */
  readonly underTargetTaskMinutes: number;
  readonly taskHours: number;
  /** Desired-count changes, whatever made them. */
  readonly changes: number;
  /** Minimum-capacity writes (Understudy only). */
  readonly minWrites: number;
  readonly reforecasts: number;
}

/** The four policies compared. */
export type PolicyName = 'understudy' | 'arc' | 'target-tracking' | 'static';

interface TtState {
  lastOutAt: number;
  lastOutTo: number;
  lastInAt: number;
}

/** Demand at minute `m` (the 5-minute value, previous value over gaps). */
function demandSeries(service: SimService): number[] {
  const perPoint = service.continuation.intervalSeconds / 60;
  const out: number[] = [];
  let last = 0;
  for (const v of service.continuation.values) {
    if (v !== null) last = v;
    for (let i = 0; i < perPoint; i += 1) out.push(last);
  }
  return out;
}

/** Runs one policy over the service's continuation. */
export function simulate(
  service: SimService,
  policy: PolicyName,
  settings: AdaptSettings,
  forecaster?: Forecaster,
  /** Called every minute with the state after it (ad-hoc inspection). */
  trace?: (
    minute: number,
    state: { demand: number; running: number; desired: number; min: number },
  ) => void,
): SimResult {
  const demand = demandSeries(service);
  const minutes = demand.length;
  const target = service.targetUtilization * 100;
  const useTt = policy === 'understudy' || policy === 'target-tracking';
  let desired = policy === 'arc' ? service.arcCount : service.planCount;
  let minCapacity = service.bounds.minCapacity;
  // Tasks running, and those starting with the minute they become ready.
  let running = desired;
  const starting: { readyAt: number; count: number }[] = [];
  const utilisation: number[] = [];
  const tt: TtState = { lastOutAt: -1e9, lastOutTo: 0, lastInAt: -1e9 };
  let bands = service.bands;
  let lastChange: LastChange | undefined;
  let under = 0;
  let underTarget = 0;
  let taskMinutes = 0;
  let changes = 0;
  let minWrites = 0;
  let reforecasts = 0;
  const setDesired = (next: number) => {
    const bounded = Math.min(service.bounds.maxCapacity, Math.max(0, next));
    if (bounded === desired) return;
    changes += 1;
    const pending = starting.reduce((sum, s) => sum + s.count, 0);
    if (bounded > running + pending) {
      starting.push({
        readyAt: minuteNow + TASK_START_MINUTES,
        count: bounded - running - pending,
      });
    } else {
      // Scale-in: cancel tasks still starting first, then stop running ones.
      let excess = running + pending - bounded;
      while (excess > 0 && starting.length) {
        const last = starting[starting.length - 1];
        if (!last) break;
        const take = Math.min(excess, last.count);
        last.count -= take;
        excess -= take;
        if (last.count === 0) starting.pop();
      }
      running -= excess;
    }
    desired = bounded;
  };
  let minuteNow = 0;
  for (let m = 0; m < minutes; m += 1) {
    minuteNow = m;
    while (starting.length && (starting[0]?.readyAt ?? Infinity) <= m) {
      running += starting.shift()?.count ?? 0;
    }
    // Understudy's scheduled run, every 5 minutes, on the periods completed so far.
    if (policy === 'understudy' && m % 5 === 0) {
      const periods = m / 5;
      const nowMs = service.continuation.start + m * 60_000;
      const outcome = decideAdaptation({
        service: service.name,
        nowMs,
        signals: [
          {
            metric: 'cpu',
            bands,
            actual: {
              ...service.continuation,
              values: service.continuation.values.slice(0, periods),
            },
            primaryHistory: service.primaryHistory,
            basis: { kind: 'requests' },
          },
        ],
        bounds: service.bounds,
        currentMin: minCapacity,
        ...(lastChange ? { lastChange } : {}),
        task: { requestsPerTask: service.perTask },
        targetUtilization: service.targetUtilization,
        settings,
        ...(forecaster ? { forecaster } : {}),
      });
      if (outcome.decision.signals.some((s) => s.reforecast)) reforecasts += 1;
      bands = outcome.bands.cpu ?? bands;
      if (outcome.decision.action !== 'hold') {
        minWrites += 1;
        minCapacity = outcome.decision.newMin;
        lastChange = outcome.lastChange;
        if (desired < minCapacity) setDesired(minCapacity);
      }
    }
    const d = demand[m] ?? 0;
    const capacity = running * service.perTask;
    utilisation.push(capacity > 0 ? Math.min(100, (d / capacity) * 100) : 100);
    if (useTt) {
      const seen = utilisation.length - TT.metricDelayMinutes;
      const window = (n: number) => (seen >= n ? utilisation.slice(seen - n, seen) : undefined);
      const high = window(TT.outDatapoints);
      const low = window(TT.inDatapoints);
      const latest = high?.at(-1);
      if (high && latest !== undefined && high.every((u) => u > target)) {
        const next = Math.ceil(desired * (latest / target));
        const cooling = m - tt.lastOutAt < TT.scaleOutCooldownMinutes;
        if (next > desired && (!cooling || next > tt.lastOutTo)) {
          setDesired(next);
          tt.lastOutAt = m;
          tt.lastOutTo = next;
        }
      } else if (
        low &&
        latest !== undefined &&
        low.every((u) => u < target * TT.inThresholdFactor)
      ) {
        const next = Math.max(minCapacity, Math.ceil(desired * (latest / target)));
        if (next < desired && m - tt.lastInAt >= TT.scaleInCooldownMinutes) {
          setDesired(next);
          tt.lastInAt = m;
        }
      }
    }
    const needed = Math.ceil(d / service.perTask - 1e-9);
    const neededAtTarget = Math.ceil(d / (service.perTask * service.targetUtilization) - 1e-9);
    under += Math.max(0, needed - running);
    underTarget += Math.max(0, neededAtTarget - running);
    taskMinutes += running;
    trace?.(m, { demand: d, running, desired, min: minCapacity });
  }
  return {
    policy,
    service: service.name,
    minutes,
    underProvisionedTaskMinutes: under,
    underTargetTaskMinutes: underTarget,
    taskHours: taskMinutes / 60,
    changes,
    minWrites,
    reforecasts,
  };
}

/** The plan's count: the p90 peak of the bands over their horizon, at the target utilisation. */
export function planCountOf(
  bands: ForecastBands,
  perTask: number,
  targetUtilization: number,
): number {
  const peak = Math.max(...quantileRow(bands, 0.9));
  return Math.max(1, Math.ceil(peak / (perTask * targetUtilization)));
}
