/**
 * Loads the shared forecasting benchmark: `index.json` plus one `<case>.history.csv` per case.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

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
