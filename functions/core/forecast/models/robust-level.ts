/**
 * Robust models for near-zero, intermittent or spiky series, where smoothing models chase
 * spikes: a flat median level, and a per-phase median over recent cycles (a seasonal profile
 * that one burst cannot move).
 */
import { median } from '../stats';
import type { ForecastModel } from './model';

/** How many recent cycles the seasonal median looks at: a week of days, enough to outvote bursts. */
const SEASONAL_MEDIAN_CYCLES = 7;

/** Flat forecast at the median of the last cycle (or last 24 points without seasonality). */
export const robustLevel: ForecastModel = {
  name: 'median-level',
  applicable: (_ctx, origin) => origin >= 4,
  forecast: (ctx, origins, h) =>
    origins.map((o) => {
      const w = ctx.period || 24;
      const level = median(ctx.y.subarray(Math.max(0, o - w), o));
      return new Float64Array(h).fill(Number.isFinite(level) ? level : 0);
    }),
};

/**
 * Each step is the median of the same phase over the last {@link SEASONAL_MEDIAN_CYCLES} cycles,
 * shifted by how far the last cycle's median level moved from the window's (a level shift shows
 * at once, a spike does not).
 */
export const seasonalMedian: ForecastModel = {
  name: 'seasonal-median',
  applicable: (ctx, origin) => ctx.period > 0 && origin >= 2 * ctx.period,
  forecast: (ctx, origins, h) =>
    origins.map((o) => {
      const p = ctx.period;
      const cycles = Math.min(SEASONAL_MEDIAN_CYCLES, Math.floor(o / p));
      const out = new Float64Array(h);
      const buf: number[] = [];
      for (let k = 0; k < h; k++) {
        buf.length = 0;
        const base = o + k - p * Math.ceil((k + 1) / p);
        for (let c = 0; c < cycles; c++) {
          const v = ctx.y[base - c * p];
          if (v !== undefined) buf.push(v);
        }
        out[k] = median(buf);
      }
      const recent = median(ctx.y.subarray(o - p, o));
      const windowLevel = median(ctx.y.subarray(o - cycles * p, o));
      const shift = recent - windowLevel;
      for (let k = 0; k < h; k++) out[k] = (out[k] ?? 0) + (Number.isFinite(shift) ? shift : 0);
      return out;
    }),
};
