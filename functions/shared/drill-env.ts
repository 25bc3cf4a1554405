/**
 * Environment variable names of the drill deployment's Lambdas, set by
 * `lib/stacks/drill-stack.ts` (and, for the abort hook, by `lib/constructs/failover.ts` on the
 * production acquire-lease step). Free of side effects, so the CDK app can import it.
 */
export const DRILL_ENV = {
  /** The drill cluster; when set, the failover handlers run as the drill (see failover-wiring). */
  cluster: 'DRILL_CLUSTER',
  /** Which lease item of the lease table the drill uses. */
  leaseId: 'DRILL_LEASE_ID',
  /** The drill history (the drill deployment's failover table). */
  historyTable: 'FAILOVER_TABLE_NAME',
  leaseTable: 'LEASE_TABLE_NAME',
  inventoryTable: 'INVENTORY_TABLE_NAME',
  /** On the production acquire-lease step only: the drill lease a real failover takes. */
  abortsDrillLeaseId: 'ABORTS_DRILL_LEASE_ID',
} as const;

/** The drill lease's id in the lease table (`LEASE#drill`). */
export const DEFAULT_DRILL_LEASE_ID = 'drill';

/**
 * Production's authority lease id (`LEASE#authority`): the one item of the shared lease table a
 * drill may read (never write), to refuse while a real failover holds authority.
 */
export const PRODUCTION_LEASE_ID = 'authority';
