/**
 * Who may deploy: the rule every deployer applies to the authority lease. ECS knows no epoch, so
 * the fence is held from both sides — the shadow checks its granted epoch before each mutating
 * call, and the primary's own pipeline asks the same question before it deploys
 * (`understudy authority check --as primary`, `assertAuthority()`), so a primary that comes back
 * while the shadow holds authority cannot deploy over it.
 */
import type { AuthorityHolder, Lease } from './model';

/** What to do when the lease cannot be read (the staging region or its table unreachable). */
export type UnreachablePolicy = 'fail-closed' | 'fail-open';

/** The policies, for flag and config validation. */
export const UNREACHABLE_POLICIES: readonly UnreachablePolicy[] = ['fail-closed', 'fail-open'];

/** The lease every deployment starts from before any transfer was ever written. */
export const INITIAL_LEASE_HOLDER: AuthorityHolder = 'primary';

/** A question put to the lease: may `holder` deploy (at `epoch`, when one was granted)? */
export interface AuthorityQuestion {
  readonly holder: AuthorityHolder;
  /** The epoch the caller was granted; omitted: any epoch of the holder's will do. */
  readonly epoch?: number;
}

/** The answer, with the lease it was read from. */
export interface AuthorityAnswer {
  readonly held: boolean;
  /** The lease as read; `undefined` when none was ever written (the primary holds it then). */
  readonly lease: Lease | undefined;
  /** Plain words: who holds it, at which epoch, and why the caller may or may not deploy. */
  readonly reason: string;
}

/**
 * Decides whether the caller holds authority. A lease never written means the primary holds it
 * (the shadow only ever takes it by a conditional transfer, which writes the item first).
 */
export function evaluateAuthority(
  lease: Lease | undefined,
  question: AuthorityQuestion,
): AuthorityAnswer {
  const holder = lease?.holder ?? INITIAL_LEASE_HOLDER;
  const where = lease
    ? `held by ${lease.holder} at epoch ${lease.epoch} since ${lease.acquiredAt} (${lease.reason})`
    : `never transferred: held by ${INITIAL_LEASE_HOLDER}`;
  if (holder !== question.holder) {
    return { held: false, lease, reason: `${question.holder} does not hold authority: ${where}` };
  }
  if (question.epoch !== undefined) {
    const current = lease?.epoch ?? 1;
    if (current !== question.epoch) {
      return {
        held: false,
        lease,
        reason: `epoch ${question.epoch} is stale: the lease is ${where}`,
      };
    }
  }
  return { held: true, lease, reason: `${question.holder} holds authority: ${where}` };
}
