/**
 * Production wiring of the failover Lambdas: settings, the lease, the staging ECS adapter and the
 * repositories, each built once per container from the environment the CDK construct sets.
 * Handlers call these lazily, on their first invocation, so tests import the handler modules and
 * bind them to sandbox ports without this environment.
 *
 * The AWS adapters of the failover ports (`core/failover/ports.ts`: QuorumAlarm, QuotaReader,
 * PlanPages, FailoverPlatform, TrafficSwitch, FailoverRecordStore) are built on the AWS half's
 * branch; {@link failoverAwsAdapters} is where they are plugged in.
 */
import { DynamoDbAuthorityLease } from '../adapters/aws/dynamodb-authority-lease';
import type {
  FailoverPlatform,
  FailoverRecordStore,
  PlanPages,
  QuorumAlarm,
  QuotaReader,
  TrafficSwitch,
} from '../core/failover/ports';
import { type FailoverSettings, parseFailoverSettings } from '../core/failover/settings';
import type { AuthorityLease, ContainerPlatform } from '../core/ports';
import { awsAdapters, dynamoDbClient, localClients } from './clients';
import { EnvironmentError, type EnvSource, requireString } from './env';

/** Environment variable names of the failover Lambdas (see docs/failover-contract.md). */
export const FAILOVER_ENV = {
  leaseTable: 'LEASE_TABLE_NAME',
  inventoryTable: 'INVENTORY_TABLE_NAME',
  failoverTable: 'FAILOVER_TABLE_NAME',
  reportBucket: 'FAILOVER_REPORT_BUCKET',
  healthRegion: 'HEALTH_REGION',
  settings: 'FAILOVER_SETTINGS',
} as const;

let settingsCache: FailoverSettings | undefined;

/** The failover settings (`FAILOVER_SETTINGS`, JSON), parsed once. */
export function failoverSettings(env: EnvSource = process.env): FailoverSettings {
  settingsCache ??= parseFailoverSettings(requireString(FAILOVER_ENV.settings, env));
  return settingsCache;
}

/** The authority lease table of the staging region. */
export function authorityLease(env: EnvSource = process.env): AuthorityLease {
  return new DynamoDbAuthorityLease(dynamoDbClient, requireString(FAILOVER_ENV.leaseTable, env));
}

/** ECS of the staging account + region (the Lambda's own). */
export function stagingContainerPlatform(env: EnvSource = process.env): ContainerPlatform {
  const region = requireString('AWS_REGION', env);
  return awsAdapters(localClients, { account: 'self', region }).platform;
}

/** The AWS adapters of the failover ports. */
export interface FailoverAwsAdapters {
  readonly alarm: QuorumAlarm;
  readonly quota: QuotaReader;
  readonly plans: PlanPages;
  readonly fleet: FailoverPlatform;
  readonly traffic: TrafficSwitch;
  readonly records: FailoverRecordStore;
}

/**
 * The AWS adapters of the failover ports. They land with the AWS half of issue #8; until they
 * are wired here a cold start fails with this message rather than with a missing method later.
 */
export function failoverAwsAdapters(_env: EnvSource = process.env): FailoverAwsAdapters {
  throw new EnvironmentError(
    FAILOVER_ENV.failoverTable,
    'is set, but the AWS adapters of the failover ports are not wired in functions/shared/failover-wiring.ts yet',
  );
}
