/**
 * Probability that forecast demand exceeds a threshold, per step and anywhere in the horizon.
 */
import type { Exceedance, ForecastResult } from './types';

/**
 * Exceedance of `threshold` by `result`, both read off the joint sample paths: `perStep[k]` is
 * the share of paths above the threshold at step k (the marginal), `anyStep` the share above it
 * at any step (the joint, which the marginals alone cannot give). Resolution is 1 / number of
 * paths. Without paths (none were requested) the marginal is read from the quantiles by linear
 * interpolation of the CDF and `anyStep` is bounded below by the largest marginal.
 */
export function exceedance(result: ForecastResult, threshold: number): Exceedance {
  const h = result.timestamps.length;
  const perStep = new Array<number>(h).fill(0);
  const paths = result.paths;
  if (paths.length > 0) {
    let any = 0;
    for (const path of paths) {
      let hit = false;
      for (let k = 0; k < h; k++) {
        if ((path[k] ?? Number.NEGATIVE_INFINITY) > threshold) {
          perStep[k] = (perStep[k] ?? 0) + 1;
          hit = true;
        }
      }
      if (hit) any++;
    }
    return {
      threshold,
      perStep: perStep.map((c) => c / paths.length),
      anyStep: any / paths.length,
    };
  }
  const levels = [...result.quantiles.keys()].sort((a, b) => a - b);
  for (let k = 0; k < h; k++) {
    perStep[k] = 1 - cdfAt(levels, (q) => result.quantiles.get(q)?.[k] ?? Number.NaN, threshold);
  }
  return { threshold, perStep, anyStep: Math.max(0, ...perStep) };
}

/** CDF at `x` by linear interpolation between quantile levels (flat beyond the outer levels). */
function cdfAt(levels: readonly number[], value: (q: number) => number, x: number): number {
  const first = levels[0];
  const last = levels[levels.length - 1];
  if (first === undefined || last === undefined) return 0;
  if (x < value(first)) return 0;
  if (x >= value(last)) return 1;
  for (let i = 1; i < levels.length; i++) {
    const q0 = levels[i - 1] ?? 0;
    const q1 = levels[i] ?? 0;
    const v0 = value(q0);
    const v1 = value(q1);
    if (x < v1) return v1 > v0 ? q0 + ((q1 - q0) * (x - v0)) / (v1 - v0) : q1;
  }
  return last;
}
