/**
 * A Prophet-style additive regression: piecewise-linear trend (hinges with a ridge penalty, the
 * L2 analogue of Prophet's Laplace prior on rate changes) + daily and weekly Fourier terms,
 * fitted by weighted least squares with one Huber re-weighting pass so bursts do not bend it.
 * Recent points weigh more (exponential decay) so a level shift is followed within days.
 */
import { weightedRidge } from '../linalg';
import { mad } from '../stats';
import type { ForecastModel } from './model';

/** Fourier pairs for the daily cycle (Prophet's default for daily seasonality is 4). */
const DAILY_ORDER = 4;
/** Fourier pairs for the weekly cycle (Prophet's default is 3). */
const WEEKLY_ORDER = 3;
/** Fit window in cycles: four weeks of days is what the weekly terms need and no more. */
const WINDOW_CYCLES = 28;
/** Weight half-life in cycles: a week, so last week's level counts most. */
const HALF_LIFE_CYCLES = 7;
/** Spacing of trend changepoints in cycles. */
const CHANGEPOINT_CYCLES = 4;

function designRow(
  row: Float64Array,
  t: number,
  origin: number,
  span: number,
  period: number,
  weekly: number,
  changepoints: readonly number[],
): void {
  let c = 0;
  row[c++] = 1;
  // Time in units of the fit window so penalties are comparable across series lengths.
  const tt = (t - origin) / span;
  row[c++] = tt;
  for (const cp of changepoints) row[c++] = Math.max(0, tt - (cp - origin) / span);
  for (let k = 1; k <= DAILY_ORDER; k++) {
    const a = (2 * Math.PI * k * t) / period;
    row[c++] = Math.sin(a);
    row[c++] = Math.cos(a);
  }
  if (weekly) {
    for (let k = 1; k <= WEEKLY_ORDER; k++) {
      const a = (2 * Math.PI * k * t) / weekly;
      row[c++] = Math.sin(a);
      row[c++] = Math.cos(a);
    }
  }
}

/** Fits on `y[start, origin)` and returns the forecast of `origin … origin+h−1`. */
export function additiveForecast(
  y: ArrayLike<number>,
  origin: number,
  h: number,
  period: number,
  weeklyPeriod: number,
): Float64Array {
  const start = Math.max(0, origin - WINDOW_CYCLES * period);
  const rows = origin - start;
  const weekly = weeklyPeriod && rows >= 2 * weeklyPeriod ? weeklyPeriod : 0;
  const changepoints: number[] = [];
  // Changepoints over the window except its last cycle, where a hinge would just chase noise.
  for (
    let cp = start + CHANGEPOINT_CYCLES * period;
    cp < origin - period;
    cp += CHANGEPOINT_CYCLES * period
  ) {
    changepoints.push(cp);
  }
  const cols = 2 + changepoints.length + 2 * DAILY_ORDER + (weekly ? 2 * WEEKLY_ORDER : 0);
  const x = new Float64Array(rows * cols);
  const row = new Float64Array(cols);
  const span = Math.max(rows, 1);
  for (let r = 0; r < rows; r++) {
    designRow(row, start + r, start, span, period, weekly, changepoints);
    x.set(row, r * cols);
  }
  const target = new Float64Array(rows);
  const w = new Float64Array(rows);
  let wsum = 0;
  const decay = Math.log(2) / (HALF_LIFE_CYCLES * period);
  for (let r = 0; r < rows; r++) {
    target[r] = y[start + r] ?? 0;
    w[r] = Math.exp(-decay * (rows - 1 - r));
    wsum += w[r] ?? 0;
  }
  const lambda = new Float64Array(cols);
  // Small ridge everywhere for conditioning; a strong one on slope changes (trend flexibility).
  for (let j = 0; j < cols; j++) lambda[j] = 1e-6 * wsum;
  for (let j = 2; j < 2 + changepoints.length; j++) lambda[j] = 0.5 * wsum;
  let beta = weightedRidge(x, rows, cols, target, w, lambda);
  if (beta) {
    // One Huber pass: down-weight points beyond 1.5 robust σ.
    const res = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let f = 0;
      for (let j = 0; j < cols; j++) f += (x[r * cols + j] ?? 0) * (beta[j] ?? 0);
      res[r] = (target[r] ?? 0) - f;
    }
    const s = mad(res);
    if (s > 0) {
      const hw = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        const a = Math.abs(res[r] ?? 0) / (1.5 * s);
        hw[r] = (w[r] ?? 0) * (a > 1 ? 1 / a : 1);
      }
      beta = weightedRidge(x, rows, cols, target, hw, lambda) ?? beta;
    }
  }
  const out = new Float64Array(h);
  const last = y[origin - 1] ?? 0;
  for (let k = 0; k < h; k++) {
    if (!beta) {
      out[k] = last;
      continue;
    }
    designRow(row, origin + k, start, span, period, weekly, changepoints);
    let f = 0;
    for (let j = 0; j < cols; j++) f += (row[j] ?? 0) * (beta[j] ?? 0);
    out[k] = f;
  }
  return out;
}

/**
 * The additive model as a {@link ForecastModel}. A least-squares refit at every backtest origin
 * would dominate the engine's cost, so it refits at most every third of a cycle and forecasts
 * from later origins with the latest fit (as a deployment refitting every few hours would): the
 * forecast from origin `o` then never uses data after the fit, only ignores the last few points.
 */
export const additive: ForecastModel = {
  name: 'additive',
  applicable: (ctx, origin) => ctx.period > 0 && origin >= 2 * ctx.period,
  forecast: (ctx, origins, h) => {
    const refit = Math.max(1, Math.floor(ctx.period / 3));
    let fitAt = Number.NEGATIVE_INFINITY;
    let fitted: Float64Array = new Float64Array(0);
    return origins.map((o) => {
      if (o - fitAt >= refit || o < fitAt) {
        fitAt = o;
        fitted = additiveForecast(ctx.y, o, h + refit, ctx.period, ctx.weekly);
      }
      return fitted.slice(o - fitAt, o - fitAt + h);
    });
  },
};
