/**
 * The forecasting engine. Per series, with nothing tuned across series:
 *
 * 1. Clean: keep the last five weeks, divide out scheduled events, fill gaps from a robust daily
 *    profile, re-level the history after a level shift in the last day, winsorise outliers at
 *    5 robust σ for fitting (`series.ts`).
 * 2. Backtest: every candidate model forecasts from ~40 rolling origins in the last week of the
 *    history (`backtest.ts`); models are scored by horizon-averaged MAE against the raw values.
 * 3. Combine: the best ≤ 3 models within 25 % of the best, weighted by 1/MAE².
 * 4. Calibrate: the combination's backtest errors — each origin's combination chosen without the
 *    origins that overlap it, so selection optimism is paid for — give per-step scales and a
 *    pooled empirical distribution of standardised errors with a split-conformal correction
 *    (`calibrate.ts`). The error scale may grow with the forecast level (level^p, p ∈ {0, ½, 1},
 *    chosen by backtest pinball loss).
 * 5. Sample joint paths through a Gaussian copula fitted to the errors' dependence (`paths.ts`),
 *    then apply event multipliers and the non-negativity floor to quantiles, mean and paths alike.
 */
import {
  backtestErrors,
  backtestOrigins,
  DEFAULT_BACKTEST_ORIGINS,
  horizonMae,
  runBacktest,
} from './backtest';
import {
  type Calibration,
  calibrateFromDifferences,
  calibrateFromErrors,
  MIN_CALIBRATION_ERRORS,
  zQuantile,
} from './calibrate';
import { eventMultipliers } from './events';
import { additive } from './models/additive';
import { etsDaily, etsWeekly } from './models/ets';
import { etsDoubleSeasonal } from './models/ets-double';
import { localLevel, localTrend } from './models/local';
import { logTransformed } from './models/log-transformed';
import type { ForecastModel } from './models/model';
import { robustLevel, seasonalMedian } from './models/robust-level';
import { sarima } from './models/sarima';
import { seasonalNaiveDaily, seasonalNaiveWeekly } from './models/seasonal-naive';
import { tbats } from './models/tbats';
import { samplePaths } from './paths';
import { periodsFor, prepareSeries } from './series';
import { median, quantileOf } from './stats';
import {
  DEFAULT_MODELS,
  DEFAULT_QUANTILES,
  type ForecastInput,
  type ForecastResult,
  type ModelName,
} from './types';
import { validateInput } from './validate';

const MODELS: Record<ModelName, ForecastModel> = {
  'snaive-daily': seasonalNaiveDaily,
  'snaive-weekly': seasonalNaiveWeekly,
  'seasonal-median': seasonalMedian,
  'median-level': robustLevel,
  'ets-daily': etsDaily,
  'ets-weekly': etsWeekly,
  additive,
  sarima,
  'ets-double': etsDoubleSeasonal,
  'ets-daily-log': logTransformed(etsDaily),
  'additive-log': logTransformed(additive),
  'local-level': localLevel,
  'local-trend': localTrend,
  tbats,
};

/** History kept, in cycles: five weeks of days (the additive model's window plus a week). */
export const MAX_HISTORY_CYCLES = 35;
/** History kept without a cycle, in steps. */
export const MAX_HISTORY_STEPS = 2016;
/** Default number of joint sample paths. */
export const DEFAULT_SAMPLE_PATHS = 500;
/** Default most models in the combination. */
export const DEFAULT_MAX_MEMBERS = 3;
/**
 * A model joins the combination only if its backtest error is within this factor of the best:
 * averaging in a clearly worse model costs more than the diversification gains.
 */
const MEMBER_SLACK = 1.25;

/**
 * Half-life of the recency weights in the trend-break signal, in cycles (days): chosen on the
 * rolling suite's `tune` split (see bench/results/forecast.md), never on the prepared cases.
 */
const RECENCY_HALF_LIFE_CYCLES = 2;

/**
 * Largest gap, in the best model's backtest MAE, between a member's horizon-mean forecast and
 * the best member's. Chosen on the rolling suite's `tune` split (1 over 2, 4 and none: gMASE
 * 0.602 against 0.606, 0.613, 0.613).
 */
