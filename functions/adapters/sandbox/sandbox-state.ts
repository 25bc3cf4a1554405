/**
 * The in-memory state of one sandbox location (account + region): ECS clusters, task
 * definitions and services, ECR repositories, EC2 VPCs and security groups, CloudWatch series.
 *
 * Everything here is synchronous and takes time as an argument: latency, throttling and faults
 * are applied around these operations by `SandboxCloud.call`, so the rules of each service live
 * in one place and the ports, the seeding helpers and the Step Functions dispatcher share them.
 */
import { createHash } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors';
import type {
  BlobDescriptor,
  Digest,
  ImageManifest,
  KeyValue,
  Location,
  NetworkRule,
  NetworkRuleSet,
  RegisteredTaskDefinition,
  ScalingBounds,
  ServiceDeployment,
  ServiceDescription,
  ServiceSpec,
  TaskDefinitionSpec,
} from '../../core/model';
import { isDigest } from '../../core/model';

/** SHA-256 digest of bytes (a string is hashed as UTF-8), in `sha256:<hex>` form. */
export function sha256Digest(bytes: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Deep-copies plain data so callers can never mutate stored state through a returned value. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Last path segment of an ARN or name (`arn:…:cluster/prod` → `prod`). */
export function shortName(nameOrArn: string): string {
  return nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1);
}

// ---------------------------------------------------------------------------------------------
// ECS

/** When tasks of one deployment become RUNNING, as decided by the cloud's task launcher. */
export interface LaunchPlan {
  /** Virtual epoch ms each task reaches RUNNING (ascending). */
  readonly runningAtMs: readonly number[];
  /** Set when the tasks cannot start (image missing, registry dark): the rollout fails then. */
  readonly failsAtMs?: number;
  /** Why the tasks cannot start (the stopped-task reason ECS would show). */
  readonly failureReason?: string;
  /** Extra time after the last task runs until the deployment is healthy (LB checks). */
  readonly healthDelayMs: number;
  /** How long replaced tasks drain after this deployment is healthy. */
  readonly drainMs: number;
  /**
   * Digest each container's image resolved to when the deployment was created (ECS version
   * consistency: every task of the deployment runs these, whatever the tag does later).
   */
  readonly imageDigests?: Readonly<Record<string, Digest>>;
}

/** Decides when `count` new tasks of `taskDefinition` run; supplied by the cloud. */
export type TaskLauncher = (
  taskDefinition: RegisteredTaskDefinition,
  service: ServiceSpec,
  count: number,
  nowMs: number,
) => LaunchPlan;

interface DeploymentRecord {
  readonly id: string;
  readonly taskDefinition: string;
  desiredCount: number;
  readonly createdAtMs: number;
  runningAtMs: number[];
  failsAtMs?: number;
  failureReason?: string;
  healthDelayMs: number;
  drainMs: number;
  /** The service revision's pinned digests (see {@link LaunchPlan.imageDigests}). */
  readonly imageDigests?: Readonly<Record<string, Digest>>;
}

interface ServiceRecord {
  spec: ServiceSpec;
  readonly serviceArn: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  readonly createdAtMs: number;
  /** Newest (PRIMARY) first. */
  deployments: DeploymentRecord[];
}

function running(deployment: DeploymentRecord, nowMs: number): number {
  if (deployment.failsAtMs !== undefined) return 0;
  let count = 0;
  for (const at of deployment.runningAtMs) if (at <= nowMs) count += 1;
  return count;
}

function steadyAtMs(deployment: DeploymentRecord): number {
  if (deployment.failsAtMs !== undefined) return Number.POSITIVE_INFINITY;
  const last = deployment.runningAtMs.at(-1);
  return last === undefined ? deployment.createdAtMs : last + deployment.healthDelayMs;
}

/** A task definition spec validated the way RegisterTaskDefinition validates it. */
function validateTaskDefinition(spec: TaskDefinitionSpec): void {
  const issues: string[] = [];
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(spec.family))
    issues.push(`family "${spec.family}" is invalid`);
  if (spec.containerDefinitions.length === 0) issues.push('containerDefinitions must not be empty');
  const names = new Set<string>();
  for (const container of spec.containerDefinitions) {
    if (names.has(container.name)) issues.push(`container name "${container.name}" is repeated`);
    names.add(container.name);
    if (!container.image) issues.push(`container "${container.name}" has no image`);
  }
  if (spec.requiresCompatibilities?.includes('FARGATE')) {
    if (spec.networkMode !== 'awsvpc') issues.push('Fargate requires networkMode awsvpc');
    if (!spec.cpu || !spec.memory) issues.push('Fargate requires task-level cpu and memory');
  }
  if (issues.length > 0) throw new ValidationError('invalid task definition', issues);
}

/** ECS in one location. */
export class EcsState {
  private readonly clusters = new Map<string, string>();
  private readonly families = new Map<string, RegisteredTaskDefinition[]>();
  private readonly services = new Map<string, ServiceRecord>();
  /** Services whose targets never pass health checks (by ARN). */
  private readonly unhealthy = new Set<string>();
  private deploymentSeq = 0;

  public constructor(private readonly location: Location) {}

  private arn(resource: string): string {
    return `arn:aws:ecs:${this.location.region}:${this.location.account}:${resource}`;
  }

