/**
 * Taking authority for one failover: a conditional transfer of the lease to `shadow` from the
 * epoch just read. Of two failovers racing from the same epoch exactly one wins (the other gets a
 * ConflictError); a lease already held by the shadow for another failover is refused; a retry of
 * the same execution (its transfer landed, the Lambda did not answer) gets its own epoch back.
 */
import { ConflictError } from '../errors';
import type { AuthorityLease, Clock } from '../ports';
import type { FailoverRecord, FailoverRecordStore } from './ports';

/** The lease reason of a failover execution (how a retry recognises its own transfer). */
export function failoverLeaseReason(executionName: string): string {
  return `failover ${executionName}`;
}

/** Input of {@link acquireShadowLease}. */
export interface AcquireLeaseInput {
  readonly executionName: string;
  readonly approval?: FailoverRecord['approval'];
}

/** The granted epoch. */
export interface AcquiredLease {
  readonly epoch: number;
  readonly acquiredAt: string;
}

/** Transfers the lease to the shadow for this execution and records the epoch. */
export async function acquireShadowLease(
  deps: {
    readonly lease: AuthorityLease;
    readonly records: FailoverRecordStore;
    readonly clock: Clock;
  },
  input: AcquireLeaseInput,
): Promise<AcquiredLease> {
  const reason = failoverLeaseReason(input.executionName);
  const current = await deps.lease.read();
  let granted: AcquiredLease;
  if (current.holder === 'shadow') {
    if (current.reason !== reason) {
      throw new ConflictError(
        `authority is already held by the shadow at epoch ${current.epoch} (${current.reason}): one failover at a time`,
      );
    }
    granted = { epoch: current.epoch, acquiredAt: current.acquiredAt };
  } else {
    const lease = await deps.lease.transfer('shadow', current.epoch, reason);
    granted = { epoch: lease.epoch, acquiredAt: lease.acquiredAt };
  }
  await deps.records.update(input.executionName, {
    epoch: granted.epoch,
    milestones: {
      leaseAcquired: granted.acquiredAt,
      ...(input.approval?.decision === 'approved' ? { approved: input.approval.at } : {}),
    },
    transitions: [{ phase: 'lease', at: granted.acquiredAt, detail: `epoch ${granted.epoch}` }],
    ...(input.approval ? { approval: input.approval } : {}),
  });
  return granted;
}
