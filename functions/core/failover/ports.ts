/**
 * Ports of the failover workflow, beyond the shared `ContainerPlatform` (UpdateService,
 * scaling) and `AuthorityLease` (the fenced lease) of `../ports`. Each has a sandbox
 * implementation (`functions/adapters/sandbox/failover-*.ts`) and an AWS SDK one
 * (`functions/adapters/aws/`). Adapters raise the typed errors of `../errors`
 * (ThrottlingError, ServiceUnavailableError, NotFoundError, ConflictError, AccessDeniedError).
 *
 * Every port here is data plane or a read: nothing a failover calls creates IAM roles, DNS
 * records or any other control-plane resource (those control planes live in us-east-1).
 *
 * Stability: the shapes below are a contract with the AWS adapters (see
 * `docs/failover-contract.md`); change them additively only, and note the change there.
 */
import type { KeyValue, PlanEntry, ServiceDescription, ServiceKey } from '../model';

// ---------------------------------------------------------------------------------------------
// Detection and pre-flight

/** CloudWatch alarm states (DescribeAlarms `StateValue`). */
export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** The detection quorum's composite alarm as read at one instant. */
export interface AlarmReading {
  readonly name: string;
  readonly state: AlarmStateValue;
  /** ISO-8601 UTC of the last state change (`StateUpdatedTimestamp`). */
  readonly stateChangeTime: string;
}

/**
 * Reads the detection quorum's alarm. The alarm lives in the health region (never the primary's,
 * never necessarily the staging one), so the AWS adapter holds a CloudWatch client for that
 * region (DescribeAlarms with `AlarmTypes: ['CompositeAlarm', 'MetricAlarm']`).
 */
export interface QuorumAlarm {
  /** The alarm's current state; NotFoundError when no alarm has that name. */
  read(alarmName: string): Promise<AlarmReading>;
}

/** The staging region's Fargate On-Demand vCPU quota and what is in use of it. */
export interface FargateVcpuQuota {
  /** Applied quota value (Service Quotas `L-3032A538`, falling back to the AWS default). */
  readonly quota: number;
  /**
   * vCPU in use now (CloudWatch `AWS/Usage` `ResourceCount` for Fargate On-Demand vCPU, Maximum
   * over the last few minutes); undefined when the adapter cannot tell (counted as 0 then, with
   * a warning in the record).
   */
  readonly inUse?: number;
}

/** Reads quotas of the staging region (Service Quotas GetServiceQuota; read only). */
export interface QuotaReader {
  fargateVcpu(): Promise<FargateVcpuQuota>;
}

// ---------------------------------------------------------------------------------------------
// The plan, read in pages

/** How many services each wave holds. */
export interface PlanWaveSummary {
  readonly wave: number;
  readonly services: number;
}

/** A plan described without its entries (what travels in the execution payload). */
export interface PlanSummary {
  readonly planId: string;
  /** ISO-8601 UTC. */
  readonly generatedAt: string;
  readonly services: number;
  /** Sum of desired counts. */
  readonly tasks: number;
  /** Waves in order, empty waves omitted. */
  readonly waves: readonly PlanWaveSummary[];
  readonly warnings: readonly string[];
}

/** One page of a wave's entries. */
export interface PlanPage {
  /** Entries of the wave, ordered by service key. */
  readonly entries: readonly PlanEntry[];
  /** Opaque cursor of the next page; undefined on the last one. */
  readonly nextCursor?: string;
}

/**
 * The deployment plan read in pages, so no payload (and no Lambda) holds 5,000 entries at once.
 * Backed by the plan entries of the inventory table (`PlanRepository` writes them).
 */
export interface PlanPages {
  summary(): Promise<PlanSummary>;
  /** Up to `limit` entries of `wave`, after `cursor` (from the previous page). */
  page(wave: number, limit: number, cursor?: string): Promise<PlanPage>;
}

// ---------------------------------------------------------------------------------------------
// Deploying and waiting for steady

/** Target health counts of one target group (ELBv2 DescribeTargetHealth). */
export interface TargetHealthCounts {
  readonly targetGroupArn: string;
  /** `healthy` targets. */
  readonly healthy: number;
  /** Every other registered target (`initial`, `unhealthy`, `draining`, `unused`, …). */
  readonly other: number;
}

