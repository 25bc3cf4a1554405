/**
 * The sandbox cloud's latency model: how much virtual time each API call and each slow
 * control-plane process takes. Every constant cites the public figure it is built from (see
 * `docs/LATENCY.md`, a copy of the project's shared figures); where AWS publishes none, the TSDoc says **Assumption** and why the
 * value is plausible. All values are overridable per cloud (`new SandboxCloud({ latency })`),
 * so tests can make time trivial to reason about.
 */

/** Latency classes of API calls: the sandbox charges one round trip per call. */
export type ApiLatencyClass = 'read' | 'write' | 'registry' | 'metrics';

/** Timing figures of the sandbox cloud, all in milliseconds unless the name says otherwise. */
export interface LatencyModel {
  /** Round trip of one API call per latency class. */
  readonly apiMs: Readonly<Record<ApiLatencyClass, number>>;
  /** Spread of every latency, ± this fraction, drawn from the seeded PRNG (0 = exact). */
  readonly jitterFraction: number;
  /** Fargate: from launch to the image pull starting (microVM, ENI attach). */
  readonly fargateProvisionMs: number;
  /** Fargate: from image unpacked to the container RUNNING. */
  readonly containerStartMs: number;
  /** Image pull time per MB (Fargate pulls the whole image for every task; no cache). */
  readonly imagePullMsPerMb: number;
  /** Factor on pull time when the image lives in another region than the task. */
  readonly crossRegionPullFactor: number;
  /** Image size assumed when the image is not in a sandbox registry. */
  readonly defaultImageSizeMb: number;
  /** Time to copy one MB of blob into a registry (cross-region image copy). */
  readonly blobCopyMsPerMb: number;
  /** Load-balancer health-check interval for a service with load balancers. */
  readonly lbHealthCheckIntervalMs: number;
  /** Passing checks a newly registered target needs to be healthy. */
  readonly lbHealthyChecksForNewTarget: number;
  /** How long tasks of a replaced deployment drain behind a load balancer. */
  readonly deregistrationDelayMs: number;
  /** ECS service-scheduler launch rate per service (tasks per minute). */
  readonly serviceSchedulerTasksPerMinute: number;
  /** Failed task launches after which the deployment circuit breaker fails a rollout (floor). */
  readonly circuitBreakerMinFailedTasks: number;
  /** Circuit-breaker threshold as a fraction of the desired count. */
  readonly circuitBreakerFailedFraction: number;
  /** Ceiling of the circuit-breaker threshold. */
  readonly circuitBreakerMaxFailedTasks: number;
  /** How long a call that times out hangs before the caller gives up. */
  readonly callTimeoutMs: number;
}

/**
 * Default model.
 *
 * Task start with the defaults: 15 s provision + 150 MB × 100 ms + 5 s start ≈ 35 s, inside the
 * "30–45 seconds or longer" AWS gives for new Fargate tasks
 * (https://repost.aws/questions/QUjZAzJd27SZWxXM7MgyxOZw/how-to-speed-up-provisioning-of-ecs-fargate-task),
 * and a 413 MB image takes ≈ 61 s, close to the measured 57 s mean
 * (https://elasticscale.com/blog/reduce-aws-fargate-pull-times-with-soci).
 */
