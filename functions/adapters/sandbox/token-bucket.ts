/**
 * Token-bucket API rate limits of the sandbox cloud, per account + region + bucket, with the
 * published burst/refill figures collected in `docs/LATENCY.md`, a copy of the project's shared figures.
 *
 * ECS shares one bucket between all actions of a category; EC2 and ECR have one bucket per
 * action. An empty bucket makes the call fail at once with a `ThrottlingError` (the caller
 * retries with backoff, as against AWS); the sandbox never queues a throttled call.
 */

/** Burst capacity and sustained refill of one bucket, with where the figure comes from. */
export interface BucketLimit {
  /** Tokens a full bucket holds (the burst). */
  readonly burst: number;
  /** Tokens added per second (the sustained rate). */
  readonly refillPerSecond: number;
  /** Public source URL, or a sentence starting "Assumption" when no figure is published. */
  readonly source: string;
}

const ECS_THROTTLING =
  'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/request-throttling.html';
const EC2_THROTTLING = 'https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html';
const ECR_QUOTAS = 'https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html';

/**
 * Published (or, where labelled, assumed) limits per bucket name. ECR quotas are published as a
 * rate only; the sandbox uses that rate as the burst too, which is how a per-second quota
 * behaves when a whole second's calls arrive at once.
 */
export const RATE_LIMITS = {
  /** RegisterTaskDefinition, DeregisterTaskDefinition: burst 20, 1/s. */
  'ecs:task-definition-modify': { burst: 20, refillPerSecond: 1, source: ECS_THROTTLING },
  /** DescribeTaskDefinition, ListTaskDefinitions: burst 50, 20/s. */
  'ecs:task-definition-read': { burst: 50, refillPerSecond: 20, source: ECS_THROTTLING },
  /** CreateService, UpdateService, DeleteService: burst 50, 5/s. */
  'ecs:service-modify': { burst: 50, refillPerSecond: 5, source: ECS_THROTTLING },
  /** DescribeServices, ListServices: burst 100, 20/s. */
  'ecs:service-read': { burst: 100, refillPerSecond: 20, source: ECS_THROTTLING },
  /** CreateCluster and other cluster mutations: burst 20, 1/s. */
  'ecs:cluster-modify': { burst: 20, refillPerSecond: 1, source: ECS_THROTTLING },
  /** DescribeClusters, ListClusters: burst 50, 20/s. */
  'ecs:cluster-read': { burst: 50, refillPerSecond: 20, source: ECS_THROTTLING },
  /** TagResource, UntagResource: burst 20, 10/s. */
  'ecs:tag-modify': { burst: 20, refillPerSecond: 10, source: ECS_THROTTLING },
  /**
   * Fargate On-Demand task launches per account + region: burst 100, 20 tasks/s ("many
   * established Regions"; 25 / 5 elsewhere). Used to pace task starts, not to fail calls.
   */
  'fargate:task-launch': {
    burst: 100,
    refillPerSecond: 20,
    source: 'https://docs.aws.amazon.com/AmazonECS/latest/userguide/throttling.html',
  },
  /** BatchGetImage: 2,000/s. */
  'ecr:BatchGetImage': { burst: 2000, refillPerSecond: 2000, source: ECR_QUOTAS },
  /** GetDownloadUrlForLayer: 3,000/s. */
  'ecr:GetDownloadUrlForLayer': { burst: 3000, refillPerSecond: 3000, source: ECR_QUOTAS },
  /** BatchCheckLayerAvailability: 1,000/s. */
  'ecr:BatchCheckLayerAvailability': { burst: 1000, refillPerSecond: 1000, source: ECR_QUOTAS },
  /** InitiateLayerUpload: 100/s. */
  'ecr:InitiateLayerUpload': { burst: 100, refillPerSecond: 100, source: ECR_QUOTAS },
  /** UploadLayerPart: 500/s. */
  'ecr:UploadLayerPart': { burst: 500, refillPerSecond: 500, source: ECR_QUOTAS },
  /** CompleteLayerUpload: 100/s. */
  'ecr:CompleteLayerUpload': { burst: 100, refillPerSecond: 100, source: ECR_QUOTAS },
  /** PutImage: 10/s — the bottleneck of a cold copy of many images. */
  'ecr:PutImage': { burst: 10, refillPerSecond: 10, source: ECR_QUOTAS },
  /** DescribeImages, DescribeRepositories, CreateRepository, BatchDeleteImage. */
  'ecr:other': {
    burst: 20,
    refillPerSecond: 10,
    source:
      'Assumption: LATENCY.md lists no figure for DescribeImages/DescribeRepositories/CreateRepository/BatchDeleteImage',
  },
  /** Describe* with a filter or pagination: burst 100, 20/s. */
  'ec2:non-mutating': { burst: 100, refillPerSecond: 20, source: EC2_THROTTLING },
  /** Describe* without filter and pagination: burst 50, 10/s. */
  'ec2:unfiltered-non-mutating': { burst: 50, refillPerSecond: 10, source: EC2_THROTTLING },
  /** Authorize/RevokeSecurityGroupIngress (resource-intensive): burst 50, 5/s. */
  'ec2:resource-intensive': { burst: 50, refillPerSecond: 5, source: EC2_THROTTLING },
  /** Other mutations, e.g. CreateSecurityGroup, AuthorizeSecurityGroupEgress: burst 50, 5/s. */
  'ec2:mutating': { burst: 50, refillPerSecond: 5, source: EC2_THROTTLING },
  /** GetMetricData. */
  'cloudwatch:GetMetricData': {
    burst: 50,
    refillPerSecond: 50,
    source:
      'Assumption: LATENCY.md lists no CloudWatch API rate; 50/s modelled on the GetMetricData TPS quota',
  },
  /** PutMetricData (seeding through the API, if ever used). */
  'cloudwatch:other': {
    burst: 50,
    refillPerSecond: 50,
    source: 'Assumption: LATENCY.md lists no CloudWatch API rate',
  },
  /** RegisterScalableTarget, PutScalingPolicy. */
  'application-autoscaling:write': {
    burst: 20,
    refillPerSecond: 5,
    source:
      'Assumption: LATENCY.md lists no Application Auto Scaling rate; modelled like ECS service mutations, lower burst',
  },
  /** DescribeTargetHealth (the failover's steady checks). */
  'elbv2:describe': {
    burst: 40,
    refillPerSecond: 20,
    source:
      'Assumption: LATENCY.md lists no Elastic Load Balancing API rate; modelled like a read bucket of ECS (lower burst)',
  },
  /** GetServiceQuota (pre-flight). */
  'servicequotas:read': {
    burst: 10,
    refillPerSecond: 10,
    source: 'Assumption: LATENCY.md lists no Service Quotas API rate; one call per failover',
  },
  /** UpdateRoutingControlState(s) on the ARC cluster data plane. */
  'route53-recovery-cluster:write': {
    burst: 20,
    refillPerSecond: 10,
    source: 'Assumption: LATENCY.md lists no ARC data-plane rate',
  },
} as const satisfies Record<string, BucketLimit>;