  /** Creates a cluster (idempotent, like CreateCluster); returns its ARN. */
  public createCluster(name: string): string {
    const arn = this.clusters.get(name) ?? this.arn(`cluster/${name}`);
    this.clusters.set(name, arn);
    return arn;
  }

  /** Cluster names, sorted. */
  public listClusters(): string[] {
    return [...this.clusters.keys()].sort();
  }

  /** ARNs of existing clusters, sorted. */
  public listClusterArns(): string[] {
    return [...this.clusters.values()].sort();
  }

  private requireCluster(cluster: string): string {
    const name = shortName(cluster);
    if (!this.clusters.has(name)) throw new NotFoundError('cluster', name);
    return name;
  }

  /** Registers the next revision of the family (revisions are immutable). */
  public registerTaskDefinition(
    spec: TaskDefinitionSpec,
    tags: readonly KeyValue[],
    nowMs: number,
  ): RegisteredTaskDefinition {
    validateTaskDefinition(spec);
    const revisions = this.families.get(spec.family) ?? [];
    const revision = revisions.length + 1;
    const registered: RegisteredTaskDefinition = {
      ...clone(spec),
      taskDefinitionArn: this.arn(`task-definition/${spec.family}:${revision}`),
      revision,
      status: 'ACTIVE',
      registeredAt: new Date(nowMs).toISOString(),
      tags: clone([...tags]),
    };
    revisions.push(registered);
    this.families.set(spec.family, revisions);
    return clone(registered);
  }

  /** Finds a revision by ARN, `family:revision` or `family` (latest ACTIVE). */
  public findTaskDefinition(reference: string): RegisteredTaskDefinition {
    const name = reference.startsWith('arn:') ? shortName(reference) : reference;
    const [family = '', revisionText] = name.split(':');
    const revisions = this.families.get(family) ?? [];
    let found: RegisteredTaskDefinition | undefined;
    if (revisionText === undefined) {
      found = revisions.filter((r) => r.status === 'ACTIVE').at(-1);
    } else {
      found = revisions[Number(revisionText) - 1];
    }
    if (found === undefined) throw new NotFoundError('task definition', reference);
    return clone(found);
  }

  /** ACTIVE (or, when asked, INACTIVE) revision ARNs of a family, newest first. */
  public listRevisions(
    family: string | undefined,
    status: 'ACTIVE' | 'INACTIVE' = 'ACTIVE',
  ): string[] {
    const families = family === undefined ? [...this.families.keys()].sort() : [family];
    return families
      .flatMap((name) => this.families.get(name) ?? [])
      .filter((r) => r.status === status)
      .sort((a, b) =>
        a.family === b.family ? b.revision - a.revision : a.family < b.family ? -1 : 1,
      )
      .map((r) => r.taskDefinitionArn);
  }

  /** Marks a revision INACTIVE; it can still be described (as in ECS). */
  public deregisterTaskDefinition(reference: string): RegisteredTaskDefinition {
    const found = this.findTaskDefinition(reference);
    const revisions = this.families.get(found.family) ?? [];
    const updated: RegisteredTaskDefinition = { ...found, status: 'INACTIVE' };
    revisions[found.revision - 1] = updated;
    return clone(updated);
  }

  private nextDeploymentId(): string {
    this.deploymentSeq += 1;
    return `ecs-svc/${String(this.deploymentSeq).padStart(19, '0')}`;
  }

  private newDeployment(
    taskDefinition: RegisteredTaskDefinition,
    spec: ServiceSpec,
    nowMs: number,
    launch: TaskLauncher,
  ): DeploymentRecord {
    const plan = launch(taskDefinition, spec, spec.desiredCount, nowMs);
    return {
      id: this.nextDeploymentId(),
      taskDefinition: taskDefinition.taskDefinitionArn,
      desiredCount: spec.desiredCount,
      createdAtMs: nowMs,
      runningAtMs: [...plan.runningAtMs],
      ...(plan.failsAtMs === undefined ? {} : { failsAtMs: plan.failsAtMs }),
      ...(plan.failureReason === undefined ? {} : { failureReason: plan.failureReason }),
      healthDelayMs: plan.healthDelayMs,
      drainMs: plan.drainMs,
      ...(plan.imageDigests === undefined ? {} : { imageDigests: { ...plan.imageDigests } }),
    };
  }

  /**
   * The digests the newest live deployment of `taskDefinitionArn` pinned (its service revision),
   * as ListServiceDeployments + DescribeServiceRevisions report them; empty when none.
   */
  public pinnedImages(
    cluster: string,
    service: string,
    taskDefinitionArn: string,
  ): Readonly<Record<string, Digest>> {
    const record = this.requireService(cluster, service);
    const deployment = record.deployments.find(
      (candidate) =>
        candidate.taskDefinition === taskDefinitionArn && candidate.failsAtMs === undefined,
    );
    return { ...(deployment?.imageDigests ?? {}) };
  }

