/**
 * A drill does not start while a real failover holds authority. The abort (`abort.ts`) covers a
 * failover that starts during a drill; this covers the other order, a drill started while
 * production is failed over, which would otherwise compete with the real failover for the staging
 * account's ECS and Fargate quotas and page nobody.
 *
 * Two checks, both reading production's lease (`peek`: a GetItem, never a write):
 * - the drill's prepare step, on every page, before it creates anything;
 * - the drill's failover, right after it took the drill lease. The real failover writes its
 *   lease and then reads the drill lease (to abort); the drill writes the drill lease and then
 *   reads production's. Each writes before it reads, so whichever comes second sees the first:
 *   a drill and a failover racing cannot both miss each other.
 *
 * A drill that finds production failed over after taking its lease gives the lease up exactly as
 * a real failover would take it (`abortRunningDrill`), so its teardown records it as aborted by
 * that failover, with no new path through the drill workflow.
 */
import { UnderstudyError } from '../errors';
import { failoverLeaseReason } from '../failover/lease';
import type { Lease } from '../model';
import type { AuthorityLease } from '../ports';
import { abortRunningDrill } from './abort';

/** The Error name a refused drill's step fails with, as Step Functions sees it. */
export const DRILL_REFUSED_ERROR = 'DrillRefusedError';

/** The drill would run while a real failover holds authority: it does not start. */
export class DrillRefusedError extends UnderstudyError {
  /** The real failover's execution name, as its lease reason gives it. */
  public readonly failover: string;
  /** Production's lease epoch the drill saw. */
  public readonly epoch: number;

  public constructor(lease: Lease) {
    const failover = failoverNameOf(lease.reason);
    super(
      'DrillRefused',
      `a real failover holds authority (shadow at epoch ${lease.epoch}, ${lease.reason}): no drill runs until it is handed back`,
    );
    this.name = DRILL_REFUSED_ERROR;
    this.failover = failover;
    this.epoch = lease.epoch;
  }
}

/** Production's authority lease as a drill may see it: read only. */
export interface ProductionLeaseReader {
  /** The stored lease, or `undefined` when none was ever written (never failed over). */
  peek(): Promise<Lease | undefined>;
}

/** The failover execution a lease reason names (`failover <name>`), else the reason itself. */
export function failoverNameOf(reason: string): string {
  const prefix = failoverLeaseReason('');
  return reason.startsWith(prefix) ? reason.slice(prefix.length) : reason;
}

/** Throws {@link DrillRefusedError} while the shadow holds production's authority. */
export async function refuseDuringFailover(production: ProductionLeaseReader): Promise<void> {
  const lease = await production.peek();
  if (lease?.holder === 'shadow') throw new DrillRefusedError(lease);
}

/**
 * The drill's failover, once it holds the drill lease: when a real failover holds authority, the
 * drill lease goes to `primary` with the abort reason naming that failover (or stays with the
 * abort a real failover already wrote) and {@link DrillRefusedError} is thrown.
 */
export async function yieldToRealFailover(
  drillLease: AuthorityLease,
  production: ProductionLeaseReader,
): Promise<void> {
  const lease = await production.peek();
  if (lease?.holder !== 'shadow') return;
  await abortRunningDrill(drillLease, failoverNameOf(lease.reason));
  throw new DrillRefusedError(lease);
}
