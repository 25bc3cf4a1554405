/**
 * AWS SDK v3 clients for handlers, built once per Lambda container (module scope) so
 * connections and credentials are reused across invocations. Adapters never build clients:
 * they receive one (STYLE.md §3), which is how tests point the same code at moto or a mock.
 */
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EFSClient } from '@aws-sdk/client-efs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import {
  type AssumeRoleOptions,
  assumeRoleCredentials,
  type CredentialsProvider,
} from '../adapters/aws/assume-role';
import { CloudWatchMetricsSource } from '../adapters/aws/cloudwatch-metrics-source';
import type { DependencyProbeClients } from '../adapters/aws/dependency-probe';
import { Ec2NetworkRules } from '../adapters/aws/ec2-network-rules';
import { EcrImageRegistry } from '../adapters/aws/ecr-image-registry';
import { EcsContainerPlatform } from '../adapters/aws/ecs-container-platform';
import type { ContainerPlatform, ImageRegistry, MetricsSource, NetworkRules } from '../core/ports';

/**
 * Retry settings shared by every client: the SDK's `standard` mode retries throttling and
 * transient errors with exponential backoff and full jitter, within a retry-token budget so a
 * struggling API is not stampeded. Five attempts ride out a burst of control-plane throttling
 * without holding a Lambda for minutes.
 */
export const SDK_RETRY = { retryMode: 'standard', maxAttempts: 5 } as const;

/**
 * Socket timeouts: a region that goes dark must fail fast (and be retried or reported), not
 * hang until the Lambda times out.
 */
export const SDK_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 15_000 } as const;

