/**
 * Input checks for `forecast()`: every problem is collected and reported at once as a
 * {@link ForecastInputError}, so a caller fixes its input in one go.
 */
import { ForecastInputError } from './errors';
import { periodsFor } from './series';
import { type ForecastInput, MODEL_NAMES } from './types';

/** Fewest history points accepted when the step gives no daily or weekly cycle. */
export const MIN_HISTORY_NON_SEASONAL = 16;
/** Largest horizon accepted: beyond this the calibration has nothing to stand on. */
export const MAX_HORIZON = 10_000;
/** Largest number of sample paths accepted (memory: paths × horizon doubles). */
export const MAX_SAMPLE_PATHS = 100_000;

/**
 * The minimum history length for a step of `intervalSeconds`: two full seasonal cycles (two
 * days of hourly points = 48), or {@link MIN_HISTORY_NON_SEASONAL} without a cycle.
 */
export function minimumHistory(intervalSeconds: number): number {
  const { daily } = periodsFor(intervalSeconds);
  return daily ? Math.max(2 * daily, MIN_HISTORY_NON_SEASONAL) : MIN_HISTORY_NON_SEASONAL;
}

/** Throws {@link ForecastInputError} listing every problem with `input`. */
export function validateInput(input: ForecastInput): void {
  const issues: string[] = [];
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
  if (typeof input !== 'object' || input === null) {
    throw new ForecastInputError('Invalid forecast input', ['input must be an object']);
  }
  if (typeof input.start !== 'number' || !Number.isFinite(input.start)) {
    issues.push('start must be a finite epoch-ms number');
  }
  const interval = input.intervalSeconds;
  const intervalOk = typeof interval === 'number' && Number.isFinite(interval) && interval > 0;
  if (!intervalOk) issues.push('intervalSeconds must be a finite number > 0');
  if (!isInt(input.horizon) || input.horizon < 1 || input.horizon > MAX_HORIZON) {
    issues.push(`horizon must be an integer in [1, ${MAX_HORIZON}]`);
  }
  if (!Array.isArray(input.values)) {
    issues.push('values must be an array of numbers or null');
  } else {
    let bad = -1;
    let observed = 0;
    for (let i = 0; i < input.values.length; i++) {
      const v: unknown = input.values[i];
      if (v === null) continue;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        if (bad < 0) bad = i;
        continue;
      }
      observed++;
    }
    if (bad >= 0) issues.push(`values[${bad}] is not a finite number or null`);
    if (intervalOk) {
      const min = minimumHistory(interval);
      if (input.values.length < min) {
        issues.push(
          `history has ${input.values.length} points; at least ${min} are needed (two seasonal cycles)`,
        );
      } else if (observed < Math.ceil(min / 2)) {
        issues.push(
          `history has ${observed} observed points; at least ${Math.ceil(min / 2)} are needed`,
        );
      }
    }
  }
  if (input.quantiles !== undefined) {
    if (!Array.isArray(input.quantiles) || input.quantiles.length === 0) {
      issues.push('quantiles must be a non-empty array');
    } else {
      const seen = new Set<number>();
      for (const q of input.quantiles as unknown[]) {
        if (typeof q !== 'number' || !(q > 0 && q < 1))
          issues.push(`quantile ${String(q)} is not in (0, 1)`);
        else if (seen.has(q)) issues.push(`quantile ${q} is repeated`);
        else seen.add(q);
      }
    }
  }
  if (
    input.samplePaths !== undefined &&
    (!isInt(input.samplePaths) || input.samplePaths < 1 || input.samplePaths > MAX_SAMPLE_PATHS)
  ) {
    issues.push(`samplePaths must be an integer in [1, ${MAX_SAMPLE_PATHS}]`);
  }
  if (
    input.seed !== undefined &&
    (typeof input.seed !== 'number' || !Number.isFinite(input.seed))
  ) {
    issues.push('seed must be a finite number');
  }
  if (input.models !== undefined) {
    if (!Array.isArray(input.models) || input.models.length === 0) {
      issues.push('models must be a non-empty array');
    } else {
      for (const m of input.models as unknown[]) {
        if (!(MODEL_NAMES as readonly unknown[]).includes(m))
          issues.push(`unknown model ${String(m)}`);
      }
    }
  }
  if (
    input.backtestOrigins !== undefined &&
    (!isInt(input.backtestOrigins) || input.backtestOrigins < 0)
  ) {
    issues.push('backtestOrigins must be an integer ≥ 0');
  }
  if (input.maxMembers !== undefined && (!isInt(input.maxMembers) || input.maxMembers < 1)) {
    issues.push('maxMembers must be an integer ≥ 1');
  }
  for (const [i, e] of (input.events ?? []).entries()) {
    const s = Date.parse(e?.start);
    const en = Date.parse(e?.end);
    if (!Number.isFinite(s) || !Number.isFinite(en) || en <= s) {
      issues.push(`events[${i}] must have ISO start < end`);
    }
    if (typeof e?.multiplier !== 'number' || !Number.isFinite(e.multiplier) || e.multiplier <= 0) {
      issues.push(`events[${i}].multiplier must be a finite number > 0`);
    }
  }
  if (issues.length) throw new ForecastInputError('Invalid forecast input', issues);
}
