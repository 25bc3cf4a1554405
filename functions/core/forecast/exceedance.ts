/**
 * Probability that forecast demand exceeds a threshold, per step and anywhere in the horizon.
 */
import { isotonicIncreasing } from './stats';
import type { Exceedance, ForecastResult } from './types';

/**
 * Recalibration of the joint (any-step) probability: knots (raw path share → observed
 * frequency), piecewise linear between them, fixed at (0, 0) and (1, 1). The raw share runs
 * high in the middle (0.72 predicted, 0.50 observed in the predict note): the paths exceed a
 * threshold somewhere more often than the actuals do. Fitted by {@link fitReliabilityKnots}
 * (isotonic) on the any-step outcomes of the rolling suite's `tune` split (thresholds at the
 * history's p90 and p95), never on the prepared cases:
 * `npm run bench:forecast -- --suite rolling --split tune --only ours --fit-exceedance`
 * (108 outcomes, 54 cases; refit whenever the engine's paths change).
 */
export const ANY_STEP_KNOTS: readonly (readonly [number, number])[] = [
  [0, 0],
  [0.517, 0.447],
  [0.812, 0.722],
  [0.966, 0.8],
  [1, 1],
];

/** Maps a raw any-step path share through `knots` (piecewise linear, clamped to [0, 1]). */
export function recalibrateAnyStep(
  raw: number,
  knots: readonly (readonly [number, number])[] = ANY_STEP_KNOTS,
): number {
  if (!(raw > 0)) return 0;
  if (raw >= 1) return 1;
  for (let i = 1; i < knots.length; i++) {
    const [x0, y0] = knots[i - 1] ?? [0, 0];
    const [x1, y1] = knots[i] ?? [1, 1];
    if (raw <= x1) return x1 > x0 ? y0 + ((y1 - y0) * (raw - x0)) / (x1 - x0) : y1;
  }
  return 1;
}

/**
 * Isotonic reliability knots from (predicted, happened) pairs: pool-adjacent-violators over the
 * pairs sorted by prediction, then one knot per pooled block of at least `minBlock` pairs (at
 * the block's mean prediction and observed frequency), with (0, 0) and (1, 1) added.
 */
export function fitReliabilityKnots(
  pairs: readonly { readonly p: number; readonly hit: boolean }[],
  minBlock = 30,
): [number, number][] {
  const sorted = [...pairs].filter((x) => x.p > 0 && x.p < 1).sort((a, b) => a.p - b.p);
  const fitted = isotonicIncreasing(sorted.map((x) => (x.hit ? 1 : 0)));
  const knots: [number, number][] = [[0, 0]];
  let sumP = 0;
  let sumY = 0;
  let count = 0;
  for (let i = 0; i < sorted.length; i++) {
    sumP += sorted[i]?.p ?? 0;
    sumY += fitted[i] ?? 0;
    count++;
    const blockEnds = i + 1 === sorted.length || (fitted[i + 1] ?? 0) !== (fitted[i] ?? 0);
    if (blockEnds && (count >= minBlock || i + 1 === sorted.length)) {
      const last = knots[knots.length - 1] ?? [0, 0];
      knots.push([sumP / count, Math.max(last[1], sumY / count)]);
      sumP = 0;
      sumY = 0;
      count = 0;
    }
  }
  knots.push([1, 1]);
  return knots;
}

/**
 * Exceedance of `threshold` by `result`, both read off the joint sample paths: `perStep[k]` is
 * the share of paths above the threshold at step k (the marginal), `anyStep` the share above it
 * at any step (the joint, which the marginals alone cannot give). Resolution is 1 / number of
 * paths. Without paths (none were requested) the marginal is read from the quantiles by linear
 * interpolation of the CDF and `anyStep` is bounded below by the largest marginal. The
 * path share is kept as `anyStepRaw`; `anyStep` is it recalibrated ({@link ANY_STEP_KNOTS}),
 * never below the largest marginal (the event "at some step" contains each step's).
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
    const marginals = perStep.map((c) => c / paths.length);
    const raw = any / paths.length;
    return {
      threshold,
      perStep: marginals,
      anyStep: Math.max(recalibrateAnyStep(raw), ...marginals),
      anyStepRaw: raw,
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
