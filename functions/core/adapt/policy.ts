/**
 * Adaptation while the shadow holds authority: one decision per scheduled period, from the
 * forecast bands in use, the actual demand since the failover and the cloned scaling bounds.
 *
 * - **When to re-forecast.** When actual demand has been outside the band [lower, upper quantile]
 *   for `k` consecutive periods (or the bands no longer cover now), the bands are wrong: they are
 *   replaced by a re-forecast from the primary's history followed by staging's (`reforecast.ts`).
 * - **What minimum.** The Application Auto Scaling *minimum* capacity is set from the planned
 *   quantile's peak over the next `lookaheadSteps` forecast steps, times the within-step peak
 *   factor (the forecast is of step means, the tasks serve the peaks), through the same demand →
 *   task formula as the deployment plan (`capacity.ts`), within the cloned [min, max]. Target
 *   tracking keeps working above that floor; nothing here writes a desired count.
 * - **Hysteresis.** Raising needs `tasks(peak) > current`; lowering needs
 *   `tasks(peak × (1 + h)) < current` and lowers to that figure. So while every peak stays within
 *   a band [a, a × (1 + h)] the minimum never reverses direction: a raise at p₁ ≤ a(1 + h) can only
 *   be undone by a peak p₂ with p₂(1 + h) < p₁, i.e. p₂ < a, and the converse.
 * - **Cooldown.** No raise within `scaleOutCooldownMs` of the last change, no lowering within
 *   `scaleInCooldownMs` of it (scale-in waits longer: under-provisioning costs more than a spare
 *   task).
 * - **Recurring bursts.** A burst shorter than target tracking's reaction (3 one-minute datapoints,
 *   a minute of ingestion, a minute of task start) is over before a scale-out serves it, and an
 *   hourly forecast of step means flattens it. A burst that recurs at the same time of day (a
 *   nightly batch, a cron-driven job) is nonetheless predictable: the minimum also covers, at
 *   100 % per task, the `recurringLevel` quantile over the last `recurringDays` days of each day's
 *   largest fine-grained value in the same time-of-day window (the lookahead, widened by
 *   `recurringSlackMs` either side for drift). With the median, a burst must recur on most days
 *   to count, so a one-off spike never holds capacity up. The same hysteresis applies.
 *
 * Every decision carries its inputs (the excursion's points and band edges, the peaks, the bounds,
 * the cooldown state, the settings), so the adapt log explains each change.
 */
import { type CapacityResult, desiredCount, type TaskCapacity } from '../capacity';
import { ValidationError } from '../errors';
import { quantileOf } from '../forecast/stats';
import type { ResourceMetric, TimeSeries } from '../model';
import {
  bandsEnd,
  type Excursion,
  type ForecastBands,
  latestExcursion,
  quantileRow,
  stepAt,
} from './bands';
import { type Forecaster, intraStepPeakFactor, reforecastBands } from './reforecast';

/** History the within-step peak factor is measured over: a week, every weekday once. */
const PEAK_WINDOW_MS = 7 * 24 * 3_600_000;
const DAY_MS = 24 * 3_600_000;
/** Fewest days with data in the window before a recurring burst is believed. */
const RECURRING_MIN_DAYS = 3;

/** The signal's primary history and actuals from `fromMs` on. */
function recentWindow(signal: AdaptSignal, fromMs: number): TimeSeries[] {
  const cut = (series: TimeSeries): TimeSeries => {
    const skip = Math.max(0, Math.ceil((fromMs - series.start) / (series.intervalSeconds * 1000)));
    return {
      start: series.start + skip * series.intervalSeconds * 1000,
      intervalSeconds: series.intervalSeconds,
      values: series.values.slice(skip),
    };
  };
  return [...(signal.primaryHistory ? [cut(signal.primaryHistory)] : []), cut(signal.actual)];
}

