/**
 * Dense least squares by Cholesky on the normal equations with a ridge term. The additive model
 * has at most a few dozen columns, so this is exact enough and far cheaper than a QR library.
 */

/**
 * Solves `min Σ w_i (y_i − x_i·β)² + Σ_j λ_j β_j²` for β. `x` is row-major (`rows × cols`).
 * Returns undefined when the system is numerically singular even with the ridge.
 */
export function weightedRidge(
  x: Float64Array,
  rows: number,
  cols: number,
  y: ArrayLike<number>,
  w: ArrayLike<number>,
  lambda: ArrayLike<number>,
): Float64Array | undefined {
  const a = new Float64Array(cols * cols);
  const b = new Float64Array(cols);
  // Hot loop: indices are in range by construction, so the casts only silence
  // noUncheckedIndexedAccess without a per-element fallback branch.
  for (let r = 0; r < rows; r++) {
    const wr = w[r] as number;
    if (wr === 0) continue;
    const off = r * cols;
    const yr = (y[r] as number) * wr;
    for (let i = 0; i < cols; i++) {
      const xi = x[off + i] as number;
      if (xi === 0) continue;
      const xw = xi * wr;
      b[i] = (b[i] as number) + xi * yr;
      const ai = i * cols;
      for (let j = 0; j <= i; j++) a[ai + j] = (a[ai + j] as number) + xw * (x[off + j] as number);
    }
  }
  for (let i = 0; i < cols; i++) a[i * cols + i] = (a[i * cols + i] ?? 0) + (lambda[i] ?? 0);
  // Cholesky in place on the lower triangle.
  for (let j = 0; j < cols; j++) {
    let d = a[j * cols + j] ?? 0;
    for (let k = 0; k < j; k++) d -= (a[j * cols + k] ?? 0) ** 2;
    if (!(d > 1e-12)) return undefined;
    const l = Math.sqrt(d);
    a[j * cols + j] = l;
    for (let i = j + 1; i < cols; i++) {
      let s = a[i * cols + j] ?? 0;
      for (let k = 0; k < j; k++) s -= (a[i * cols + k] ?? 0) * (a[j * cols + k] ?? 0);
      a[i * cols + j] = s / l;
    }
  }
  const z = new Float64Array(cols);
  for (let i = 0; i < cols; i++) {
    let s = b[i] ?? 0;
    for (let k = 0; k < i; k++) s -= (a[i * cols + k] ?? 0) * (z[k] ?? 0);
    z[i] = s / (a[i * cols + i] ?? 1);
  }
  const beta = new Float64Array(cols);
  for (let i = cols - 1; i >= 0; i--) {
    let s = z[i] ?? 0;
    for (let k = i + 1; k < cols; k++) s -= (a[k * cols + i] ?? 0) * (beta[k] ?? 0);
    beta[i] = s / (a[i * cols + i] ?? 1);
  }
  return beta;
}
