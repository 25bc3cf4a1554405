/**
 * Turns a raw series with gaps into what the models fit on: seasonal periods chosen from the
 * step size, gaps filled from a robust seasonal profile, outliers winsorised for fitting, and
 * known events divided out so past events do not distort the fit.
 */
import { mad, median } from './stats';

/** Everything the models see about one series. Indices are steps from `values[0]`. */
export interface SeriesContext {
  /** Filled, event-adjusted and outlier-clipped: what models fit on. */
  readonly y: Float64Array;
  /** Filled and event-adjusted but not clipped; NaN where the point was missing. Backtests score against this. */
  readonly actual: Float64Array;
  /** Primary seasonal period in steps (one day), or 0 when the step gives none. */
  readonly period: number;
  /** Secondary period (one week) when the history holds at least two of them, else 0. */
  readonly weekly: number;
  /** Robust scale of the series' local noise (≥ 0), used to decide near-constant series. */
  readonly noise: number;
  /** Number of points filled. */
  readonly filled: number;
  /** Number of points winsorised. */
  readonly clipped: number;
  /** A level shift found near the end of the history (the history before `at` was moved by `size`). */
  readonly levelShift?: { readonly at: number; readonly size: number };
}

const DAY = 86_400;
const WEEK = 7 * DAY;

/**
 * Longest season modelled, in steps: a week of 5-minute points. Finer steps (seconds) would
 * need tens of thousands of points per cycle; those series are forecast without a season.
 */
export const MAX_SEASON_STEPS = 2016;

/** Seasonal periods (in steps) that a step of `intervalSeconds` gives: day and week when whole, ≥ 2 and ≤ {@link MAX_SEASON_STEPS}. */
export function periodsFor(intervalSeconds: number): { daily: number; weekly: number } {
  const whole = (span: number): number => {
    const p = span / intervalSeconds;
    return Number.isInteger(p) && p >= 2 && p <= MAX_SEASON_STEPS ? p : 0;
  };
  const daily = whole(DAY);
  const weekly = whole(WEEK);
  // For daily or coarser data the week is the primary cycle.
  return daily ? { daily, weekly } : { daily: weekly, weekly: 0 };
}

/** Winsorising threshold in robust σ: wide enough to keep genuine peaks, narrow enough to stop one spike steering a fit. */
const CLIP_SIGMAS = 5;
/** Fewest consecutive points that make a level shift rather than a burst. */
const MIN_SHIFT_POINTS = 4;

/**
 * Builds the {@link SeriesContext}. `multipliers[i]` is the known-event multiplier at step `i`
 * (1 when none); values are divided by it so the models see demand without events.
 */
export function prepareSeries(
  values: readonly (number | null)[],
  intervalSeconds: number,
  multipliers: ArrayLike<number>,
): SeriesContext {
  const n = values.length;
  const { daily, weekly } = periodsFor(intervalSeconds);
  const period = daily && n >= 2 * daily ? daily : 0;
  const actual = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    actual[i] = v === null || v === undefined ? Number.NaN : v / (multipliers[i] ?? 1);
  }
  // Seasonal profile: per-phase median about a one-cycle moving average, so gaps are filled
  // with the shape of a typical cycle. Without the moving average a drifting series would read
  // its within-cycle drift as a sawtooth "season" and its day boundaries as level shifts.
  const profile = new Float64Array(Math.max(period, 1));
  if (period) {
    const trend = movingAverage(actual, period);
    const buckets: number[][] = Array.from({ length: period }, () => []);
    for (let i = 0; i < n; i++) {
      const v = (actual[i] ?? Number.NaN) - (trend[i] ?? Number.NaN);
      if (Number.isFinite(v)) buckets[i % period]?.push(v);
    }
    let centre = 0;
    for (let p = 0; p < period; p++) {
      const m = median(buckets[p] ?? []);
      profile[p] = Number.isFinite(m) ? m : 0;
      centre += profile[p] ?? 0;
    }
    centre /= period;
    for (let p = 0; p < period; p++) profile[p] = (profile[p] ?? 0) - centre;
  }
  const prof = (i: number): number => (period ? (profile[i % period] ?? 0) : 0);
  // Deseasonalise, interpolate linearly across gaps (hold at the ends), reseasonalise.
  const d = new Float64Array(n);
  let filled = 0;
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const v = actual[i] ?? Number.NaN;
    if (!Number.isFinite(v)) continue;
    d[i] = v - prof(i);
    const gapStart = prev + 1;
    for (let j = gapStart; j < i; j++) {
      d[j] =
        prev < 0
          ? (d[i] ?? 0)
          : (d[prev] ?? 0) + (((d[i] ?? 0) - (d[prev] ?? 0)) * (j - prev)) / (i - prev);
      filled++;
    }
    prev = i;
  }
  for (let j = prev + 1; j < n; j++) {
    d[j] = prev < 0 ? 0 : (d[prev] ?? 0);
    filled++;
  }
  // Local robust residual: deseasonalised value minus a running median over one cycle.
  const half = Math.max(2, Math.floor((period || 8) / 2));
  const resid = new Float64Array(n);
  const local = new Float64Array(n);
  const win: number[] = [];
  for (let i = 0; i < n; i++) {
    win.length = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(n - 1, i + half); j++) win.push(d[j] ?? 0);
    local[i] = median(win);
    resid[i] = (d[i] ?? 0) - (local[i] ?? 0);
  }
  const noise = mad(resid);
  const found = detectLevelShift(d, actual, period, noise);
  // A ramp is kept as it is (neither re-levelled nor clipped from its start on): the models
  // must see the trend break, and the backtest must score it.
  const rampFrom = found?.ramp ? found.at : n;
  const shift = found && !found.ramp ? { at: found.at, size: found.size } : undefined;
  if (shift) {
    for (let i = 0; i < shift.at; i++) {
      d[i] = (d[i] ?? 0) + shift.size;
      actual[i] = (actual[i] ?? 0) + shift.size;
    }
  }
  if (shift)
    for (let i = 0; i < n; i++) local[i] = (local[i] ?? 0) + (i < shift.at ? shift.size : 0);
  const y = new Float64Array(n);
  let clipped = 0;
  const limit = CLIP_SIGMAS * noise;
  for (let i = 0; i < n; i++) {
    let r = resid[i] ?? 0;
    if (limit > 0 && Math.abs(r) > limit && i < rampFrom) {
      r = Math.sign(r) * limit;
      clipped++;
    }
    y[i] = (local[i] ?? 0) + r + prof(i);
  }
  return {
    y,
    actual,
    period,
    weekly: weekly && period && n >= 2 * weekly ? weekly : 0,
    noise,
    filled,
    clipped,
    ...(shift ? { levelShift: shift } : {}),
  };
}

