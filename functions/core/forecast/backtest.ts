/**
 * Rolling-origin backtests inside the history: each candidate model forecasts from several
 * origins in the most recent window, and its errors against what then happened choose the
 * combination weights and calibrate the predictive distribution. Nothing after an origin is seen
 * by the forecast made at it.
 */
import type { ForecastModel } from './models/model';
import type { SeriesContext } from './series';

/** Default cap on backtest origins: about one every four hours over an hourly week (cost grows linearly in it). */
export const DEFAULT_BACKTEST_ORIGINS = 42;

/**
 * Backtest origins: spread over the last week (7 cycles) of history, or less so at least two
 * cycles stay for fitting. Later origins have only a partial horizon inside the history; they
 * still inform the short steps.
 */
export function backtestOrigins(
  n: number,
  period: number,
  horizon: number,
  maxOrigins: number,
): number[] {
  const minTrain = period ? 2 * period : 16;
  const cycles = 7;
  const window = Math.min(period ? cycles * period : Math.max(2 * horizon, 24), n - minTrain);
  if (window < 1 || maxOrigins < 1) return [];
  let stride = Math.max(1, Math.ceil(window / maxOrigins));
  // A stride coprime with the cycle puts origins at every phase of the day in turn, so the
  // calibration does not over-represent a few hours.
  while (period && stride > 1 && gcd(stride, period) !== 1) stride++;
  const out: number[] = [];
  for (let o = n - window; o < n; o += stride) out.push(o);
  return out;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Errors of one model's backtest: `origins × h`, row-major, NaN where the actual is unknown. */
export function backtestErrors(
  ctx: SeriesContext,
  origins: readonly number[],
  forecasts: readonly Float64Array[],
  h: number,
): Float64Array {
  const out = new Float64Array(origins.length * h).fill(Number.NaN);
  for (let i = 0; i < origins.length; i++) {
    const o = origins[i] ?? 0;
    const f = forecasts[i];
    if (!f) continue;
    for (let k = 0; k < h && o + k < ctx.actual.length; k++) {
      const a = ctx.actual[o + k] ?? Number.NaN;
      if (Number.isFinite(a)) out[i * h + k] = a - (f[k] ?? 0);
    }
  }
  return out;
}

/**
 * Mean absolute error, averaged per step first so steps with many origins (the short ones) do
 * not dominate the choice of model for a whole horizon.
 */
export function horizonMae(
  errors: Float64Array,
  origins: number,
  h: number,
  include: (origin: number) => boolean = () => true,
): number {
  let total = 0;
  let steps = 0;
  for (let k = 0; k < h; k++) {
    let s = 0;
    let c = 0;
    for (let i = 0; i < origins; i++) {
      const e = errors[i * h + k] ?? Number.NaN;
      if (Number.isFinite(e) && include(i)) {
        s += Math.abs(e);
        c++;
      }
    }
    if (c) {
      total += s / c;
      steps++;
    }
  }
  return steps ? total / steps : Number.NaN;
}

/** Runs every applicable model on the origins; models that throw are dropped, not fatal. */
export function runBacktest(
  ctx: SeriesContext,
  models: readonly ForecastModel[],
  origins: readonly number[],
  h: number,
): { model: ForecastModel; forecasts: Float64Array[]; errors: Float64Array; mae: number }[] {
  const out: {
    model: ForecastModel;
    forecasts: Float64Array[];
    errors: Float64Array;
    mae: number;
  }[] = [];
  const first = origins[0];
  if (first === undefined) return out;
  for (const model of models) {
    if (!model.applicable(ctx, first)) continue;
    try {
      const forecasts = model.forecast(ctx, origins, h);
      const errors = backtestErrors(ctx, origins, forecasts, h);
      const mae = horizonMae(errors, origins.length, h);
      if (Number.isFinite(mae)) out.push({ model, forecasts, errors, mae });
    } catch {
      // A model that cannot fit this series simply does not compete.
    }
  }
  return out;
}