const LEVEL_GUARD = 1;

interface Member {
  readonly model: ForecastModel;
  readonly weight: number;
}

/**
 * Forecasts `input.horizon` steps after the history with a calibrated predictive distribution.
 *
 * @throws ForecastInputError when the input is unusable (see `validateInput` for the rules; the
 *   minimum history is two seasonal cycles, e.g. 48 hourly points).
 */
export function forecast(input: ForecastInput): ForecastResult {
  validateInput(input);
  const full = input.values.length;
  const interval = input.intervalSeconds;
  const { daily } = periodsFor(interval);
  // Older history than MAX_HISTORY_CYCLES only costs time: every model weights the recent weeks.
  const keep = Math.min(full, Math.max(daily ? MAX_HISTORY_CYCLES * daily : MAX_HISTORY_STEPS, 1));
  const values = keep < full ? input.values.slice(full - keep) : input.values;
  const start = input.start + (full - keep) * interval * 1000;
  const h = input.horizon;
  const n = values.length;
  const levels = [...(input.quantiles ?? DEFAULT_QUANTILES)].sort((a, b) => a - b);
  const warnings: string[] = [];
  // Demand metrics are never negative, so forecasts are clamped at 0 by default; a history that
  // has negative values (a delta, a temperature) is not such a metric, and clamping it silently
  // would bias every quantile. Unless told otherwise, such a series is not clamped, with a word.
  let negatives = 0;
  let lowest = Number.POSITIVE_INFINITY;
  let highest = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v === null) continue;
    if (v < 0) negatives += 1;
    if (v < lowest) lowest = v;
    if (v > highest) highest = v;
  }
  const nonNegative = input.nonNegative ?? negatives === 0;
  if (negatives > 0) {
    warnings.push(
      nonNegative
        ? `${negatives} negative value(s) in the history; forecasts are clamped at 0 as asked`
        : `${negatives} negative value(s) in the history; forecasts are not clamped at 0`,
    );
  }
  if (lowest === highest) {
    warnings.push(
      `the history is constant (${lowest}): the intervals have zero width, having seen no variation to calibrate on`,
    );
  }
  const mult = eventMultipliers(input.events, start, interval, n + h);
  const ctx = prepareSeries(values, interval, mult);
  if (keep < full) warnings.push(`only the last ${keep} of ${full} points used`);
  if (ctx.filled) warnings.push(`${ctx.filled} missing points filled from the seasonal profile`);
  if (ctx.clipped) warnings.push(`${ctx.clipped} outlying points winsorised for fitting`);
  if (ctx.levelShift) {
    warnings.push(
      `level shift of ${ctx.levelShift.size.toPrecision(3)} at step ${ctx.levelShift.at}; earlier history re-levelled`,
    );
  }
  if (!ctx.period)
    warnings.push('no daily cycle usable at this step or history length; non-seasonal models only');
  let eventSteps = 0;
  for (let k = 0; k < h; k++) if ((mult[n + k] ?? 1) !== 1) eventSteps++;
  if (eventSteps) warnings.push(`scheduled events scale ${eventSteps} horizon steps`);

  const pool = [
    ...(input.models ?? DEFAULT_MODELS).map((name) => MODELS[name]),
    ...(input.extraModels ?? []),
  ];
  const origins = backtestOrigins(
    n,
    ctx.period,
    h,
    input.backtestOrigins ?? DEFAULT_BACKTEST_ORIGINS,
  );
  const results = runBacktest(ctx, pool, origins, h);
  results.sort((a, b) => a.mae - b.mae);
  const maxMembers = input.maxMembers ?? DEFAULT_MAX_MEMBERS;
  const members = chooseMembers(results, maxMembers);

  const level = Math.abs(median(ctx.y));
  const floor = 1e-9 * Math.max(1, Number.isFinite(level) ? level : 1);
  let cal: Calibration | undefined;
  let relative: ((f: number) => number) | undefined;
  let used: Member[] = members;
  if (members.length) {
    // Each origin's combination is chosen without the origins whose horizons overlap it, so
    // the calibration errors carry the cost of model selection instead of hiding it.
    const combined = origins.map((oi, i) => {
      const honest = results
        .map((r) => ({
          model: r.model,
          mae: horizonMae(
            r.errors,
            origins.length,
            h,
            (j) => Math.abs((origins[j] ?? 0) - oi) >= h,
          ),
        }))
        .filter((r) => Number.isFinite(r.mae))
        .sort((a, b) => a.mae - b.mae);
      const chosen = honest.length ? chooseMembers(honest, maxMembers) : members;
      const f = new Float64Array(h);
      for (const m of chosen) {
        const r = results.find((x) => x.model === m.model);
        const mf = r?.forecasts[i];
        for (let k = 0; k < h; k++) f[k] = (f[k] ?? 0) + m.weight * (mf?.[k] ?? 0);
      }
      return f;
    });
    const errors = backtestErrors(ctx, origins, combined, h);
    let count = 0;
    for (const e of errors) if (Number.isFinite(e)) count++;
    if (count >= MIN_CALIBRATION_ERRORS) {
      const halfLife = RECENCY_HALF_LIFE_CYCLES * (ctx.period || 24);
      const recency = origins.map((o) => 0.5 ** ((n - o) / halfLife));
      cal = calibrateFromErrors(errors, origins.length, h, floor, recency);
      // Error scale ∝ level^p: p = 0 (additive), ½ (Poisson-like), 1 (proportional); the
      // power whose calibrated quantiles score best on the backtest is kept.
      const levelRel = levelScaler(ctx.y, n);
      if (levelRel) {
        let best = backtestPinball(errors, cal, h, () => 1);
        for (const power of [0.5, 1]) {
          const rel = (f: number): number => levelRel(f) ** power;
          const relAt = (j: number): number => rel(combined[Math.floor(j / h)]?.[j % h] ?? 0);
          const candidate = calibrateFromErrors(
            errors.map((e, j) => e / relAt(j)),
            origins.length,
            h,
            floor,
            recency,
          );
          const loss = backtestPinball(errors, candidate, h, relAt);
          if (loss < best) {
            best = loss;
            cal = candidate;
            relative = rel;
          }
        }
      }
    }
  } else {
    const fallback =
      pool.find((m) => m.applicable(ctx, n)) ?? (ctx.period ? seasonalNaiveDaily : robustLevel);
    used = [{ model: fallback.applicable(ctx, n) ? fallback : robustLevel, weight: 1 }];
  }
  if (!cal) {
    warnings.push('history too short to backtest; calibrated from seasonal differences');
    cal = calibrateFromDifferences(ctx.y, ctx.period || 1, h, floor);
  }

  const point = new Float64Array(h);
  const finalMembers: Member[] = [];
  const bestMae = results[0]?.mae ?? Number.NaN;
  let anchor: number | undefined;
  for (const m of used) {
    try {
      const f = m.model.forecast(ctx, [n], h)[0];
      if (!f?.every(Number.isFinite)) continue;
      // Level guard: a member whose forecast level departs from the best member's by more than
      // LEVEL_GUARD backtest errors is left out, so a seasonal model cannot drag the median of
      // a smooth series off its level however close its backtest error came.
      const level = f.reduce((a, b) => a + b, 0) / h;
      if (anchor === undefined) anchor = level;
      else if (Math.abs(level - anchor) > LEVEL_GUARD * bestMae) continue;
      finalMembers.push(m);
      for (let k = 0; k < h; k++) point[k] = (point[k] ?? 0) + m.weight * (f[k] ?? 0);
    } catch {
      // Dropped below: weights are renormalised over the members that produced a forecast.
    }
  }
  const wsum = finalMembers.reduce((s, m) => s + m.weight, 0);
  if (wsum > 0) {
    for (let k = 0; k < h; k++) point[k] = (point[k] ?? 0) / wsum;
  } else {
    point.set(robustLevel.forecast(ctx, [n], h)[0] ?? new Float64Array(h));
    finalMembers.push({ model: robustLevel, weight: 1 });
  }

  if (relative) {
    const rel = relative;
    const base = cal;
    cal = { ...base, scales: base.scales.map((s, k) => s * rel(point[k] ?? 0)) };
  }

  const transform = (v: number, k: number): number => {
    const scaled = v * (mult[n + k] ?? 1);
    return nonNegative ? Math.max(0, scaled) : scaled;
  };
  const calibration = cal;
  const quantiles = new Map<number, number[]>();
  for (const tau of levels) {
    const z = zQuantile(calibration, tau);
    const row: number[] = [];
    for (let k = 0; k < h; k++)
      row.push(transform((point[k] ?? 0) + (calibration.scales[k] ?? 0) * z, k));
    quantiles.set(tau, row);
  }
  enforceMonotone(levels, quantiles, h);
  const mean: number[] = [];
  for (let k = 0; k < h; k++) {
    // Exact mean of the calibrated (empirical) distribution after the same transform.
    let s = 0;
    for (const z of calibration.z)
      s += transform((point[k] ?? 0) + (calibration.scales[k] ?? 0) * z, k);
    mean.push(calibration.z.length ? s / calibration.z.length : transform(point[k] ?? 0, k));
  }
  const paths = samplePaths(
    point,
    calibration,
    input.samplePaths ?? DEFAULT_SAMPLE_PATHS,
    input.seed ?? 1,
    transform,
  );
  const stepMs = interval * 1000;
  const timestamps = Array.from({ length: h }, (_, k) => start + (n + k) * stepMs);
  return {
    timestamps,
    mean,
    quantiles,
    paths,
    model: finalMembers.map((m) => m.model.name).join('+'),
    warnings,
  };
}

