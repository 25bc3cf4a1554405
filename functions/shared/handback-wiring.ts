/**
 * Production wiring of the handback Lambdas, each port built once per container from the
 * environment `lib/constructs/handback.ts` sets, and only on first use (tests import the handler
 * modules and bind them to sandbox ports without this environment).
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { assumeRoleCredentials } from '../adapters/aws/assume-role';
import { CloudWatchQuorumAlarm } from '../adapters/aws/cloudwatch-quorum-alarm';
import { DynamoDbAuthorityLease } from '../adapters/aws/dynamodb-authority-lease';
import { DynamoDbInventoryRepository } from '../adapters/aws/dynamodb-inventory-repository';
import { AwsFailoverPlatform } from '../adapters/aws/failover-platform';
import { DynamoDbFailoverRecordStore } from '../adapters/aws/failover-record-store';
import { DynamoDbAdaptationFreeze } from '../adapters/aws/handback-freeze';
import { AwsTrafficSwitch, memoisedArcClients } from '../adapters/aws/traffic-switch';
import type {
  FailoverPlatform,
  FailoverRecordStore,
  QuorumAlarm,
  TrafficSwitch,
} from '../core/failover/ports';
import type { AdaptationFreeze } from '../core/handback/ports';
import { type HandbackSettings, parseHandbackSettings } from '../core/handback/settings';
import type { ContainerPlatform, InventoryRepository } from '../core/ports';
import {
  awsAdapters,
  awsClients,
  clientConfig,
  dynamoDbClient,
  localClients,
  regionalStsClient,
} from './clients';
import { PRODUCTION_LEASE_ID } from './drill-env';
import {
  type EnvSource,
  optionalString,
  requireRegion,
  requireRoleArn,
  requireString,
} from './env';
import { HANDBACK_ENV } from './handback-env';

function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}

/** The lease item the handback hands back: `authority` unless the deployment names its own. */
export function handbackLeaseIdOf(env: EnvSource = process.env): string {
  return optionalString(HANDBACK_ENV.leaseId, PRODUCTION_LEASE_ID, env);
}

// The lease, its freeze and the gate's lease metrics all name the same item.
const leaseOptions = (env: EnvSource) => ({ leaseId: handbackLeaseIdOf(env) });

/** The handback's ports on AWS. */
export interface HandbackAwsAdapters {
  readonly settings: HandbackSettings;
  readonly lease: DynamoDbAuthorityLease;
  readonly freeze: AdaptationFreeze;
  readonly alarm: QuorumAlarm;
  readonly records: FailoverRecordStore;
  readonly fleet: FailoverPlatform;
  readonly platform: ContainerPlatform;
  readonly traffic: TrafficSwitch;
  readonly inventory: Pick<InventoryRepository, 'listVersions'>;
  /** ECS/ELB of the primary's region through the primary read role (read only). */
  readonly primary: FailoverPlatform;
}

let cache: HandbackAwsAdapters | undefined;

/** The AWS adapters of the handback, each built on first use and kept for the container. */
export function handbackAwsAdapters(env: EnvSource = process.env): HandbackAwsAdapters {
  cache ??= lazy(env);
  return cache;
}

function lazy(env: EnvSource): HandbackAwsAdapters {
  const config = clientConfig();
  const settings = once(() => parseHandbackSettings(requireString(HANDBACK_ENV.settings, env)));
  const lease = once(
    () =>
      new DynamoDbAuthorityLease(
        dynamoDbClient,
        requireString(HANDBACK_ENV.leaseTable, env),
        leaseOptions(env),
      ),
  );
  const freeze = once(
    () =>
      new DynamoDbAdaptationFreeze(
        dynamoDbClient,
        requireString(HANDBACK_ENV.leaseTable, env),
        leaseOptions(env),
      ),
  );
  const alarm = once(
    () =>
      new CloudWatchQuorumAlarm(
        new CloudWatchClient(
          clientConfig({ region: requireRegion(HANDBACK_ENV.healthRegion, env) }),
        ),
      ),
  );
  const records = once(
    () =>
      new DynamoDbFailoverRecordStore(
        dynamoDbClient,
        requireString(HANDBACK_ENV.failoverTable, env),
        new S3Client(config),
        { bucketName: requireString(HANDBACK_ENV.reportBucket, env), prefix: 'handbacks/' },
      ),
  );
  const fleet = once(
    () => new AwsFailoverPlatform(localClients.ecs, new ElasticLoadBalancingV2Client(config)),
  );
  const platform = once(
    () =>
      awsAdapters(localClients, { account: 'self', region: requireString('AWS_REGION', env) })
        .platform,
  );
  const traffic = once(
    () => new AwsTrafficSwitch(localClients.cloudwatch, memoisedArcClients(config)),
  );
  const inventory = once(
    () =>
      new DynamoDbInventoryRepository(
        dynamoDbClient,
        requireString(HANDBACK_ENV.inventoryTable, env),
      ),
  );
  const primary = once(() => {
    const region = requireRegion(HANDBACK_ENV.primaryRegion, env);
    // One attempt per call: a dark primary is "not steady yet", the workflow polls again.
    const overrides = { maxAttempts: 1 };
    const credentials = assumeRoleCredentials(regionalStsClient(region, overrides), {
      roleArn: requireRoleArn(HANDBACK_ENV.primaryReadRoleArn, env),
      sessionName: 'understudy-handback',
    });
    const clients = awsClients({ ...overrides, region, credentials });
    return new AwsFailoverPlatform(
      clients.ecs,
      new ElasticLoadBalancingV2Client(clientConfig({ ...overrides, region, credentials })),
    );
  });
  return {
    get settings() {
      return settings();
    },
    get lease() {
      return lease();
    },
    get freeze() {
      return freeze();
    },
    get alarm() {
      return alarm();
    },
    get records() {
      return records();
    },
    get fleet() {
      return fleet();
    },
    get platform() {
      return platform();
    },
    get traffic() {
      return traffic();
    },
    get inventory() {
      return inventory();
    },
    get primary() {
      return primary();
    },
  };
}
