/**
 * The event of a scheduled cycle (forecast, adapt): EventBridge's Scheduled Event, whose `time`
 * becomes the run's reference time so a retried invocation decides the same period, or a manual
 * invocation `{ "services": ["cluster/service"], "asOf": ISO }` (either field optional).
 */
import { z } from 'zod';

/** The scheduled or manual event of a cycle Lambda. */
export const ScheduledRunEvent = z.union([
  z.looseObject({
    source: z.literal('aws.events'),
    'detail-type': z.literal('Scheduled Event'),
    time: z.iso.datetime(),
  }),
  z.strictObject({
    services: z
      .array(z.string().regex(/^[^/]+\/[^/]+$/, 'must be "cluster/service"'))
      .min(1)
      .optional(),
    asOf: z.iso.datetime().optional(),
  }),
]);

/** A parsed {@link ScheduledRunEvent}. */
export type ScheduledRun = z.infer<typeof ScheduledRunEvent>;

/** The run's reference time (epoch ms) and its services, as the cycles take them. */
export function runOptionsOf(event: ScheduledRun): {
  readonly asOf?: number;
  readonly services?: readonly string[];
} {
  if ('time' in event) return { asOf: Date.parse(event.time) };
  return {
    ...(event.asOf ? { asOf: Date.parse(event.asOf) } : {}),
    ...(event.services ? { services: event.services } : {}),
  };
}