  /** Creates a service; ConflictError when an ACTIVE one has the name. */
  public createService(
    spec: ServiceSpec,
    nowMs: number,
    launch: TaskLauncher,
    checkNetwork: (spec: ServiceSpec) => void,
  ): ServiceDescription {
    const cluster = this.requireCluster(spec.cluster);
    const key = `${cluster}/${spec.serviceName}`;
    const existing = this.services.get(key);
    if (existing && existing.status !== 'INACTIVE') {
      throw new ConflictError(`service ${spec.serviceName} already exists in cluster ${cluster}`);
    }
    if (!Number.isInteger(spec.desiredCount) || spec.desiredCount < 0) {
      throw new ValidationError('invalid service', ['desiredCount must be a non-negative integer']);
    }
    const taskDefinition = this.findTaskDefinition(spec.taskDefinition);
    if (taskDefinition.status !== 'ACTIVE') {
      throw new ValidationError('invalid service', [
        `task definition ${taskDefinition.taskDefinitionArn} is ${taskDefinition.status}`,
      ]);
    }
    if (taskDefinition.networkMode === 'awsvpc' && !spec.networkConfiguration) {
      throw new ValidationError('invalid service', [
        'networkConfiguration is required for a task definition in awsvpc mode',
      ]);
    }
    checkNetwork(spec);
    const stored: ServiceSpec = {
      ...clone(spec),
      cluster,
      taskDefinition: taskDefinition.taskDefinitionArn,
    };
    const record: ServiceRecord = {
      spec: stored,
      serviceArn: this.arn(`service/${cluster}/${spec.serviceName}`),
      status: 'ACTIVE',
      createdAtMs: nowMs,
      deployments: [this.newDeployment(taskDefinition, stored, nowMs, launch)],
    };
    this.services.set(key, record);
    return this.describe(record, nowMs);
  }

  private requireService(cluster: string, service: string): ServiceRecord {
    const clusterName = this.requireCluster(cluster);
    const record = this.services.get(`${clusterName}/${shortName(service)}`);
    if (!record || record.status === 'INACTIVE') {
      throw new NotFoundError('service', `${clusterName}/${shortName(service)}`);
    }
    return record;
  }

  /**
   * Sets a service's scaling bounds and policy (Application Auto Scaling's state, kept on the
   * service record). ValidationError for bounds AWS would refuse.
   */
  public setScaling(cluster: string, service: string, scaling: ScalingBounds): void {
    const record = this.requireService(cluster, service);
    if (
      !Number.isInteger(scaling.minCapacity) ||
      !Number.isInteger(scaling.maxCapacity) ||
      scaling.minCapacity < 0 ||
      scaling.maxCapacity < scaling.minCapacity
    ) {
      throw new ValidationError('invalid scalable target', [
        'minCapacity and maxCapacity must be integers with 0 <= minCapacity <= maxCapacity',
      ]);
    }
    record.spec = { ...record.spec, scaling: clone(scaling) };
  }

  /** Describes a service as of `nowMs`. */
  public describeService(cluster: string, service: string, nowMs: number): ServiceDescription {
    return this.describe(this.requireService(cluster, service), nowMs);
  }

  /**
   * Changes task definition (a new PRIMARY deployment; the old ones drain once it is healthy)
   * and/or desired count (scales the PRIMARY deployment in place, as ECS does).
   */
  public updateService(
    cluster: string,
    service: string,
    change: { readonly taskDefinition?: string; readonly desiredCount?: number },
    nowMs: number,
    launch: TaskLauncher,
  ): ServiceDescription {
    const record = this.requireService(cluster, service);
    this.prune(record, nowMs);
    if (change.desiredCount !== undefined) {
      if (!Number.isInteger(change.desiredCount) || change.desiredCount < 0) {
        throw new ValidationError('invalid update', [
          'desiredCount must be a non-negative integer',
        ]);
      }
    }
    const desiredCount = change.desiredCount ?? record.spec.desiredCount;
    const primary = record.deployments[0];
    const nextDefinition =
      change.taskDefinition === undefined
        ? undefined
        : this.findTaskDefinition(change.taskDefinition);
    if (nextDefinition && nextDefinition.status !== 'ACTIVE') {
      throw new ValidationError('invalid update', [
        `task definition ${nextDefinition.taskDefinitionArn} is ${nextDefinition.status}`,
      ]);
    }
    record.spec = {
      ...record.spec,
      desiredCount,
      ...(nextDefinition ? { taskDefinition: nextDefinition.taskDefinitionArn } : {}),
    };
    if (
      nextDefinition &&
      (primary === undefined || nextDefinition.taskDefinitionArn !== primary.taskDefinition)
    ) {
      record.deployments.unshift(this.newDeployment(nextDefinition, record.spec, nowMs, launch));
    } else if (primary) {
      this.scale(primary, record.spec, desiredCount, nowMs, launch);
    }
    return this.describe(record, nowMs);
  }

  private scale(
    deployment: DeploymentRecord,
    spec: ServiceSpec,
    desiredCount: number,
    nowMs: number,
    launch: TaskLauncher,
  ): void {
    const current = deployment.runningAtMs.length;
    if (desiredCount < current) {
      deployment.runningAtMs = deployment.runningAtMs.slice(0, desiredCount);
    } else if (desiredCount > current && deployment.failsAtMs === undefined) {
      const plan = launch(
        this.findTaskDefinition(deployment.taskDefinition),
        spec,
        desiredCount - current,
        nowMs,
      );
      if (plan.failsAtMs !== undefined) {
        deployment.failsAtMs = plan.failsAtMs;
        if (plan.failureReason !== undefined) deployment.failureReason = plan.failureReason;
      }
      deployment.runningAtMs = [...deployment.runningAtMs, ...plan.runningAtMs].sort(
        (a, b) => a - b,
      );
    }
    deployment.desiredCount = desiredCount;
  }

