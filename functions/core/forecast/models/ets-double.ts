/**
 * Double-seasonal Holt–Winters (Taylor, 2003): damped additive trend, an additive daily season
 * and an additive weekly season on top of it — the exponential-smoothing analogue of TBATS with
 * periods (24, 168) for hourly demand whose weekdays and weekends differ. Parameters are fitted
 * by one-step SSE with Nelder–Mead, like `ets-daily`.
 */
import { bounded, nelderMead } from '../optimize';
import type { ForecastModel } from './model';

interface Params {
  readonly alpha: number;
  readonly beta: number;
  readonly gammaDay: number;
  readonly gammaWeek: number;
  readonly phi: number;
}

interface State {
  level: number;
  trend: number;
  day: Float64Array;
  week: Float64Array;
}

/** Daily profile from the first cycles, then the weekly deviation from it over the first weeks. */
function initialState(y: ArrayLike<number>, m: number, w: number, end: number): State {
  const weeks = Math.max(1, Math.min(2, Math.floor(end / w)));
  const span = weeks * w;
  let mean = 0;
  for (let t = 0; t < span; t++) mean += y[t] ?? 0;
  mean /= span;
  const day = new Float64Array(m);
  const dayCount = new Float64Array(m);
  for (let t = 0; t < span; t++) {
    day[t % m] = (day[t % m] ?? 0) + (y[t] ?? 0) - mean;
    dayCount[t % m] = (dayCount[t % m] ?? 0) + 1;
  }
  for (let i = 0; i < m; i++) day[i] = (day[i] ?? 0) / Math.max(dayCount[i] ?? 1, 1);
  const week = new Float64Array(w);
  for (let t = 0; t < span; t++) {
    week[t % w] = (week[t % w] ?? 0) + ((y[t] ?? 0) - mean - (day[t % m] ?? 0)) / weeks;
  }
  return { level: mean, trend: 0, day, week };
}

function filter(
  y: ArrayLike<number>,
  m: number,
  w: number,
  p: Params,
  end: number,
  init: State,
  onStep?: (t: number, s: State) => void,
): number {
  const st: State = {
    level: init.level,
    trend: init.trend,
    day: Float64Array.from(init.day),
    week: Float64Array.from(init.week),
  };
  let sse = 0;
  for (let t = 0; t < end; t++) {
    const di = t % m;
    const wi = t % w;
    const sd = st.day[di] ?? 0;
    const sw = st.week[wi] ?? 0;
    const damped = p.phi * st.trend;
    const e = (y[t] ?? 0) - (st.level + damped + sd + sw);
    sse += e * e;
    st.level = st.level + damped + p.alpha * e;
    st.trend = damped + p.alpha * p.beta * e;
    st.day[di] = sd + p.gammaDay * (1 - p.alpha) * e;
    st.week[wi] = sw + p.gammaWeek * (1 - p.alpha) * e;
    onStep?.(t, st);
  }
  return sse;
}

function forecastFrom(
  st: State,
  m: number,
  w: number,
  p: Params,
  origin: number,
  h: number,
): Float64Array {
  const out = new Float64Array(h);
  let damp = 0;
  let f = 1;
  for (let k = 0; k < h; k++) {
    f *= p.phi;
    damp += f;
    const t = origin + k;
    out[k] = st.level + damp * st.trend + (st.day[t % m] ?? 0) + (st.week[t % w] ?? 0);
  }
  return out;
}

/** Fits the double-seasonal model on `y[0, end)` by one-step SSE. */
export function fitDoubleSeasonal(
  y: ArrayLike<number>,
  m: number,
  w: number,
  end: number,
): { params: Params; init: State } {
  const init = initialState(y, m, w, end);
  const decode = (x: Float64Array): Params => ({
    alpha: bounded(x[0] ?? 0, 0.01, 0.99),
    beta: bounded(x[1] ?? 0, 0.001, 0.5),
    gammaDay: bounded(x[2] ?? 0, 0.001, 0.99),
    gammaWeek: bounded(x[3] ?? 0, 0.001, 0.99),
    phi: bounded(x[4] ?? 0, 0.8, 0.98),
  });
  const { x } = nelderMead((v) => filter(y, m, w, decode(v), end, init), [-1, -2, -1, -2, 0], {
    maxEvaluations: 200,
    step: 1,
  });
  return { params: decode(x), init };
}

/** Double-seasonal Holt–Winters (daily + weekly); needs two weeks before the first origin. */
export const etsDoubleSeasonal: ForecastModel = {
  name: 'ets-double',
  applicable: (ctx, origin) => ctx.period > 0 && ctx.weekly > 0 && origin >= 2 * ctx.weekly,
  forecast: (ctx, origins, h) => {
    const m = ctx.period;
    const w = ctx.weekly;
    const first = origins[0] ?? ctx.y.length;
    const { params, init } = fitDoubleSeasonal(ctx.y, m, w, first);
    const last = origins[origins.length - 1] ?? first;
    const wanted = new Map<number, number>(origins.map((o, i) => [o, i]));
    const out: Float64Array[] = new Array(origins.length);
    filter(ctx.y, m, w, params, last, init, (t, st) => {
      const i = wanted.get(t + 1);
      if (i !== undefined) out[i] = forecastFrom(st, m, w, params, t + 1, h);
    });
    return out.map((f) => f ?? new Float64Array(h));
  },
};
