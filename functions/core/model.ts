/**
 * Domain model shared by every layer. Plain data only: no AWS SDK types, no I/O.
 *
 * Field names follow the ECS/EC2 API where a concept is the same (camelCase), so adapters map
 * one to one and a reader who knows ECS recognises every field.
 */

/** Where a resource lives: an AWS account and region (or their sandbox twins). */
export interface Location {
  /** 12-digit AWS account id. */
  readonly account: string;
  /** AWS region code, e.g. `eu-west-1`. */
  readonly region: string;
}

/** A protected ECS service, named as the primary knows it. */
export interface ServiceRef extends Location {
  /** Cluster name (not ARN). */
  readonly cluster: string;
  /** Service name (not ARN). */
  readonly service: string;
}

/** Stable key of a protected service across the whole system: `cluster/service`. */
export type ServiceKey = string;

/** Builds the {@link ServiceKey} of a service. */
export function serviceKey(ref: Pick<ServiceRef, 'cluster' | 'service'>): ServiceKey {
  return `${ref.cluster}/${ref.service}`;
}

/** The demand signals Understudy forecasts per service. */
export const RESOURCE_METRICS = [
  'cpu',
  'memory',
  'networkIn',
  'networkOut',
  'requestRate',
  'queueDepth',
] as const;

/** One of {@link RESOURCE_METRICS}. */
export type ResourceMetric = (typeof RESOURCE_METRICS)[number];

// ---------------------------------------------------------------------------------------------
// Images

/** A `sha256:<64 hex>` content digest. */
export type Digest = `sha256:${string}`;

/** True when `value` is a well-formed sha256 digest. */
export function isDigest(value: string): value is Digest {
  return /^sha256:[0-9a-f]{64}$/.test(value);
}

/** An image pinned by digest: the only form Understudy stages or deploys. */
export interface ImageReference {
  /** Registry host, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com`. */
  readonly registry: string;
  /** Repository name inside the registry, e.g. `shop/web`. */
  readonly repository: string;
  /** Manifest (or index) digest. */
  readonly digest: Digest;
  /** Tag the source used, kept for audit only; never used to pull. */
  readonly tag?: string;
}

