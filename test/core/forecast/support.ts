/** Synthetic series for the forecasting tests: deterministic, hourly, with a daily cycle. */

/** Epoch ms of a Monday 00:00 UTC, so steps line up with whole days. */
export const START = Date.parse('2026-01-05T00:00:00Z');
export const HOUR = 3600;

/** A tiny deterministic PRNG (tests must not depend on Math.random). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** `days` of hourly points: level + daily sine of `amplitude` + uniform noise of `noise`. */
export function dailySeries(
  days: number,
  level = 50,
  amplitude = 20,
  noise = 2,
  seed = 7,
): number[] {
  const rand = lcg(seed);
  return Array.from({ length: days * 24 }, (_, t) => {
    const season = amplitude * Math.sin((2 * Math.PI * t) / 24);
    return level + season + noise * (rand() - 0.5) * 2;
  });
}