  /** Drops replaced deployments whose tasks have drained by `nowMs`. */
  private prune(record: ServiceRecord, nowMs: number): void {
    const primary = record.deployments[0];
    if (!primary) return;
    const drainedAt = steadyAtMs(primary) + primary.drainMs;
    if (nowMs >= drainedAt) record.deployments = [primary];
  }

  private describe(record: ServiceRecord, nowMs: number): ServiceDescription {
    this.prune(record, nowMs);
    const deployments: ServiceDeployment[] = record.deployments.map((deployment, index) => {
      const runningCount = running(deployment, nowMs);
      const rolloutState =
        deployment.failsAtMs !== undefined && nowMs >= deployment.failsAtMs
          ? 'FAILED'
          : nowMs >= steadyAtMs(deployment)
            ? 'COMPLETED'
            : 'IN_PROGRESS';
      return {
        id: deployment.id,
        status: index === 0 ? 'PRIMARY' : 'ACTIVE',
        taskDefinition: deployment.taskDefinition,
        desiredCount: index === 0 ? deployment.desiredCount : runningCount,
        runningCount,
        pendingCount: index === 0 ? Math.max(0, deployment.desiredCount - runningCount) : 0,
        rolloutState,
      };
    });
    return {
      ...clone(record.spec),
      serviceArn: record.serviceArn,
      status: record.status,
      runningCount: deployments.reduce((sum, d) => sum + d.runningCount, 0),
      pendingCount: deployments.reduce((sum, d) => sum + d.pendingCount, 0),
      deployments,
    };
  }

  /** TagResource on a service ARN: merges the tags into its spec (same key: replaced). */
  public tagService(serviceArn: string, tags: readonly KeyValue[]): void {
    const record = [...this.services.values()].find(
      (candidate) => candidate.serviceArn === serviceArn && candidate.status !== 'INACTIVE',
    );
    if (!record) throw new NotFoundError('service', serviceArn);
    const kept = (record.spec.tags ?? []).filter((tag) => !tags.some((t) => t.name === tag.name));
    record.spec = { ...record.spec, tags: [...kept, ...tags.map((tag) => ({ ...tag }))] };
  }

  /** See `SandboxCloud.markUnhealthy`. */
  public markUnhealthy(cluster: string, service: string): void {
    const record = this.requireService(cluster, service);
    this.unhealthy.add(record.serviceArn);
  }

  /**
   * Target health of one target group as DescribeTargetHealth would count it: every task of the
   * services registered with it that is RUNNING is a target; it is `healthy` once its deployment's
   * health delay (ALB interval × healthy threshold) has passed since it started, `other`
   * (initial) before that, and never healthy for a service marked unhealthy.
   */
  public targetHealth(
    targetGroupArn: string,
    nowMs: number,
  ): { readonly healthy: number; readonly other: number; readonly known: boolean } {
    let healthy = 0;
    let other = 0;
    let known = false;
    for (const record of this.services.values()) {
      if (record.status === 'INACTIVE') continue;
      if (!record.spec.loadBalancers?.some((lb) => lb.targetGroupArn === targetGroupArn)) continue;
      known = true;
      for (const deployment of record.deployments) {
        if (deployment.failsAtMs !== undefined) continue;
        for (const at of deployment.runningAtMs) {
          if (at > nowMs) continue;
          if (!this.unhealthy.has(record.serviceArn) && at + deployment.healthDelayMs <= nowMs) {
            healthy += 1;
          } else {
            other += 1;
          }
        }
      }
    }
    return { healthy, other, known };
  }

  /** Failure reason of the PRIMARY deployment, if its tasks cannot start (for events). */
  public primaryFailure(cluster: string, service: string): string | undefined {
    return this.requireService(cluster, service).deployments[0]?.failureReason;
  }

  /**
   * DeleteService with `force` (drill teardown): the service and its tasks are gone at once (ECS
   * keeps it DRAINING until its tasks stop; nothing here reads that window).
   */
  public deleteService(cluster: string, service: string): void {
    const record = this.requireService(cluster, service);
    record.status = 'INACTIVE';
    record.deployments = [];
  }

  /** DeregisterScalableTarget: drops the service's bounds and policy; false when it had none. */
  public clearScaling(cluster: string, service: string): boolean {
    const record = this.requireService(cluster, service);
    if (!record.spec.scaling) return false;
    const { scaling: _dropped, ...rest } = record.spec;
    record.spec = rest;
    return true;
  }

  /** Every ACTIVE service's cluster/name (for drill teardown and benchmarks). */
  public listServiceKeys(): string[] {
    return [...this.services.entries()]
      .filter(([, record]) => record.status === 'ACTIVE')
      .map(([key]) => key)
      .sort();
  }
}

// ---------------------------------------------------------------------------------------------
// ECR

