/**
 * Seasonal naive: each step repeats the value one season earlier. The benchmark every model must
 * beat, and often hard to beat on strongly periodic demand.
 */
import type { SeriesContext } from '../series';
import type { ForecastModel } from './model';

/** Repeats the last full season of `y[0, o)` (lag `season`). */
export function seasonalNaive(
  y: ArrayLike<number>,
  origin: number,
  h: number,
  season: number,
): Float64Array {
  const out = new Float64Array(h);
  const s = Math.max(1, season);
  for (let k = 0; k < h; k++) {
    const lag = s * Math.ceil((k + 1) / s);
    out[k] = y[origin + k - lag] ?? y[origin - 1] ?? 0;
  }
  return out;
}

/** Seasonal naive on the daily period. */
export const seasonalNaiveDaily: ForecastModel = {
  name: 'snaive-daily',
  applicable: (ctx, origin) => ctx.period > 0 && origin >= ctx.period,
  forecast: (ctx: SeriesContext, origins, h) =>
    origins.map((o) => seasonalNaive(ctx.y, o, h, ctx.period)),
};

/** Seasonal naive on the weekly period (only when the history holds two weeks). */
export const seasonalNaiveWeekly: ForecastModel = {
  name: 'snaive-weekly',
  applicable: (ctx, origin) => ctx.weekly > 0 && origin >= ctx.weekly,
  forecast: (ctx: SeriesContext, origins, h) =>
    origins.map((o) => seasonalNaive(ctx.y, o, h, ctx.weekly)),
};
