/**
 * A small Nelder–Mead simplex minimiser for the handful of smoothing parameters the models fit.
 * Parameters are optimised in an unbounded space; callers map them into their valid ranges
 * (logistic) so the simplex never has to handle constraints.
 */

/** Options of {@link nelderMead}. */
export interface NelderMeadOptions {
  /** Maximum objective evaluations. @default 200 */
  readonly maxEvaluations?: number;
  /** Initial simplex step per coordinate. @default 0.5 */
  readonly step?: number;
  /** Stop when the simplex's objective spread falls below this (relative). @default 1e-6 */
  readonly tolerance?: number;
}

/** Minimises `f` from `x0`; returns the best point found and its value. */
export function nelderMead(
  f: (x: Float64Array) => number,
  x0: readonly number[],
  options: NelderMeadOptions = {},
): { x: Float64Array; value: number } {
  const maxEval = options.maxEvaluations ?? 200;
  const step = options.step ?? 0.5;
  const tol = options.tolerance ?? 1e-6;
  const n = x0.length;
  const safe = (x: Float64Array): number => {
    const v = f(x);
    return Number.isFinite(v) ? v : Number.MAX_VALUE;
  };
  const pts: Float64Array[] = [];
  const vals: number[] = [];
  let evals = 0;
  for (let i = 0; i <= n; i++) {
    const p = Float64Array.from(x0);
    if (i > 0) p[i - 1] = (p[i - 1] ?? 0) + step;
    pts.push(p);
    vals.push(safe(p));
    evals++;
  }
  const order = (): void => {
    const idx = vals.map((_, i) => i).sort((a, b) => (vals[a] ?? 0) - (vals[b] ?? 0));
    const p2 = idx.map((i) => pts[i] as Float64Array);
    const v2 = idx.map((i) => vals[i] as number);
    for (let i = 0; i <= n; i++) {
      pts[i] = p2[i] as Float64Array;
      vals[i] = v2[i] as number;
    }
  };
  const combine = (c: Float64Array, w: Float64Array, t: number): Float64Array => {
    const out = new Float64Array(n);
    for (let j = 0; j < n; j++) out[j] = (c[j] ?? 0) + t * ((w[j] ?? 0) - (c[j] ?? 0));
    return out;
  };
  while (evals < maxEval) {
    order();
    const best = vals[0] ?? 0;
    const worst = vals[n] ?? 0;
    if (Math.abs(worst - best) <= tol * (Math.abs(best) + 1e-12)) break;
    const centroid = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const p = pts[i] as Float64Array;
      for (let j = 0; j < n; j++) centroid[j] = (centroid[j] ?? 0) + (p[j] ?? 0) / n;
    }
    const worstP = pts[n] as Float64Array;
    const refl = combine(centroid, worstP, -1);
    const fr = safe(refl);
    evals++;
    if (fr < best) {
      const exp = combine(centroid, worstP, -2);
      const fe = safe(exp);
      evals++;
      if (fe < fr) {
        pts[n] = exp;
        vals[n] = fe;
      } else {
        pts[n] = refl;
        vals[n] = fr;
      }
    } else if (fr < (vals[n - 1] ?? 0)) {
      pts[n] = refl;
      vals[n] = fr;
    } else {
      const con = combine(centroid, worstP, fr < worst ? -0.5 : 0.5);
      const fc = safe(con);
      evals++;
      if (fc < Math.min(fr, worst)) {
        pts[n] = con;
        vals[n] = fc;
      } else {
        const b = pts[0] as Float64Array;
        for (let i = 1; i <= n; i++) {
          pts[i] = combine(b, pts[i] as Float64Array, 0.5);
          vals[i] = safe(pts[i] as Float64Array);
          evals++;
        }
      }
    }
  }
  order();
  return { x: pts[0] as Float64Array, value: vals[0] as number };
}

/** Logistic map of an unbounded value into (lo, hi). */
export function bounded(x: number, lo: number, hi: number): number {
  return lo + (hi - lo) / (1 + Math.exp(-x));
}

/** Inverse of {@link bounded}. */
export function unbounded(v: number, lo: number, hi: number): number {
  const p = Math.min(Math.max((v - lo) / (hi - lo), 1e-6), 1 - 1e-6);
  return Math.log(p / (1 - p));
}
