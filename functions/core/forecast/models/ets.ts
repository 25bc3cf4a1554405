/**
 * Additive Holt–Winters with a damped trend (ETS(A,Ad,A)), or damped Holt when the series has
 * no season. Smoothing parameters are fitted by minimising the one-step-ahead sum of squared
 * errors (the Gaussian likelihood's core) with a small Nelder–Mead search.
 */
import { bounded, nelderMead } from '../optimize';
import type { SeriesContext } from '../series';
import type { ForecastModel } from './model';

/** Smoothing parameters of ETS(A,Ad,A). */
export interface EtsParams {
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  readonly phi: number;
}

/** Filter state after the last observation used. */
interface EtsState {
  level: number;
  trend: number;
  /** Seasonal components indexed by absolute step modulo the season. */
  season: Float64Array;
}

/** Initial state from the first cycles (classical decomposition of the first two seasons). */
function initialState(y: ArrayLike<number>, m: number, end: number): EtsState {
  const season = new Float64Array(Math.max(m, 1));
  if (m <= 1) {
    const first = y[0] ?? 0;
    const n = Math.min(end, 8);
    const trend = n > 1 ? ((y[n - 1] ?? first) - first) / (n - 1) : 0;
    return { level: first, trend, season };
  }
  const cycles = Math.max(1, Math.min(4, Math.floor(end / m)));
  const means: number[] = [];
  for (let c = 0; c < cycles; c++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += y[c * m + i] ?? 0;
    means.push(s / m);
  }
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let c = 0; c < cycles; c++) s += (y[c * m + i] ?? 0) - (means[c] ?? 0);
    season[i] = s / cycles;
  }
  const m0 = means[0] ?? 0;
  const trend = cycles > 1 ? ((means[cycles - 1] ?? m0) - m0) / ((cycles - 1) * m) : 0;
  // The level refers to the step before the first observation.
  return { level: m0 - trend * ((m - 1) / 2 + 1), trend, season };
}

/**
 * Runs the filter over `y[0, end)`; returns the SSE of one-step errors and, via `onStep`, the
 * state after each step `t` (state before observing `t+1`).
 */
function filter(
  y: ArrayLike<number>,
  m: number,
  p: EtsParams,
  end: number,
  init: EtsState,
  onStep?: (t: number, s: EtsState) => void,
): number {
  const st: EtsState = {
    level: init.level,
    trend: init.trend,
    season: Float64Array.from(init.season),
  };
  const seasonal = m > 1;
  let sse = 0;
  for (let t = 0; t < end; t++) {
    const si = seasonal ? t % m : 0;
    const s = seasonal ? (st.season[si] ?? 0) : 0;
    const damped = p.phi * st.trend;
    const fc = st.level + damped + s;
    const e = (y[t] ?? 0) - fc;
    sse += e * e;
    const level = st.level + damped + p.alpha * e;
    st.trend = damped + p.alpha * p.beta * e;
    if (seasonal) st.season[si] = s + p.gamma * (1 - p.alpha) * e;
    st.level = level;
    onStep?.(t, st);
  }
  return sse;
}

function forecastFromState(
  st: EtsState,
  m: number,
  p: EtsParams,
  origin: number,
  h: number,
): Float64Array {
  const out = new Float64Array(h);
  let damp = 0;
  let f = 1;
  for (let k = 0; k < h; k++) {
    f *= p.phi;
    damp += f;
    const s = m > 1 ? (st.season[(origin + k) % m] ?? 0) : 0;
    out[k] = st.level + damp * st.trend + s;
  }
  return out;
}

/** Fits ETS parameters on `y[0, end)` by one-step SSE. */
export function fitEts(
  y: ArrayLike<number>,
  m: number,
  end: number,
): { params: EtsParams; init: EtsState } {
  const init = initialState(y, m, end);
  const decode = (x: Float64Array): EtsParams => {
    const alpha = bounded(x[0] ?? 0, 0.01, 0.99);
    return {
      alpha,
      // β is relative to α (β* = αβ ≤ α), γ in (0, 1): the usual admissible region.
      beta: bounded(x[1] ?? 0, 0.001, 0.5),
      gamma: m > 1 ? bounded(x[2] ?? 0, 0.001, 0.99) : 0,
      phi: bounded(x[3] ?? 0, 0.8, 0.98),
    };
  };
  const { x } = nelderMead((v) => filter(y, m, decode(v), end, init), [-1, -2, -1, 0], {
    maxEvaluations: 160,
    step: 1,
  });
  return { params: decode(x), init };
}

/** ETS(A,Ad,A) on season `seasonOf(ctx)`; fits once on the first origin and filters forward. */
function etsModel(name: string, seasonOf: (ctx: SeriesContext) => number): ForecastModel {
  return {
    name,
    applicable: (ctx, origin) => {
      const m = seasonOf(ctx);
      return m > 1 ? origin >= 2 * m : origin >= 8;
    },
    forecast: (ctx, origins, h) => {
      const m = seasonOf(ctx);
      const first = origins[0] ?? ctx.y.length;
      const { params, init } = fitEts(ctx.y, m, first);
      const last = origins[origins.length - 1] ?? first;
      const wanted = new Map<number, number>(origins.map((o, i) => [o, i]));
      const out: Float64Array[] = new Array(origins.length);
      filter(ctx.y, m, params, last, init, (t, st) => {
        const i = wanted.get(t + 1);
        if (i !== undefined) out[i] = forecastFromState(st, m, params, t + 1, h);
      });
      const i0 = wanted.get(0);
      if (i0 !== undefined) out[i0] = forecastFromState(init, m, params, 0, h);
      return out.map((f) => f ?? new Float64Array(h));
    },
  };
}

/** Damped additive Holt–Winters with the daily season (damped Holt without one). */
export const etsDaily: ForecastModel = etsModel('ets-daily', (ctx) => ctx.period);

/** Damped additive Holt–Winters with the weekly season (only with two weeks of history). */
export const etsWeekly: ForecastModel = {
  ...etsModel('ets-weekly', (ctx) => ctx.weekly),
  applicable: (ctx, origin) => ctx.weekly > 0 && origin >= 2 * ctx.weekly,
};

/**
 * Damped Holt without a season (ETS(A,Ad,N)) even when the series has a cycle: the local-trend
 * candidate for smooth drifting series, which the backtest picks only where the drift
 * outweighs the cycle.
 */
export function etsNonSeasonal(name: string): ForecastModel {
  return etsModel(name, () => 0);
}
