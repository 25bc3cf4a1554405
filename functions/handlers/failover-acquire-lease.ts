/**
 * Failover, after approval: transfers the authority lease to the shadow by conditional write;
 * the granted epoch travels with the execution and fences every later mutating call. In
 * production it then aborts a running drill; in the drill deployment it then reads production's
 * lease and yields while a real failover holds it (`core/drill/guard.ts`).
 */
import { z } from 'zod';
import { abortRunningDrill } from '../core/drill/abort';
import { type ProductionLeaseReader, yieldToRealFailover } from '../core/drill/guard';
import { type AcquiredLease, acquireShadowLease } from '../core/failover/lease';
import type { FailoverRecordStore } from '../core/failover/ports';
import type { AuthorityLease, Clock } from '../core/ports';
import { systemClock } from '../shared/clock';
import {
  abortedDrillLease,
  authorityLease,
  drillProductionLease,
  failoverAwsAdapters,
  leaseIdOf,
} from '../shared/failover-wiring';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { createLogger } from '../shared/powertools';
import { emfLeaseMetrics, type LeaseMetrics } from '../shared/workflow-metrics';

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
  /**
   * The drill deployment's lease: a real failover that takes authority takes it too, which
   * aborts a running drill (see `core/drill/abort.ts`). Absent in the drill deployment itself.
   */
  readonly drillLease?: AuthorityLease;
  /**
   * In the drill deployment only (`lease` is then the drill lease): production's lease, read
   * after the drill lease is taken; while the shadow holds it the drill gives its lease up and
   * fails with DrillRefusedError, and its teardown records it as aborted by that failover.
   */
  readonly productionLease?: ProductionLeaseReader;
  /** Where the new holder and epoch are published (the dashboard's lease widgets). */
  readonly leaseMetrics?: LeaseMetrics;
}

const logger = createLogger('failover-acquire-lease');

/** Builds the handler. */
export function createFailoverAcquireLeaseHandler(deps: Deps<FailoverAcquireLeaseDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<AcquiredLease> => {
    const input = parseEvent(FailoverAcquireLeaseEvent, event, 'failover-acquire-lease');
    const { drillLease, productionLease, leaseMetrics, ...deps } = get();
    const granted = await acquireShadowLease(deps, input);
    if (productionLease) await yieldToRealFailover(deps.lease, productionLease);
    leaseMetrics?.publish({ holder: 'shadow', epoch: granted.epoch });
    if (drillLease) {
      // A drill shares the staging quotas: it yields. Never let it hold up the real failover.
      try {
        const abort = await abortRunningDrill(drillLease, input.executionName);
        if (abort.aborted) logger.warn('running drill aborted', { ...abort });
      } catch (error) {
        logger.error('could not abort a running drill', { error });
      }
    }
    return granted;
  };
}

/** Lambda entry. */
export const handler = createFailoverAcquireLeaseHandler(() => {
  const drillLease = abortedDrillLease();
  const productionLease = drillProductionLease();
  return {
    lease: authorityLease(),
    records: failoverAwsAdapters().records,
    clock: systemClock,
    leaseMetrics: emfLeaseMetrics(leaseIdOf()),
    ...(drillLease ? { drillLease } : {}),
    ...(productionLease ? { productionLease } : {}),
  };
});
