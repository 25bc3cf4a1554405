/**
 * Re-forecasting after a failover: the history is the primary's series followed by what staging
 * has seen since the failover, on the forecast's grid, run through the same engine the primary's
 * forecaster uses. When the engine cannot run (the primary's history was unreadable and staging
 * has too little of its own), the bands in use are re-levelled to the recent actuals instead.
 */
import { UnderstudyError, ValidationError } from '../errors';
import { forecast as engineForecast } from '../forecast/engine';
import { median, quantileOf } from '../forecast/stats';
import type { ForecastInput, ForecastResult } from '../forecast/types';
import { minimumHistory } from '../forecast/validate';
import type { TimeSeries } from '../model';
import { type ForecastBands, quantileRow, relevel, stepAt } from './bands';

/** The forecasting function (the engine by default; tests pass a cheap stand-in). */
export type Forecaster = (input: ForecastInput) => ForecastResult;

/**
 * Averages `series` onto a grid of `intervalSeconds` aligned to the epoch. A bucket with no
 * observed point is `null`. Buckets end at `untilMs` (exclusive); the last one may be partial.
 */
export function resampleMean(
  series: TimeSeries,
  intervalSeconds: number,
  untilMs: number,
): TimeSeries {
  const stepMs = intervalSeconds * 1000;
  const pointMs = series.intervalSeconds * 1000;
  const start = Math.floor(series.start / stepMs) * stepMs;
  const buckets = Math.max(0, Math.ceil((untilMs - start) / stepMs));
  const sums = new Array<number>(buckets).fill(0);
  const counts = new Array<number>(buckets).fill(0);
  series.values.forEach((value, i) => {
    const at = series.start + i * pointMs;
    if (value === null || at >= untilMs) return;
    const bucket = Math.floor((at - start) / stepMs);
    if (bucket < 0 || bucket >= buckets) return;
    sums[bucket] = (sums[bucket] ?? 0) + value;
    counts[bucket] = (counts[bucket] ?? 0) + 1;
  });
  return {
    start,
    intervalSeconds,
    values: sums.map((sum, i) => ((counts[i] ?? 0) > 0 ? sum / (counts[i] ?? 1) : null)),
  };
}

/**
 * The primary's history followed by staging's series, both averaged onto the forecast grid;
 * where both have a bucket, staging's wins (it is what the shadow serves now). Buckets between
 * the two are `null` (a gap, filled by the engine from the seasonal profile).
 */
export function joinHistory(
  primary: TimeSeries | undefined,
  staging: TimeSeries,
  intervalSeconds: number,
  nowMs: number,
): TimeSeries {
  const stepMs = intervalSeconds * 1000;
  const recent = resampleMean(staging, intervalSeconds, nowMs);
  if (!primary || primary.values.length === 0) return recent;
  if (intervalSeconds % primary.intervalSeconds !== 0) {
    throw new ValidationError('invalid primary history', [
      `the forecast step ${intervalSeconds} s is not a multiple of the primary history's ${primary.intervalSeconds} s`,
    ]);
  }
  const before = resampleMean(primary, intervalSeconds, Math.min(nowMs, staging.start));
  const start = Math.min(before.start, recent.start);
  const end = Math.max(
    before.start + before.values.length * stepMs,
    recent.start + recent.values.length * stepMs,
  );
  const values = new Array<number | null>(Math.round((end - start) / stepMs)).fill(null);
  before.values.forEach((v, i) => {
    values[Math.round((before.start - start) / stepMs) + i] = v;
  });
  recent.values.forEach((v, i) => {
    if (v !== null) values[Math.round((recent.start - start) / stepMs) + i] = v;
  });
  return { start, intervalSeconds, values };
}

/**
 * How far demand peaks above its forecast-step mean inside a step: the `level` quantile, over the
 * steps of `series` with at least two points, of max ÷ mean. The forecast is of step means, but
 * tasks must serve the peaks within the step. 1 when the series is at the forecast's own step or
 * has too few full steps to say (fewer than 24).
 */
export function intraStepPeakFactor(
  series: readonly TimeSeries[],
  intervalSeconds: number,
  level: number,
): number {
  const ratios: number[] = [];
  for (const s of series) {
    if (s.intervalSeconds >= intervalSeconds) continue;
    const stepMs = intervalSeconds * 1000;
    const buckets = new Map<number, number[]>();
    s.values.forEach((v, i) => {
      if (v === null) return;
      const bucket = Math.floor((s.start + i * s.intervalSeconds * 1000) / stepMs);
      const list = buckets.get(bucket) ?? [];
      list.push(v);
      buckets.set(bucket, list);
    });
    for (const values of buckets.values()) {
      if (values.length < 2) continue;
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      if (mean > 0) ratios.push(Math.max(...values) / mean);
    }
  }
  if (ratios.length < 24) return 1;
  return Math.max(1, quantileOf(ratios, level));
}

