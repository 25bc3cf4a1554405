/**
 * SARIMA(1,0,1)(0,1,1)_m through the `arima` package (a WASM build of a C library). A fixed order
 * rather than a seasonal auto-search: the search takes seconds per series and was not more
 * accurate. The seasonal difference handles the daily cycle, the AR/MA pair the short-range
 * dependence, and the seasonal MA shrinks the repeated cycle toward its average (the "airline"
 * idea without the non-seasonal difference, which over-extrapolates 24 steps out).
 *
 * Each fit costs tens of milliseconds, so this model refits at every origin it is asked for; the
 * engine keeps it out of the default pool and the benchmark runs it as a baseline.
 */
import ARIMA from 'arima';
import type { ForecastModel } from './model';

/** Mean and variance of a SARIMA forecast. */
export interface SarimaForecast {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
}

/** Fits SARIMA(1,0,1)(0,1,1)_season on `y` and forecasts `h` steps; always frees the WASM model. */
export function sarimaForecast(y: readonly number[], h: number, season: number): SarimaForecast {
  const model = new ARIMA({ p: 1, d: 0, q: 1, P: 0, D: 1, Q: 1, s: season, verbose: false });
  try {
    model.train([...y]);
    const [mean, variance] = model.predict(h);
    const m = Float64Array.from(mean);
    const v = Float64Array.from(variance);
    const last = y[y.length - 1] ?? 0;
    // The C optimiser can diverge on flat or tiny series; fall back to the seasonal naive there.
    for (let k = 0; k < h; k++) {
      if (!Number.isFinite(m[k] ?? Number.NaN)) m[k] = y[y.length - season + (k % season)] ?? last;
      if (!Number.isFinite(v[k] ?? Number.NaN) || (v[k] ?? 0) < 0) v[k] = 0;
    }
    return { mean: m, variance: v };
  } finally {
    model.destroy();
  }
}

/** SARIMA as a {@link ForecastModel}: refits on `y[0, o)` for every origin. */
export const sarima: ForecastModel = {
  name: 'sarima',
  applicable: (ctx, origin) => ctx.period > 0 && origin >= 3 * ctx.period,
  forecast: (ctx, origins, h) =>
    origins.map((o) => sarimaForecast(Array.from(ctx.y.subarray(0, o)), h, ctx.period).mean),
};
