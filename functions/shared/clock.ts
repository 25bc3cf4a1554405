import type { Clock } from '../core/ports';

/** The wall clock, for handlers and the CLI. Core never reads time except through a Clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
