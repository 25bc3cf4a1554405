/**
 * Loads the shared forecasting benchmark: `index.json` plus one `<case>.history.csv` per case.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_QUANTILES, type ForecastInput } from '../../functions/core/forecast/types';

/** One benchmark case as `index.json` describes it, with its history read in. */
export interface BenchCase {
  readonly case: string;
  readonly series: string;
  /** ISO time of the first forecast hour. */
  readonly origin: string;
  readonly horizon: number;
  /** History values as written (imputed hours hold linear fills). */
  readonly history: readonly number[];
  readonly historyTimestamps: readonly string[];
  readonly historyImputed: readonly boolean[];
  readonly actual: readonly number[];
  readonly actualImputed: readonly boolean[];
}

interface IndexEntry {
  case: string;
  series: string;
  origin: string;
  horizon: number;
  history_imputed?: boolean[];
  actual: number[];
  actual_imputed?: boolean[];
}

/** Reads every case of the benchmark directory `dir`. */
export function loadCases(dir: string): BenchCase[] {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as IndexEntry[];
  return index.map((c) => {
    const lines = readFileSync(join(dir, `${c.case}.history.csv`), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    const ts: string[] = [];
    const ys: number[] = [];
    for (const line of lines) {
      const [t, v] = line.split(',');
      ts.push(t ?? '');
      ys.push(Number(v));
    }
    return {
      case: c.case,
      series: c.series,
      origin: c.origin,
      horizon: c.horizon,
      history: ys,
      historyTimestamps: ts,
      historyImputed: c.history_imputed ?? ys.map(() => false),
      actual: c.actual,
      actualImputed: c.actual_imputed ?? c.actual.map(() => false),
    };
  });
}

/** The kind of series a rolling case is, read off its history alone (see {@link kindOf}). */
export type SeriesKind = 'smooth' | 'growth' | 'weekly' | 'other';

/** A case built from a raw trace, with its kind and its held-out split. */
export interface RollingCase extends BenchCase {
  readonly kind: SeriesKind;
  /** `tune`: constants may be chosen on it; `test`: reported only. Alternating weekly origins. */
  readonly split: 'tune' | 'test';
}

/** Options of {@link rollingCases}. */
export interface RollingOptions {
  /** Weekly origins per series, latest first (default 8; at least 6 where the history allows). */
  readonly origins?: number;
  /** Hours of history handed to the engine (default 672, as the prepared cases). */
  readonly historyHours?: number;
  /** Fewest hours of history a case needs (default 168: one week). */
  readonly minHistoryHours?: number;
  /** Forecast windows not to use, per series (the prepared cases' origins, ISO). */
  readonly exclude?: ReadonlyMap<string, readonly string[]>;
}

const HOUR_MS = 3_600_000;

/** Hourly means of a `timestamp,value` CSV; NaN where an hour has no row. */
export function hourlyMeansOf(text: string): { start: number; values: Float64Array } {
  const rows = text.trim().split('\n').slice(1);
  const sums = new Map<number, { s: number; c: number }>();
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const line of rows) {
    const [t, v] = line.split(',');
    const ms = Date.parse(t ?? '');
    const x = Number(v);
    if (!Number.isFinite(ms) || v === undefined || v.trim() === '' || !Number.isFinite(x)) continue;
    const hour = Math.floor(ms / HOUR_MS) * HOUR_MS;
    const acc = sums.get(hour) ?? { s: 0, c: 0 };
    acc.s += x;
    acc.c += 1;
    sums.set(hour, acc);
    if (hour < first) first = hour;
    if (hour > last) last = hour;
  }
  if (!Number.isFinite(first)) return { start: 0, values: new Float64Array(0) };
  const values = new Float64Array((last - first) / HOUR_MS + 1).fill(Number.NaN);
  for (const [hour, { s, c }] of sums) values[(hour - first) / HOUR_MS] = s / c;
  return { start: first, values };
}

/**
 * The kind of a series from its last two weeks of history (never its future): `smooth` when
 * the day-over-day change is tiny against the level (median |y_t − y_{t−24}| ≤ 3 % of the
 * median level); `growth` when the last three days' median departs from the eleven days
 * before by more than 30 % (a ramp or a regime change under way); `weekly` when the lag-168
 * autocorrelation of the history is at least 0.3; else `other`. The thresholds were set once,
 * by eye on the traces' plots, before any scoring.
 */
export function kindOf(history: readonly number[], imputed: readonly boolean[]): SeriesKind {
  const n = history.length;
  const seen = (i: number): number => (imputed[i] ? Number.NaN : (history[i] ?? Number.NaN));
  const finite = (xs: number[]): number[] => xs.filter(Number.isFinite).sort((a, b) => a - b);
  const med = (xs: number[]): number => {
    const s = finite(xs);
    return s.length ? (s[Math.floor(s.length / 2)] ?? Number.NaN) : Number.NaN;
  };
  const recent = Array.from({ length: Math.min(n, 336) }, (_, i) => seen(n - 1 - i));
  const level = Math.abs(med(recent));
  const daily: number[] = [];
  for (let i = Math.max(24, n - 336); i < n; i++) daily.push(Math.abs(seen(i) - seen(i - 24)));
  if (level > 0 && med(daily) <= 0.03 * level) return 'smooth';
  const last3 = med(Array.from({ length: Math.min(n, 72) }, (_, i) => seen(n - 1 - i)));
  const before = med(
    Array.from({ length: Math.min(Math.max(n - 72, 0), 264) }, (_, i) => seen(n - 73 - i)),
  );
  if (Math.abs(before) > 0 && Math.abs(last3 - before) > 0.3 * Math.abs(before)) return 'growth';
  let mean = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = seen(i);
    if (Number.isFinite(v)) {
      mean += v;
      count++;
    }
  }
  mean /= Math.max(count, 1);
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const a = seen(i) - mean;
    if (Number.isFinite(a)) den += a * a;
    const b = i >= 168 ? seen(i - 168) - mean : Number.NaN;
    if (Number.isFinite(a) && Number.isFinite(b)) num += a * b;
  }
  return den > 0 && num / den >= 0.3 ? 'weekly' : 'other';
}