/** The policy's constants (chosen on the calibration split of `bench/adapt.ts`). */
export interface AdaptSettings {
  /** k: consecutive out-of-band periods that trigger a re-forecast. */
  readonly consecutivePeriods: number;
  /** Quantile level of the band's lower edge, e.g. 0.1. */
  readonly bandLower: number;
  /** Quantile level of the band's upper edge, e.g. 0.9. */
  readonly bandUpper: number;
  /** Quantile level the minimum is planned for, e.g. 0.9. */
  readonly level: number;
  /** Forecast steps (from the one covering now) whose peak sets the minimum. */
  readonly lookaheadSteps: number;
  /** h: relative demand headroom a lowering keeps, and the hysteresis band's width. */
  readonly hysteresis: number;
  readonly scaleOutCooldownMs: number;
  readonly scaleInCooldownMs: number;
  /** Re-forecast horizon in forecast steps. */
  readonly horizon: number;
  /** Quantile levels a re-forecast computes (must include the band edges, `level` and 0.5). */
  readonly quantiles: readonly number[];
  /** Forecast step of a re-forecast, in seconds (the primary forecaster's, e.g. 3600). */
  readonly forecastIntervalSeconds: number;
  /**
   * Quantile of the within-step peak ÷ step mean ratio (last 7 days of fine-grained history) the
   * forecast peak is multiplied by: the forecast is of step means, the tasks serve the peaks.
   */
  readonly peakLevel: number;
  /** Days of fine-grained history searched for recurring bursts; 0 turns the check off. */
  readonly recurringDays: number;
  /** Quantile of the daily maxima a recurring burst is sized from, e.g. 0.5: most days. */
  readonly recurringLevel: number;
  /** Time-of-day drift a recurring burst may have, either side of the window, ms. */
  readonly recurringSlackMs: number;
}

/**
 * Settings used unless configured otherwise: chosen on the calibration split of `bench/adapt.ts`
 * (`bench/results/adapt-calibration.md`), never on the scored traces.
 */
export const DEFAULT_ADAPT_SETTINGS: AdaptSettings = {
  consecutivePeriods: 3,
  bandLower: 0.1,
  bandUpper: 0.9,
  level: 0.9,
  lookaheadSteps: 2,
  hysteresis: 0.3,
  scaleOutCooldownMs: 5 * 60_000,
  scaleInCooldownMs: 60 * 60_000,
  horizon: 24,
  quantiles: [0.1, 0.5, 0.9, 0.975],
  forecastIntervalSeconds: 3600,
  peakLevel: 0.9,
  recurringDays: 7,
  recurringLevel: 0.75,
  recurringSlackMs: 120 * 60_000,
};

/**
 * How a demand value of a signal becomes tasks (see `capacity.ts`): utilisation percentages and
 * per-target request counts are relative to `referenceTasks`, the task count of the history the
 * forecast was made from; absolute signals need the per-task capacity of `AdaptInput.task`.
 */
export type CapacityBasis =
  | { readonly kind: 'cpu-percent' | 'memory-percent'; readonly referenceTasks: number }
  | { readonly kind: 'requests-per-target'; readonly referenceTasks: number }
  | { readonly kind: 'cpu-units' | 'memory-mib' | 'requests' };

/** One demand signal of a service. */
export interface AdaptSignal {
  readonly metric: ResourceMetric;
  /** The bands in use (the primary's forecast, or the last re-forecast). */
  readonly bands: ForecastBands;
  /** Actual demand since the failover, in the forecast's units, one point per period. */
  readonly actual: TimeSeries;
  /**
   * The primary's series before the failover, at any step dividing the forecast's (the
   * adaptation period's gives the within-step peaks); absent when unreadable.
   */
  readonly primaryHistory?: TimeSeries;
  readonly basis: CapacityBasis;
}

/** The last change made to the minimum. */
export interface LastChange {
  readonly atMs: number;
  readonly direction: 'raise' | 'lower';
}

/** Input of {@link decideAdaptation}. */
export interface AdaptInput {
  readonly service: string;
  readonly nowMs: number;
  readonly signals: readonly AdaptSignal[];
  /** The cloned scaling bounds: the minimum is never set outside them. */
  readonly bounds: { readonly minCapacity: number; readonly maxCapacity: number };
  /** The minimum capacity in force now. */
  readonly currentMin: number;
  readonly lastChange?: LastChange;
  readonly task: TaskCapacity;
  /** Fraction of per-task capacity planned for, in (0, 1] (the target-tracking target). */
  readonly targetUtilization: number;
  readonly settings: AdaptSettings;
  /** The forecasting function; the engine by default. */
  readonly forecaster?: Forecaster;
}

