/**
 * In-project baselines for the forecast benchmark: seasonal naive and plain SARIMA, each with
 * the textbook Gaussian intervals (no backtest calibration), so the table shows what the
 * engine's selection and calibration add over them.
 */
import { sarimaForecast } from '../../functions/core/forecast/models/sarima';
import { normalQuantile } from '../../functions/core/forecast/rng';

/** Gaussian quantiles around `mean` with per-step standard deviations `sd`. */
function gaussianQuantiles(
  mean: ArrayLike<number>,
  sd: ArrayLike<number>,
  levels: readonly number[],
): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const q of levels) {
    const z = normalQuantile(q);
    out[String(q)] = Array.from({ length: mean.length }, (_, k) =>
      Math.max(0, (mean[k] ?? 0) + z * (sd[k] ?? 0)),
    );
  }
  return out;
}

/**
 * Seasonal naive (m = 24) with R `snaive`'s intervals: σ of the in-sample seasonal differences,
 * growing with √(complete seasons ahead). `history` may hold NaN for missing points.
 */
export function snaiveBaseline(
  history: readonly number[],
  h: number,
  levels: readonly number[],
): Record<string, number[]> {
  const m = 24;
  const n = history.length;
  const diffs: number[] = [];
  for (let i = m; i < n; i++) {
    const d = (history[i] ?? Number.NaN) - (history[i - m] ?? Number.NaN);
    if (Number.isFinite(d)) diffs.push(d);
  }
  const mu = diffs.reduce((a, b) => a + b, 0) / Math.max(diffs.length, 1);
  const sigma = Math.sqrt(
    diffs.reduce((a, b) => a + (b - mu) ** 2, 0) / Math.max(diffs.length - 1, 1),
  );
  const mean: number[] = [];
  const sd: number[] = [];
  for (let k = 0; k < h; k++) {
    let v = Number.NaN;
    for (
      let back = m * Math.ceil((k + 1) / m);
      n + k - back >= 0 && !Number.isFinite(v);
      back += m
    ) {
      v = history[n + k - back] ?? Number.NaN;
    }
    mean.push(Number.isFinite(v) ? v : 0);
    sd.push(sigma * Math.sqrt(Math.floor(k / m) + 1));
  }
  return gaussianQuantiles(mean, sd, levels);
}

/**
 * Plain SARIMA(1,0,1)(0,1,1)24 from the `arima` package with its own Gaussian intervals
 * (`diverged`: the fit exploded and the seasonal naive stood in, see `sarimaForecast`).
 */
export function sarimaBaseline(
  history: readonly number[],
  h: number,
  levels: readonly number[],
): { quantiles: Record<string, number[]>; diverged: boolean } {
  const { mean, variance, diverged } = quietly(() => sarimaForecast(history, h, 24));
  const sd = Array.from(variance, (v) => Math.sqrt(Math.max(v, 0)));
  return { quantiles: gaussianQuantiles(mean, sd, levels), diverged };
}

/**
 * Runs `f` with stdout/stderr muted: the `arima` WASM build prints optimiser notes ("non-stationary
 * AR part") through a `console.log` it bound at load time, which would garble the report.
 */
function quietly<T>(f: () => T): T {
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return f();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}