/** A stored blob; `data` is absent for a virtual blob (declared size, no bytes held). */
export interface BlobRecord {
  readonly digest: Digest;
  readonly size: number;
  readonly data?: Uint8Array;
}

interface StoredImage {
  readonly manifest: ImageManifest;
  readonly pushedAtMs: number;
}

interface RepositoryRecord {
  readonly name: string;
  readonly arn: string;
  readonly immutable: boolean;
  readonly kmsKeyArn?: string;
  readonly tags: readonly KeyValue[];
  readonly images: Map<Digest, StoredImage>;
  readonly tagToDigest: Map<string, Digest>;
  readonly blobs: Map<Digest, BlobRecord>;
}

/** Parses a manifest document into what it references; ValidationError if malformed. */
export function parseManifest(bytes: string): {
  readonly blobs: BlobDescriptor[];
  readonly children: Digest[];
} {
  let document: unknown;
  try {
    document = JSON.parse(bytes);
  } catch (error) {
    throw new ValidationError('manifest is not JSON', [], { cause: error });
  }
  if (typeof document !== 'object' || document === null) {
    throw new ValidationError('manifest is not a JSON object');
  }
  const doc = document as {
    manifests?: { digest?: unknown }[];
    config?: { digest?: unknown; size?: unknown; mediaType?: unknown };
    layers?: { digest?: unknown; size?: unknown; mediaType?: unknown }[];
  };
  const digestOf = (value: unknown): Digest => {
    if (typeof value !== 'string' || !isDigest(value)) {
      throw new ValidationError('manifest references an invalid digest', [String(value)]);
    }
    return value;
  };
  if (Array.isArray(doc.manifests)) {
    return { blobs: [], children: doc.manifests.map((m) => digestOf(m.digest)) };
  }
  const descriptors = [doc.config, ...(Array.isArray(doc.layers) ? doc.layers : [])].filter(
    (d): d is NonNullable<typeof d> => d !== undefined && d !== null,
  );
  return {
    blobs: descriptors.map((d) => ({
      digest: digestOf(d.digest),
      size: typeof d.size === 'number' ? d.size : 0,
      mediaType: typeof d.mediaType === 'string' ? d.mediaType : 'application/octet-stream',
    })),
    children: [],
  };
}

/** ECR in one location. */
export class EcrState {
  private readonly repositories = new Map<string, RepositoryRecord>();

  /**
   * @param location - the account + region this registry belongs to.
   * @param host - registry host when it is not the location's ECR (an upstream such as
   *   `public.ecr.aws` that a pull-through cache rule imports from).
   */
  public constructor(
    private readonly location: Location,
    private readonly host?: string,
  ) {}

  /** Registry host of this location. */
  public get registry(): string {
    return this.host ?? `${this.location.account}.dkr.ecr.${this.location.region}.amazonaws.com`;
  }

