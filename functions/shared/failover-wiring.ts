/**
 * Production wiring of the failover Lambdas: settings, the lease, the staging ECS adapter and the
 * repositories, each built once per container from the environment the CDK construct sets.
 * Handlers call these lazily, on their first invocation, so tests import the handler modules and
 * bind them to sandbox ports without this environment.
 *
 * The AWS adapters of the failover ports (`core/failover/ports.ts`: QuorumAlarm, QuotaReader,
 * PlanPages, FailoverPlatform, TrafficSwitch, FailoverRecordStore) are built by
 * {@link failoverAwsAdapters}.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { CloudWatchQuorumAlarm } from '../adapters/aws/cloudwatch-quorum-alarm';
import { DynamoDbAuthorityLease } from '../adapters/aws/dynamodb-authority-lease';
import { DynamoDbPlanPages } from '../adapters/aws/dynamodb-plan-pages';
import { AwsFailoverPlatform } from '../adapters/aws/failover-platform';
import { DynamoDbFailoverRecordStore } from '../adapters/aws/failover-record-store';
import { AwsQuotaReader } from '../adapters/aws/service-quotas-reader';
import { AwsTrafficSwitch, memoisedArcClients } from '../adapters/aws/traffic-switch';
import { rehearsalAlarm } from '../core/drill/alarm';
import type { ProductionLeaseReader } from '../core/drill/guard';
import { drillPlanPages } from '../core/drill/plan';
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
import { awsAdapters, clientConfig, dynamoDbClient, localClients } from './clients';
import { systemClock } from './clock';
import { DEFAULT_DRILL_LEASE_ID, DRILL_ENV, PRODUCTION_LEASE_ID } from './drill-env';
import { type EnvSource, optionalString, requireString } from './env';

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

/**
 * The drill cluster when these handlers run in the drill deployment (`DRILL_CLUSTER` set by
 * `lib/stacks/drill-stack.ts`): the same handlers then use the drill lease, the plan redirected
 * to the drill cluster and a rehearsal quorum alarm. Undefined in production.
 */
export function drillCluster(env: EnvSource = process.env): string | undefined {
  const cluster = env[DRILL_ENV.cluster];
  return cluster === undefined || cluster === '' ? undefined : cluster;
}

/** The authority lease table of the staging region (the drill's own lease in a drill). */
export function authorityLease(env: EnvSource = process.env): AuthorityLease {
  return new DynamoDbAuthorityLease(
    dynamoDbClient,
    requireString(FAILOVER_ENV.leaseTable, env),
    drillCluster(env) === undefined
      ? { leaseId: PRODUCTION_LEASE_ID }
      : { leaseId: optionalString(DRILL_ENV.leaseId, DEFAULT_DRILL_LEASE_ID, env) },
  );
}

/** The lease item this deployment's failover handlers hold: `authority`, or the drill's own. */
export function leaseIdOf(env: EnvSource = process.env): string {
  return drillCluster(env) === undefined
    ? PRODUCTION_LEASE_ID
    : optionalString(DRILL_ENV.leaseId, DEFAULT_DRILL_LEASE_ID, env);
}

/** Production's lease (`LEASE#authority`) as a drill reads it: `peek` only, never a write. */
export function productionLeaseReader(env: EnvSource = process.env): ProductionLeaseReader {
  return new DynamoDbAuthorityLease(dynamoDbClient, requireString(FAILOVER_ENV.leaseTable, env), {
    leaseId: PRODUCTION_LEASE_ID,
  });
}

/**
 * In the drill deployment only: production's lease, read only, so the drill's failover refuses
 * while a real failover holds authority (`core/drill/guard.ts`). Undefined in production.
 */
export function drillProductionLease(
  env: EnvSource = process.env,
): ProductionLeaseReader | undefined {
  return drillCluster(env) === undefined ? undefined : productionLeaseReader(env);
}

/** The drill lease a real failover takes to abort a running drill; undefined when not wired. */
export function abortedDrillLease(env: EnvSource = process.env): AuthorityLease | undefined {
  const leaseId = env[DRILL_ENV.abortsDrillLeaseId];
  if (leaseId === undefined || leaseId === '' || drillCluster(env) !== undefined) return undefined;
  return new DynamoDbAuthorityLease(dynamoDbClient, requireString(FAILOVER_ENV.leaseTable, env), {
    leaseId,
  });
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
 * The AWS adapters of the failover ports, each built on first use and kept for the container:
 * the quorum alarm in the health region, everything else in the staging region (the Lambda's
 * own). Lazy per port, so a handler needs only the environment of the ports it uses.
 */
export function failoverAwsAdapters(env: EnvSource = process.env): FailoverAwsAdapters {
  adaptersCache ??= lazyAwsAdapters(env);
  return adaptersCache;
}

let adaptersCache: FailoverAwsAdapters | undefined;

function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}

function lazyAwsAdapters(env: EnvSource): FailoverAwsAdapters {
  const config = clientConfig();
  const drill = drillCluster(env);
  const alarm = once(() =>
    drill !== undefined
      ? rehearsalAlarm(systemClock)
      : new CloudWatchQuorumAlarm(
          new CloudWatchClient(
            clientConfig({ region: requireString(FAILOVER_ENV.healthRegion, env) }),
          ),
        ),
  );
  const quota = once(
    () => new AwsQuotaReader(new ServiceQuotasClient(config), localClients.cloudwatch, systemClock),
  );
  const plans = once(() => {
    const pages = new DynamoDbPlanPages(
      dynamoDbClient,
      requireString(FAILOVER_ENV.inventoryTable, env),
    );
    return drill !== undefined ? drillPlanPages(pages, drill) : pages;
  });
  const fleet = once(
    () => new AwsFailoverPlatform(localClients.ecs, new ElasticLoadBalancingV2Client(config)),
  );
  const traffic = once(
    () => new AwsTrafficSwitch(localClients.cloudwatch, memoisedArcClients(config)),
  );
  const records = once(
    () =>
      new DynamoDbFailoverRecordStore(
        dynamoDbClient,
        requireString(FAILOVER_ENV.failoverTable, env),
        new S3Client(config),
        { bucketName: requireString(FAILOVER_ENV.reportBucket, env) },
      ),
  );
  return {
    get alarm() {
      return alarm();
    },
    get quota() {
      return quota();
    },
    get plans() {
      return plans();
    },
    get fleet() {
      return fleet();
    },
    get traffic() {
      return traffic();
    },
    get records() {
      return records();
    },
  };
}
