/**
 * Joint sample paths for horizon-wide probabilities ("exceeds anywhere in the next 24 h").
 *
 * Approximation: a Gaussian copula with AR(1) dependence. A latent standard-normal AR(1)
 * sequence (correlation ρ, the lag-1 correlation of the backtest's standardised errors along a
 * horizon) is mapped through Φ to uniforms and then through each step's calibrated marginal
 * quantile function. Every step's marginal therefore matches the calibrated quantiles exactly
 * (up to Monte Carlo error), and consecutive errors are as persistent as they were in the
 * backtest; dependence beyond AR(1) (e.g. a whole day running high) is only approximated.
 */
import { type Calibration, zQuantile } from './calibrate';
import { mulberry32, normal, normalCdf } from './rng';

/**
 * `count` paths of `point[k] + scales[k]·Z_k`, each value then passed through `transform` (event
 * multiplier, non-negativity) — the same transform the quantiles get.
 */
export function samplePaths(
  point: Float64Array,
  cal: Calibration,
  count: number,
  seed: number,
  transform: (value: number, step: number) => number,
): Float64Array[] {
  const h = point.length;
  const rand = mulberry32(seed);
  const rho = cal.rho;
  const innov = Math.sqrt(1 - rho * rho);
  const paths: Float64Array[] = [];
  for (let p = 0; p < count; p++) {
    const path = new Float64Array(h);
    let g = normal(rand);
    for (let k = 0; k < h; k++) {
      if (k > 0) g = rho * g + innov * normal(rand);
      const z = zQuantile(cal, normalCdf(g));
      path[k] = transform((point[k] ?? 0) + (cal.scales[k] ?? 0) * z, k);
    }
    paths.push(path);
  }
  return paths;
}