/** The ECS/ELB reads and the tag write the failover needs beyond `ContainerPlatform`. */
export interface FailoverPlatform {
  /**
   * DescribeServices for up to 10 services of one cluster (ECS's per-call limit; the caller
   * batches). Services ECS reports as missing or INACTIVE are listed in `missing`.
   */
  describeServices(
    cluster: string,
    serviceNames: readonly string[],
  ): Promise<{
    readonly services: readonly ServiceDescription[];
    readonly missing: readonly string[];
  }>;
  /** TagResource on a service ARN (the epoch tag); idempotent. */
  tagService(serviceArn: string, tags: readonly KeyValue[]): Promise<void>;
  /** DescribeTargetHealth of one target group; NotFoundError when it does not exist. */
  targetHealth(targetGroupArn: string): Promise<TargetHealthCounts>;
}

// ---------------------------------------------------------------------------------------------
// Traffic

/**
 * A pre-created Route 53 failover record pair whose PRIMARY record's health check is a
 * calculated check including a CloudWatch-alarm check on this metric: the failover publishes
 * `0` (primary out) and the handback `1` (primary in). Only PutMetricData is called during the
 * event: no Route 53 control-plane call.
 */
export interface Route53FailoverSignalRoute {
  readonly kind: 'route53-failover-signal';
  /** CloudWatch namespace of the signal metric, e.g. `Understudy/Traffic`. */
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly KeyValue[];
}

/** One regional endpoint of an ARC cluster (`DescribeCluster` `ClusterEndpoints`). */
export interface ArcClusterEndpoint {
  readonly endpoint: string;
  readonly region: string;
}

/**
 * ARC routing controls: the failover sets the staging control `On` and the primary's `Off`
 * (UpdateRoutingControlState on the data plane), trying the cluster's regional endpoints in turn
 * until one answers.
 */
export interface ArcRoutingControlRoute {
  readonly kind: 'arc-routing-control';
  readonly stagingRoutingControlArn: string;
  readonly primaryRoutingControlArn?: string;
  readonly clusterEndpoints: readonly ArcClusterEndpoint[];
}

/** How one service's traffic moves (per-service configuration). */
export type TrafficRoute = Route53FailoverSignalRoute | ArcRoutingControlRoute;

/** Which way traffic goes: to staging on failover, back to the primary on handback. */
export type TrafficDirection = 'to-staging' | 'to-primary';

/** What one switch did. */
export interface TrafficShift {
  readonly kind: TrafficRoute['kind'];
  readonly direction: TrafficDirection;
  /** The ARC endpoint that answered (ARC only). */
  readonly endpoint?: string;
  /** Endpoints tried, the answering one included (1 for Route 53). */
  readonly attempts: number;
}

/** Moves traffic with data-plane calls only. Idempotent: switching twice is harmless. */
export interface TrafficSwitch {
  shift(route: TrafficRoute, direction: TrafficDirection): Promise<TrafficShift>;
}

// ---------------------------------------------------------------------------------------------
// The RTO record

/** What became of one service in one failover. */
export type ServiceOutcomeStatus = 'deploying' | 'steady' | 'failed';

/** Why a service failed. */
export type ServiceFailureKind =
  | 'timeout'
  | 'circuit-breaker'
  | 'missing'
  | 'deploy-error'
  | 'traffic-error';

/** One service's line in the failover ledger (one DynamoDB item per service on AWS). */
export interface ServiceOutcome {
  readonly service: ServiceKey;
  readonly wave: number;
  readonly cluster: string;
  readonly serviceName: string;
  readonly serviceArn?: string;
  readonly taskDefinitionArn: string;
  readonly desiredCount: number;
  readonly targetGroupArns: readonly string[];
  readonly status: ServiceOutcomeStatus;
  /** ISO-8601 UTC of the UpdateService call. */
  readonly deployedAt?: string;
  readonly steadyAt?: string;
  readonly trafficSwitchedAt?: string;
  readonly failure?: { readonly kind: ServiceFailureKind; readonly message: string };
  readonly warnings: readonly string[];
}

/** Milestones of a failover, each recorded once (first write wins). */
export type FailoverMilestone =
  | 'detected'
  | 'started'
  | 'preflightDone'
  | 'approvalRequested'
  | 'approved'
  | 'declined'
  | 'leaseAcquired'
  | 'firstDeployCall'
  | 'allSteady'
  | 'trafficSwitched'
  | 'finished'
  // Handback milestones (records of kind 'handback'):
  | 'frozen'
  | 'primarySteady'
  | 'trafficBack'
  | 'scaledDown'
  | 'released';

