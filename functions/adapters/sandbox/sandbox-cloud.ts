/**
 * The sandbox cloud: an in-memory, deterministic stand-in for ECS, ECR, EC2 and CloudWatch in
 * any number of accounts and regions, used by tests, benchmarks and the local drill.
 *
 * Every API call goes through {@link SandboxCloud.call}: region outage check, token-bucket rate
 * limit, seeded fault draw, a round trip of virtual latency, then the state change. The port
 * implementations, the Step Functions SDK dispatcher and the call log all share that path, so a
 * benchmark counts exactly the calls a workflow made and a drill sees the same throttling a
 * real account would.
 */
import { createHash } from 'node:crypto';
import { type PullThroughCacheRuleSettings, parseImageName } from '../../core/clone/image-source';
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  ThrottlingError,
} from '../../core/errors';
import type {
  Digest,
  ImageManifest,
  ImageReference,
  KeyValue,
  Location,
  NetworkRule,
  RegisteredTaskDefinition,
  ServiceDescription,
  ServiceSpec,
  TaskDefinitionSpec,
  TimeSeries,
} from '../../core/model';
import { imageUri } from '../../core/model';
import { taskVcpuOf } from '../../core/plan/quota';
import type {
  Clock,
  ContainerPlatform,
  ImageRegistry,
  MetricsSource,
  NetworkRules,
} from '../../core/ports';
import { SandboxContainerPlatform } from './container-platform';
import { FaultInjector, type FaultPlan, type OutageWindow, SeededRandom } from './faults';
import { SandboxImageRegistry } from './image-registry';
import {
  circuitBreakerThreshold,
  type LatencyModel,
  type LatencyOverrides,
  latencyModel,
} from './latency-model';
import { SandboxMetricsSource } from './metrics-source';
import { SandboxNetworkRules } from './network-rules';
import { OPERATIONS, type Operation, type OperationProfile } from './operations';
import {
  EcrState,
  type LaunchPlan,
  LocationState,
  type MetricIdentity,
  sha256Digest,
  type TaskLauncher,
} from './sandbox-state';
import { type BucketLimit, type BucketName, RATE_LIMITS, TokenBuckets } from './token-bucket';
import { VirtualClock } from './virtual-clock';

/** The primary location the tests and the drill use by default. */
export const SANDBOX_PRIMARY: Location = { account: '111111111111', region: 'eu-west-1' };
/** The staging location the tests and the drill use by default. */
export const SANDBOX_STAGING: Location = { account: '222222222222', region: 'eu-central-1' };

/** How a logged call ended. */
export type CallOutcome = 'ok' | 'error' | 'throttled' | 'unavailable' | 'timeout' | 'dark';

/** One API call as the sandbox saw it. */
export interface ApiCallRecord {
  /** Order in which calls started (0-based). */
  readonly seq: number;
  readonly operation: Operation;
  readonly account: string;
  readonly region: string;
  /** Virtual epoch ms the call started. */
  readonly startMs: number;
  /** Virtual epoch ms the call returned (equals startMs while still in flight). */
  readonly endMs: number;
  /** `error` means the service rejected the request (not found, conflict, validation). */
  readonly outcome: CallOutcome | 'pending';
}

/** Options of a {@link SandboxCloud}. */
export interface SandboxCloudOptions {
  /** Seed of every random draw (faults, latency jitter): same seed + same calls → same run. */
  readonly seed: number;
  /** Time source; a {@link VirtualClock} unless given. */
  readonly clock?: Clock;
  /** Latency figures to override (see `DEFAULT_LATENCY`). */
  readonly latency?: LatencyOverrides;
  /** Fault injection (probabilities per operation, scheduled region outages). */
  readonly faults?: FaultPlan;
  /** Rate-limit figures to override per bucket (see `RATE_LIMITS`). */
  readonly rateLimits?: Partial<Record<BucketName, Pick<BucketLimit, 'burst' | 'refillPerSecond'>>>;
  /**
   * Part size of blob reads and uploads (ECR UploadLayerPart takes 5–10 MiB parts).
   * @default 5 MiB
   */
  readonly blobPartBytes?: number;
}