/** What happened to one signal in a decision. */
export interface SignalDecision {
  readonly metric: ResourceMetric;
  readonly excursion?: Excursion;
  /** Set when the bands were replaced in this decision. */
  readonly reforecast?: {
    readonly reason: 'excursion' | 'expired';
    readonly origin: ForecastBands['origin'];
    readonly model: string;
    readonly historyPoints: number;
    readonly relevelFactor?: number;
    readonly warnings: readonly string[];
  };
  /** Planned quantile's peak over the lookahead; undefined when the bands do not reach it. */
  readonly peak?: number;
  /** Within-step peak factor the forecast peak was multiplied by (`AdaptSettings.peakLevel`). */
  readonly peakFactor?: number;
  /** A recurring burst's demand at this time of day (see {@link recurringPeak}), when one is seen. */
  readonly recurringPeak?: number;
  /** Tasks the peak needs (raise test) and the peak with headroom needs (lower test). */
  readonly raiseTasks?: number;
  readonly lowerTasks?: number;
}

/** One adaptation decision: JSON-safe, with its inputs. */
export interface AdaptDecision {
  readonly service: string;
  /** ISO-8601 UTC. */
  readonly decidedAt: string;
  readonly action: 'raise' | 'lower' | 'hold';
  /** Plain words: why. */
  readonly reason: string;
  readonly previousMin: number;
  /** The minimum after the decision (= previousMin on hold). */
  readonly newMin: number;
  readonly bounds: AdaptInput['bounds'];
  readonly raiseTarget?: number;
  readonly lowerTarget?: number;
  readonly lastChange?: LastChange;
  /** Set when a change was wanted but a cooldown held it. */
  readonly cooldownRemainingMs?: number;
  readonly signals: readonly SignalDecision[];
  readonly targetUtilization: number;
  readonly task: TaskCapacity;
  readonly settings: AdaptSettings;
}

/** A decision plus the state the next period starts from. */
export interface AdaptOutcome {
  readonly decision: AdaptDecision;
  /** The bands in use after this decision, by metric. */
  readonly bands: Readonly<Partial<Record<ResourceMetric, ForecastBands>>>;
  readonly lastChange?: LastChange;
}

const isLevel = (v: number) => Number.isFinite(v) && v > 0 && v < 1;
const isCount = (v: number) => Number.isInteger(v) && v >= 0;

/**
 * Checks settings; every problem is named.
 * @throws ValidationError
 */
export function validateAdaptSettings(settings: AdaptSettings): void {
  const issues: string[] = [];
  const s = settings;
  if (!(Number.isInteger(s.consecutivePeriods) && s.consecutivePeriods >= 1))
    issues.push(`consecutivePeriods ${s.consecutivePeriods} must be an integer ≥ 1`);
  for (const [name, v] of [
    ['bandLower', s.bandLower],
    ['bandUpper', s.bandUpper],
    ['level', s.level],
    ['peakLevel', s.peakLevel],
  ] as const) {
    if (!isLevel(v)) issues.push(`${name} ${v} must be in (0, 1)`);
  }
  if (!(Number.isInteger(s.recurringDays) && s.recurringDays >= 0 && s.recurringDays <= 60))
    issues.push(`recurringDays ${s.recurringDays} must be an integer in [0, 60]`);
  if (!(Number.isFinite(s.recurringLevel) && s.recurringLevel >= 0 && s.recurringLevel <= 1))
    issues.push(`recurringLevel ${s.recurringLevel} must be in [0, 1]`);
  if (
    !(
      Number.isFinite(s.recurringSlackMs) &&
      s.recurringSlackMs >= 0 &&
      s.recurringSlackMs < DAY_MS / 2
    )
  )
    issues.push(`recurringSlackMs ${s.recurringSlackMs} must be in [0, 12 h)`);
  if (!(s.bandLower < s.bandUpper)) issues.push('bandLower must be below bandUpper');
  if (!(Number.isInteger(s.lookaheadSteps) && s.lookaheadSteps >= 1))
    issues.push(`lookaheadSteps ${s.lookaheadSteps} must be an integer ≥ 1`);
  if (!(Number.isFinite(s.hysteresis) && s.hysteresis >= 0 && s.hysteresis < 1))
    issues.push(`hysteresis ${s.hysteresis} must be in [0, 1)`);
  for (const [name, v] of [
    ['scaleOutCooldownMs', s.scaleOutCooldownMs],
    ['scaleInCooldownMs', s.scaleInCooldownMs],
  ] as const) {
    if (!(Number.isFinite(v) && v >= 0)) issues.push(`${name} ${v} must be ≥ 0`);
  }
  if (!(Number.isInteger(s.horizon) && s.horizon >= s.lookaheadSteps))
    issues.push(`horizon ${s.horizon} must be an integer ≥ lookaheadSteps`);
  if (!(Number.isFinite(s.forecastIntervalSeconds) && s.forecastIntervalSeconds > 0))
    issues.push(`forecastIntervalSeconds ${s.forecastIntervalSeconds} must be > 0`);
  for (const needed of [s.bandLower, s.bandUpper, s.level, 0.5]) {
    if (!s.quantiles.includes(needed)) issues.push(`quantiles must include ${needed}`);
  }
  if (s.quantiles.some((q) => !isLevel(q))) issues.push('quantiles must all be in (0, 1)');
  if (issues.length) throw new ValidationError('invalid adaptation settings', issues);
}

