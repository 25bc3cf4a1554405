/**
 * The sandbox cloud: an in-memory, deterministic AWS stand-in (ECS, ECR, EC2, CloudWatch) with
 * a latency model, API rate limits and seeded faults, for tests, benchmarks and the local drill.
 */
export { SandboxContainerPlatform } from './container-platform';
export {
  type FaultDecision,
  FaultInjector,
  type FaultPlan,
  type FaultRates,
  type OutageWindow,
  SeededRandom,
} from './faults';
export { MAX_LAYER_CHECKS_PER_CALL, SandboxImageRegistry } from './image-registry';
export {
  type ApiLatencyClass,
  DEFAULT_LATENCY,
  type LatencyModel,
  type LatencyOverrides,
  latencyModel,
  ZERO_LATENCY,
} from './latency-model';
export { MAX_QUERIES_PER_CALL, SandboxMetricsSource } from './metrics-source';
export { SandboxNetworkRules } from './network-rules';
export { OPERATIONS, type Operation, type OperationProfile } from './operations';
export {
  type ApiCallRecord,
  type CallOutcome,
  type Fleet,
  type FleetOptions,
  type FleetService,
  type LayerInput,
  type PushedImage,
  type PushImageInput,
  parseEcrUri,
  SANDBOX_PRIMARY,
  SANDBOX_STAGING,
  SandboxCloud,
  type SandboxCloudOptions,
} from './sandbox-cloud';
export {
  applyStat,
  type BlobRecord,
  Ec2State,
  EcrState,
  EcsState,
  type LaunchPlan,
  LocationState,
  type MetricIdentity,
  MetricsState,
  metricKey,
  parseManifest,
  ruleKey,
  sha256Digest,
  shortName,
  type TaskLauncher,
} from './sandbox-state';
export {
  createSdkDispatcher,
  parseSdkResource,
  type SdkDispatcher,
  SFN_ERROR_NAMES,
  type SfnJson,
  SfnTaskError,
  SUPPORTED_SDK_INTEGRATIONS,
  toPascal,
} from './sdk-integrations';
export {
  type BucketLimit,
  type BucketName,
  RATE_LIMITS,
  TokenBucket,
  TokenBuckets,
} from './token-bucket';
export { VirtualClock, type VirtualClockOptions } from './virtual-clock';
