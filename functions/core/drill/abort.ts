/**
 * A real failover aborts a running drill (they share the staging account's ECS and Fargate
 * quotas). When a real failover takes authority it takes the drill lease too: a drill lease held
 * by the shadow moves to `primary` at epoch + 1, so every later fenced step of the drill
 * (deploy, traffic) fails with StaleEpochError, its failover fails, and the drill wrapper's
 * Catch runs the teardown. The drill's workflow needs no stop signal: the fence it already honours
 * is the abort. The other order, a drill started during a real failover, is `guard.ts`'s.
 */
import { ConflictError } from '../errors';
import type { AuthorityLease } from '../ports';

/** Prefix of the reason written on a drill lease a real failover took. */
export const ABORT_REASON_PREFIX = 'drill aborted by failover ';

/**
 * Reason written on a drill lease a real failover took: names the failover and the drill's
 * lease reason it replaced, so the drill's teardown can tell its own abort from an older one.
 */
export function abortReason(failoverExecutionName: string, drillLeaseReason: string): string {
  return `${ABORT_REASON_PREFIX}${failoverExecutionName} (was: ${drillLeaseReason})`;
}

/** The failover that aborted the drill whose lease reason was `drillLeaseReason`, if any. */
export function abortedBy(leaseReason: string, drillLeaseReason: string): string | undefined {
  if (!leaseReason.startsWith(ABORT_REASON_PREFIX)) return undefined;
  const suffix = ` (was: ${drillLeaseReason})`;
  if (!leaseReason.endsWith(suffix)) return undefined;
  return leaseReason.slice(ABORT_REASON_PREFIX.length, leaseReason.length - suffix.length);
}

/** What the abort did. */
export interface DrillAbort {
  /** True when a running drill held the lease and lost it. */
  readonly aborted: boolean;
  readonly epoch: number;
  /** Who held it before (the drill's failover reason). */
  readonly previousReason?: string;
}

/** Takes the drill lease from a running drill; a no-op when no drill holds it. */
export async function abortRunningDrill(
  drillLease: AuthorityLease,
  failoverExecutionName: string,
): Promise<DrillAbort> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const current = await drillLease.read();
    if (current.holder !== 'shadow') return { aborted: false, epoch: current.epoch };
    try {
      const taken = await drillLease.transfer(
        'primary',
        current.epoch,
        abortReason(failoverExecutionName, current.reason),
      );
      return { aborted: true, epoch: taken.epoch, previousReason: current.reason };
    } catch (error) {
      // The drill released it meanwhile, or another failover got there: read again.
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  throw new ConflictError('the drill lease kept changing while a failover was taking it');
}
