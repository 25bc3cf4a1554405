/**
 * A TBATS-class model (De Livera, Hyndman & Snyder, 2011): a Box-Cox transform, a local level
 * with a damped trend, and trigonometric seasonal states for the day and the week, each harmonic
 * a rotating pair that the one-step error nudges. Unlike `ets-double`, whose 24 + 168 seasonal
 * indices each learn only from their own hour, a handful of harmonics share what every hour
 * teaches, so a weekly pattern is learnt from two or three weeks without over-fitting it; unlike
 * `additive`, the seasonal shape evolves. ARMA errors are left out: the engine calibrates the
 * intervals from backtest errors, and the point forecast is what the pool needs.
 *
 * λ is chosen by Guerrero's method (the variance-stabilising power across daily sub-series) on
 * the history before the first origin, so fitting costs one smoothing optimisation, not one per λ.
 */
import { weightedRidge } from '../linalg';
import { bounded, nelderMead } from '../optimize';
import type { ForecastModel } from './model';

/** Most daily harmonics tried: beyond 8 on hourly data the terms fit single hours' noise. */
export const TBATS_MAX_DAILY_HARMONICS = 8;
/**
 * Most weekly harmonics tried. A quiet weekend is a step in the week, and under a daily shape
 * it is a product of the two cycles: both need harmonics well past the first few.
 */
export const TBATS_MAX_WEEKLY_HARMONICS = 12;
/** Box-Cox powers Guerrero's method chooses from (0 is the log). */
const LAMBDAS = [0, 0.25, 0.5, 0.75, 1] as const;
/** Most history fitted, in days: the recent weeks are what the states need. */
const FIT_DAYS = 28;

interface Params {
  readonly alpha: number;
  readonly beta: number;
  readonly phi: number;
  readonly gammaDay: number;
  readonly gammaWeek: number;
}

/** Frequencies of the harmonics, the daily ones first; `dayCount` of them are daily. */
interface Harmonics {
  readonly cos: Float64Array;
  readonly sin: Float64Array;
  readonly dayCount: number;
}

/** The filter's state: level, trend, and a (s, s*) pair per harmonic. */
interface State {
  level: number;
  trend: number;
  s: Float64Array;
  sStar: Float64Array;
}

function harmonicsOf(
  period: number,
  daily: number,
  weekly: number,
  weeklyCount: number,
): Harmonics {
  const freqs: number[] = [];
  for (let j = 1; j <= daily; j++) freqs.push((2 * Math.PI * j) / period);
  // Weekly harmonics that fall on a daily frequency (j a multiple of weekly / period) would
  // duplicate a daily term and make the regression singular; they are skipped.
  const ratio = period > 0 && weekly % period === 0 ? weekly / period : 0;
  for (let j = 1, kept = 0; kept < weeklyCount && weekly; j++) {
    if (ratio && j % ratio === 0) continue;
    freqs.push((2 * Math.PI * j) / weekly);
    kept++;
  }
  return {
    cos: Float64Array.from(freqs, Math.cos),
    sin: Float64Array.from(freqs, Math.sin),
    dayCount: daily,
  };
}

/** Box-Cox with power `lambda` (log at 0) on a positive value. */
export function boxCox(v: number, lambda: number): number {
  return lambda === 0 ? Math.log(v) : (v ** lambda - 1) / lambda;
}

/** The inverse of {@link boxCox}, clamped where the power's domain ends. */
export function inverseBoxCox(v: number, lambda: number): number {
  if (lambda === 0) return Math.exp(v);
  const base = lambda * v + 1;
  return base > 0 ? base ** (1 / lambda) : 0;
}

/**
 * Guerrero's λ: the power under which the daily sub-series' sd / mean^(1−λ) is most constant
 * (smallest coefficient of variation). Only for positive values; 1 (no transform) otherwise.
 */
export function guerreroLambda(y: ArrayLike<number>, end: number, period: number): number {
  const blocks: { mean: number; sd: number }[] = [];
  for (
    let start = end - Math.floor(end / period) * period;
    start + period <= end;
    start += period
  ) {
    let sum = 0;
    for (let t = start; t < start + period; t++) {
      const v = y[t] ?? 0;
      if (!(v > 0)) return 1;
      sum += v;
    }
    const mean = sum / period;
    let ss = 0;
    for (let t = start; t < start + period; t++) ss += ((y[t] ?? 0) - mean) ** 2;
    blocks.push({ mean, sd: Math.sqrt(ss / (period - 1)) });
  }
  if (blocks.length < 2) return 1;
  let best = 1;
  let bestCv = Number.POSITIVE_INFINITY;
  for (const lambda of LAMBDAS) {
    const ratios = blocks.map((b) => b.sd / b.mean ** (1 - lambda));
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    if (!(mean > 0)) continue;
    const sd = Math.sqrt(ratios.reduce((a, r) => a + (r - mean) ** 2, 0) / (ratios.length - 1));
    const cv = sd / mean;
    // Ties go to the milder transform: the later λ in the list wins only when strictly better.
    if (cv <= bestCv) {
      bestCv = cv;
      best = lambda;
    }
  }
  return best;
}

