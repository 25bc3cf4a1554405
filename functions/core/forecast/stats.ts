/**
 * Small robust-statistics helpers shared by the forecasting models. Plain loops over typed
 * arrays: these run thousands of times per forecast and must stay allocation-light.
 */

/** Median of the finite values in `xs` (NaN when none). Does not modify `xs`. */
export function median(xs: ArrayLike<number>): number {
  return quantileOf(xs, 0.5);
}

/**
 * Quantile (type 7, linear interpolation, as R's default) of the finite values in `xs`; NaN when
 * there are none.
 */
export function quantileOf(xs: ArrayLike<number>, q: number): number {
  const sorted = sortedFinite(xs);
  return quantileSorted(sorted, q);
}

/** Type-7 quantile of an ascending array. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = Math.min(Math.max(q, 0), 1) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (pos - lo);
}

/** The finite values of `xs`, ascending, in a new array. */
export function sortedFinite(xs: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (v !== undefined && Number.isFinite(v)) out.push(v);
  }
  return Float64Array.from(out).sort();
}

/** Median absolute deviation scaled to σ under normality (×1.4826). */
export function mad(xs: ArrayLike<number>): number {
  const m = median(xs);
  const dev = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) dev[i] = Math.abs((xs[i] ?? Number.NaN) - m);
  return 1.4826 * median(dev);
}

/** Mean of the finite values (NaN when none). */
export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (v !== undefined && Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n ? s / n : Number.NaN;
}

/**
 * Pool-adjacent-violators: the non-decreasing sequence closest (least squares, with weights) to
 * `ys`. Used to keep per-step error scales growing with the horizon and quantiles non-crossing.
 */
export function isotonicIncreasing(
  ys: ArrayLike<number>,
  weights?: ArrayLike<number>,
): Float64Array {
  const n = ys.length;
  const val: number[] = [];
  const wt: number[] = [];
  const len: number[] = [];
  for (let i = 0; i < n; i++) {
    let v = ys[i] ?? 0;
    let w = weights?.[i] ?? 1;
    let l = 1;
    while (val.length > 0 && (val[val.length - 1] ?? 0) > v) {
      const pv = val.pop() ?? 0;
      const pw = wt.pop() ?? 0;
      const pl = len.pop() ?? 0;
      v = (pv * pw + v * w) / (pw + w);
      w += pw;
      l += pl;
    }
    val.push(v);
    wt.push(w);
    len.push(l);
  }
  const out = new Float64Array(n);
  let k = 0;
  for (let b = 0; b < val.length; b++) {
    const l = len[b] ?? 0;
    for (let j = 0; j < l; j++) out[k++] = val[b] ?? 0;
  }
  return out;
}
