/**
 * Failover, after approval: transfers the authority lease to the shadow by conditional write;
 * the granted epoch travels with the execution and fences every later mutating call.
 */
import { z } from 'zod';
import { type AcquiredLease, acquireShadowLease } from '../core/failover/lease';
import type { FailoverRecordStore } from '../core/failover/ports';
import type { AuthorityLease, Clock } from '../core/ports';
import { systemClock } from '../shared/clock';
import { authorityLease, failoverAwsAdapters } from '../shared/failover-wiring';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';

/** The approval decision as the approval step resolves it. */
export const approvalSchema = z.object({
  decision: z.enum(['approved', 'declined']),
  actor: z.string().min(1),
  reason: z.string(),
  at: z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not an ISO-8601 time'),
});

/** The state's input. */
export const FailoverAcquireLeaseEvent = z.object({
  executionName: z.string().min(1).max(80),
  approval: approvalSchema.optional(),
});

/** What the handler needs. */
export interface FailoverAcquireLeaseDeps {
  readonly lease: AuthorityLease;
  readonly records: FailoverRecordStore;
  readonly clock: Clock;
}

/** Builds the handler. */
export function createFailoverAcquireLeaseHandler(deps: Deps<FailoverAcquireLeaseDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<AcquiredLease> => {
    const input = parseEvent(FailoverAcquireLeaseEvent, event, 'failover-acquire-lease');
    return acquireShadowLease(get(), input);
  };
}

/** Lambda entry. */
export const handler = createFailoverAcquireLeaseHandler(() => ({
  lease: authorityLease(),
  records: failoverAwsAdapters().records,
  clock: systemClock,
}));