/** A layer to push: real bytes, or a virtual layer of a declared size (no bytes held). */
export type LayerInput = Uint8Array | { readonly sizeBytes: number };

/** What {@link SandboxCloud.pushImage} pushes. */
export interface PushImageInput {
  readonly repository: string;
  readonly tag?: string;
  /** Layers of each platform's image. @default one virtual layer of 100 MiB */
  readonly layers?: readonly LayerInput[];
  /** `os/arch` pairs; more than one pushes an OCI index over per-platform manifests. */
  readonly platforms?: readonly string[];
  /** Tag immutability of the repository when it is created here. @default false */
  readonly immutable?: boolean;
}

/** What {@link SandboxCloud.pushImage} stored. */
export interface PushedImage {
  /** The top-level manifest (the index for a multi-platform image). */
  readonly reference: ImageReference;
  /** `registry/repository@digest`. */
  readonly uri: string;
  /** Every manifest pushed, top-level first. */
  readonly manifests: readonly ImageManifest[];
}

/** Options of {@link SandboxCloud.seedFleet}. */
export interface FleetOptions {
  /** Number of services. */
  readonly count: number;
  /** @default 'fleet' */
  readonly cluster?: string;
  /** Service, family and repository name prefix. @default 'svc' */
  readonly prefix?: string;
  /** Tasks per service. @default 2 */
  readonly desiredCount?: number;
  /** Size of each service's image. @default 100 MiB */
  readonly imageSizeBytes?: number;
}

/** One seeded fleet service. */
export interface FleetService {
  readonly serviceName: string;
  readonly taskDefinitionArn: string;
  readonly image: PushedImage;
}

/** What {@link SandboxCloud.seedFleet} created. */
export interface Fleet {
  readonly cluster: string;
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly groupId: string;
  readonly services: readonly FleetService[];
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const MB = 1024 * 1024;

/** Parses `ACCOUNT.dkr.ecr.REGION.amazonaws.com/repo[:tag|@digest]`; undefined for others. */
export function parseEcrUri(
  uri: string,
): { account: string; region: string; repository: string; reference: string } | undefined {
  const match =
    /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:@]+)(?:@(sha256:[0-9a-f]{64})|:([^@/]+))?$/.exec(
      uri,
    );
  if (!match) return undefined;
  const [, account = '', region = '', repository = '', digest, tag] = match;
  return { account, region, repository, reference: digest ?? tag ?? 'latest' };
}

/** The in-memory multi-account, multi-region cloud. */
export class SandboxCloud {
  /** Time of this cloud: every latency is a sleep on it. */
  public readonly clock: Clock;
  /** The latency model in force. */
  public readonly latency: LatencyModel;
  /** Part size of blob transfers, bytes. */
  public readonly blobPartBytes: number;

  private readonly states = new Map<string, LocationState>();
  private readonly buckets: TokenBuckets;
  private faults: FaultInjector;
  private readonly seed: number;
  private readonly jitterRandom: SeededRandom;
  private readonly log: {
    seq: number;
    operation: Operation;
    account: string;
    region: string;
    startMs: number;
    endMs: number;
    outcome: CallOutcome | 'pending';
  }[] = [];
  private layerSeq = 0;
  /** Upstream registries (public.ecr.aws, Docker Hub, …) by host. */
  private readonly upstreams = new Map<string, EcrState>();
  /** Pull-through cache rules by `account/region`. */
  private readonly cacheRules = new Map<string, PullThroughCacheRuleSettings[]>();
  /** Fargate vCPU quota and use per `account/region`. */
  private readonly capacity = new Map<string, { quota: number; inUse: number }>();

  public constructor(options: SandboxCloudOptions) {
    this.clock = options.clock ?? new VirtualClock();
    this.latency = latencyModel(options.latency);
    this.blobPartBytes = options.blobPartBytes ?? 5 * MB;
    this.buckets = new TokenBuckets({ ...RATE_LIMITS, ...options.rateLimits });
    this.seed = options.seed;
    this.faults = new FaultInjector(options.seed, options.faults);
    this.jitterRandom = new SeededRandom(options.seed ^ 0x1a7e_c0de);
  }