/**
 * Rolling-origin cases from raw traces (`<source>__<series>.csv`, `timestamp,value`): hourly
 * means, a 24 h horizon, origins every 168 h back from the last full day, as many as
 * `origins` where the history allows. A case needs `minHistoryHours` of history, at least 80 %
 * of it and 20 of its 24 actual hours observed, and a window clear of the excluded ones by a
 * full day. Missing hours are linear fills flagged as imputed, as in the prepared cases.
 */
export function rollingCases(
  files: readonly { name: string; text: string }[],
  options: RollingOptions = {},
): RollingCase[] {
  const perSeries = options.origins ?? 8;
  const historyHours = options.historyHours ?? 672;
  const minHistory = options.minHistoryHours ?? 168;
  const out: RollingCase[] = [];
  for (const file of files) {
    const series = file.name.replace(/\.csv$/, '');
    const { start, values } = hourlyMeansOf(file.text);
    const excluded = (options.exclude?.get(series) ?? []).map((o) => Date.parse(o));
    for (let w = 0; w < perSeries; w++) {
      const origin = values.length - 24 - w * 168;
      if (origin < minHistory) break;
      const originMs = start + origin * HOUR_MS;
      if (excluded.some((e) => Math.abs(e - originMs) < 24 * HOUR_MS)) continue;
      const from = Math.max(0, origin - historyHours);
      const raw = Array.from(values.subarray(from, origin + 24));
      const imputed = raw.map((v) => !Number.isFinite(v));
      const filled = linearFill(raw);
      const hist = filled.slice(0, origin - from);
      const histImp = imputed.slice(0, origin - from);
      const act = filled.slice(origin - from);
      const actImp = imputed.slice(origin - from);
      if (histImp.filter(Boolean).length > 0.2 * hist.length) continue;
      if (actImp.filter((x) => !x).length < 20) continue;
      out.push({
        case: `${series}__w${w}`,
        series,
        origin: new Date(originMs).toISOString(),
        horizon: 24,
        history: hist,
        historyTimestamps: hist.map((_, i) => new Date(start + (from + i) * HOUR_MS).toISOString()),
        historyImputed: histImp,
        actual: act,
        actualImputed: actImp,
        kind: kindOf(hist, histImp),
        split: w % 2 === 0 ? 'tune' : 'test',
      });
    }
  }
  return out;
}

/** Linear interpolation across NaN runs (held flat at the ends). */
function linearFill(xs: readonly number[]): number[] {
  const out = [...xs];
  let prev = -1;
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i] ?? Number.NaN)) continue;
    for (let j = prev + 1; j < i; j++) {
      const a = prev < 0 ? (out[i] ?? 0) : (out[prev] ?? 0);
      out[j] = a + (((out[i] ?? 0) - a) * (j - prev)) / (i - prev);
    }
    prev = i;
  }
  for (let j = prev + 1; j < out.length; j++) out[j] = prev < 0 ? 0 : (out[prev] ?? 0);
  return out;
}

/**
 * Where the prepared forecast cases are: `casesFlag` (`--cases DIR`), else
 * `$UNDERSTUDY_FORECAST_CASES`, else `$UNDERSTUDY_SHARED/benchmarks/forecast` (default
 * `<repo>/../shared`). `caseDir` is its `cases/` folder when it has one.
 */
export function preparedCaseDirs(
  repo: string,
  casesFlag?: string,
): { shared: string; benchDir: string; caseDir: string } {
  const shared = process.env.UNDERSTUDY_SHARED ?? join(repo, '..', 'shared');
  const benchDir =
    casesFlag ?? process.env.UNDERSTUDY_FORECAST_CASES ?? join(shared, 'benchmarks', 'forecast');
  const caseDir = existsSync(join(benchDir, 'cases', 'index.json'))
    ? join(benchDir, 'cases')
    : benchDir;
  return { shared, benchDir, caseDir };
}

/**
 * A case as the engine's input, hourly with the default quantiles. Imputed history hours (the
 * benchmark's linear fills) reach the engine as gaps unless `useImputed`.
 */
export function caseInput(
  c: BenchCase,
  options: { readonly useImputed?: boolean } & Pick<ForecastInput, 'models' | 'extraModels'> = {},
): ForecastInput {
  const { useImputed = false, ...pool } = options;
  return {
    start: Date.parse(c.historyTimestamps[0] ?? c.origin),
    intervalSeconds: 3600,
    values: useImputed ? c.history : c.history.map((v, i) => (c.historyImputed[i] ? null : v)),
    horizon: c.horizon,
    quantiles: DEFAULT_QUANTILES,
    ...pool,
  };
}

/** Wall time of `f`, in seconds. */
export function timed<T>(f: () => T): { value: T; seconds: number } {
  const t0 = performance.now();
  const value = f();
  return { value, seconds: (performance.now() - t0) / 1000 };
}