/**
 * Least squares of level, slope and the harmonics over `z[from, from + span)`. As initial states:
 * the seasonal pair of harmonic j at the window's start is its (cos, sin) coefficient pair, since
 * k rotations of (s, s*) give s·cos kλ + s*·sin kλ. Its residual SSE chooses the harmonics.
 */
function regress(
  z: Float64Array,
  from: number,
  span: number,
  hs: Harmonics,
): { state: State; sse: number } {
  const k = hs.cos.length;
  const cols = 2 + 2 * k;
  const freqs = Array.from(hs.cos, (c, j) => Math.atan2(hs.sin[j] ?? 0, c));
  const x = new Float64Array(span * cols);
  for (let r = 0; r < span; r++) {
    const off = r * cols;
    x[off] = 1;
    x[off + 1] = r / span;
    for (let j = 0; j < k; j++) {
      const a = (freqs[j] ?? 0) * r;
      x[off + 2 + 2 * j] = Math.cos(a);
      x[off + 3 + 2 * j] = Math.sin(a);
    }
  }
  const target = z.subarray(from, from + span);
  // A tiny ridge only for conditioning; a singular fit starts from zero states.
  const beta =
    weightedRidge(
      x,
      span,
      cols,
      target,
      new Float64Array(span).fill(1),
      new Float64Array(cols).fill(1e-8 * span),
    ) ?? new Float64Array(cols);
  let sse = 0;
  for (let r = 0; r < span; r++) {
    let f = 0;
    for (let i = 0; i < cols; i++) f += (x[r * cols + i] ?? 0) * (beta[i] ?? 0);
    sse += ((target[r] ?? 0) - f) ** 2;
  }
  const s = new Float64Array(k);
  const sStar = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    s[j] = beta[2 + 2 * j] ?? 0;
    sStar[j] = beta[3 + 2 * j] ?? 0;
  }
  return { state: { level: beta[0] ?? 0, trend: (beta[1] ?? 0) / span, s, sStar }, sse };
}

/**
 * The harmonics by AIC of the static regression over the fit window: daily first (no weekly
 * terms), then weekly given those. R's tbats searches harmonics with full model fits; the
 * regression is a cheap stand-in that keeps the fit within the engine's per-series budget.
 */
function chooseHarmonics(
  z: Float64Array,
  from: number,
  rows: number,
  period: number,
  weekly: number,
): Harmonics {
  const aic = (hs: Harmonics): number =>
    rows * Math.log(Math.max(regress(z, from, rows, hs).sse, 1e-300) / rows) +
    2 * (2 + 2 * hs.cos.length);
  const maxDaily = Math.min(TBATS_MAX_DAILY_HARMONICS, Math.floor((period - 1) / 2));
  let daily = 1;
  let best = aic(harmonicsOf(period, 1, 0, 0));
  for (let k = 2; k <= maxDaily; k++) {
    const a = aic(harmonicsOf(period, k, 0, 0));
    if (a < best) {
      best = a;
      daily = k;
    }
  }
  let weeklyCount = 0;
  for (let k = 1; k <= TBATS_MAX_WEEKLY_HARMONICS && weekly; k++) {
    const a = aic(harmonicsOf(period, daily, weekly, k));
    if (a < best) {
      best = a;
      weeklyCount = k;
    }
  }
  return harmonicsOf(period, daily, weekly, weeklyCount);
}

/** Runs the filter over `z[from, end)`; returns the one-step SSE. */
function filter(
  z: Float64Array,
  from: number,
  end: number,
  hs: Harmonics,
  p: Params,
  init: State,
  onStep?: (t: number, st: State) => void,
): number {
  const k = hs.cos.length;
  const st: State = {
    level: init.level,
    trend: init.trend,
    s: Float64Array.from(init.s),
    sStar: Float64Array.from(init.sStar),
  };
  const { s, sStar } = st;
  const { cos, sin } = hs;
  let sse = 0;
  for (let t = from; t < end; t++) {
    let season = 0;
    for (let j = 0; j < k; j++) season += s[j] as number;
    const damped = p.phi * st.trend;
    const e = (z[t] as number) - (st.level + damped + season);
    sse += e * e;
    st.level += damped + p.alpha * e;
    st.trend = damped + p.beta * e;
    // Hot loop: j < k indexes every array in range, so the casts only satisfy the compiler.
    for (let j = 0; j < k; j++) {
      const g = j < hs.dayCount ? p.gammaDay : p.gammaWeek;
      const a = s[j] as number;
      const b = sStar[j] as number;
      const c = cos[j] as number;
      const sn = sin[j] as number;
      s[j] = a * c + b * sn + g * e;
      sStar[j] = -a * sn + b * c + g * e;
    }
    onStep?.(t, st);
  }
  return sse;
}

