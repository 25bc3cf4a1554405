/**
 * DynamoDB table definitions: the one source of truth for key schemas, GSIs and TTL attributes.
 * The CDK constructs (`lib/`) and the dynalite test/drill helper both build their tables from
 * these, so local tables cannot drift from deployed ones.
 */

/** A key attribute. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

/** A global secondary index (projection ALL). */
export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

/** A table's shape, independent of CDK and of the SDK. */
export interface TableDefinition {
  /** Logical name: CDK construct id stem and local table name. */
  readonly logicalName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
  /** Attribute holding the epoch-seconds expiry; undefined when items never expire. */
  readonly timeToLiveAttribute?: string;
}

/**
 * Clone versions, per-service pointers (latest, latest validated, pinned), deployment plan
 * entries and the audit trail. Staging region.
 */
export const INVENTORY_TABLE: TableDefinition = {
  logicalName: 'Inventory',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
    },
  ],
  timeToLiveAttribute: 'expiresAt',
};

/** Forecasts (latest + history with TTL) and trigger decisions. Primary and staging regions. */
export const FORECAST_TABLE: TableDefinition = {
  logicalName: 'Forecasts',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [],
  timeToLiveAttribute: 'expiresAt',
};

/**
 * The authority lease: one item. A single-region table in the staging region, never a global
 * table (a global table checks conditional writes only in the local replica).
 */
export const LEASE_TABLE: TableDefinition = {
  logicalName: 'AuthorityLease',
  partitionKey: { name: 'pk', type: 'S' },
  globalSecondaryIndexes: [],
};

/**
 * Failover executions: per execution (`pk = EXEC#<name>`), the approval request holding the task
 * token (`sk = APPROVAL`, expiring by TTL after its deadline) and the RTO record (`sk = RECORD`).
 * Staging region. The admission record lives in the lease table, beside the lease it precedes.
 */
export const FAILOVER_TABLE: TableDefinition = {
  logicalName: 'Failover',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [],
  timeToLiveAttribute: 'expiresAt',
};

/** Every table Understudy owns. */
export const TABLES = [INVENTORY_TABLE, FORECAST_TABLE, LEASE_TABLE, FAILOVER_TABLE] as const;