  /**
   * Replaces the fault plan from now on (e.g. faults during a failover, none while pre-baking).
   * Outages scheduled with {@link darkenRegion} are replaced by the plan's own.
   */
  public setFaultPlan(plan: FaultPlan): void {
    this.faults = new FaultInjector(this.seed ^ 0x0fa1_10e7, plan);
  }

  // -------------------------------------------------------------------------------------------
  // Ports

  /** ECS in `location`. */
  public containerPlatform(location: Location): ContainerPlatform {
    return new SandboxContainerPlatform(this, location);
  }

  /** ECR in `location`. */
  public imageRegistry(location: Location): ImageRegistry {
    return new SandboxImageRegistry(this, location);
  }

  /** EC2 security groups in `location`. */
  public networkRules(location: Location): NetworkRules {
    return new SandboxNetworkRules(this, location);
  }

  /** CloudWatch in `location`. */
  public metricsSource(location: Location): MetricsSource {
    return new SandboxMetricsSource(this, location);
  }

  // -------------------------------------------------------------------------------------------
  // Outages and the call log

  /** Schedules an outage: every call to `region` inside the window fails as unavailable. */
  public darkenRegion(region: string, window: OutageWindow): void {
    this.faults.darkenRegion(region, window);
  }

  /** Switches `region` dark (from now, open-ended) or back on. */
  public setRegionDark(region: string, dark: boolean): void {
    this.faults.setRegionDark(region, dark, this.clock.now());
  }

  /** True when `region` is dark now. */
  public isRegionDark(region: string): boolean {
    return this.faults.isDark(region, this.clock.now());
  }

  /** Every API call so far, in start order (copies). */
  public callLog(): readonly ApiCallRecord[] {
    return this.log.map((entry) => ({ ...entry }));
  }