/** Input of {@link reforecastBands}. */
export interface ReforecastInput {
  /** The primary's series before the failover (any step dividing the forecast's); absent when unreadable. */
  readonly primaryHistory?: TimeSeries;
  /** What staging has seen since the failover, at the adaptation period. */
  readonly staging: TimeSeries;
  readonly intervalSeconds: number;
  readonly horizon: number;
  readonly quantiles: readonly number[];
  readonly nowMs: number;
  /** The bands in use, re-levelled when the engine cannot run. */
  readonly current: ForecastBands;
  readonly forecaster?: Forecaster;
}

/** A re-forecast and how it was made. */
export interface ReforecastOutcome {
  readonly bands: ForecastBands;
  /** Forecast-grid points in the history (primary + staging). */
  readonly historyPoints: number;
  /** Re-level factor when the fallback was used. */
  readonly relevelFactor?: number;
  readonly warnings: readonly string[];
}

/**
 * Re-forecasts from the joined history. Origin: the bucket after the last (possibly partial)
 * staging bucket, so the latest periods, which made the decision, are in the history; the bands
 * start at the current bucket.
 */
export function reforecastBands(input: ReforecastInput): ReforecastOutcome {
  const history = joinHistory(
    input.primaryHistory,
    input.staging,
    input.intervalSeconds,
    input.nowMs,
  );
  const observed = history.values.filter((v) => v !== null).length;
  const generatedAt = new Date(input.nowMs).toISOString();
  const warnings: string[] = [];
  if (!input.primaryHistory) warnings.push('primary history unavailable: staging series only');
  let result: ForecastResult | undefined;
  if (observed >= minimumHistory(input.intervalSeconds)) {
    try {
      result = (input.forecaster ?? engineForecast)({
        start: history.start,
        intervalSeconds: input.intervalSeconds,
        values: history.values,
        horizon: input.horizon,
        quantiles: input.quantiles,
        // The bands need marginal quantiles only; a few paths keep each run cheap.
        samplePaths: 50,
      });
    } catch (error) {
      // A history the engine refuses must not stop adaptation: re-level instead, with a word.
      if (!(error instanceof UnderstudyError)) throw error;
      warnings.push(`the engine refused the history (${error.message})`);
    }
  }
  if (result) {
    // The last history bucket is the current, partial one: the forecast's first step is the
    // next bucket. The current bucket gets the first step's quantiles too, so the band covers
    // now and the next excursion can be seen without waiting for the bucket to end.
    const stepMs = input.intervalSeconds * 1000;
    const origin = history.start + history.values.length * stepMs;
    const partial = input.nowMs < origin;
    const quantiles: Record<string, readonly number[]> = {};
    for (const [level, row] of result.quantiles) {
      quantiles[String(level)] = partial && row.length ? [row[0] ?? 0, ...row] : row;
    }
    return {
      bands: {
        start: partial ? origin - stepMs : origin,
        intervalSeconds: input.intervalSeconds,
        quantiles,
        generatedAt,
        origin: 'reforecast',
        model: result.model,
      },
      historyPoints: history.values.length,
      warnings: [...warnings, ...result.warnings],
    };
  }
  const factor = relevelFactor(input.current, input.staging);
  warnings.push(
    result === undefined && observed >= minimumHistory(input.intervalSeconds)
      ? `bands re-levelled by ${factor.toPrecision(3)}`
      : `${observed} history point(s) are too few to forecast: bands re-levelled by ${factor.toPrecision(3)}`,
  );
  return {
    bands: relevel(input.current, factor, generatedAt),
    historyPoints: history.values.length,
    relevelFactor: factor,
    warnings,
  };
}

/**
 * Median of actual / band median over the staging points the bands cover (1 when none do or
 * the band is zero there): how far the level has moved from what was forecast.
 */
export function relevelFactor(bands: ForecastBands, staging: TimeSeries): number {
  let row: readonly number[];
  try {
    row = quantileRow(bands, 0.5);
  } catch {
    return 1;
  }
  const ratios: number[] = [];
  staging.values.forEach((value, i) => {
    if (value === null) return;
    const step = stepAt(bands, staging.start + i * staging.intervalSeconds * 1000);
    const mid = step === undefined ? undefined : row[step];
    if (mid !== undefined && mid > 0) ratios.push(value / mid);
  });
  return ratios.length ? median(ratios) : 1;
}