function validateInput(input: AdaptInput): void {
  validateAdaptSettings(input.settings);
  const issues: string[] = [];
  const { minCapacity, maxCapacity } = input.bounds;
  if (!isCount(minCapacity))
    issues.push(`bounds.minCapacity ${minCapacity} must be an integer ≥ 0`);
  if (!(isCount(maxCapacity) && maxCapacity >= minCapacity))
    issues.push(`bounds.maxCapacity ${maxCapacity} must be an integer ≥ minCapacity`);
  if (!isCount(input.currentMin))
    issues.push(`currentMin ${input.currentMin} must be an integer ≥ 0`);
  if (!Number.isFinite(input.nowMs)) issues.push('nowMs must be a finite epoch-ms number');
  if (input.signals.length === 0) issues.push('signals must not be empty');
  const seen = new Set<string>();
  for (const signal of input.signals) {
    if (seen.has(signal.metric)) issues.push(`signal ${signal.metric} is listed twice`);
    seen.add(signal.metric);
    if ('referenceTasks' in signal.basis && !(signal.basis.referenceTasks > 0))
      issues.push(`${signal.metric}: referenceTasks must be > 0`);
    if (!(signal.actual.intervalSeconds > 0))
      issues.push(`${signal.metric}: actual.intervalSeconds must be > 0`);
  }
  if (input.lastChange && !Number.isFinite(input.lastChange.atMs))
    issues.push('lastChange.atMs must be a finite epoch-ms number');
  if (issues.length) throw new ValidationError('invalid adaptation input', issues);
}

/** Tasks a demand value of `signal` needs, within the bounds (`capacity.ts`'s formula). */
export function tasksForDemand(
  value: number,
  basis: CapacityBasis,
  input: Pick<AdaptInput, 'task' | 'targetUtilization' | 'bounds'>,
): CapacityResult {
  const demand = Math.max(0, value);
  const signal =
    basis.kind === 'cpu-percent' || basis.kind === 'memory-percent'
      ? { kind: basis.kind, percent: demand, runningTasks: basis.referenceTasks }
      : basis.kind === 'requests-per-target'
        ? { kind: 'requests' as const, requests: demand * basis.referenceTasks }
        : basis.kind === 'cpu-units'
          ? { kind: basis.kind, units: demand }
          : basis.kind === 'memory-mib'
            ? { kind: basis.kind, mib: demand }
            : { kind: basis.kind, requests: demand };
  return desiredCount({
    signals: [signal],
    task: input.task,
    targetUtilization: input.targetUtilization,
    minCount: input.bounds.minCapacity,
    maxCount: input.bounds.maxCapacity,
  });
}

/**
 * The demand of a burst that recurs at this time of day: for each of the last `days` days, the
 * largest value of the fine-grained `series` (a step finer than `forecastIntervalSeconds`: the
 * hourly means are the forecast's business) in [now − slack, now + ahead + slack] moved back by
 * that many days; then the `level` quantile of those daily maxima. Undefined when fewer than
 * three days have data in the window, or `days` is 0.
 */