  /** Number of calls per operation (sorted by operation), optionally for one location/outcome. */
  public callCounts(
    filter: {
      readonly account?: string;
      readonly region?: string;
      readonly outcome?: CallOutcome;
    } = {},
  ): Record<string, number> {
    const counts = new Map<string, number>();
    for (const entry of this.log) {
      if (filter.account !== undefined && entry.account !== filter.account) continue;
      if (filter.region !== undefined && entry.region !== filter.region) continue;
      if (filter.outcome !== undefined && entry.outcome !== filter.outcome) continue;
      counts.set(entry.operation, (counts.get(entry.operation) ?? 0) + 1);
    }
    return Object.fromEntries([...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** Total number of calls logged. */
  public get totalCalls(): number {
    return this.log.length;
  }

  /** Forgets the call log (e.g. after seeding, before the measured part of a benchmark). */
  public resetCallLog(): void {
    this.log.length = 0;
  }

  // -------------------------------------------------------------------------------------------
  // The call path (used by the port implementations and the SDK dispatcher)

  /** The state of `location`, created empty on first use. */
  public state(location: Location): LocationState {
    const key = `${location.account}/${location.region}`;
    let state = this.states.get(key);
    if (!state) {
      const prefix = createHash('sha256').update(key).digest('hex').slice(0, 4);
      state = new LocationState({ account: location.account, region: location.region }, prefix);
      this.states.set(key, state);
    }
    return state;
  }

  /**
   * Puts a whole location state in place (one rebuilt by `restoreLocation` from a snapshot), so
   * the ports of that location read what an earlier run left behind.
   */
  public adoptState(state: LocationState): void {
    this.states.set(`${state.location.account}/${state.location.region}`, state);
  }

  /**
   * Runs one API call against `location`: outage check, rate limit, seeded fault, virtual
   * round trip (plus `extraMs`, e.g. a transfer), then `apply` at the time the call completes.
   * `bucket` overrides the operation's rate-limit bucket (EC2 limits an unfiltered describe
   * more tightly than a filtered one).
   * Draws exactly one jitter and one fault number per call, so runs replay exactly.
   */
  public async call<T>(
    location: Location,
    operation: Operation,
    apply: () => T,
    options: { readonly extraMs?: number; readonly bucket?: BucketName } = {},
  ): Promise<T> {
    const profile: OperationProfile = OPERATIONS[operation];
    const startMs = this.clock.now();
    const entry = {
      seq: this.log.length,
      operation,
      account: location.account,
      region: location.region,
      startMs,
      endMs: startMs,
      outcome: 'pending' as CallOutcome | 'pending',
    };
    this.log.push(entry);
    const finish = (outcome: CallOutcome): void => {
      entry.outcome = outcome;
      entry.endMs = this.clock.now();
    };
    const roundTrip = this.jitter(this.latency.apiMs[profile.latency]);
    const fault = this.faults.decide(operation);
    if (this.faults.isDark(location.region, startMs)) {
      await this.clock.sleep(roundTrip);
      finish('dark');
      throw new ServiceUnavailableError(operation, `region ${location.region} is unreachable`);
    }
    const bucket = this.buckets.get(
      location.account,
      location.region,
      options.bucket ?? profile.bucket,
      startMs,
      operation.startsWith('ec2:') ? operation : '',
    );
    if (!bucket.tryTake(startMs) || fault === 'throttle') {
      await this.clock.sleep(roundTrip);
      finish('throttled');
      throw new ThrottlingError(operation);
    }
    if (fault === 'timeout') {
      await this.clock.sleep(this.latency.callTimeoutMs);
      finish('timeout');
      throw new ServiceUnavailableError(operation, 'request timed out');
    }
    await this.clock.sleep(roundTrip + (options.extraMs ?? 0));
    if (fault === 'unavailable') {
      finish('unavailable');
      throw new ServiceUnavailableError(operation, 'internal server error (injected 5xx)');
    }
    if (this.faults.isDark(location.region, this.clock.now())) {
      finish('dark');
      throw new ServiceUnavailableError(operation, `region ${location.region} went dark`);
    }
    try {
      const result = apply();
      finish('ok');
      return result;
    } catch (error) {
      finish('error');
      throw error;
    }
  }

  /** `baseMs` spread by ± the model's jitter fraction (one seeded draw). */
  public jitter(baseMs: number): number {
    const draw = this.jitterRandom.next();
    return Math.max(0, Math.round(baseMs * (1 + this.latency.jitterFraction * (2 * draw - 1))));
  }

  /**
   * The task launcher of `location`: paces launches through the account's Fargate bucket and
   * the per-service scheduler rate, then adds provision + image pull + start time. Whether the
   * image can be pulled is decided at launch (a missing image or a dark registry region makes
   * the rollout fail after the circuit breaker's minimum failed tasks).
   */
  public taskLauncher(location: Location): TaskLauncher {
    return (taskDefinition, service, count, nowMs): LaunchPlan => {
      const model = this.latency;
      const withLb = (service.loadBalancers?.length ?? 0) > 0;
      const healthDelayMs = withLb
        ? model.lbHealthCheckIntervalMs * model.lbHealthyChecksForNewTarget
        : 0;
      const drainMs = withLb ? model.deregistrationDelayMs : 0;
      const pull = this.pullInfo(location, taskDefinition, nowMs);
      if (pull.failure !== undefined) {
        const attemptMs = model.fargateProvisionMs + model.containerStartMs;
        // ECS launches up to `count` tasks at once, so the breaker's threshold of failed tasks
        // is reached after ceil(threshold / count) rounds of failed attempts.
        const rounds = Math.ceil(circuitBreakerThreshold(model, count) / Math.max(1, count));
        return {
          runningAtMs: [],
          failsAtMs: nowMs + rounds * attemptMs,
          failureReason: pull.failure,
          healthDelayMs,
          drainMs,
        };
      }
      const bucket = this.buckets.get(
        location.account,
        location.region,
        'fargate:task-launch',
        nowMs,
      );
      const spacingMs = 60_000 / model.serviceSchedulerTasksPerMinute;
      const runningAtMs: number[] = [];
      const taskVcpu = taskVcpuOf(taskDefinition) ?? 0;
      const capacity = this.fargateCapacity(location);
      for (let i = 0; i < count; i += 1) {
        if (capacity.inUse + taskVcpu > capacity.quota) {
          // Fargate vCPU quota exhausted: ECS keeps the task PENDING (never RUNNING here).
          runningAtMs.push(Number.POSITIVE_INFINITY);
          continue;
        }
        capacity.inUse += taskVcpu;
        // The account bucket and the per-service scheduler pace launches independently;
        // reserving at the current time keeps the shared bucket's clock monotonic.
        const launchAt = Math.max(bucket.reserve(nowMs), nowMs + Math.round(i * spacingMs));
        runningAtMs.push(
          launchAt + this.jitter(model.fargateProvisionMs + pull.pullMs + model.containerStartMs),
        );
      }
      runningAtMs.sort((a, b) => a - b);
      return {
        runningAtMs,
        healthDelayMs,
        drainMs,
        ...(pull.imageDigests ? { imageDigests: pull.imageDigests } : {}),
      };
    };
  }

  /**
   * The Fargate On-Demand vCPU quota of `location` and what launched tasks use of it. Unlimited
   * unless set with {@link setFargateVcpuQuota} (AWS's default is 6 vCPU, LATENCY.md §1: a fleet
   * benchmark would measure nothing but that quota). Scale-in does not give vCPU back
   * (a simplification: a failover only scales out).
   */
  public fargateCapacity(location: Location): { quota: number; inUse: number } {
    const key = `${location.account}/${location.region}`;
    let capacity = this.capacity.get(key);
    if (!capacity) {
      capacity = { quota: Number.POSITIVE_INFINITY, inUse: 0 };
      this.capacity.set(key, capacity);
    }
    return capacity;
  }

  /** Sets the Fargate vCPU quota of `location` (see {@link fargateCapacity}). */
  public setFargateVcpuQuota(location: Location, vcpu: number): void {
    this.fargateCapacity(location).quota = vcpu;
  }

  /**
   * Makes the targets of a service's tasks never pass their health checks (an app that starts
   * but never answers), so the service never becomes steady behind its load balancer.
   */
  public markUnhealthy(location: Location, cluster: string, service: string): void {
    this.state(location).ecs.markUnhealthy(cluster, service);
  }

  private pullInfo(
    location: Location,
    taskDefinition: RegisteredTaskDefinition,
    nowMs: number,
  ): { pullMs: number; failure?: string; imageDigests?: Record<string, Digest> } {
    const model = this.latency;
    let pullMs = 0;
    const imageDigests: Record<string, Digest> = {};
    for (const container of taskDefinition.containerDefinitions) {
      const parsed = parseEcrUri(container.image);
      if (!parsed) {
        // An upstream registry the sandbox holds (public.ecr.aws, Docker Hub, …): its digest is
        // pinned like an ECR one; anything else pulls a default-sized image of unknown digest.
        const named = parseImageName(container.image);
        const upstream = named ? this.upstreams.get(named.host) : undefined;
        if (named && upstream) {
          try {
            imageDigests[container.name] = upstream.resolve(
              named.repository,
              named.digest ?? named.tag ?? 'latest',
            ).digest;
          } catch {
            return { pullMs, failure: `CannotPullContainerError: ${container.image}: not found` };
          }
        }
        pullMs += model.defaultImageSizeMb * model.imagePullMsPerMb;
        continue;
      }
      const failure = `CannotPullContainerError: ${container.image}`;
      if (this.faults.isDark(parsed.region, nowMs)) {
        return { pullMs, failure: `${failure}: registry region ${parsed.region} is unreachable` };
      }
      const ecr = this.state(parsed).ecr;
      try {
        const { digest } = ecr.resolve(parsed.repository, parsed.reference);
        imageDigests[container.name] = digest;
        const bytes = ecr.pullSize(
          parsed.repository,
          digest,
          taskDefinition.runtimePlatform?.cpuArchitecture,
        );
        const factor = parsed.region === location.region ? 1 : model.crossRegionPullFactor;
        pullMs += (bytes / MB) * model.imagePullMsPerMb * factor;
      } catch {
        return { pullMs, failure: `${failure}: not found` };
      }
    }
    return { pullMs: Math.round(pullMs), imageDigests };
  }

  /**
   * Checks a service's awsvpc configuration against EC2 in `location`: every subnet and
   * security group must exist (CreateService rejects unknown ones).
   */
  public networkCheck(location: Location): (spec: ServiceSpec) => void {
    return (spec) => {
      const ec2 = this.state(location).ec2;
      const config = spec.networkConfiguration;
      if (!config) return;
      for (const subnet of config.subnets) {
        if (!ec2.hasSubnet(subnet)) throw new NotFoundError('subnet', subnet);
      }
      for (const group of config.securityGroups) {
        if (!ec2.hasGroup(group)) throw new NotFoundError('security group', group);
      }
    };
  }

  // -------------------------------------------------------------------------------------------
  // Seeding helpers: set up a world directly, with no latency, no limits and no call log.

  /** Creates an ECS cluster; returns its ARN. */
  public createCluster(location: Location, name: string): string {
    return this.state(location).ecs.createCluster(name);
  }

  /** Creates a VPC with subnets. */
  public createVpc(
    location: Location,
    options: { readonly cidr?: string; readonly subnetCount?: number } = {},
  ): { readonly vpcId: string; readonly subnetIds: readonly string[] } {
    return this.state(location).ec2.createVpc(
      options.cidr ?? '10.0.0.0/16',
      options.subnetCount ?? 2,
    );
  }

  /** Creates a security group with rules; returns its id. */
  public createSecurityGroup(
    location: Location,
    spec: {
      readonly vpcId: string;
      readonly groupName: string;
      readonly description?: string;
      readonly ingress?: readonly NetworkRule[];
      readonly egress?: readonly NetworkRule[];
      readonly tags?: readonly KeyValue[];
    },
  ): string {
    const ec2 = this.state(location).ec2;
    const groupId = ec2.createGroup({
      vpcId: spec.vpcId,
      groupName: spec.groupName,
      description: spec.description ?? spec.groupName,
      ...(spec.tags ? { tags: spec.tags } : {}),
    });
    if (spec.ingress) ec2.applyRules(groupId, 'ingress', 'add', spec.ingress);
    if (spec.egress) {
      const plan = ec2.planSync(groupId, { ingress: spec.ingress ?? [], egress: spec.egress });
      ec2.applyRules(groupId, 'egress', 'revoke', plan.egress.revoke);
      ec2.applyRules(groupId, 'egress', 'add', plan.egress.add);
    }
    return groupId;
  }

  /** Registers a task definition revision. */
  public registerTaskDefinition(
    location: Location,
    spec: TaskDefinitionSpec,
    tags: readonly KeyValue[] = [],
  ): RegisteredTaskDefinition {
    return this.state(location).ecs.registerTaskDefinition(spec, tags, this.clock.now());
  }

  /**
   * Creates a service. By default its tasks are already running and its deployment COMPLETED
   * (a primary that has been up for a while); `{ settled: false }` launches them with the
   * latency model instead.
   */
  public createService(
    location: Location,
    spec: ServiceSpec,
    options: { readonly settled?: boolean } = {},
  ): ServiceDescription {
    const now = this.clock.now();
    const launcher: TaskLauncher =
      options.settled === false
        ? this.taskLauncher(location)
        : (definition, _service, count) => {
            // Settled tasks run what the images resolved to when the service was deployed.
            const { imageDigests } = this.pullInfo(location, definition, now);
            return {
              runningAtMs: Array.from({ length: count }, () => now),
              healthDelayMs: 0,
              drainMs: 0,
              ...(imageDigests ? { imageDigests } : {}),
            };
          };
    return this.state(location).ecs.createService(spec, now, launcher, this.networkCheck(location));
  }

  /** Creates an ECR repository (mutable tags unless `immutable`). */
  public createRepository(
    location: Location,
    name: string,
    options: { readonly immutable?: boolean; readonly kmsKeyArn?: string } = {},
  ): void {
    this.state(location).ecr.ensureRepository(name, {
      immutable: options.immutable ?? false,
      ...options,
    });
  }

  /**
   * The upstream registry on `host` (created empty on first use): what a pull-through cache rule
   * imports from. Seed it with `pushImage({ upstream: host }, …)`.
   */
  public upstreamRegistry(host: string): EcrState {
    let registry = this.upstreams.get(host);
    if (!registry) {
      registry = new EcrState({ account: '000000000000', region: 'upstream' }, host);
      this.upstreams.set(host, registry);
    }
    return registry;
  }

  /** Creates a pull-through cache rule in `location` (as `AWS::ECR::PullThroughCacheRule` does). */
  public addPullThroughCacheRule(location: Location, rule: PullThroughCacheRuleSettings): void {
    const key = `${location.account}/${location.region}`;
    const rules = this.cacheRules.get(key) ?? [];
    if (rules.some((existing) => existing.ecrRepositoryPrefix === rule.ecrRepositoryPrefix)) {
      throw new ConflictError(`pull-through cache rule ${rule.ecrRepositoryPrefix} already exists`);
    }
    this.cacheRules.set(key, [...rules, { ...rule }]);
  }

  /**
   * What ECR does on a pull by digest through a pull-through cache rule: when `repository`
   * falls under a rule's prefix and the upstream holds `digest`, the cache repository is created
   * (mutable tags, ECR's defaults) and the manifest tree with its blobs is imported. Returns
   * false when no rule covers the repository; NotFoundError when the upstream lacks the image.
   */
  public pullThroughImport(location: Location, repository: string, digest: Digest): boolean {
    const rule = (this.cacheRules.get(`${location.account}/${location.region}`) ?? []).find(
      (candidate) => repository.startsWith(`${candidate.ecrRepositoryPrefix}/`),
    );
    if (!rule) return false;
    const upstream = this.upstreams.get(rule.upstreamRegistryUrl);
    const upstreamRepository = repository.slice(rule.ecrRepositoryPrefix.length + 1);
    if (!upstream) {
      throw new NotFoundError(
        'image',
        `${rule.upstreamRegistryUrl}/${upstreamRepository}@${digest}`,
      );
    }
    const cache = this.state(location).ecr;
    cache.ensureRepository(repository, { immutable: false });
    const importTree = (target: Digest): void => {
      const manifest = upstream.getManifest(upstreamRepository, target);
      for (const child of manifest.children) importTree(child);
      for (const blob of manifest.blobs) {
        cache.putBlob(repository, upstream.getBlob(upstreamRepository, blob.digest));
      }
      cache.putManifest(repository, manifest, undefined, this.clock.now());
    };
    importTree(digest);
    return true;
  }

  /**
   * Pushes an image: blobs, then manifest(s) whose digests are the SHA-256 of their exact bytes,
   * then the tag. Virtual layers get unique synthetic digests and hold no bytes.
   */
  public pushImage(
    target: Location | { readonly upstream: string },
    input: PushImageInput,
  ): PushedImage {
    const ecr =
      'upstream' in target ? this.upstreamRegistry(target.upstream) : this.state(target).ecr;
    ecr.ensureRepository(input.repository, { immutable: input.immutable ?? false });
    const now = this.clock.now();
    const platforms = input.platforms ?? ['linux/amd64'];
    const children: { manifest: ImageManifest; platform: string }[] = [];
    for (const platform of platforms) {
      const [os = 'linux', architecture = 'amd64'] = platform.split('/');
      const layers = (input.layers ?? [{ sizeBytes: 100 * MB }]).map((layer) => {
        if (layer instanceof Uint8Array) {
          const digest = sha256Digest(layer);
          ecr.putBlob(input.repository, { digest, size: layer.byteLength, data: layer });
          return { mediaType: OCI_LAYER, digest, size: layer.byteLength };
        }
        this.layerSeq += 1;
        const digest = sha256Digest(
          `virtual-layer|${ecr.registry}/${input.repository}|${platform}|${this.layerSeq}|${layer.sizeBytes}`,
        );
        ecr.putBlob(input.repository, { digest, size: layer.sizeBytes });
        return { mediaType: OCI_LAYER, digest, size: layer.sizeBytes };
      });
      const config = new TextEncoder().encode(
        JSON.stringify({
          architecture,
          os,
          config: {},
          rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) },
        }),
      );
      const configDigest = sha256Digest(config);
      ecr.putBlob(input.repository, {
        digest: configDigest,
        size: config.byteLength,
        data: config,
      });
      const bytes = JSON.stringify(
        {
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: OCI_CONFIG, digest: configDigest, size: config.byteLength },
          layers,
        },
        null,
        3,
      );
      const digest = sha256Digest(bytes);
      const single = platforms.length === 1;
      ecr.putManifest(
        input.repository,
        { digest, mediaType: OCI_MANIFEST, bytes },
        single ? input.tag : undefined,
        now,
      );
      children.push({ manifest: ecr.getManifest(input.repository, digest), platform });
    }
    let top = children[0]?.manifest;
    if (platforms.length > 1) {
      const bytes = JSON.stringify(
        {
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: children.map(({ manifest, platform }) => {
            const [os = 'linux', architecture = 'amd64'] = platform.split('/');
            return {
              mediaType: OCI_MANIFEST,
              digest: manifest.digest,
              size: Buffer.byteLength(manifest.bytes),
              platform: { architecture, os },
            };
          }),
        },
        null,
        3,
      );
      const digest = sha256Digest(bytes);
      ecr.putManifest(input.repository, { digest, mediaType: OCI_INDEX, bytes }, input.tag, now);
      top = ecr.getManifest(input.repository, digest);
    }
    if (!top) throw new Error('pushImage needs at least one platform');
    const reference: ImageReference = {
      registry: ecr.registry,
      repository: input.repository,
      digest: top.digest,
      ...(input.tag === undefined ? {} : { tag: input.tag }),
    };
    const manifests = platforms.length > 1 ? [top, ...children.map((c) => c.manifest)] : [top];
    return { reference, uri: imageUri(reference), manifests };
  }