/** Formats an image reference as a pullable `registry/repo@sha256:…` URI. */
export function imageUri(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}@${ref.digest}`;
}

/** A layer or config blob referenced by a manifest. */
export interface BlobDescriptor {
  readonly digest: Digest;
  readonly size: number;
  readonly mediaType: string;
}

/**
 * A manifest exactly as stored: the raw bytes are what the digest is computed over, so a copy
 * must move `bytes` unchanged together with `mediaType`.
 */
export interface ImageManifest {
  readonly digest: Digest;
  readonly mediaType: string;
  /** The manifest document, byte for byte (UTF-8 JSON text). */
  readonly bytes: string;
  /** Config + layers of an image manifest; empty for an index. */
  readonly blobs: readonly BlobDescriptor[];
  /** Child manifests of a multi-arch index / manifest list; empty for an image manifest. */
  readonly children: readonly Digest[];
}

/** A blob read from a registry as a stream of parts (large layers are never held whole). */
export interface BlobStream {
  readonly digest: Digest;
  readonly size: number;
  readonly parts: AsyncIterable<Uint8Array>;
}

// ---------------------------------------------------------------------------------------------
// Task definitions and services

/** Key/value pair (ECS `KeyValuePair`, also tags). */
export interface KeyValue {
  readonly name: string;
  readonly value: string;
}

/** A secret reference (`valueFrom` is a Secrets Manager or SSM Parameter ARN). */
export interface SecretRef {
  readonly name: string;
  readonly valueFrom: string;
}

/** Port mapping of a container. */
export interface PortMapping {
  readonly containerPort: number;
  readonly hostPort?: number;
  readonly protocol?: 'tcp' | 'udp';
  readonly name?: string;
  readonly appProtocol?: string;
}

/** Log configuration of a container (`awslogs` options hold region-specific names). */
export interface LogConfiguration {
  readonly logDriver: string;
  readonly options?: Readonly<Record<string, string>>;
  readonly secretOptions?: readonly SecretRef[];
}

/** One `ulimits` entry of a container. */
export interface Ulimit {
  readonly name: string;
  readonly softLimit: number;
  readonly hardLimit: number;
}

/** A volume mount of a container (`sourceVolume` names a task volume). */
export interface MountPoint {
  readonly sourceVolume?: string;
  readonly containerPath?: string;
  readonly readOnly?: boolean;
}

/** Volumes mounted from another container of the task. */
export interface VolumeFrom {
  readonly sourceContainer?: string;
  readonly readOnly?: boolean;
}

/** An S3 object of environment variables (`value` is an S3 object ARN). */
export interface EnvironmentFile {
  readonly value: string;
  readonly type: string;
}

/** FireLens log router settings of the container that routes the task's logs. */
export interface FirelensConfiguration {
  readonly type: string;
  /** `config-file-value` may be an S3 ARN (mapped like any embedded ARN). */
  readonly options?: Readonly<Record<string, string>>;
}

/** A container dependency (`START`, `COMPLETE`, `SUCCESS`, `HEALTHY`). */
export interface ContainerDependency {
  readonly containerName: string;
  readonly condition: string;
}

/** Container health check. */
export interface HealthCheck {
  readonly command: readonly string[];
  readonly interval?: number;
  readonly timeout?: number;
  readonly retries?: number;
  readonly startPeriod?: number;
}

/**
 * An ECS container definition: every field of RegisterTaskDefinition's `ContainerDefinition`, so a
 * clone carries all of it. The AWS adapter checks at compile time that this type and the SDK's
 * have the same keys; fields Understudy does not rewrite keep ECS's shape and are copied as-is.
 */
export interface ContainerDefinitionSpec {
  readonly name: string;
  /** Image URI as the source wrote it (tag or digest); staged copies always use a digest. */
  readonly image: string;
  /** Private registry credentials (`credentialsParameter` is a Secrets Manager ARN). */
  readonly repositoryCredentials?: { readonly credentialsParameter: string };
  readonly cpu?: number;
  readonly memory?: number;
  readonly memoryReservation?: number;
  readonly links?: readonly string[];
  readonly portMappings?: readonly PortMapping[];
  readonly essential?: boolean;
  readonly restartPolicy?: {
    readonly enabled: boolean;
    readonly ignoredExitCodes?: readonly number[];
    readonly restartAttemptPeriod?: number;
  };
  readonly entryPoint?: readonly string[];
  readonly command?: readonly string[];
  readonly environment?: readonly KeyValue[];
  readonly environmentFiles?: readonly EnvironmentFile[];
  readonly mountPoints?: readonly MountPoint[];
  readonly volumesFrom?: readonly VolumeFrom[];
  /** Kept in ECS's shape (capabilities, devices, tmpfs, …); the policy step reads it. */
  readonly linuxParameters?: Readonly<Record<string, unknown>>;
  readonly secrets?: readonly SecretRef[];
  readonly dependsOn?: readonly ContainerDependency[];
  readonly startTimeout?: number;
  readonly stopTimeout?: number;
  readonly versionConsistency?: string;
  readonly hostname?: string;
  readonly user?: string;
  readonly workingDirectory?: string;
  readonly disableNetworking?: boolean;
  readonly privileged?: boolean;
  readonly readonlyRootFilesystem?: boolean;
  readonly dnsServers?: readonly string[];
  readonly dnsSearchDomains?: readonly string[];
  readonly extraHosts?: readonly { readonly hostname: string; readonly ipAddress: string }[];
  readonly dockerSecurityOptions?: readonly string[];
  readonly interactive?: boolean;
  readonly pseudoTerminal?: boolean;
  readonly dockerLabels?: Readonly<Record<string, string>>;
  readonly ulimits?: readonly Ulimit[];
  readonly logConfiguration?: LogConfiguration;
  readonly healthCheck?: HealthCheck;
  readonly systemControls?: readonly { readonly namespace?: string; readonly value?: string }[];
  readonly resourceRequirements?: readonly { readonly value: string; readonly type: string }[];
  readonly firelensConfiguration?: FirelensConfiguration;
  /** `credentialspec:` / `credentialspecdomainless:` + an SSM or S3 ARN (Windows gMSA). */
  readonly credentialSpecs?: readonly string[];
}

/** ECS network modes. */
export type NetworkMode = 'awsvpc' | 'bridge' | 'host' | 'none';

/** EFS volume settings of a task volume. */
export interface EfsVolumeConfiguration {
  readonly fileSystemId: string;
  readonly rootDirectory?: string;
  readonly transitEncryption?: string;
  readonly transitEncryptionPort?: number;
  readonly authorizationConfig?: { readonly accessPointId?: string; readonly iam?: string };
}

/** FSx for Windows File Server volume settings of a task volume. */
export interface FsxWindowsVolumeConfiguration {
  readonly fileSystemId: string;
  readonly rootDirectory: string;
  /** `credentialsParameter` is a Secrets Manager or SSM ARN. */
  readonly authorizationConfig: { readonly credentialsParameter: string; readonly domain: string };
}

/** A task volume: every field of ECS's `Volume`. */
export interface VolumeSpec {
  readonly name?: string;
  readonly host?: { readonly sourcePath?: string };
  readonly configuredAtLaunch?: boolean;
  /** Kept in ECS's shape (scope, driver, driverOpts, labels, autoprovision). */
  readonly dockerVolumeConfiguration?: Readonly<Record<string, unknown>>;
  readonly efsVolumeConfiguration?: EfsVolumeConfiguration;
  readonly fsxWindowsFileServerVolumeConfiguration?: FsxWindowsVolumeConfiguration;
  /** Amazon S3 Files file system (ARNs are regional: mapped by `fileSystems`). */
  readonly s3filesVolumeConfiguration?: {
    readonly fileSystemArn: string;
    readonly rootDirectory?: string;
    readonly transitEncryptionPort?: number;
    readonly accessPointArn?: string;
  };
}

/**
 * What a task definition says: every field of the RegisterTaskDefinition request except `tags`
 * (metadata, set per staged revision), none of the fields AWS fills in on registration. This is
 * the shape that is content-hashed, so a field the clone lost would change the hash.
 */
export interface TaskDefinitionSpec {
  readonly family: string;
  readonly containerDefinitions: readonly ContainerDefinitionSpec[];
  readonly cpu?: string;
  readonly memory?: string;
  readonly networkMode?: NetworkMode;
  readonly requiresCompatibilities?: readonly string[];
  readonly executionRoleArn?: string;
  readonly taskRoleArn?: string;
  readonly pidMode?: string;
  readonly ipcMode?: string;
  readonly runtimePlatform?: {
    readonly cpuArchitecture?: string;
    readonly operatingSystemFamily?: string;
  };
  readonly volumes?: readonly VolumeSpec[];
  readonly ephemeralStorage?: { readonly sizeInGiB: number };
  readonly placementConstraints?: readonly {
    readonly type?: string;
    readonly expression?: string;
  }[];
  /** App Mesh proxy settings (`containerName` + `properties`). */
  readonly proxyConfiguration?: {
    readonly type?: string;
    readonly containerName: string;
    readonly properties?: readonly KeyValue[];
  };
  readonly inferenceAccelerators?: readonly {
    readonly deviceName: string;
    readonly deviceType: string;
  }[];
  readonly enableFaultInjection?: boolean;
}

/**
 * One reference the clone changed on its way to staging: where (`path`, in the same notation as
 * validation issues), what it was, what it became and which rule or config key did it. Every
 * difference between a source and its staged copy is one of these.
 */
export interface CloneRewrite {
  readonly path: string;
  readonly from: string;
  readonly to: string;
  /** The rule or config key that made it (`image`, `roles`, `secrets`, `awslogs-region`, …). */
  readonly rule: string;
}

/** Status ECS reports for a task definition revision. */
export type TaskDefinitionStatus = 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';

/** A registered revision: the spec plus what AWS filled in. */
export interface RegisteredTaskDefinition extends TaskDefinitionSpec {
  readonly taskDefinitionArn: string;
  readonly revision: number;
  readonly status: TaskDefinitionStatus;
  readonly registeredAt?: string;
  readonly tags?: readonly KeyValue[];
}

/** awsvpc network configuration of a service. */
export interface NetworkConfiguration {
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly assignPublicIp?: 'ENABLED' | 'DISABLED';
}

/** A load-balancer binding of a service. */
export interface LoadBalancerBinding {
  readonly targetGroupArn: string;
  readonly containerName: string;
  readonly containerPort: number;
}

/** A capacity provider strategy item. */
export interface CapacityProviderItem {
  readonly capacityProvider: string;
  readonly weight?: number;
  readonly base?: number;
}

/** Application Auto Scaling bounds of a service (target tracking). */
export interface ScalingBounds {
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** Target tracking value, e.g. 60 (% CPU). */
  readonly targetValue?: number;
  readonly metric?: ResourceMetric;
  /** The target-tracking policy as the primary has it, so staging gets the same one. */
  readonly policy?: TargetTrackingPolicy;
}

/** A predefined-metric target-tracking policy of an ECS service (Application Auto Scaling). */
export interface TargetTrackingPolicy {
  readonly policyName: string;
  /** `ECSServiceAverageCPUUtilization`, `ECSServiceAverageMemoryUtilization`, `ALBRequestCountPerTarget`. */
  readonly predefinedMetricType: string;
  /** `app/<lb>/<id>/targetgroup/<tg>/<id>` for ALBRequestCountPerTarget: names one load balancer. */
  readonly resourceLabel?: string;
  readonly targetValue: number;
  readonly scaleInCooldown?: number;
  readonly scaleOutCooldown?: number;
  readonly disableScaleIn?: boolean;
}

/** One Service Connect endpoint a service offers (`portName` names a container port mapping). */
export interface ServiceConnectService {
  readonly portName: string;
  readonly discoveryName?: string;
  readonly clientAliases?: readonly { readonly port: number; readonly dnsName?: string }[];
  readonly ingressPortOverride?: number;
  readonly timeout?: {
    readonly idleTimeoutSeconds?: number;
    readonly perRequestTimeoutSeconds?: number;
  };
  /** TLS with a Private CA: its role and key ARNs are mapped like any other. */
  readonly tls?: {
    readonly issuerCertificateAuthority: { readonly awsPcaAuthorityArn?: string };
    readonly kmsKey?: string;
    readonly roleArn?: string;
  };
}

/** Rolling-deployment settings of a service. */
export interface DeploymentConfiguration {
  readonly deploymentCircuitBreaker?: { readonly enable: boolean; readonly rollback: boolean };
  readonly maximumPercent?: number;
  readonly minimumHealthyPercent?: number;
  readonly alarms?: {
    readonly alarmNames: readonly string[];
    readonly rollback: boolean;
    readonly enable: boolean;
  };
  readonly strategy?: string;
  readonly bakeTimeInMinutes?: number;
}

/** A volume a service configures at launch (today: a managed EBS volume). */
export interface ServiceVolumeConfiguration {
  readonly name: string;
  /** Kept in ECS's shape; `roleArn`, `kmsKeyId` and `snapshotId` are mapped. */
  readonly managedEBSVolume?: Readonly<Record<string, unknown>> & {
    readonly roleArn?: string;
    readonly kmsKeyId?: string;
    readonly snapshotId?: string;
  };
}

/** What turns a task definition into a running service. */
export interface ServiceSpec {
  readonly cluster: string;
  readonly serviceName: string;
  readonly taskDefinition: string;
  readonly desiredCount: number;
  readonly launchType?: 'FARGATE' | 'EC2' | 'EXTERNAL';
  readonly capacityProviderStrategy?: readonly CapacityProviderItem[];
  readonly networkConfiguration?: NetworkConfiguration;
  readonly loadBalancers?: readonly LoadBalancerBinding[];
  readonly serviceRegistries?: readonly { readonly registryArn: string }[];
  /** Service Connect / Cloud Map namespace the service joins. */
  readonly namespace?: string;
  /** Service Connect endpoints the service offers (with `namespace`). */
  readonly serviceConnectServices?: readonly ServiceConnectService[];
  /** Log configuration of the Service Connect proxy. */
  readonly serviceConnectLogConfiguration?: LogConfiguration;
  readonly healthCheckGracePeriodSeconds?: number;
  readonly scaling?: ScalingBounds;
  readonly tags?: readonly KeyValue[];
  readonly platformVersion?: string;
  readonly deploymentConfiguration?: DeploymentConfiguration;
  readonly deploymentController?: { readonly type: string };
  readonly placementConstraints?: readonly {
    readonly type?: string;
    readonly expression?: string;
  }[];
  readonly placementStrategy?: readonly { readonly type?: string; readonly field?: string }[];
  /** `REPLICA` or `DAEMON` (a daemon service has no desired count). */
  readonly schedulingStrategy?: string;
  readonly enableExecuteCommand?: boolean;
  /** `SERVICE`, `TASK_DEFINITION` or `NONE`. */
  readonly propagateTags?: string;
  readonly enableECSManagedTags?: boolean;
  readonly availabilityZoneRebalancing?: string;
  readonly volumeConfigurations?: readonly ServiceVolumeConfiguration[];
  /**
   * The load balancer service role (`role` on CreateService, `roleArn` described). Read for
   * audit; never sent to staging (ECS uses its service-linked role there).
   */
  readonly role?: string;
  /**
   * Classic Load Balancer bindings (`loadBalancerName`, no target group) of a described service:
   * carried so the clone can refuse them by name instead of losing them.
   */
  readonly classicLoadBalancers?: readonly {
    readonly loadBalancerName: string;
    readonly containerName: string;
    readonly containerPort: number;
  }[];
}

/** A deployment of a service as ECS reports it. */
export interface ServiceDeployment {
  readonly id: string;
  readonly status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  readonly taskDefinition: string;
  readonly desiredCount: number;
  readonly runningCount: number;
  readonly pendingCount: number;
  readonly rolloutState?: 'COMPLETED' | 'FAILED' | 'IN_PROGRESS';
}

/** A service as ECS describes it: its spec plus live state. */
export interface ServiceDescription extends ServiceSpec {
  readonly serviceArn: string;
  readonly status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  readonly runningCount: number;
  readonly pendingCount: number;
  readonly deployments: readonly ServiceDeployment[];
}

// ---------------------------------------------------------------------------------------------
// Network rules

/** One security-group rule (ingress or egress). */
export interface NetworkRule {
  readonly protocol: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly cidrIpv4?: string;
  readonly cidrIpv6?: string;
  /** Another security group this rule references (mapped to its staging twin on copy). */
  readonly referencedGroupId?: string;
  readonly prefixListId?: string;
  readonly description?: string;
}

/** A security group with its rules. */
export interface NetworkRuleSet {
  readonly groupId: string;
  readonly groupName: string;
  readonly vpcId: string;
  readonly description: string;
  readonly ingress: readonly NetworkRule[];
  readonly egress: readonly NetworkRule[];
  readonly tags?: readonly KeyValue[];
}

// ---------------------------------------------------------------------------------------------
// Metrics and forecasts

/** A regular time series; `null` marks a missing point (a gap, never filled silently). */
export interface TimeSeries {
  /** Epoch milliseconds of the first point. */
  readonly start: number;
  /** Step between points, in seconds. */
  readonly intervalSeconds: number;
  readonly values: readonly (number | null)[];
}

/** A known future event that changes demand (launch, sale, batch window). */
export interface ScheduledEvent {
  readonly name: string;
  /** ISO-8601 UTC start (inclusive). */
  readonly start: string;
  /** ISO-8601 UTC end (exclusive). */
  readonly end: string;
  /** Expected multiplicative effect on demand while it runs, e.g. 1.5 for +50 %. */
  readonly multiplier: number;
  /** Services it applies to; all when absent. */
  readonly services?: readonly ServiceKey[];
  /** Metrics it applies to; all when absent. */
  readonly metrics?: readonly ResourceMetric[];
}

/** A probabilistic forecast of one service × metric. */
export interface Forecast {
  readonly service: ServiceKey;
  readonly metric: ResourceMetric;
  /** ISO-8601 UTC time the forecast was made. */
  readonly generatedAt: string;
  /** ISO-8601 UTC timestamps of each horizon step. */
  readonly timestamps: readonly string[];
  readonly intervalSeconds: number;
  readonly mean: readonly number[];
  /** Quantile level (as written, e.g. `"0.9"`) → one value per step. */
  readonly quantiles: Readonly<Record<string, readonly number[]>>;
  /** Model (or combination) that produced it. */
  readonly model: string;
  readonly warnings: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Inventory, plans, lease

/** Lifecycle of a clone version. Content never changes; only this status does. */
export type CloneStatus = 'validated' | 'not-ready' | 'invalid' | 'stale';

/** Everything a clone holds: the content that is hashed and versioned. */
export interface CloneContent {
  readonly service: ServiceKey;
  readonly source: {
    readonly account: string;
    readonly region: string;
    readonly taskDefinitionArn: string;
    readonly revision: number;
  };
  /** The staged task definition as registered in staging (hash excludes AWS-filled fields). */
  readonly taskDefinition: TaskDefinitionSpec;
  /** The staged revision ARN. */
  readonly stagedTaskDefinitionArn: string;
  /** The staged service definition (network, load balancers, scaling) in staging terms. */
  readonly serviceDefinition: ServiceSpec;
  /** Staged images by container name. */
  readonly images: Readonly<Record<string, ImageReference>>;
  readonly networkRules: readonly NetworkRuleSet[];
  /** Dependencies checked to exist in staging (ARN or name → kind). */
  readonly dependencies: readonly { readonly kind: string; readonly id: string }[];
}

/** One immutable, content-addressed, numbered clone of a service. */
export interface CloneVersion {
  readonly service: ServiceKey;
  /** Monotonic per service, starting at 1. */
  readonly version: number;
  /** SHA-256 (hex) of the canonical JSON of `content`. */
  readonly contentHash: string;
  readonly content: CloneContent;
  readonly status: CloneStatus;
  /** Why the status is what it is (validation failures, staleness). */
  readonly reasons: readonly string[];
  /** ISO-8601 UTC. */
  readonly createdAt: string;
  /** Principal or workflow that made it (audit). */
  readonly createdBy: string;
  /** Why it was made: `deploy-event`, `forecast-trigger`, `manual`, … (audit). */
  readonly trigger: string;
}

/** One service's entry in a deployment plan. */
export interface PlanEntry {
  readonly service: ServiceKey;
  readonly cloneVersion: number;
  readonly cluster: string;
  readonly taskDefinitionArn: string;
  readonly desiredCount: number;
  readonly networkConfiguration?: NetworkConfiguration;
  readonly loadBalancers?: readonly LoadBalancerBinding[];
  /** Services that must be stable before this one starts. */
  readonly dependsOn: readonly ServiceKey[];
  /** Deployment wave (0 first); derived from `dependsOn`. */
  readonly wave: number;
  /** The staging service's name (the clone's service definition); older entries lack it. */
  readonly serviceName?: string;
  /** vCPU of one task of the staged task definition (for the quota check), when known. */
  readonly taskVcpu?: number;
  /** The cloned scaling bounds (the failover raises `minCapacity` to `desiredCount`). */
  readonly scaling?: ScalingBounds;
}

/** Which clone version to deploy, where, with how many tasks, in what order. */
export interface DeploymentPlan {
  readonly planId: string;
  readonly generatedAt: string;
  readonly entries: readonly PlanEntry[];
  readonly warnings: readonly string[];
}

/** Who holds deployment authority. */
export type AuthorityHolder = 'primary' | 'shadow';

/** The authority lease: one item, fenced by a monotonically increasing epoch. */
export interface Lease {
  readonly holder: AuthorityHolder;
  /** Fencing token: only ever increases. */
  readonly epoch: number;
  readonly reason: string;
  /** ISO-8601 UTC. */
  readonly acquiredAt: string;
  /** ISO-8601 UTC. */
  readonly updatedAt: string;
}