export function recurringPeak(
  series: readonly TimeSeries[],
  options: {
    readonly nowMs: number;
    readonly aheadMs: number;
    readonly slackMs: number;
    readonly days: number;
    readonly level: number;
    readonly forecastIntervalSeconds: number;
  },
): number | undefined {
  const { nowMs, aheadMs, slackMs, days, level } = options;
  const maxima: number[] = [];
  for (let day = 1; day <= days; day += 1) {
    const from = nowMs - day * DAY_MS - slackMs;
    const to = nowMs - day * DAY_MS + aheadMs + slackMs;
    let max: number | undefined;
    for (const s of series) {
      if (s.intervalSeconds >= options.forecastIntervalSeconds) continue;
      const stepMs = s.intervalSeconds * 1000;
      const first = Math.max(0, Math.ceil((from - s.start) / stepMs));
      const last = Math.min(s.values.length - 1, Math.floor((to - s.start) / stepMs));
      for (let i = first; i <= last; i += 1) {
        const v = s.values[i];
        if (v !== null && v !== undefined && (max === undefined || v > max)) max = v;
      }
    }
    if (max !== undefined) maxima.push(max);
  }
  return maxima.length >= RECURRING_MIN_DAYS ? quantileOf(maxima, level) : undefined;
}

/** The planned quantile's peak over the lookahead from the step covering `nowMs`. */
export function lookaheadPeak(
  bands: ForecastBands,
  nowMs: number,
  level: number,
  lookaheadSteps: number,
): number | undefined {
  const row = quantileRow(bands, level);
  const first = nowMs < bands.start ? 0 : stepAt(bands, nowMs);
  if (first === undefined) return undefined;
  const window = row.slice(first, first + lookaheadSteps);
  return window.length ? Math.max(...window) : undefined;
}

/**
 * Decides one period: re-forecasts the signals whose actual left the band for k periods (or
 * whose bands expired), then raises, lowers or holds the minimum capacity.
 *
 * @throws ValidationError for bad settings or input (nothing is decided then).
 */
export function decideAdaptation(input: AdaptInput): AdaptOutcome {
  validateInput(input);
  const s = input.settings;
  const bands: Partial<Record<ResourceMetric, ForecastBands>> = {};
  const signals: SignalDecision[] = [];
  let raiseTarget: number | undefined;
  let lowerTarget: number | undefined;
  for (const signal of input.signals) {
    let current = signal.bands;
    const excursion = latestExcursion(
      current,
      signal.actual,
      s.consecutivePeriods,
      s.bandLower,
      s.bandUpper,
    );
    const expired = input.nowMs >= bandsEnd(current);
    let reforecast: SignalDecision['reforecast'];
    if (excursion || expired) {
      const outcome = reforecastBands({
        ...(signal.primaryHistory ? { primaryHistory: signal.primaryHistory } : {}),
        staging: signal.actual,
        intervalSeconds: s.forecastIntervalSeconds,
        horizon: s.horizon,
        quantiles: s.quantiles,
        nowMs: input.nowMs,
        current,
        ...(input.forecaster ? { forecaster: input.forecaster } : {}),
      });
      current = outcome.bands;
      reforecast = {
        reason: excursion ? 'excursion' : 'expired',
        origin: outcome.bands.origin,
        model: outcome.bands.model,
        historyPoints: outcome.historyPoints,
        ...(outcome.relevelFactor !== undefined ? { relevelFactor: outcome.relevelFactor } : {}),
        warnings: outcome.warnings,
      };
    }
    bands[signal.metric] = current;
    const peak = lookaheadPeak(current, input.nowMs, s.level, s.lookaheadSteps);
    const factor = intraStepPeakFactor(
      recentWindow(signal, input.nowMs - PEAK_WINDOW_MS),
      s.forecastIntervalSeconds,
      s.peakLevel,
    );
    const burst =
      s.recurringDays > 0
        ? recurringPeak(
            recentWindow(signal, input.nowMs - (s.recurringDays + 1) * DAY_MS - s.recurringSlackMs),
            {
              nowMs: input.nowMs,
              aheadMs: s.lookaheadSteps * s.forecastIntervalSeconds * 1000,
              slackMs: s.recurringSlackMs,
              days: s.recurringDays,
              level: s.recurringLevel,
              forecastIntervalSeconds: s.forecastIntervalSeconds,
            },
          )
        : undefined;
    let raiseTasks: number | undefined;
    let lowerTasks: number | undefined;
    if (peak !== undefined) {
      const served = peak * factor;
      // A burst is served at 100 % per task: sustained load above it is target tracking's.
      const atFull = { ...input, targetUtilization: 1 };
      const tasks = (scale: number) =>
        Math.max(
          tasksForDemand(served * scale, signal.basis, input).desiredCount,
          burst === undefined
            ? 0
            : tasksForDemand(burst * scale, signal.basis, atFull).desiredCount,
        );
      raiseTasks = tasks(1);
      lowerTasks = tasks(1 + s.hysteresis);
      raiseTarget = Math.max(raiseTarget ?? 0, raiseTasks);
      lowerTarget = Math.max(lowerTarget ?? 0, lowerTasks);
    }
    signals.push({
      metric: signal.metric,
      ...(excursion ? { excursion } : {}),
      ...(reforecast ? { reforecast } : {}),
      ...(burst !== undefined ? { recurringPeak: burst } : {}),
      ...(peak !== undefined ? { peak, peakFactor: factor, raiseTasks, lowerTasks } : {}),
    });
  }
  const decision = choose(input, raiseTarget, lowerTarget);
  const changed = decision.action !== 'hold';
  const lastChange: LastChange | undefined = changed
    ? { atMs: input.nowMs, direction: decision.action as LastChange['direction'] }
    : input.lastChange;
  return {
    decision: {
      service: input.service,
      decidedAt: new Date(input.nowMs).toISOString(),
      ...decision,
      previousMin: input.currentMin,
      bounds: input.bounds,
      ...(raiseTarget !== undefined ? { raiseTarget } : {}),
      ...(lowerTarget !== undefined ? { lowerTarget } : {}),
      ...(input.lastChange ? { lastChange: input.lastChange } : {}),
      signals,
      targetUtilization: input.targetUtilization,
      task: input.task,
      settings: s,
    },
    bands,
    ...(lastChange ? { lastChange } : {}),
  };
}

