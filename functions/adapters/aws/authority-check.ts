/**
 * `assertAuthority()`: the check a deployer runs before it mutates anything — the primary's
 * CI/CD before each deployment, any script that deploys to the estate Understudy guards. It
 * reads the authority lease (one strongly consistent GetItem, never a write, so a read-only role
 * suffices) and throws unless the caller holds it.
 *
 * ```ts
 * await assertAuthority({ client: new DynamoDBClient({ region: 'eu-central-1' }),
 *   tableName: process.env.UNDERSTUDY_LEASE_TABLE!, holder: 'primary' });
 * ```
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type AuthorityAnswer,
  type AuthorityQuestion,
  evaluateAuthority,
  type UnreachablePolicy,
} from '../../core/authority';
import {
  AuthorityNotHeldError,
  AuthorityUnreachableError,
  ServiceUnavailableError,
  ThrottlingError,
} from '../../core/errors';
import { DynamoDbAuthorityLease } from './dynamodb-authority-lease';

/** Options of {@link assertAuthority}. */
export interface AssertAuthorityOptions extends AuthorityQuestion {
  /** DynamoDB client for the staging region (the lease lives only there). */
  readonly client: DynamoDBClient;
  /** Physical name of the lease table (stack output `AuthorityLeaseTableName`). */
  readonly tableName: string;
  /**
   * Which lease (the drill deployment keeps its own).
   * @default 'authority'
   */
  readonly leaseId?: string;
  /**
   * When the lease cannot be read: `fail-closed` refuses to deploy (the safe choice while a
   * failover may be under way), `fail-open` lets the deploy go ahead and reports `degraded`,
   * for estates that rank deployability over split-brain risk — pair it with an alarm.
   * @default 'fail-closed'
   */
  readonly onUnreachable?: UnreachablePolicy;
}

/** What {@link assertAuthority} returns when the caller may deploy. */
export interface AuthorityCheckResult extends AuthorityAnswer {
  /** True when the lease could not be read and `fail-open` let the caller through. */
  readonly degraded: boolean;
}

/**
 * Resolves when the caller holds the lease (or, under `fail-open`, when it cannot be read).
 *
 * @throws AuthorityNotHeldError when another holder has it or the epoch is stale.
 * @throws AuthorityUnreachableError when the lease cannot be read under `fail-closed`.
 * @throws AccessDeniedError and other typed errors for a misconfiguration: those never fail
 *   open, since a wrong role or table name is no outage.
 */
export async function assertAuthority(
  options: AssertAuthorityOptions,
): Promise<AuthorityCheckResult> {
  const lease = new DynamoDbAuthorityLease(options.client, options.tableName, {
    ...(options.leaseId ? { leaseId: options.leaseId } : {}),
  });
  let stored: Awaited<ReturnType<DynamoDbAuthorityLease['peek']>>;
  try {
    stored = await lease.peek();
  } catch (error) {
    if (!(error instanceof ServiceUnavailableError || error instanceof ThrottlingError))
      throw error;
    const why = `the authority lease in ${options.tableName} cannot be read: ${error.message}`;
    if ((options.onUnreachable ?? 'fail-closed') === 'fail-closed') {
      throw new AuthorityUnreachableError(`${why}; refusing to deploy (fail-closed)`, {
        cause: error,
      });
    }
    return {
      held: true,
      lease: undefined,
      degraded: true,
      reason: `${why}; deploying anyway (fail-open)`,
    };
  }
  const question: AuthorityQuestion = {
    holder: options.holder,
    ...(options.epoch !== undefined ? { epoch: options.epoch } : {}),
  };
  const answer = evaluateAuthority(stored, question);
  if (!answer.held) throw new AuthorityNotHeldError(answer.reason);
  return { ...answer, degraded: false };
}
