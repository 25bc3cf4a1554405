/**
 * Environment variable names of the failover Lambdas this side owns (the starter and the
 * approval request): read by the handlers, set by `lib/constructs/failover.ts`. Free of side
 * effects, so the CDK app can import it without building SDK clients.
 */
export const FAILOVER_GATE_ENV = {
  stateMachineArn: 'FAILOVER_STATE_MACHINE_ARN',
  /** The lease table (the workflow handlers read the same name: docs/failover-contract.md). */
  leaseTable: 'LEASE_TABLE_NAME',
  /** The name `UnderstudyTable.grantReadWriteTo` sets for the failover table. */
  failoverTable: 'FAILOVER_TABLE_NAME',
  reportBucket: 'FAILOVER_REPORT_BUCKET',
  minDelaySeconds: 'FAILOVER_MIN_DELAY_SECONDS',
  admissionId: 'FAILOVER_ADMISSION_ID',
  approvalTopicArn: 'FAILOVER_APPROVAL_TOPIC_ARN',
  quorumAlarmName: 'QUORUM_ALARM_NAME',
  healthRegion: 'HEALTH_REGION',
} as const;
