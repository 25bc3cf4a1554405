/**
 * Deployment smoke test: invoke it after `cdk deploy` to prove the house bundling (TypeScript,
 * bundled SDK, source maps, ARM64, newest Node runtime) produces a function that starts and
 * validates its event. It touches no AWS API.
 */
import { z } from 'zod';
import { ValidationError } from '../core/errors';

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
  const parsed = PingEvent.safeParse(event ?? {});
  if (!parsed.success) {
    throw new ValidationError(
      'invalid ping event',
      parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`),
    );
  }
  return parsed.data.echo === undefined
    ? { ok: true, service: 'understudy' }
    : { ok: true, service: 'understudy', echo: parsed.data.echo };
}
