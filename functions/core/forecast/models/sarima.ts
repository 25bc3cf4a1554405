/**
 * SARIMA(1,0,1)(0,1,1)_m through the `arima` package (a WASM build of a C library). A fixed order
 * rather than a seasonal auto-search: the search takes seconds per series and was not more
 * accurate. The seasonal difference handles the daily cycle, the AR/MA pair the short-range
 * dependence, and the seasonal MA shrinks the repeated cycle toward its average (the "airline"
 * idea without the non-seasonal difference, which over-extrapolates 24 steps out).
 *
 * Each fit costs tens of milliseconds, so this model refits at every origin it is asked for; the
 * engine keeps it out of the default pool and the benchmark runs it as a baseline. The WASM
 * build prints optimiser notes ("non-stationary AR part") to stdout through a `console.log` it
 * bound at load time; `verbose: false` does not silence them, so expect them in logs when a
 * caller opts in.
 */
import ARIMA from 'arima';
import type { ForecastModel } from './model';

/** Mean and variance of a SARIMA forecast. */
export interface SarimaForecast {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  /**
   * The fit diverged (non-finite output, or a mean leaving the history's range widened by the
   * range on each side — the C optimiser can land on an explosive AR root) and the forecast is
   * the seasonal naive one with the seasonal differences' variance instead.
   */
  readonly diverged: boolean;
}

/** Fits SARIMA(1,0,1)(0,1,1)_season on `y` and forecasts `h` steps; always frees the WASM model. */
export function sarimaForecast(y: readonly number[], h: number, season: number): SarimaForecast {
  const model = new ARIMA({ p: 1, d: 0, q: 1, P: 0, D: 1, Q: 1, s: season, verbose: false });
  try {
    model.train([...y]);
    const [mean, variance] = model.predict(h);
    const m = Float64Array.from(mean);
    const v = Float64Array.from(variance);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const x of y) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    const range = hi - lo;
    let diverged = false;
    for (let k = 0; k < h; k++) {
      const mk = m[k] ?? Number.NaN;
      const vk = v[k] ?? Number.NaN;
      if (
        !Number.isFinite(mk) ||
        !Number.isFinite(vk) ||
        mk < lo - range ||
        mk > hi + range ||
        vk < 0
      )
        diverged = true;
    }
    if (!diverged) return { mean: m, variance: v, diverged };
    let ss = 0;
    let count = 0;
    for (let t = season; t < y.length; t++) {
      ss += ((y[t] ?? 0) - (y[t - season] ?? 0)) ** 2;
      count++;
    }
    const sd2 = count ? ss / count : 0;
    for (let k = 0; k < h; k++) {
      m[k] = y[y.length - season * Math.ceil((k + 1) / season) + k] ?? y[y.length - 1] ?? 0;
      v[k] = sd2 * Math.ceil((k + 1) / season);
    }
    return { mean: m, variance: v, diverged };
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
