/**
 * Ports: the only way core reaches the outside world. Each has an AWS SDK implementation
 * (`functions/adapters/aws`) and, except the DynamoDB-backed ones, a sandbox implementation
 * (`functions/adapters/sandbox`). An adapter instance is bound to one account + region; callers
 * that span locations hold one adapter per location.
 *
 * Adapters raise the typed errors of `./errors` (ThrottlingError, ServiceUnavailableError,
 * NotFoundError, ConflictError, AccessDeniedError), never raw SDK errors.
 */

import type { PinnedImages } from './clone/image-source';
import type {
  AuthorityHolder,
  BlobStream,
  CloneStatus,
  CloneVersion,
  DeploymentPlan,
  Digest,
  Forecast,
  ImageManifest,
  ImageReference,
  KeyValue,
  Lease,
  NetworkRuleSet,
  RegisteredTaskDefinition,
  ResourceMetric,
  ScalingBounds,
  ServiceDescription,
  ServiceKey,
  ServiceSpec,
  TaskDefinitionSpec,
  TimeSeries,
} from './model';

/** Time, injected so core and the sandbox are deterministic. */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` of this clock's time (virtual in the sandbox). */
  sleep(ms: number): Promise<void>;
}

/** The narrow logger core functions accept (Powertools Logger satisfies it). */
export interface LoggerLike {
  debug(message: string, ...extra: unknown[]): void;
  info(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
}

// ---------------------------------------------------------------------------------------------

/** One metric to read: which service, which signal, and the CloudWatch statistic. */
export interface MetricQuery {
  /** Caller's id for the result; `[a-z][a-zA-Z0-9_]*` (CloudWatch's rule for query ids). */
  readonly id: string;
  readonly service: ServiceKey;
  readonly metric: ResourceMetric;
  /** CloudWatch namespace, metric name and dimensions this signal is read from. */
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly KeyValue[];
  readonly stat: 'Average' | 'Sum' | 'Maximum' | 'p90' | 'p99' | 'SampleCount';
}

/** Reads demand history. */
export interface MetricsSource {
  /**
   * Reads each query over [startMs, endMs), aligned to `periodSeconds`. Every returned series
   * starts at `startMs` rounded down to the period and has one slot per period; a missing
   * datapoint is `null` (a gap), never invented. The result is keyed by query id.
   */
  getSeries(
    queries: readonly MetricQuery[],
    range: { readonly startMs: number; readonly endMs: number; readonly periodSeconds: number },
  ): Promise<ReadonlyMap<string, TimeSeries>>;
}

/** ECS as Understudy uses it, in one account + region. */
export interface ContainerPlatform {
  /** Describes a service; NotFoundError when it does not exist (or is INACTIVE). */
  describeService(cluster: string, service: string): Promise<ServiceDescription>;
  /** Describes a task definition by ARN or `family:revision`; NotFoundError when absent. */
  describeTaskDefinition(taskDefinition: string): Promise<RegisteredTaskDefinition>;
  /** Registers a new revision (ECS revisions are immutable) with tags. */
  registerTaskDefinition(
    spec: TaskDefinitionSpec,
    tags: readonly KeyValue[],
  ): Promise<RegisteredTaskDefinition>;
  /** ARNs of the ACTIVE revisions of a family, newest first. */
  listTaskDefinitionRevisions(family: string): Promise<readonly string[]>;
  /** Marks a revision INACTIVE. */
  deregisterTaskDefinition(taskDefinitionArn: string): Promise<void>;
  /** Creates a service; ConflictError when one with that name is already ACTIVE. */
  createService(spec: ServiceSpec): Promise<ServiceDescription>;
  /** Points a service at a task definition and/or desired count. */
  updateService(
    cluster: string,
    service: string,
    change: { readonly taskDefinition?: string; readonly desiredCount?: number },
  ): Promise<ServiceDescription>;
  /** Names of clusters that exist (for dependency checks). */
  listClusters(): Promise<readonly string[]>;
  /**
   * The image digests the service's current deployment of `taskDefinitionArn` pinned, by
   * container name: from the ECS service revision its live deployment targets, else from its
   * running tasks on that task definition; `source: 'none'` with no digests when ECS records
   * neither. Never resolves a tag.
   */
  describePinnedImages(
    cluster: string,
    service: string,
    taskDefinitionArn: string,
  ): Promise<PinnedImages>;
  /**
   * Makes a service scalable between `scaling`'s bounds and, when it has one, puts its
   * target-tracking policy (Application Auto Scaling RegisterScalableTarget, PutScalingPolicy;
   * both idempotent).
   */
  applyScaling(cluster: string, service: string, scaling: ScalingBounds): Promise<void>;
}

/** A container registry (ECR) in one account + region. */
export interface ImageRegistry {
  /** The registry host, used to build image URIs. */
  readonly registry: string;
  /** Resolves a tag or digest to the manifest digest; NotFoundError when absent. */
  resolve(repository: string, tagOrDigest: string): Promise<ImageReference>;
  /** Reads a manifest exactly (bytes + media type); NotFoundError when absent. */
  getManifest(repository: string, digest: Digest): Promise<ImageManifest>;
  /** Which of `digests` are present as blobs in the repository. */
  hasBlobs(repository: string, digests: readonly Digest[]): Promise<ReadonlySet<Digest>>;
  /** Streams a blob out in parts. */
  readBlob(repository: string, digest: Digest): Promise<BlobStream>;
  /** Uploads a blob in parts; a no-op when already present. */
  writeBlob(repository: string, blob: BlobStream): Promise<void>;
  /**
   * Stores a manifest byte for byte with its media type (all its blobs/children must be present
   * first), optionally under a tag. Idempotent for the same digest.
   */
  putManifest(
    repository: string,
    manifest: Pick<ImageManifest, 'digest' | 'mediaType' | 'bytes'>,
    tag?: string,
  ): Promise<void>;
  /** Creates the repository if missing (immutable tags, encrypted); idempotent. */
  ensureRepository(
    repository: string,
    options: { readonly kmsKeyArn?: string; readonly tags?: readonly KeyValue[] },
  ): Promise<void>;
  /** Deletes one image by digest (garbage collection). */
  deleteImage(repository: string, digest: Digest): Promise<void>;
}

/** Security groups and their rules (EC2) in one account + region. */
export interface NetworkRules {
  /** Describes groups by id; NotFoundError names the first missing one. */
  describeGroups(groupIds: readonly string[]): Promise<readonly NetworkRuleSet[]>;
  /** Finds a group by name in a VPC; undefined when absent. */
  findGroup(vpcId: string, groupName: string): Promise<NetworkRuleSet | undefined>;
  /** Creates a group (no rules); returns its id. */
  createGroup(spec: {
    readonly vpcId: string;
    readonly groupName: string;
    readonly description: string;
    readonly tags?: readonly KeyValue[];
  }): Promise<string>;
  /**
   * Makes the group's rules exactly `ingress`/`egress` (adds missing, revokes extra).
   * Idempotent: applying the same rules twice changes nothing.
   */
  syncRules(
    groupId: string,
    rules: Pick<NetworkRuleSet, 'ingress' | 'egress'>,
  ): Promise<{ readonly added: number; readonly revoked: number }>;
}

// ---------------------------------------------------------------------------------------------
// DynamoDB-backed ports (one implementation: the AWS SDK one, run against dynalite locally)

/** Result of storing a clone: the version it ended up as and whether it was new. */
export interface PutCloneResult {
  readonly version: CloneVersion;
  /** False when identical content already existed (no new version was made). */
  readonly created: boolean;
}

/** The versioned inventory of clones (staging region). */
export interface InventoryRepository {
  /**
   * Stores a clone's content as the next version unless identical content (same hash) already
   * exists for the service; conditional writes only, safe under concurrent writers.
   */
  putClone(input: {
    readonly content: CloneVersion['content'];
    readonly status: CloneStatus;
    readonly reasons: readonly string[];
    readonly createdBy: string;
    readonly trigger: string;
  }): Promise<PutCloneResult>;
  /** One version; NotFoundError when absent. */
  getVersion(service: ServiceKey, version: number): Promise<CloneVersion>;
  /** The latest validated version (one read), or undefined. */
  getLatestValidated(service: ServiceKey): Promise<CloneVersion | undefined>;
  /** The version the plan uses: the pinned one when pinned, else the latest validated. */
  getEffective(service: ServiceKey): Promise<CloneVersion | undefined>;
  /** Versions of a service, newest first. */
  listVersions(service: ServiceKey): Promise<readonly CloneVersion[]>;
  /** Every service with at least one version, with its pointer state. */
  listServices(): Promise<
    readonly {
      readonly service: ServiceKey;
      readonly latestVersion: number;
      readonly latestValidated?: number;
      readonly pinned?: number;
    }[]
  >;
  /** Changes a version's status (content stays immutable), recording why and who. */
  setStatus(
    service: ServiceKey,
    version: number,
    status: CloneStatus,
    reasons: readonly string[],
    actor: string,
  ): Promise<CloneVersion>;
  /** Pins the plan to a validated version (rollback); refuses an invalid one. */
  pin(service: ServiceKey, version: number, actor: string, reason: string): Promise<void>;
  /** Removes the pin. */
  unpin(service: ServiceKey, actor: string): Promise<void>;
  /** Deletes a version unless it is the latest validated or pinned (retention). */
  deleteVersion(service: ServiceKey, version: number): Promise<void>;
  /** The audit trail of a service (creations, status changes, pins, deletions), oldest first. */
  listAudit(service: ServiceKey): Promise<readonly InventoryAuditEntry[]>;
  /**
   * Retention: deletes versions beyond the newest `keepLast` (and, when `olderThanMs` is set,
   * only those created before `nowMs - olderThanMs`); never the latest validated or the pinned
   * one. Returns the versions it deleted.
   */
  garbageCollect(
    service: ServiceKey,
    policy: { readonly keepLast: number; readonly olderThanMs?: number; readonly nowMs: number },
  ): Promise<readonly CloneVersion[]>;
}

/** What an inventory audit entry records. */
export type InventoryAuditAction = 'create' | 'status' | 'pin' | 'unpin' | 'delete';

/** One audit item of the inventory: who did what, when and why. */
export interface InventoryAuditEntry {
  readonly service: ServiceKey;
  /** ISO-8601 UTC. */
  readonly at: string;
  readonly actor: string;
  readonly action: InventoryAuditAction;
  /** The clone version the action concerns. */
  readonly version: number;
  /** Status before a `status` change. */
  readonly fromStatus?: CloneStatus;
  /** Status after a `create` or `status` change. */
  readonly toStatus?: CloneStatus;
  readonly reason: string;
}

/**
 * A stored trigger decision: JSON-safe and generic, so the trigger logic can keep its richer
 * decision in `inputs` while the store only needs these fields to key and list it.
 */
export interface DecisionRecord {
  /** Unique id (e.g. the decision's hash); writing the same id and time again is idempotent. */
  readonly id: string;
  readonly service: ServiceKey;
  readonly metric?: ResourceMetric;
  /** ISO-8601 UTC. */
  readonly decidedAt: string;
  readonly fired: boolean;
  readonly probability: number;
  readonly threshold: number;
  readonly triggerProbability: number;
  /** Whatever the decision was made from; must be JSON-safe. */
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly reason: string;
}

/** Forecasts and trigger decisions. */
export interface ForecastRepository {
  /** Stores a forecast (and makes it the latest for its service × metric). */
  put(forecast: Forecast): Promise<void>;
  /** The latest forecast of a service × metric, or undefined. */
  getLatest(service: ServiceKey, metric: ResourceMetric): Promise<Forecast | undefined>;
  /** Latest forecasts of every metric of a service. */
  listLatest(service: ServiceKey): Promise<readonly Forecast[]>;
  /** Past forecasts of a service × metric (kept until their retention expires), newest first. */
  listHistory(
    service: ServiceKey,
    metric: ResourceMetric,
    limit?: number,
  ): Promise<readonly Forecast[]>;
  /** Stores a trigger decision. */
  putDecision(decision: DecisionRecord): Promise<void>;
  /** The newest `limit` decisions of a service, newest first. */
  listDecisions(service: ServiceKey, limit: number): Promise<readonly DecisionRecord[]>;
}

/** Stored deployment plans (staging region). */
export interface PlanRepository {
  /** Stores the plan entry of one service (replacing the previous one). */
  putEntry(entry: DeploymentPlan['entries'][number]): Promise<void>;
  /** The current plan (all entries). */
  getPlan(): Promise<DeploymentPlan>;
}

/** One child execution's record of a clone run: its batch and its services' outcomes. */
export interface CloneRunBatchRecord {
  readonly batch: number;
  /** The batch's per-service outcomes as the workflow wrote them (validated by the reader). */
  readonly outcomes: unknown;
}

/**
 * Per-batch outcomes of one clone run (staging region). The clone-batch workflow writes them
 * itself (an SDK integration), so the parent's payload does not grow with the services.
 */
export interface CloneRunLog {
  /** Every batch record of the run `run` (the parent execution's name), in batch order. */
  listBatches(run: string): Promise<readonly CloneRunBatchRecord[]>;
}

/** The authority lease (one item, single-region table, staging region). */
export interface AuthorityLease {
  /** The current lease; initialised to `primary`, epoch 1, when absent. */
  read(): Promise<Lease>;
  /**
   * Moves authority to `holder` with epoch + 1, only if the lease is still at `expectedEpoch`
   * (ConflictError otherwise: someone else moved it first).
   */
  transfer(holder: AuthorityHolder, expectedEpoch: number, reason: string): Promise<Lease>;
  /** Throws StaleEpochError unless `epoch` is the current one held by `holder`. */
  assertHeld(holder: AuthorityHolder, epoch: number): Promise<void>;
}

/** Result of asking the clone-validate-store pipeline to start. */
export interface PipelineStart {
  readonly executionArn: string;
  /** True when an execution with this name already existed (a retry): nothing new started. */
  readonly alreadyStarted: boolean;
}

/**
 * Starts the clone-validate-store state machine. Idempotent by `executionName`: starting the same
 * name twice starts one execution, so a retried forecast Lambda cannot clone twice.
 */
export interface PipelineStarter {
  /** Starts an execution named `executionName` with `input` (JSON-safe) as its input. */
  start(executionName: string, input: Readonly<Record<string, unknown>>): Promise<PipelineStart>;
}

/** A resource a clone needs in staging but does not copy (see `core/clone/dependencies`). */
export interface DependencyRef {
  /** `cluster`, `role`, `secret`, `parameter`, `log-group`, `target-group`, `kms-key`, … */
  readonly kind: string;
  /** ARN, name or id exactly as the staged definition uses it. */
  readonly id: string;
}

/** Checks that what a clone depends on exists in staging (secrets, roles, target groups, keys…). */
export interface DependencyProbe {
  /** `kind:id` keys of the given dependencies that exist; unknown kinds count as absent. */
  present(dependencies: readonly DependencyRef[]): Promise<ReadonlySet<string>>;
}