/** The best few models by backtest error, weighted by inverse squared error. */
function chooseMembers(
  results: readonly { model: ForecastModel; mae: number }[],
  maxMembers: number,
): Member[] {
  const best = results[0];
  if (!best) return [];
  if (best.mae <= 0) return [{ model: best.model, weight: 1 }];
  const chosen = results.filter((r) => r.mae <= MEMBER_SLACK * best.mae).slice(0, maxMembers);
  // (best / mae)² rather than 1 / mae²: the same weights without overflow on huge or tiny series.
  const raw = chosen.map((r) => (best.mae / r.mae) ** 2);
  const total = raw.reduce((a, b) => a + b, 0);
  return chosen.map((r, i) => ({ model: r.model, weight: (raw[i] ?? 0) / total }));
}

/** Sorts each step's values across levels so quantiles never cross (they can only by rounding). */
function enforceMonotone(
  levels: readonly number[],
  quantiles: Map<number, number[]>,
  h: number,
): void {
  for (let k = 0; k < h; k++) {
    const col = levels.map((q) => quantiles.get(q)?.[k] ?? 0).sort((a, b) => a - b);
    levels.forEach((q, i) => {
      const row = quantiles.get(q);
      if (row) row[k] = col[i] ?? 0;
    });
  }
}

/**
 * For a non-negative series, the error scale relative to the forecast level: (f + c) / (L + c),
 * with L the mean of the history and c the 10th percentile of its positive values (so near-zero
 * forecasts keep a floor of uncertainty). Undefined when the series goes negative.
 */