/** Extra settings a caller may add (endpoint and credentials for tests, region override). */
export interface ClientOverrides {
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials?:
    | CredentialsProvider
    | { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly maxAttempts?: number;
}

/** The configuration every Understudy SDK client starts from. */
export function clientConfig(overrides: ClientOverrides = {}) {
  return {
    ...SDK_RETRY,
    requestHandler: { ...SDK_TIMEOUTS },
    ...(overrides.region ? { region: overrides.region } : {}),
    ...(overrides.endpoint ? { endpoint: overrides.endpoint } : {}),
    ...(overrides.credentials ? { credentials: overrides.credentials } : {}),
    ...(overrides.maxAttempts ? { maxAttempts: overrides.maxAttempts } : {}),
  };
}

/**
 * An STS client on the REGIONAL endpoint of `region` (`sts.REGION.amazonaws.com`). SDK v3
 * resolves the regional endpoint unless `useGlobalEndpoint` is set, which this never does: the
 * global endpoint is served from us-east-1 and would make cross-account reads depend on it.
 */
export function regionalStsClient(region: string, overrides: ClientOverrides = {}): STSClient {
  return new STSClient({ ...clientConfig({ ...overrides, region }), useGlobalEndpoint: false });
}

/** ECS, Application Auto Scaling, ECR, EC2 and CloudWatch clients for one account + region. */
export interface AwsClients {
  readonly ecs: ECSClient;
  /** Application Auto Scaling: a service's scaling bounds, which ECS does not report. */
  readonly autoScaling: ApplicationAutoScalingClient;
  readonly ecr: ECRClient;
  readonly ec2: EC2Client;
  readonly cloudwatch: CloudWatchClient;
}

/** Builds the four clients for one region with the same settings and credentials. */
export function awsClients(overrides: ClientOverrides = {}): AwsClients {
  const config = clientConfig(overrides);
  return {
    ecs: new ECSClient(config),
    autoScaling: new ApplicationAutoScalingClient(config),
    ecr: new ECRClient(config),
    ec2: new EC2Client(config),
    cloudwatch: new CloudWatchClient(config),
  };
}

/** Port adapters over one set of clients (one account + region). */
export interface AwsAdapters {
  readonly platform: ContainerPlatform;
  readonly registry: ImageRegistry;
  readonly network: NetworkRules;
  readonly metrics: MetricsSource;
}

/** Wraps clients in the port adapters; `account` and `region` name the ECR registry. */
export function awsAdapters(
  clients: AwsClients,
  location: { readonly account: string; readonly region: string },
): AwsAdapters {
  return {
    platform: new EcsContainerPlatform(clients.ecs, clients.autoScaling),
    registry: new EcrImageRegistry(clients.ecr, {
      registryId: location.account,
      region: location.region,
    }),
    network: new Ec2NetworkRules(clients.ec2),
    metrics: new CloudWatchMetricsSource(clients.cloudwatch),
  };
}

const primaryReadCache = new Map<string, AwsClients>();

/**
 * Clients for the primary region, authenticated as the cross-account read-only role (assumed
 * through the primary region's regional STS endpoint). Memoised per role + region so a warm
 * Lambda reuses one credentials cache and one set of connections; the four clients share one
 * cached provider, so they cost one AssumeRole call per session.
 */
export function primaryReadClients(
  roleArn: string,
  region: string,
  options: Omit<AssumeRoleOptions, 'roleArn'> & {
    /** STS client to assume the role with. @default regionalStsClient(region, overrides) */
    readonly sts?: STSClient;
    /** Endpoint (moto, sandbox) and attempts for the STS and service clients. */
    readonly overrides?: Pick<ClientOverrides, 'endpoint' | 'maxAttempts'>;
  } = {},
): AwsClients {
  const { sts, overrides = {}, ...assumeOptions } = options;
  // Everything that changes behaviour is in the key (a probe's single-attempt clients must not
  // be handed to a caller that expects retries); the STS client and clock are not: first wins.
  const key = JSON.stringify([
    roleArn,
    region,
    overrides.endpoint,
    overrides.maxAttempts,
    assumeOptions.sessionName,
    assumeOptions.durationSeconds,
    assumeOptions.externalId,
    assumeOptions.refreshBeforeExpiryMs,
  ]);
  const cached = primaryReadCache.get(key);
  if (cached) return cached;
  const credentials = assumeRoleCredentials(sts ?? regionalStsClient(region, overrides), {
    ...assumeOptions,
    roleArn,
  });
  const clients = awsClients({ ...overrides, region, credentials });
  primaryReadCache.set(key, clients);
  return clients;
}

/**
 * Clients for this Lambda's own account + region (the staging side), built once per container.
 * Region and credentials come from the Lambda runtime (`AWS_REGION`, execution role).
 */
export const localClients: AwsClients = awsClients();

const ecrClients = new Map<string, ECRClient>();

/**
 * An ECR client for `region` with this Lambda's own credentials (a central registry's region),
 * memoised per region so a warm Lambda reuses its connections.
 */
export function ecrClientFor(region: string): ECRClient {
  let client = ecrClients.get(region);
  if (!client) {
    client = new ECRClient(clientConfig({ region }));
    ecrClients.set(region, client);
  }
  return client;
}

/** DynamoDB client for this Lambda's own region, built once per container. */
export const dynamoDbClient: DynamoDBClient = new DynamoDBClient(clientConfig());

/**
 * The clients an `AwsDependencyProbe` asks, for one account + region with the same settings and
 * credentials. IAM is global, so its client follows the SDK's own endpoint resolution. Building
 * ten clients is not free: call it once per region (module scope or a memo), not per invocation.
 */
export function dependencyProbeClients(overrides: ClientOverrides = {}): DependencyProbeClients {
  const config = clientConfig(overrides);
  return {
    ecs: new ECSClient(config),
    ec2: new EC2Client(config),
    secretsManager: new SecretsManagerClient(config),
    ssm: new SSMClient(config),
    iam: new IAMClient(config),
    logs: new CloudWatchLogsClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    kms: new KMSClient(config),
    serviceDiscovery: new ServiceDiscoveryClient(config),
    efs: new EFSClient(config),
  };
}
