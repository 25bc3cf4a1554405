/**
 * The benchmark's metrics, computed exactly as `shared/benchmarks/forecast/score.py` does (same
 * scale, same masks, same pooling), so our table and the Python scorer agree to the digit.
 */
import type { BenchCase } from './cases';

/** A forecast file's entry for one case, in the peers' JSON format. */
export interface CaseForecast {
  readonly quantiles: Record<string, readonly number[]>;
  readonly seconds?: number;
}

/** One row of the results table. */
export interface ScoreRow {
  readonly name: string;
  readonly cases: number;
  readonly fails: number;
  readonly gMASE: number;
  readonly MASE: number;
  readonly SQL: number;
  readonly wQL: number;
  readonly cov80: number;
  readonly cov95: number;
  readonly cov80Iqr: number;
  readonly secondsMedian: number;
}

const QS = ['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9'];

/** `str(float(k))` in Python: "0.1" stays, "0.50" → "0.5", "1" → "1.0". */
export function pyKey(k: string | number): string {
  const v = Number(k);
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

/** In-sample seasonal-naive MAE (m = 24) over pairs with no imputed point, with score.py's fallbacks. */
export function caseScale(c: BenchCase): number {
  const y = c.history;
  const imp = c.historyImputed;
  let s = 0;
  let n = 0;
  for (let i = 24; i < y.length; i++) {
    if (imp[i] || imp[i - 24]) continue;
    s += Math.abs((y[i] ?? 0) - (y[i - 24] ?? 0));
    n++;
  }
  let scale = n ? s / n : 0;
  if (scale <= 0) {
    let s1 = 0;
    for (let i = 1; i < y.length; i++) s1 += Math.abs((y[i] ?? 0) - (y[i - 1] ?? 0));
    scale = y.length > 1 && s1 > 0 ? s1 / (y.length - 1) : 1;
  }
  return scale;
}

/** Python's `statistics.quantiles(data, n=4)` (exclusive method): the three quartiles. */
function quartilesExclusive(sorted: readonly number[]): [number, number, number] {
  const n = sorted.length;
  const m = n + 1;
  const out: number[] = [];
  for (let i = 1; i < 4; i++) {
    let j = Math.floor((i * m) / 4);
    let delta = i * m - j * 4;
    if (j < 1) {
      j = 1;
      delta = 0;
    }
    if (j > n - 1) {
      j = n - 1;
      delta = 4;
    }
    const a = sorted[j - 1] ?? 0;
    const b = sorted[j] ?? 0;
    out.push((a * (4 - delta) + b * delta) / 4);
  }
  return out as [number, number, number];
}

/** Median of `xs` (NaN when empty). */
export function medianOf(xs: readonly number[]): number {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/** Scores one forecast file (case → forecast) on `cases`. */
export function scoreForecasts(
  name: string,
  cases: readonly BenchCase[],
  res: Readonly<Record<string, CaseForecast | undefined>>,
): ScoreRow {
  const mase: number[] = [];
  const sql: number[] = [];
  const secs: number[] = [];
  let fails = 0;
  const pin = new Map<string, number>(QS.map((q) => [q, 0]));
  let absy = 0;
  let in80 = 0;
  let n80 = 0;
  let in95 = 0;
  let n95 = 0;
  const perSeries = new Map<string, boolean[]>();
  for (const c of cases) {
    const r = res[c.case];
    const q = new Map<string, readonly number[]>();
    for (const [k, v] of Object.entries(r?.quantiles ?? {})) q.set(pyKey(k), v);
    const y = c.actual;
    const ok = QS.every((k) => {
      const v = q.get(k);
      return (
        v !== undefined &&
        v !== null &&
        v.length === y.length &&
        v.every((x) => typeof x === 'number' && Number.isFinite(x))
      );
    });
    if (!ok) {
      fails++;
      continue;
    }
    const idx = y.map((_, i) => i).filter((i) => !c.actualImputed[i]);
    const scale = caseScale(c);
    const med = q.get('0.5') ?? [];
    mase.push(
      idx.reduce((s, i) => s + Math.abs((y[i] ?? 0) - (med[i] ?? 0)), 0) / idx.length / scale,
    );
    let loss = 0;
    for (const k of QS) {
      const t = Number(k);
      const qk = q.get(k) ?? [];
      let p = 0;
      for (const i of idx) {
        const d = (y[i] ?? 0) - (qk[i] ?? 0);
        p += Math.max(t * d, (t - 1) * d);
      }
      pin.set(k, (pin.get(k) ?? 0) + p);
      loss += p / idx.length;
    }
    sql.push(loss / QS.length / scale);
    for (const i of idx) absy += Math.abs(y[i] ?? 0);
    const lo80 = q.get('0.1') ?? [];
    const hi80 = q.get('0.9') ?? [];
    const hits = idx.map((i) => (lo80[i] ?? 0) <= (y[i] ?? 0) && (y[i] ?? 0) <= (hi80[i] ?? 0));
    in80 += hits.filter(Boolean).length;
    n80 += idx.length;
    const list = perSeries.get(c.series) ?? [];
    list.push(...hits);
    perSeries.set(c.series, list);
    const lo95 = q.get('0.025');
    const hi95 = q.get('0.975');
    if (lo95 && hi95) {
      in95 += idx.filter(
        (i) => (lo95[i] ?? 0) <= (y[i] ?? 0) && (y[i] ?? 0) <= (hi95[i] ?? 0),
      ).length;
      n95 += idx.length;
    }
    if (r?.seconds !== undefined && r.seconds !== null) secs.push(r.seconds);
  }
  const gm = mase.length
    ? Math.exp(mase.reduce((s, m) => s + Math.log(Math.max(m, 1e-12)), 0) / mase.length)
    : Number.NaN;
  const wql =
    absy > 0 ? QS.reduce((s, k) => s + (2 * (pin.get(k) ?? 0)) / absy, 0) / QS.length : Number.NaN;
  const cov = [...perSeries.values()]
    .filter((h) => h.length)
    .map((h) => h.filter(Boolean).length / h.length)
    .sort((a, b) => a - b);
  const quart = cov.length >= 4 ? quartilesExclusive(cov) : undefined;
  return {
    name,
    cases: mase.length,
    fails,
    gMASE: gm,
    MASE: mase.length ? mase.reduce((a, b) => a + b, 0) / mase.length : Number.NaN,
    SQL: sql.length ? sql.reduce((a, b) => a + b, 0) / sql.length : Number.NaN,
    wQL: wql,
    cov80: n80 ? in80 / n80 : Number.NaN,
    cov95: n95 ? in95 / n95 : Number.NaN,
    cov80Iqr: quart ? quart[2] - quart[0] : Number.NaN,
    secondsMedian: medianOf(secs),
  };
}
