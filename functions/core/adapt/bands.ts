/**
 * Forecast bands as adaptation reads them: per-step quantiles on a regular grid, JSON-safe so the
 * adapt log can keep the bands in use between scheduled runs, and the test of whether actual
 * demand has left them.
 */
import { ValidationError } from '../errors';
import type { Forecast, TimeSeries } from '../model';

/** A forecast reduced to what adaptation needs; JSON-safe. */
export interface ForecastBands {
  /** Epoch ms of step 0. */
  readonly start: number;
  readonly intervalSeconds: number;
  /** Quantile level (as written, e.g. `"0.9"`) → one value per step. */
  readonly quantiles: Readonly<Record<string, readonly number[]>>;
  /** ISO-8601 UTC time the forecast was made. */
  readonly generatedAt: string;
  /** Where the bands came from: the primary's forecast, a re-forecast, or a re-levelled copy. */
  readonly origin: 'primary-forecast' | 'reforecast' | 'relevelled';
  readonly model: string;
}

/** Where a point stands against the band at its time. */
export type BandPosition = 'above' | 'below' | 'inside' | 'uncovered' | 'missing';

/** Converts a stored {@link Forecast} into bands. */
export function bandsOfForecast(forecast: Forecast): ForecastBands {
  const first = forecast.timestamps[0];
  const start = first === undefined ? Number.NaN : Date.parse(first);
  if (!Number.isFinite(start)) {
    throw new ValidationError('invalid forecast', [
      `forecast of ${forecast.service} ${forecast.metric} has no valid first timestamp`,
    ]);
  }
  return {
    start,
    intervalSeconds: forecast.intervalSeconds,
    quantiles: forecast.quantiles,
    generatedAt: forecast.generatedAt,
    origin: 'primary-forecast',
    model: forecast.model,
  };
}

/** Number of steps the bands cover (the shortest quantile row). */
export function bandSteps(bands: ForecastBands): number {
  const rows = Object.values(bands.quantiles);
  return rows.length ? Math.min(...rows.map((r) => r.length)) : 0;
}

/** Epoch ms just past the last covered step. */
export function bandsEnd(bands: ForecastBands): number {
  return bands.start + bandSteps(bands) * bands.intervalSeconds * 1000;
}

/** The step covering `atMs`, or undefined when the bands do not cover it. */
export function stepAt(bands: ForecastBands, atMs: number): number | undefined {
  const index = Math.floor((atMs - bands.start) / (bands.intervalSeconds * 1000));
  return index >= 0 && index < bandSteps(bands) ? index : undefined;
}

/**
 * The row of quantile `level`. Levels are matched numerically (`"0.90"` is 0.9).
 * @throws ValidationError naming the levels present when `level` is absent.
 */
export function quantileRow(bands: ForecastBands, level: number): readonly number[] {
  const entry = Object.entries(bands.quantiles).find(([key]) => Number(key) === level);
  if (!entry) {
    throw new ValidationError(`forecast bands have no ${level} quantile`, [
      `levels present: ${Object.keys(bands.quantiles).join(', ') || 'none'}`,
    ]);
  }
  return entry[1];
}

/** Where `value` at `atMs` stands against the band [lower, upper] quantiles. */
export function positionOf(
  bands: ForecastBands,
  atMs: number,
  value: number | null,
  lower: number,
  upper: number,
): BandPosition {
  if (value === null) return 'missing';
  const step = stepAt(bands, atMs);
  if (step === undefined) return 'uncovered';
  const lo = quantileRow(bands, lower)[step] ?? Number.NEGATIVE_INFINITY;
  const hi = quantileRow(bands, upper)[step] ?? Number.POSITIVE_INFINITY;
  if (value > hi) return 'above';
  if (value < lo) return 'below';
  return 'inside';
}

/** A run of out-of-band points ending at the latest period. */
export interface Excursion {
  readonly direction: 'above' | 'below';
  /** Consecutive latest periods on that side (≥ k when it triggers). */
  readonly periods: number;
  /** The points of the run, oldest first (epoch ms, actual, band edge crossed). */
  readonly points: readonly {
    readonly atMs: number;
    readonly actual: number;
    readonly edge: number;
  }[];
}

/**
 * The run of consecutive latest periods of `actual` on one side of the band, when it is at least
 * `k` long. A gap, a point inside the band or a point the bands do not cover ends the run, so a
 * missing datapoint never counts as evidence.
 */
export function latestExcursion(
  bands: ForecastBands,
  actual: TimeSeries,
  k: number,
  lower: number,
  upper: number,
): Excursion | undefined {
  const stepMs = actual.intervalSeconds * 1000;
  let direction: 'above' | 'below' | undefined;
  const points: { atMs: number; actual: number; edge: number }[] = [];
  for (let i = actual.values.length - 1; i >= 0; i -= 1) {
    const value = actual.values[i] ?? null;
    const atMs = actual.start + i * stepMs;
    const position = positionOf(bands, atMs, value, lower, upper);
    if (position !== 'above' && position !== 'below') break;
    if (direction && position !== direction) break;
    direction = position;
    const step = stepAt(bands, atMs) ?? 0;
    const edge = quantileRow(bands, position === 'above' ? upper : lower)[step] ?? 0;
    points.unshift({ atMs, actual: value as number, edge });
  }
  if (!direction || points.length < k) return undefined;
  return { direction, periods: points.length, points };
}

/**
 * The bands scaled by `factor` (every quantile of every step): the fallback when a re-forecast is
 * impossible, so the band follows a level shift the forecast missed.
 */
export function relevel(bands: ForecastBands, factor: number, generatedAt: string): ForecastBands {
  const quantiles: Record<string, number[]> = {};
  for (const [level, row] of Object.entries(bands.quantiles)) {
    quantiles[level] = row.map((v) => v * factor);
  }
  return { ...bands, quantiles, generatedAt, origin: 'relevelled' };
}
