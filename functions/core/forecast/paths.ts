/**
 * Joint sample paths for horizon-wide probabilities ("exceeds anywhere in the next 24 h").
 *
 * Approximation: a Gaussian copula. The latent standard-normal sequence is a common factor
 * (weight λ, the backtest errors' correlation at lags of half the horizon and more: a whole
 * forecast running high or low) plus an AR(1) sequence carrying the rest of the lag-1
 * correlation; it is mapped through Φ to uniforms and then through each step's calibrated
 * marginal quantile function. Every step's marginal therefore matches the calibrated quantiles
 * (up to Monte Carlo error); the dependence is that two-parameter form fitted to the backtest's
 * standardised errors, not their full joint distribution.
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
  const common = cal.common;
  // The AR(1) part carries what the common factor does not explain of the lag-1 correlation.
  const rho = common < 1 ? Math.max(0, (cal.rho - common) / (1 - common)) : 0;
  const innov = Math.sqrt(1 - rho * rho);
  const load = Math.sqrt(common);
  const rest = Math.sqrt(1 - common);
  const paths: Float64Array[] = [];
  for (let p = 0; p < count; p++) {
    const path = new Float64Array(h);
    const u = normal(rand);
    let g = normal(rand);
    for (let k = 0; k < h; k++) {
      if (k > 0) g = rho * g + innov * normal(rand);
      const z = zQuantile(cal, normalCdf(load * u + rest * g));
      path[k] = transform((point[k] ?? 0) + (cal.scales[k] ?? 0) * z, k);
    }
    paths.push(path);
  }
  return paths;
}
