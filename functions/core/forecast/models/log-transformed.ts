/**
 * Runs a model on log(y + c) and maps its forecast back with exp(·) − c: demand whose daily swing
 * grows with its level (multiplicative seasonality, bursty counts) becomes additive there. The
 * back-transformed point is the median of a symmetric log-scale forecast, which is what the
 * scale-free accuracy metrics and the median quantile want.
 *
 * The offset c keeps zeros finite: the 10th percentile of the positive values before the first
 * origin (a typical "low" value of the series itself, so the transform is scale-free).
 */
import type { SeriesContext } from '../series';
import { quantileOf } from '../stats';
import type { ForecastModel } from './model';

/** Wraps `inner` as `<name>-log`; applicable only to non-negative series. */
export function logTransformed(inner: ForecastModel): ForecastModel {
  return {
    name: `${inner.name}-log`,
    applicable: (ctx, origin) => {
      if (!inner.applicable(ctx, origin)) return false;
      for (let i = 0; i < origin; i++) if ((ctx.y[i] ?? 0) < 0) return false;
      return true;
    },
    forecast: (ctx, origins, h) => {
      const first = origins[0] ?? ctx.y.length;
      const positive = Array.from(ctx.y.subarray(0, first)).filter((v) => v > 0);
      const c = positive.length ? Math.max(quantileOf(positive, 0.1), Number.MIN_VALUE) : 1;
      const y = ctx.y.map((v) => Math.log(Math.max(v, 0) + c));
      const actual = ctx.actual.map((v) => Math.log(Math.max(v, 0) + c));
      const logCtx: SeriesContext = { ...ctx, y, actual, noise: Number.NaN };
      return inner.forecast(logCtx, origins, h).map((f) => f.map((v) => Math.exp(v) - c));
    },
  };
}