/**
 * Whether the observed points of `d[at, n)` rise (or fall) along the way by at least half of
 * `size` in its direction: the least-squares slope over the segment times its length.
 */
function isRamp(
  d: Float64Array,
  actual: Float64Array,
  at: number,
  n: number,
  size: number,
): boolean {
  let c = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = at; i < n; i++) {
    if (!Number.isFinite(actual[i] ?? Number.NaN)) continue;
    const y = d[i] ?? 0;
    c++;
    sx += i;
    sy += y;
    sxx += i * i;
    sxy += i * y;
  }
  if (c < 3) return false;
  const vx = sxx - (sx * sx) / c;
  if (!(vx > 0)) return false;
  const slope = (sxy - (sx * sy) / c) / vx;
  return slope * (n - at) * Math.sign(size) >= 0.5 * Math.abs(size);
}

/**
 * Mean of the finite values in a window of one cycle centred on each step (shorter at the
 * ends); NaN where the window holds none.
 */
function movingAverage(x: Float64Array, period: number): Float64Array {
  const n = x.length;
  const sum = new Float64Array(n + 1);
  const cnt = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = x[i] ?? Number.NaN;
    const ok = Number.isFinite(v);
    sum[i + 1] = (sum[i] ?? 0) + (ok ? v : 0);
    cnt[i + 1] = (cnt[i] ?? 0) + (ok ? 1 : 0);
  }
  const out = new Float64Array(n);
  const half = Math.floor(period / 2);
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - half);
    const hi = Math.min(n, lo + period);
    const c = (cnt[hi] ?? 0) - (cnt[lo] ?? 0);
    out[i] = c > 0 ? ((sum[hi] ?? 0) - (sum[lo] ?? 0)) / c : Number.NaN;
  }
  return out;
}

/**
 * Finds a level shift in the last cycle that the models could not yet have learned: a split
 * point after which every observed (deseasonalised) point lies beyond the winsorising limit
 * ({@link CLIP_SIGMAS} robust σ) from the level of the cycle before it, all on the same side,
 * for at least {@link MIN_SHIFT_POINTS} points. Those points would otherwise be clipped as
 * outliers and the models would forecast the old level. Returns the earliest such split and the
 * shift (median after − median before).
 */
function detectLevelShift(
  d: Float64Array,
  actual: Float64Array,
  period: number,
  noise: number,
): { at: number; size: number; ramp: boolean } | undefined {
  const n = d.length;
  const p = period || 8;
  if (!(noise > 0) || n < 2 * p + MIN_SHIFT_POINTS) return undefined;
  const limit = CLIP_SIGMAS * noise;
  for (let at = Math.max(p, n - p); at <= n - MIN_SHIFT_POINTS; at++) {
    const before = median(d.subarray(at - p, at));
    // The drift of the last two cycles (difference of their medians, per step: whole cycles,
    // so what is left of the season cancels), carried forward: a smooth drift moves every later
    // point the same way without being a shift, and re-levelling it would flatten the very
    // trend the local-trend model should follow.
    const drift = at >= 2 * p ? (before - median(d.subarray(at - 2 * p, at - p))) / p : 0;
    const centre = at - p / 2;
    const expected = (i: number): number =>
      before + (Number.isFinite(drift) ? drift : 0) * (i - centre);
    // A volatile cycle (more than a tenth of it beyond the limit) has no level to shift from.
    let wild = 0;
    for (let i = at - p; i < at; i++) if (Math.abs((d[i] ?? 0) - expected(i)) > limit) wild++;
    if (wild > p / 10) continue;
    let up = 0;
    let down = 0;
    let seen = 0;
    for (let i = at; i < n; i++) {
      if (!Number.isFinite(actual[i] ?? Number.NaN)) continue;
      seen++;
      const diff = (d[i] ?? 0) - expected(i);
      if (diff > limit) up++;
      else if (diff < -limit) down++;
    }
    if (seen >= MIN_SHIFT_POINTS && (up === seen || down === seen)) {
      const size = median(d.subarray(at, n)) - before;
      // A ramp (the points after the split still climbing by half the size or more) is a
      // trend break, not a step: re-levelling it would hide the break from the backtest, whose
      // errors must widen the intervals.
      return { at, size, ramp: isRamp(d, actual, at, n, size) };
    }
  }
  return undefined;
}