/** One phase transition of the workflow (the record's `transitions`). */
export interface FailoverTransition {
  /** `preflight`, `approval`, `lease`, `wave-0:deploy`, `wave-0:steady`, `wave-0:traffic`, … */
  readonly phase: string;
  /** ISO-8601 UTC. */
  readonly at: string;
  readonly detail?: string;
}

/** How a failover ended. */
export type FailoverOutcome =
  | 'succeeded'
  | 'partial'
  | 'failed'
  | 'declined'
  | 'preflight-failed'
  | 'fenced'
  // Handback outcomes: the primary failed again mid-handback (`stopped`), or the handback could
  // not start (the shadow does not hold the lease, a stale epoch, the quorum not OK: `refused`).
  | 'stopped'
  | 'refused';

/** The record header (one DynamoDB item on AWS; the JSON report adds the service outcomes). */
export interface FailoverRecord {
  /** What the record is of. @default 'failover' (records written before handbacks existed) */
  readonly kind?: 'failover' | 'handback';
  readonly executionName: string;
  readonly executionArn: string;
  readonly alarmName: string;
  readonly mode: 'auto' | 'manual';
  readonly planId?: string;
  readonly epoch?: number;
  readonly approval?: {
    readonly decision: 'approved' | 'declined';
    readonly actor: string;
    readonly reason: string;
    readonly at: string;
  };
  /** ISO-8601 UTC per milestone reached. */
  readonly milestones: Readonly<Partial<Record<FailoverMilestone, string>>>;
  readonly transitions: readonly FailoverTransition[];
  readonly warnings: readonly string[];
  readonly outcome?: FailoverOutcome;
  readonly reason?: string;
  /** Set by `finish`: where the JSON report went (`s3://bucket/key` on AWS). */
  readonly reportUri?: string;
}

/** The summary `finish` stores with the record. */
export interface FailoverFinish {
  readonly outcome: FailoverOutcome;
  readonly reason: string;
  /** ISO-8601 UTC. */
  readonly at: string;
  readonly totals: {
    readonly services: number;
    readonly steady: number;
    readonly failed: number;
    readonly trafficSwitched: number;
  };
  /** Detection (alarm state change) to all steady, when every service became steady. */
  readonly allSteadySeconds?: number;
  /** Detection to the first UpdateService call. */
  readonly detectionToFirstDeploySeconds?: number;
  /** Detection to the end of the run. */
  readonly durationSeconds: number;
}

/**
 * The failover record: a header item, one item per service, and (on `finish`) a JSON report
 * of all of it to a KMS-encrypted S3 bucket, like ARC's execution reports. Every write is
 * idempotent, so a retried Lambda cannot double-count.
 */
export interface FailoverRecordStore {
  /**
   * Creates the record header; a no-op returning the stored one when the execution already has
   * a record (a retried pre-flight).
   */
  begin(
    record: Pick<FailoverRecord, 'executionName' | 'executionArn' | 'alarmName' | 'mode'> & {
      readonly detectedAt: string;
      readonly startedAt: string;
      /** @default 'failover' (stored only when given) */
      readonly kind?: FailoverRecord['kind'];
    },
  ): Promise<FailoverRecord>;
  /** The record header, or undefined. */
  get(executionName: string): Promise<FailoverRecord | undefined>;
  /**
   * Merges into the header: milestones only where not yet set (first write wins), transitions
   * and warnings appended unless an identical one is there, other fields set.
   */
  update(
    executionName: string,
    change: {
      readonly milestones?: Readonly<Partial<Record<FailoverMilestone, string>>>;
      readonly transitions?: readonly FailoverTransition[];
      readonly warnings?: readonly string[];
      readonly planId?: string;
      readonly epoch?: number;
      readonly approval?: FailoverRecord['approval'];
    },
  ): Promise<FailoverRecord>;
  /** Writes (replaces) service lines, keyed by execution and service. */
  putServices(executionName: string, outcomes: readonly ServiceOutcome[]): Promise<void>;
  /** Service lines of one wave (every wave when `wave` is undefined), ordered by service key. */
  listServices(
    executionName: string,
    filter?: { readonly wave?: number; readonly status?: ServiceOutcomeStatus },
  ): Promise<readonly ServiceOutcome[]>;
  /**
   * Stores the outcome on the header and writes the JSON report (header + every service line +
   * `finish`); returns the header with `reportUri`. Idempotent: a second call with the same
   * outcome rewrites the same report.
   */
  finish(executionName: string, finish: FailoverFinish): Promise<FailoverRecord>;
}