export const DEFAULT_LATENCY: LatencyModel = {
  /**
   * Assumption: AWS publishes no per-call control-plane latency. Reads 60 ms, writes 150 ms,
   * registry manifest/blob calls 120 ms, GetMetricData 200 ms are typical in-region round
   * trips and only matter relative to the multi-second processes below.
   */
  apiMs: { read: 60, write: 150, registry: 120, metrics: 200 },
  /** Assumption: ±20 % spread, so concurrent work does not finish in lock-step. */
  jitterFraction: 0.2,
  /**
   * Assumption: the lifecycle PROVISIONING → PENDING (ENI attach, microVM) has no published
   * time (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle-explanation.html);
   * 15 s makes the total match the 30–45 s typical start above.
   */
  fargateProvisionMs: 15_000,
  /** Assumption: container create + app start after the pull; no published figure. */
  containerStartMs: 5_000,
  /**
   * Assumption: AWS publishes no ECR pull MB/s. The only data point (413 MB, ~57 s total start
   * through a NAT, https://elasticscale.com/blog/reduce-aws-fargate-pull-times-with-soci)
   * implies ≥ ~7 MB/s end to end; 10 MB/s (100 ms/MB) is used. Pull time is "directly
   * correlated" with start time:
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-pull-behavior.html
   */
  imagePullMsPerMb: 100,
  /**
   * Assumption: "Pulling across Regions … adds time" is stated without a number
   * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-pull-behavior.html);
   * modelled as 2× the in-region pull.
   */
  crossRegionPullFactor: 2,
  /** Assumption: a mid-sized service image, for images outside the sandbox registries. */
  defaultImageSizeMb: 150,
  /**
   * Assumption: ECR replication promises only "the majority of images replicate in less than
   * 30 minutes" (https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html); an
   * explicit copy by digest streams blobs at an assumed 25 MB/s (40 ms/MB).
   */
  blobCopyMsPerMb: 40,
  /**
   * ALB default health-check interval 30 s; a newly registered target needs 1 passing check:
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-healthcheck.html
   */
  lbHealthCheckIntervalMs: 30_000,
  /** Same source: "a newly registered target needs only one passing check". */
  lbHealthyChecksForNewTarget: 1,
  /**
   * ALB default deregistration delay 300 s:
   * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#deregistration-delay
   */
  deregistrationDelayMs: 300_000,
  /**
   * Service-scheduler launch rate 500 tasks/min per service on Fargate (125 in some Regions):
   * https://docs.aws.amazon.com/general/latest/gr/ecs-service.html
   */
  serviceSchedulerTasksPerMinute: 500,
  /**
   * Circuit-breaker threshold min 3 failed tasks:
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentCircuitBreaker.html
   */
  circuitBreakerMinFailedTasks: 3,
  /** Same source: the threshold is 0.5 × the desired count (BOUNDED_PERCENT 50)… */
  circuitBreakerFailedFraction: 0.5,
  /** …capped at 200 failed tasks. */
  circuitBreakerMaxFailedTasks: 200,
  /** Assumption: an SDK-side request timeout of 10 s for calls that hang. */
  callTimeoutMs: 10_000,
};

/** A partial override of {@link LatencyModel}; `apiMs` may be overridden per class. */
export type LatencyOverrides = Partial<Omit<LatencyModel, 'apiMs'>> & {
  readonly apiMs?: Partial<Record<ApiLatencyClass, number>>;
};

/** The default model with `overrides` applied. */
export function latencyModel(overrides: LatencyOverrides = {}): LatencyModel {
  return {
    ...DEFAULT_LATENCY,
    ...overrides,
    apiMs: { ...DEFAULT_LATENCY.apiMs, ...overrides.apiMs },
  };
}

/** A model with no latency and no jitter at all: for tests that only care about state. */
export const ZERO_LATENCY: LatencyModel = {
  apiMs: { read: 0, write: 0, registry: 0, metrics: 0 },
  jitterFraction: 0,
  fargateProvisionMs: 0,
  containerStartMs: 0,
  imagePullMsPerMb: 0,
  crossRegionPullFactor: 1,
  defaultImageSizeMb: 0,
  blobCopyMsPerMb: 0,
  lbHealthCheckIntervalMs: 0,
  lbHealthyChecksForNewTarget: 1,
  deregistrationDelayMs: 0,
  serviceSchedulerTasksPerMinute: 500,
  circuitBreakerMinFailedTasks: 3,
  circuitBreakerFailedFraction: 0.5,
  circuitBreakerMaxFailedTasks: 200,
  callTimeoutMs: 0,
};

/**
 * Failed tasks after which the ECS deployment circuit breaker fails a rollout of `desiredCount`
 * tasks: 0.5 × desired, at least 3, at most 200
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentCircuitBreaker.html).
 */
export function circuitBreakerThreshold(model: LatencyModel, desiredCount: number): number {
  return Math.min(
    model.circuitBreakerMaxFailedTasks,
    Math.max(
      model.circuitBreakerMinFailedTasks,
      Math.ceil(model.circuitBreakerFailedFraction * desiredCount),
    ),
  );
}
