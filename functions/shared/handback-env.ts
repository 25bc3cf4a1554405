/**
 * Environment variable names of the handback Lambdas: read by the handlers, set by
 * `lib/constructs/handback.ts`. Free of side effects, so the CDK app can import it without
 * building SDK clients.
 */
/** Environment variable names of the handback Lambdas. */
export const HANDBACK_ENV = {
  stateMachineArn: 'HANDBACK_STATE_MACHINE_ARN',
  leaseTable: 'LEASE_TABLE_NAME',
  /** Which lease (the drill deployment keeps its own). @default 'authority' */
  leaseId: 'LEASE_ID',
  failoverTable: 'FAILOVER_TABLE_NAME',
  inventoryTable: 'INVENTORY_TABLE_NAME',
  reportBucket: 'FAILOVER_REPORT_BUCKET',
  healthRegion: 'HEALTH_REGION',
  quorumAlarmName: 'QUORUM_ALARM_NAME',
  okPeriods: 'HANDBACK_OK_PERIODS',
  periodSeconds: 'HANDBACK_PERIOD_SECONDS',
  settings: 'HANDBACK_SETTINGS',
  primaryReadRoleArn: 'PRIMARY_READ_ROLE_ARN',
  primaryRegion: 'PRIMARY_REGION',
} as const;