function levelScaler(y: Float64Array, n: number): ((f: number) => number) | undefined {
  let sum = 0;
  const positive: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = y[i] ?? 0;
    if (v < 0) return undefined;
    sum += v;
    if (v > 0) positive.push(v);
  }
  if (!positive.length) return undefined;
  const c = Math.max(quantileOf(positive, 0.1), Number.MIN_VALUE);
  const level = sum / n;
  return (f) => (Math.max(f, 0) + c) / (level + c);
}

/** Mean pinball loss (levels 0.1 … 0.9) of a calibration on the backtest errors it came from. */
function backtestPinball(
  errors: Float64Array,
  cal: Calibration,
  h: number,
  rel: (j: number) => number,
): number {
  const taus = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
  const zq = taus.map((t) => zQuantile(cal, t));
  let loss = 0;
  let count = 0;
  for (let j = 0; j < errors.length; j++) {
    const e = errors[j] ?? Number.NaN;
    if (!Number.isFinite(e)) continue;
    const s = (cal.scales[j % h] ?? 0) * rel(j);
    taus.forEach((t, i) => {
      const d = e - s * (zq[i] ?? 0);
      loss += Math.max(t * d, (t - 1) * d);
    });
    count++;
  }
  return count ? loss / count : Number.POSITIVE_INFINITY;
}