type Choice = Pick<AdaptDecision, 'action' | 'reason' | 'newMin' | 'cooldownRemainingMs'>;

function choose(
  input: AdaptInput,
  raiseTarget: number | undefined,
  lowerTarget: number | undefined,
): Choice {
  const { currentMin, bounds, settings: s, nowMs, lastChange } = input;
  const hold = (reason: string, extra: Partial<Choice> = {}): Choice => ({
    action: 'hold',
    reason,
    newMin: currentMin,
    ...extra,
  });
  // A minimum outside the cloned bounds was not set by this policy: bring it back at once.
  if (currentMin < bounds.minCapacity || currentMin > bounds.maxCapacity) {
    const within = Math.min(bounds.maxCapacity, Math.max(bounds.minCapacity, currentMin));
    return {
      action: within > currentMin ? 'raise' : 'lower',
      reason: `minimum ${currentMin} is outside the cloned bounds [${bounds.minCapacity}, ${bounds.maxCapacity}]`,
      newMin: within,
    };
  }
  if (raiseTarget === undefined || lowerTarget === undefined) {
    return hold('no forecast step covers the lookahead: minimum kept');
  }
  const since = lastChange ? nowMs - lastChange.atMs : Number.POSITIVE_INFINITY;
  if (raiseTarget > currentMin) {
    if (since < s.scaleOutCooldownMs) {
      return hold(`raise to ${raiseTarget} held by the scale-out cooldown`, {
        cooldownRemainingMs: s.scaleOutCooldownMs - since,
      });
    }
    return {
      action: 'raise',
      reason: `forecast peak needs ${raiseTarget} tasks, minimum is ${currentMin}`,
      newMin: raiseTarget,
    };
  }
  if (lowerTarget < currentMin) {
    if (since < s.scaleInCooldownMs) {
      return hold(`lowering to ${lowerTarget} held by the scale-in cooldown`, {
        cooldownRemainingMs: s.scaleInCooldownMs - since,
      });
    }
    return {
      action: 'lower',
      reason: `forecast peak with ${Math.round(s.hysteresis * 100)} % headroom needs ${lowerTarget} tasks, minimum is ${currentMin}`,
      newMin: lowerTarget,
    };
  }
  return hold(
    `minimum ${currentMin} is within the hysteresis band [${raiseTarget}, ${lowerTarget}]`,
  );
}
