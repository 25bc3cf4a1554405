/**
 * Deployment smoke test: invoke it after `cdk deploy` to prove the house bundling (TypeScript,
 * bundled SDK, source maps, ARM64, newest Node runtime) produces a function that starts and
 * validates its event. It touches no AWS API.
 */
import { z } from 'zod';
import { parseEvent } from '../shared/handler-kit';

/** The event: empty, or a caller-chosen echo string (at most 256 characters). */
export const PingEvent = z.strictObject({ echo: z.string().max(256).optional() }).default({});

/** The answer. */
export interface PingResult {
  readonly ok: true;
  readonly service: 'understudy';
  readonly echo?: string;
}

/** Lambda entry. Rejects malformed events with a message naming the field. */
export async function handler(event: unknown): Promise<PingResult> {
  const { echo } = parseEvent(PingEvent, event ?? {}, 'ping');
  return echo === undefined
    ? { ok: true, service: 'understudy' }
    : { ok: true, service: 'understudy', echo };
}