  /**
   * Seeds a fleet of `count` running Fargate services in one cluster (for benchmarks and the
   * drill): one VPC and security group, and per service an image (one virtual layer), a task
   * definition and a settled service, all named `<prefix>-NNNN`.
   */
  public seedFleet(location: Location, options: FleetOptions): Fleet {
    const cluster = options.cluster ?? 'fleet';
    const prefix = options.prefix ?? 'svc';
    this.createCluster(location, cluster);
    const { vpcId, subnetIds } = this.createVpc(location);
    const groupId = this.createSecurityGroup(location, {
      vpcId,
      groupName: `${cluster}-services`,
      ingress: [{ protocol: 'tcp', fromPort: 8080, toPort: 8080, cidrIpv4: '10.0.0.0/8' }],
    });
    const services: FleetService[] = [];
    for (let i = 1; i <= options.count; i += 1) {
      const name = `${prefix}-${String(i).padStart(4, '0')}`;
      const image = this.pushImage(location, {
        repository: `${cluster}/${name}`,
        tag: 'v1',
        layers: [{ sizeBytes: options.imageSizeBytes ?? 100 * MB }],
      });
      const taskDefinition = this.registerTaskDefinition(location, {
        family: name,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          {
            name: 'app',
            image: image.uri,
            essential: true,
            portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
          },
        ],
      });
      this.createService(location, {
        cluster,
        serviceName: name,
        taskDefinition: taskDefinition.taskDefinitionArn,
        desiredCount: options.desiredCount ?? 2,
        launchType: 'FARGATE',
        networkConfiguration: { subnets: [...subnetIds], securityGroups: [groupId] },
      });
      services.push({
        serviceName: name,
        taskDefinitionArn: taskDefinition.taskDefinitionArn,
        image,
      });
    }
    return { cluster, vpcId, subnetIds, groupId, services };
  }

  /**
   * Loads datapoints of one metric from a regular series (`null` points are gaps: no
   * datapoint is stored for them).
   */
  public loadMetricSeries(location: Location, metric: MetricIdentity, series: TimeSeries): void {
    const points: { atMs: number; value: number }[] = [];
    series.values.forEach((value, index) => {
      if (value !== null)
        points.push({ atMs: series.start + index * series.intervalSeconds * 1000, value });
    });
    this.state(location).metrics.put(metric, points);
  }
}