  /** Creates a repository unless it exists; returns whether it was created. */
  public ensureRepository(
    name: string,
    options: {
      readonly immutable?: boolean;
      readonly kmsKeyArn?: string;
      readonly tags?: readonly KeyValue[];
    },
  ): boolean {
    if (this.repositories.has(name)) return false;
    if (!/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name)) {
      throw new ValidationError('invalid repository name', [name]);
    }
    this.repositories.set(name, {
      name,
      arn: `arn:aws:ecr:${this.location.region}:${this.location.account}:repository/${name}`,
      immutable: options.immutable ?? true,
      ...(options.kmsKeyArn === undefined ? {} : { kmsKeyArn: options.kmsKeyArn }),
      tags: clone([...(options.tags ?? [])]),
      images: new Map(),
      tagToDigest: new Map(),
      blobs: new Map(),
    });
    return true;
  }

  /** True when the repository exists. */
  public hasRepository(name: string): boolean {
    return this.repositories.has(name);
  }

  /** Repository settings (for describe calls and tests). */
  public repositoryInfo(name: string): {
    readonly arn: string;
    readonly immutable: boolean;
    readonly kmsKeyArn?: string;
    readonly tags: readonly KeyValue[];
  } {
    const repo = this.requireRepository(name);
    return {
      arn: repo.arn,
      immutable: repo.immutable,
      ...(repo.kmsKeyArn === undefined ? {} : { kmsKeyArn: repo.kmsKeyArn }),
      tags: clone([...repo.tags]),
    };
  }

  private requireRepository(name: string): RepositoryRecord {
    const repo = this.repositories.get(name);
    if (!repo) throw new NotFoundError('repository', `${this.registry}/${name}`);
    return repo;
  }

  /** Resolves a tag or digest to a stored manifest digest. */
  public resolve(repository: string, tagOrDigest: string): { digest: Digest; tags: string[] } {
    const repo = this.requireRepository(repository);
    const digest = isDigest(tagOrDigest) ? tagOrDigest : repo.tagToDigest.get(tagOrDigest);
    if (digest === undefined || !repo.images.has(digest)) {
      throw new NotFoundError('image', `${this.registry}/${repository}:${tagOrDigest}`);
    }
    return { digest, tags: this.tagsOf(repo, digest) };
  }

  private tagsOf(repo: RepositoryRecord, digest: Digest): string[] {
    return [...repo.tagToDigest.entries()]
      .filter(([, d]) => d === digest)
      .map(([tag]) => tag)
      .sort();
  }

  /** A stored manifest. */
  public getManifest(repository: string, digest: Digest): ImageManifest {
    const image = this.requireRepository(repository).images.get(digest);
    if (!image) throw new NotFoundError('image', `${this.registry}/${repository}@${digest}`);
    return clone(image.manifest);
  }

  /** Details of a stored image: tags, push time, size (blobs, or children's blobs). */
  public imageDetail(
    repository: string,
    digest: Digest,
  ): { manifest: ImageManifest; tags: string[]; pushedAtMs: number; sizeBytes: number } {
    const repo = this.requireRepository(repository);
    const image = repo.images.get(digest);
    if (!image) throw new NotFoundError('image', `${this.registry}/${repository}@${digest}`);
    return {
      manifest: clone(image.manifest),
      tags: this.tagsOf(repo, digest),
      pushedAtMs: image.pushedAtMs,
      sizeBytes: this.sizeOf(repo, image.manifest),
    };
  }

  private sizeOf(repo: RepositoryRecord, manifest: ImageManifest): number {
    if (manifest.children.length > 0) {
      return manifest.children.reduce((sum, child) => {
        const stored = repo.images.get(child);
        return sum + (stored ? this.sizeOf(repo, stored.manifest) : 0);
      }, 0);
    }
    return manifest.blobs.reduce((sum, blob) => sum + blob.size, 0);
  }

  /**
   * Bytes a task pulls for this image: an index resolves to the child for `architecture`
   * (`ARM64` → arm64, otherwise amd64), else its first child.
   */
  public pullSize(repository: string, digest: Digest, architecture?: string): number {
    const repo = this.requireRepository(repository);
    const image = repo.images.get(digest);
    if (!image) throw new NotFoundError('image', `${this.registry}/${repository}@${digest}`);
    if (image.manifest.children.length === 0) return this.sizeOf(repo, image.manifest);
    const wanted = architecture?.toUpperCase() === 'ARM64' ? 'arm64' : 'amd64';
    const parsed = JSON.parse(image.manifest.bytes) as {
      manifests: { digest: Digest; platform?: { architecture?: string } }[];
    };
    const child =
      parsed.manifests.find((m) => m.platform?.architecture === wanted) ?? parsed.manifests[0];
    const stored = child ? repo.images.get(child.digest) : undefined;
    return stored ? this.sizeOf(repo, stored.manifest) : 0;
  }

  /** Digests of stored images, newest push first. */
  public listImages(repository: string): Digest[] {
    return [...this.requireRepository(repository).images.entries()]
      .sort(([, a], [, b]) => b.pushedAtMs - a.pushedAtMs)
      .map(([digest]) => digest);
  }

  /** Which of `digests` are present as blobs. */
  public hasBlobs(repository: string, digests: readonly Digest[]): Set<Digest> {
    const repo = this.requireRepository(repository);
    return new Set(digests.filter((digest) => repo.blobs.has(digest)));
  }

  /** A stored blob. */
  public getBlob(repository: string, digest: Digest): BlobRecord {
    const blob = this.requireRepository(repository).blobs.get(digest);
    if (!blob) throw new NotFoundError('blob', `${this.registry}/${repository}@${digest}`);
    return blob;
  }

  /** Stores a blob (no-op when present). Real bytes are checked against the digest. */
  public putBlob(repository: string, blob: BlobRecord): void {
    const repo = this.requireRepository(repository);
    if (repo.blobs.has(blob.digest)) return;
    if (blob.data !== undefined) {
      const actual = sha256Digest(blob.data);
      if (actual !== blob.digest || blob.data.byteLength !== blob.size) {
        throw new ValidationError('blob content does not match its digest', [
          `expected ${blob.digest} (${blob.size} bytes), got ${actual} (${blob.data.byteLength} bytes)`,
        ]);
      }
    }
    repo.blobs.set(blob.digest, blob);
  }

  /**
   * Stores a manifest byte for byte (PutImage). The digest must be the SHA-256 of the bytes;
   * every referenced blob or child must be present; a tag in an immutable repository cannot
   * move to another digest.
   */
  public putManifest(
    repository: string,
    manifest: Pick<ImageManifest, 'digest' | 'mediaType' | 'bytes'>,
    tag: string | undefined,
    nowMs: number,
  ): void {
    const repo = this.requireRepository(repository);
    const actual = sha256Digest(manifest.bytes);
    if (actual !== manifest.digest) {
      throw new ValidationError('manifest digest does not match its bytes', [
        `declared ${manifest.digest}, computed ${actual}`,
      ]);
    }
    const { blobs, children } = parseManifest(manifest.bytes);
    const missingBlob = blobs.find((blob) => !repo.blobs.has(blob.digest));
    if (missingBlob) {
      throw new NotFoundError('blob', `${this.registry}/${repository}@${missingBlob.digest}`);
    }
    const missingChild = children.find((child) => !repo.images.has(child));
    if (missingChild) {
      throw new NotFoundError('image', `${this.registry}/${repository}@${missingChild}`);
    }
    if (tag !== undefined) {
      const current = repo.tagToDigest.get(tag);
      if (current !== undefined && current !== manifest.digest && repo.immutable) {
        throw new ConflictError(
          `tag ${tag} in immutable repository ${repository} already points to ${current}`,
        );
      }
    }
    if (!repo.images.has(manifest.digest)) {
      repo.images.set(manifest.digest, {
        manifest: {
          digest: manifest.digest,
          mediaType: manifest.mediaType,
          bytes: manifest.bytes,
          blobs,
          children,
        },
        pushedAtMs: nowMs,
      });
    }
    if (tag !== undefined) repo.tagToDigest.set(tag, manifest.digest);
  }

  /** Deletes an image by digest and the tags pointing at it. */
  public deleteImage(repository: string, digest: Digest): void {
    const repo = this.requireRepository(repository);
    if (!repo.images.delete(digest)) {
      throw new NotFoundError('image', `${this.registry}/${repository}@${digest}`);
    }
    for (const [tag, target] of [...repo.tagToDigest.entries()]) {
      if (target === digest) repo.tagToDigest.delete(tag);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// EC2

interface GroupRecord {
  groupId: string;
  groupName: string;
  vpcId: string;
  description: string;
  ingress: NetworkRule[];
  egress: NetworkRule[];
  tags: KeyValue[];
}

/** Identity of a rule for set comparison: every field, ports dropped for "all protocols". */
export function ruleKey(rule: NetworkRule): string {
  const allProtocols = rule.protocol === '-1' || rule.protocol === 'all';
  return JSON.stringify([
    allProtocols ? '-1' : rule.protocol.toLowerCase(),
    allProtocols ? null : (rule.fromPort ?? null),
    allProtocols ? null : (rule.toPort ?? null),
    rule.cidrIpv4 ?? null,
    rule.cidrIpv6 ?? null,
    rule.referencedGroupId ?? null,
    rule.prefixListId ?? null,
    rule.description ?? null,
  ]);
}

/** EC2 VPCs, subnets and security groups in one location. */
export class Ec2State {
  private readonly vpcs = new Map<string, { cidr: string; subnets: string[] }>();
  private readonly groups = new Map<string, GroupRecord>();
  private seq = 0;

  public constructor(
    private readonly location: Location,
    private readonly idPrefix: string,
  ) {}

  private nextId(kind: string): string {
    this.seq += 1;
    return `${kind}-${this.idPrefix}${this.seq.toString(16).padStart(8, '0')}`;
  }

  /** Creates a VPC with `subnetCount` subnets. */
  public createVpc(cidr: string, subnetCount: number): { vpcId: string; subnetIds: string[] } {
    const vpcId = this.nextId('vpc');
    const subnetIds = Array.from({ length: subnetCount }, () => this.nextId('subnet'));
    this.vpcs.set(vpcId, { cidr, subnets: subnetIds });
    return { vpcId, subnetIds };
  }

  /** True when the subnet exists in some VPC of this location. */
  public hasSubnet(subnetId: string): boolean {
    return [...this.vpcs.values()].some((vpc) => vpc.subnets.includes(subnetId));
  }

  /** True when the group exists. */
  public hasGroup(groupId: string): boolean {
    return this.groups.has(groupId);
  }

  /** Creates a group with AWS's default egress rule (all traffic to 0.0.0.0/0). */
  public createGroup(spec: {
    readonly vpcId: string;
    readonly groupName: string;
    readonly description: string;
    readonly tags?: readonly KeyValue[];
  }): string {
    if (!this.vpcs.has(spec.vpcId)) throw new NotFoundError('vpc', spec.vpcId);
    if (this.findGroup(spec.vpcId, spec.groupName)) {
      throw new ConflictError(`security group ${spec.groupName} already exists in ${spec.vpcId}`);
    }
    const groupId = this.nextId('sg');
    this.groups.set(groupId, {
      groupId,
      groupName: spec.groupName,
      vpcId: spec.vpcId,
      description: spec.description,
      ingress: [],
      egress: [{ protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
      tags: clone([...(spec.tags ?? [])]),
    });
    return groupId;
  }

  private toRuleSet(group: GroupRecord): NetworkRuleSet {
    return clone({
      groupId: group.groupId,
      groupName: group.groupName,
      vpcId: group.vpcId,
      description: group.description,
      ingress: group.ingress,
      egress: group.egress,
      tags: group.tags,
    });
  }

  /** Groups by id, in the order asked; NotFoundError names the first missing id. */
  public describeGroups(groupIds: readonly string[]): NetworkRuleSet[] {
    return groupIds.map((id) => {
      const group = this.groups.get(id);
      if (!group) throw new NotFoundError('security group', id);
      return this.toRuleSet(group);
    });
  }

  /** Every group, sorted by id. */
  public allGroups(): NetworkRuleSet[] {
    return [...this.groups.values()]
      .sort((a, b) => (a.groupId < b.groupId ? -1 : 1))
      .map((group) => this.toRuleSet(group));
  }

  /** A group by VPC + name, or undefined. */
  public findGroup(vpcId: string, groupName: string): NetworkRuleSet | undefined {
    const group = [...this.groups.values()].find(
      (g) => g.vpcId === vpcId && g.groupName === groupName,
    );
    return group ? this.toRuleSet(group) : undefined;
  }

  /** The rules `groupId` would need added and revoked to equal `rules`. */
  public planSync(
    groupId: string,
    rules: Pick<NetworkRuleSet, 'ingress' | 'egress'>,
  ): Record<'ingress' | 'egress', { add: NetworkRule[]; revoke: NetworkRule[] }> {
    const group = this.groups.get(groupId);
    if (!group) throw new NotFoundError('security group', groupId);
    const diff = (current: readonly NetworkRule[], wanted: readonly NetworkRule[]) => {
      const currentKeys = new Set(current.map(ruleKey));
      const wantedKeys = new Set(wanted.map(ruleKey));
      const seen = new Set<string>();
      const add = wanted.filter((rule) => {
        const key = ruleKey(rule);
        if (currentKeys.has(key) || seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      return { add, revoke: current.filter((rule) => !wantedKeys.has(ruleKey(rule))) };
    };
    return {
      ingress: diff(group.ingress, rules.ingress),
      egress: diff(group.egress, rules.egress),
    };
  }

  /** Adds (authorize) or revokes rules in one direction. */
  public applyRules(
    groupId: string,
    direction: 'ingress' | 'egress',
    action: 'add' | 'revoke',
    rules: readonly NetworkRule[],
  ): void {
    const group = this.groups.get(groupId);
    if (!group) throw new NotFoundError('security group', groupId);
    if (action === 'add') {
      for (const rule of rules) {
        if (rule.referencedGroupId !== undefined && !this.groups.has(rule.referencedGroupId)) {
          throw new NotFoundError('security group', rule.referencedGroupId);
        }
      }
      const present = new Set(group[direction].map(ruleKey));
      for (const rule of rules) {
        if (present.has(ruleKey(rule))) {
          throw new ConflictError(`rule already exists in ${groupId}: ${ruleKey(rule)}`);
        }
      }
      group[direction] = [...group[direction], ...clone([...rules])];
    } else {
      const revoked = new Set(rules.map(ruleKey));
      group[direction] = group[direction].filter((rule) => !revoked.has(ruleKey(rule)));
    }
  }

  /** The location this state belongs to (for owner ids). */
  public get owner(): string {
    return this.location.account;
  }
}

// ---------------------------------------------------------------------------------------------
// CloudWatch

/** The identity of a stored metric. */
export interface MetricIdentity {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly KeyValue[];
}

/** Canonical key of a metric: dimensions sorted by name. */
export function metricKey(metric: MetricIdentity): string {
  const dimensions = [...metric.dimensions]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((d) => `${d.name}=${d.value}`);
  return `${metric.namespace}|${metric.metricName}|${dimensions.join(',')}`;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(0, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[rank] ?? Number.NaN;
}

/** Applies a CloudWatch statistic to the raw datapoints of one period. */
export function applyStat(stat: string, values: number[]): number {
  switch (stat) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'SampleCount':
      return values.length;
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    default: {
      const match = /^p(\d+(?:\.\d+)?)$/.exec(stat);
      if (!match?.[1]) throw new ValidationError('unsupported statistic', [stat]);
      return percentile(values, Number(match[1]));
    }
  }
}

/** CloudWatch datapoints in one location. */
export class MetricsState {
  private readonly series = new Map<string, Map<number, number[]>>();

  /** Adds datapoints (timestamp ms → value) to a metric. */
  public put(
    metric: MetricIdentity,
    points: readonly { readonly atMs: number; readonly value: number }[],
  ): void {
    const key = metricKey(metric);
    const store = this.series.get(key) ?? new Map<number, number[]>();
    for (const point of points) {
      const values = store.get(point.atMs) ?? [];
      values.push(point.value);
      store.set(point.atMs, values);
    }
    this.series.set(key, store);
  }

  /**
   * Aggregates a metric over [startMs, endMs) into periods aligned to `periodSeconds`, from
   * `startMs` rounded down to the period; a period without datapoints is `null`.
   */
  public read(
    metric: MetricIdentity,
    stat: string,
    range: { readonly startMs: number; readonly endMs: number; readonly periodSeconds: number },
  ): { start: number; values: (number | null)[] } {
    const periodMs = range.periodSeconds * 1000;
    if (!(periodMs > 0)) throw new ValidationError('invalid period', [String(range.periodSeconds)]);
    const start = Math.floor(range.startMs / periodMs) * periodMs;
    const slots = Math.max(0, Math.ceil((range.endMs - start) / periodMs));
    const buckets: number[][] = Array.from({ length: slots }, () => []);
    for (const [atMs, values] of this.series.get(metricKey(metric)) ?? []) {
      if (atMs < start || atMs >= range.endMs) continue;
      buckets[Math.floor((atMs - start) / periodMs)]?.push(...values);
    }
    return {
      start,
      values: buckets.map((values) => (values.length ? applyStat(stat, values) : null)),
    };
  }
}

// ---------------------------------------------------------------------------------------------

/** Everything in one sandbox location. */
export class LocationState {
  public readonly ecs: EcsState;
  public readonly ecr: EcrState;
  public readonly ec2: Ec2State;
  public readonly metrics = new MetricsState();

  public constructor(
    public readonly location: Location,
    idPrefix: string,
  ) {
    this.ecs = new EcsState(location);
    this.ecr = new EcrState(location);
    this.ec2 = new Ec2State(location, idPrefix);
  }
}