/** Name of a bucket in {@link RATE_LIMITS}. */
export type BucketName = keyof typeof RATE_LIMITS;

/** One token bucket; time is passed in (virtual milliseconds), so it never reads a clock. */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  public constructor(
    public readonly limit: Pick<BucketLimit, 'burst' | 'refillPerSecond'>,
    nowMs: number,
  ) {
    this.tokens = limit.burst;
    this.lastMs = nowMs;
  }

  /** Tokens available at `nowMs` (fractional while refilling). */
  public available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }

  /** Takes `count` tokens if available at `nowMs`; false (and takes nothing) otherwise. */
  public tryTake(nowMs: number, count = 1): boolean {
    this.refill(nowMs);
    // A tiny epsilon absorbs floating-point drift from fractional refills (0.1 + 0.2 …).
    if (this.tokens + 1e-9 < count) return false;
    this.tokens -= count;
    return true;
  }

  /**
   * Reserves one token and returns the earliest time it is (or was) available: for work that
   * queues behind the limit, such as the ECS scheduler pacing Fargate task launches. The bucket
   * may go into debt; later reservations queue behind it.
   */
  public reserve(nowMs: number): number {
    this.refill(nowMs);
    this.tokens -= 1;
    if (this.tokens >= 0) return nowMs;
    return nowMs + Math.ceil((-this.tokens / this.limit.refillPerSecond) * 1000);
  }

  private refill(nowMs: number): void {
    if (nowMs <= this.lastMs) return;
    const added = ((nowMs - this.lastMs) / 1000) * this.limit.refillPerSecond;
    this.tokens = Math.min(this.limit.burst, this.tokens + added);
    this.lastMs = nowMs;
  }
}

/** Every bucket of a sandbox cloud, created lazily per account + region + bucket name. */
export class TokenBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  public constructor(
    private readonly limits: Readonly<
      Record<BucketName, Pick<BucketLimit, 'burst' | 'refillPerSecond'>>
    > = RATE_LIMITS,
  ) {}

  /**
   * The bucket for `name` in `account` + `region`, full when first used. `instance` separates
   * buckets that share a limit but not their tokens (EC2 keeps one bucket per action).
   */
  public get(
    account: string,
    region: string,
    name: BucketName,
    nowMs: number,
    instance = '',
  ): TokenBucket {
    const key = `${account}/${region}/${name}/${instance}`;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.limits[name], nowMs);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