function forecastFrom(st: State, hs: Harmonics, p: Params, h: number): Float64Array {
  const k = hs.cos.length;
  const out = new Float64Array(h);
  const s = Float64Array.from(st.s);
  const sStar = Float64Array.from(st.sStar);
  let damp = 0;
  let f = 1;
  for (let step = 0; step < h; step++) {
    f *= p.phi;
    damp += f;
    let season = 0;
    for (let j = 0; j < k; j++) season += s[j] ?? 0;
    out[step] = st.level + damp * st.trend + season;
    for (let j = 0; j < k; j++) {
      const a = s[j] ?? 0;
      const b = sStar[j] ?? 0;
      const c = hs.cos[j] ?? 1;
      const sn = hs.sin[j] ?? 0;
      s[j] = a * c + b * sn;
      sStar[j] = -a * sn + b * c;
    }
  }
  return out;
}

/** A fitted model: the transform, the harmonics, the smoothing parameters and the start state. */
export interface TbatsFit {
  readonly lambda: number;
  readonly params: Params;
  readonly from: number;
  readonly harmonics: number;
  readonly trend: boolean;
}

/**
 * Fits on `y[0, end)` and forecasts from each origin (ascending, ≥ `end`), filtering forward with
 * the fitted parameters. Exposed for tests; the pool uses {@link tbats}.
 */
export function tbatsForecasts(
  y: ArrayLike<number>,
  period: number,
  weekly: number,
  origins: readonly number[],
  h: number,
): { forecasts: Float64Array[]; fit: TbatsFit } {
  const end = origins[0] ?? y.length;
  const from = Math.max(0, end - FIT_DAYS * period);
  const useWeekly = weekly > 0 && end - from >= 2 * weekly ? weekly : 0;
  const lambda = guerreroLambda(y, end, period);
  const last = origins[origins.length - 1] ?? end;
  const z = new Float64Array(last);
  for (let t = 0; t < last; t++) {
    const v = y[t] ?? 0;
    // Guerrero returns λ < 1 only for a positive fit window; a later zero is floored, not NaN.
    z[t] = lambda === 1 ? v : boxCox(Math.max(v, Number.MIN_VALUE), lambda);
  }
  const hs = chooseHarmonics(z, from, end - from, period, useWeekly);
  const span = Math.min(end - from, useWeekly ? 2 * useWeekly : 2 * period);
  const trended = regress(z, from, span, hs).state;
  // As R's tbats does, the trend is kept only when it earns its two parameters (AIC): a damped
  // trend fitted to noise tilts every forecast, and most demand has none.
  const flat: State = { ...trended, trend: 0 };
  const decodeTrended = (x: Float64Array): Params => ({
    alpha: bounded(x[0] ?? 0, 0.01, 0.99),
    gammaDay: bounded(x[1] ?? 0, 0.0001, 0.2),
    gammaWeek: bounded(x[2] ?? 0, 0.0001, 0.2),
    beta: bounded(x[3] ?? 0, 0.0001, 0.2),
    phi: bounded(x[4] ?? 0, 0.8, 0.98),
  });
  const decodeFlat = (x: Float64Array): Params => ({
    alpha: bounded(x[0] ?? 0, 0.01, 0.99),
    gammaDay: bounded(x[1] ?? 0, 0.0001, 0.2),
    gammaWeek: bounded(x[2] ?? 0, 0.0001, 0.2),
    beta: 0,
    phi: 1,
  });
  const rows = end - from;
  const aic = (sse: number, k: number): number =>
    rows * Math.log(Math.max(sse, 1e-300) / rows) + 2 * k;
  const withTrend = nelderMead(
    (v) => filter(z, from, end, hs, decodeTrended(v), trended),
    [-1, -3, -3, -3, 0],
    { maxEvaluations: 160, step: 1 },
  );
  const withoutTrend = nelderMead(
    (v) => filter(z, from, end, hs, decodeFlat(v), flat),
    [-1, -3, -3],
    {
      maxEvaluations: 100,
      step: 1,
    },
  );
  const useTrend = aic(withTrend.value, 5) < aic(withoutTrend.value, 3);
  const params = useTrend ? decodeTrended(withTrend.x) : decodeFlat(withoutTrend.x);
  const init = useTrend ? trended : flat;
  const wanted = new Map<number, number>(origins.map((o, i) => [o, i]));
  const forecasts: Float64Array[] = new Array(origins.length);
  const back = (f: Float64Array): Float64Array =>
    lambda === 1 ? f : f.map((v) => inverseBoxCox(v, lambda));
  if (wanted.has(from)) forecasts[wanted.get(from) ?? 0] = back(forecastFrom(init, hs, params, h));
  filter(z, from, last, hs, params, init, (t, st) => {
    const i = wanted.get(t + 1);
    if (i !== undefined) forecasts[i] = back(forecastFrom(st, hs, params, h));
  });
  return {
    forecasts: forecasts.map((f) => f ?? new Float64Array(h)),
    fit: { lambda, params, from, harmonics: hs.cos.length, trend: useTrend },
  };
}

/** The TBATS-class model as a pool candidate; needs two days before the first origin. */
export const tbats: ForecastModel = {
  name: 'tbats',
  applicable: (ctx, origin) => ctx.period > 0 && origin >= 2 * ctx.period,
  forecast: (ctx, origins, h) =>
    tbatsForecasts(ctx.y, ctx.period, ctx.weekly, origins, h).forecasts,
};
