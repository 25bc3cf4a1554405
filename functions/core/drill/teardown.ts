/**
 * A drill's last step, reached on success, failure and abort alike: every service of the drill
 * cluster is scaled to 0 and deleted (DeleteService with force), and
 * the drill lease is left released (held by `primary`). The cluster is the drill's alone, so
 * "every service in it" is exactly what drills made, a previous drill's leftovers included.
 *
 * Idempotent and resumable: each call handles one page of the cluster's ACTIVE services; a
 * service already gone counts as done; the walk repeats until a whole pass finds nothing to
 * delete, so a page that failed halfway is simply done again by the retried call.
 */
import { ConflictError, NotFoundError } from '../errors';
import { failoverLeaseReason } from '../failover/lease';
import { seededRandom, seedOf, withRetry } from '../failover/pacing';
import type { AuthorityLease, Clock, ContainerPlatform } from '../ports';
import type { DrillPlatform } from './ports';

/** What tearing down needs. */
export interface TeardownDeps {
  readonly drill: DrillPlatform;
  readonly platform: Pick<ContainerPlatform, 'updateService'>;
  readonly clock: Clock;
}

/** Input of {@link teardownPage}. */
export interface TeardownInput {
  readonly drillName: string;
  readonly cluster: string;
  /** ListServices cursor within the current pass; absent at the start of a pass. */
  readonly cursor?: string;
  /** Services deleted earlier in the current pass. */
  readonly deletedInPass?: number;
  /** Services deleted over every call so far. */
  readonly deletedTotal?: number;
}

/** Result of one page. */
export interface TeardownResult {
  readonly deleted: number;
  readonly deletedTotal: number;
  readonly deletedInPass: number;
  /** Cursor of the next page of this pass; null at the start of a new pass or when done. */
  readonly cursor: string | null;
  /** True once a whole pass over the cluster found nothing to delete. */
  readonly done: boolean;
}

const ignoreMissing = async (call: () => Promise<unknown>): Promise<void> => {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
};

/** Deletes one page of the drill cluster's services. */
export async function teardownPage(
  deps: TeardownDeps,
  input: TeardownInput,
): Promise<TeardownResult> {
  const random = seededRandom(seedOf(`${input.drillName}/teardown/${input.cursor ?? ''}`));
  const retry = <T>(call: () => Promise<T>) => withRetry(deps.clock, random, call);
  let page: Awaited<ReturnType<DrillPlatform['listServices']>>;
  try {
    page = await retry(() => deps.drill.listServices(input.cluster, input.cursor));
  } catch (error) {
    // No cluster: nothing a drill made can be left in it.
    if (!(error instanceof NotFoundError)) throw error;
    page = { serviceNames: [] };
  }
  for (const name of page.serviceNames) {
    await retry(() =>
      ignoreMissing(() => deps.platform.updateService(input.cluster, name, { desiredCount: 0 })),
    );
    await retry(() => ignoreMissing(() => deps.drill.deleteService(input.cluster, name)));
  }
  const deleted = page.serviceNames.length;
  const deletedInPass = (input.deletedInPass ?? 0) + deleted;
  const deletedTotal = (input.deletedTotal ?? 0) + deleted;
  if (page.nextCursor) {
    return { deleted, deletedTotal, deletedInPass, cursor: page.nextCursor, done: false };
  }
  // End of a pass: done if it deleted nothing, else one more pass to confirm.
  return { deleted, deletedTotal, deletedInPass: 0, cursor: null, done: deletedInPass === 0 };
}

/** What became of the drill lease. */
export interface LeaseRelease {
  readonly released: boolean;
  readonly epoch: number;
  readonly holder: 'primary' | 'shadow';
  /** The lease's reason afterwards (an abort names the failover that took it). */
  readonly reason: string;
}

/**
 * Leaves the drill lease with `primary`: a lease the drill's own failover holds is transferred
 * back (epoch + 1); a lease already released (never acquired, or a real failover aborted the
 * drill) is left as it is. A lost race re-reads and tries again.
 */
export async function releaseDrillLease(
  lease: AuthorityLease,
  input: { readonly drillName: string; readonly failoverExecutionName: string },
): Promise<LeaseRelease> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const current = await lease.read();
    if (current.holder !== 'shadow') {
      return {
        released: false,
        epoch: current.epoch,
        holder: current.holder,
        reason: current.reason,
      };
    }
    if (current.reason !== failoverLeaseReason(input.failoverExecutionName)) {
      throw new ConflictError(
        `the drill lease is held for ${current.reason}, not this drill's failover (${input.failoverExecutionName}): left alone`,
      );
    }
    try {
      const released = await lease.transfer(
        'primary',
        current.epoch,
        `drill ${input.drillName} torn down`,
      );
      return {
        released: true,
        epoch: released.epoch,
        holder: released.holder,
        reason: released.reason,
      };
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  throw new ConflictError('the drill lease kept changing while it was being released');
}
