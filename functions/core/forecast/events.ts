/**
 * Known scheduled events as a per-step multiplier. The engine divides history by it (so a past
 * sale does not teach the models a false level) and multiplies the whole predictive
 * distribution by it over the horizon (a declared effect, applied to every quantile and path).
 */
import type { ScheduledEvent } from '../model';

/** Product of the multipliers of the events active at each of `count` steps from `start`. */
export function eventMultipliers(
  events: readonly ScheduledEvent[] | undefined,
  start: number,
  intervalSeconds: number,
  count: number,
): Float64Array {
  const out = new Float64Array(count).fill(1);
  const stepMs = intervalSeconds * 1000;
  for (const e of events ?? []) {
    const s = Date.parse(e.start);
    const en = Date.parse(e.end);
    // Steps whose timestamp falls in [start, end).
    const first = Math.max(0, Math.ceil((s - start) / stepMs));
    const last = Math.min(count - 1, Math.ceil((en - start) / stepMs) - 1);
    for (let i = first; i <= last; i++) out[i] = (out[i] ?? 1) * e.multiplier;
  }
  return out;
}
