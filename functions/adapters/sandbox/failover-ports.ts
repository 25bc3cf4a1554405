/**
 * Sandbox implementations of the failover ports (`core/failover/ports.ts`). The ECS/ELB, quota,
 * alarm and traffic ones go through `SandboxCloud.call`, so they are timed, rate limited, logged
 * and can fail like the AWS calls they name; the plan pages wrap the real plan repository; the
 * record store keeps the record in memory (the DynamoDB + S3 one is an AWS adapter).
 */
import { NotFoundError, ValidationError } from '../../core/errors';
import { summarisePlan } from '../../core/failover/plan-summary';
import type {
  AlarmReading,
  AlarmStateValue,
  FailoverFinish,
  FailoverPlatform,
  FailoverRecord,
  FailoverRecordStore,
  FailoverTransition,
  FargateVcpuQuota,
  PlanPage,
  PlanPages,
  PlanSummary,
  QuorumAlarm,
  QuotaReader,
  ServiceOutcome,
  ServiceOutcomeStatus,
  TargetHealthCounts,
  TrafficDirection,
  TrafficRoute,
  TrafficShift,
  TrafficSwitch,
} from '../../core/failover/ports';
import type {
  DeploymentPlan,
  KeyValue,
  Location,
  PlanEntry,
  ServiceDescription,
} from '../../core/model';
import type { Clock, PlanRepository } from '../../core/ports';
import type { SandboxCloud } from './sandbox-cloud';

/** The quorum's composite alarm in the health region. */
export class SandboxQuorumAlarm implements QuorumAlarm {
  private readonly alarms = new Map<string, AlarmReading>();

  public constructor(
    private readonly cloud: SandboxCloud,
    /** The health region's location (never the primary's). */
    public readonly location: Location,
  ) {}

  /** Sets an alarm's state as of now (seeding; no API call). */
  public set(name: string, state: AlarmStateValue, stateChangeTime?: string): AlarmReading {
    const reading = {
      name,
      state,
      stateChangeTime: stateChangeTime ?? new Date(this.cloud.clock.now()).toISOString(),
    };
    this.alarms.set(name, reading);
    return reading;
  }

  /** DescribeAlarms for one alarm name. */
  public read(alarmName: string): Promise<AlarmReading> {
    return this.cloud.call(this.location, 'cloudwatch:DescribeAlarms', () => {
      const reading = this.alarms.get(alarmName);
      if (!reading) throw new NotFoundError('alarm', alarmName);
      return { ...reading };
    });
  }
}

/** Service Quotas' view of the cloud's Fargate vCPU capacity (see `SandboxCloud.fargateCapacity`). */
export class SandboxQuotaReader implements QuotaReader {
  public constructor(
    private readonly cloud: SandboxCloud,
    public readonly location: Location,
  ) {}

  /** GetServiceQuota L-3032A538 (an unlimited sandbox quota reads as 1,000,000). */
  public fargateVcpu(): Promise<FargateVcpuQuota> {
    return this.cloud.call(this.location, 'servicequotas:GetServiceQuota', () => {
      const capacity = this.cloud.fargateCapacity(this.location);
      return {
        quota: Number.isFinite(capacity.quota) ? capacity.quota : 1_000_000,
        inUse: capacity.inUse,
      };
    });
  }
}

/**
 * Pages of the plan the clone pipeline stored. Reads the whole plan once per instance and slices
 * it (the repository has no paged read); the cursor is the last service key of the page.
 */
export class RepositoryPlanPages implements PlanPages {
  private plan: Promise<DeploymentPlan> | undefined;

  public constructor(private readonly plans: Pick<PlanRepository, 'getPlan'>) {}

  private load(): Promise<DeploymentPlan> {
    this.plan ??= this.plans.getPlan();
    return this.plan;
  }

  /** The plan's size per wave. */
  public async summary(): Promise<PlanSummary> {
    const plan = await this.load();
    return summarisePlan(plan);
  }

  /** Entries of `wave` after `cursor`, by service key. */
  public async page(wave: number, limit: number, cursor?: string): Promise<PlanPage> {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ValidationError('invalid page', [`limit ${limit} is not a positive integer`]);
    }
    const plan = await this.load();
    const entries: PlanEntry[] = plan.entries
      .filter((entry) => entry.wave === wave && (cursor === undefined || entry.service > cursor))
      .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
    const page = entries.slice(0, limit);
    const last = page.at(-1);
    return entries.length > limit && last
      ? { entries: page, nextCursor: last.service }
      : { entries: page };
  }
}

/** ECS DescribeServices/TagResource and ELB DescribeTargetHealth in one sandbox location. */
export class SandboxFailoverPlatform implements FailoverPlatform {
  public constructor(
    private readonly cloud: SandboxCloud,
    public readonly location: Location,
  ) {}

  private get ecs() {
    return this.cloud.state(this.location).ecs;
  }

  /** One DescribeServices call (≤ 10 names, as ECS allows). */
  public describeServices(
    cluster: string,
    serviceNames: readonly string[],
  ): Promise<{ services: readonly ServiceDescription[]; missing: readonly string[] }> {
    if (serviceNames.length === 0 || serviceNames.length > 10) {
      throw new ValidationError('invalid DescribeServices', [
        `services must hold 1 to 10 names, got ${serviceNames.length}`,
      ]);
    }
    return this.cloud.call(this.location, 'ecs:DescribeServices', () => {
      const services: ServiceDescription[] = [];
      const missing: string[] = [];
      const now = this.cloud.clock.now();
      for (const name of serviceNames) {
        try {
          services.push(this.ecs.describeService(cluster, name, now));
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
          missing.push(name);
        }
      }
      return { services, missing };
    });
  }

  /** TagResource on a service (the sandbox keeps the tags on the service spec). */
  public async tagService(serviceArn: string, tags: readonly KeyValue[]): Promise<void> {
    await this.cloud.call(this.location, 'ecs:TagResource', () => {
      this.ecs.tagService(serviceArn, tags);
    });
  }

  /** DescribeTargetHealth, counted from the tasks of the services behind the group. */
  public targetHealth(targetGroupArn: string): Promise<TargetHealthCounts> {
    return this.cloud.call(this.location, 'elasticloadbalancing:DescribeTargetHealth', () => {
      const health = this.ecs.targetHealth(targetGroupArn, this.cloud.clock.now());
      return { targetGroupArn, healthy: health.healthy, other: health.other };
    });
  }
}

/** Where a {@link SandboxTrafficSwitch} sent each route. */
export interface TrafficState {
  readonly route: TrafficRoute;
  readonly direction: TrafficDirection;
  readonly at: string;
}

/**
 * Traffic switching: PutMetricData of the Route 53 signal (value 0 to staging, 1 back) or
 * UpdateRoutingControlState against each ARC cluster endpoint in turn (an endpoint whose region
 * is dark fails and the next is tried, as the ARC data-plane guidance says).
 */
export class SandboxTrafficSwitch implements TrafficSwitch {
  /** Current direction per route id. */
  public readonly routes = new Map<string, TrafficState>();

  public constructor(
    private readonly cloud: SandboxCloud,
    /** Where the signal metric is published (the staging region). */
    public readonly location: Location,
  ) {}

  /** Stable id of a route. */
  public static idOf(route: TrafficRoute): string {
    return route.kind === 'route53-failover-signal'
      ? `${route.namespace}/${route.metricName}/${route.dimensions.map((d) => `${d.name}=${d.value}`).join(',')}`
      : route.stagingRoutingControlArn;
  }

  /** Switches one route. */
  public async shift(route: TrafficRoute, direction: TrafficDirection): Promise<TrafficShift> {
    const record = () =>
      this.routes.set(SandboxTrafficSwitch.idOf(route), {
        route,
        direction,
        at: new Date(this.cloud.clock.now()).toISOString(),
      });
    if (route.kind === 'route53-failover-signal') {
      await this.cloud.call(this.location, 'cloudwatch:PutMetricData', record);
      return { kind: route.kind, direction, attempts: 1 };
    }
    let attempts = 0;
    let lastError: unknown;
    for (const endpoint of route.clusterEndpoints) {
      attempts += 1;
      try {
        await this.cloud.call(
          { account: this.location.account, region: endpoint.region },
          'route53-recovery-cluster:UpdateRoutingControlState',
          record,
        );
        return { kind: route.kind, direction, endpoint: endpoint.endpoint, attempts };
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError instanceof Error ? lastError : new Error('no ARC cluster endpoint answered');
  }
}

/** The failover record kept in memory (one record per execution name). */
export class MemoryFailoverRecordStore implements FailoverRecordStore {
  private readonly records = new Map<string, FailoverRecord>();
  private readonly services = new Map<string, Map<string, ServiceOutcome>>();
  /** Every JSON report written, by URI. */
  public readonly reports = new Map<string, unknown>();

  public constructor(private readonly clock: Clock) {}

  /** Creates the header (a no-op when it exists). */
  public async begin(
    record: Pick<FailoverRecord, 'executionName' | 'executionArn' | 'alarmName' | 'mode'> & {
      readonly detectedAt: string;
      readonly startedAt: string;
      readonly kind?: FailoverRecord['kind'];
    },
  ): Promise<FailoverRecord> {
    const existing = this.records.get(record.executionName);
    if (existing) return structuredClone(existing);
    const created: FailoverRecord = {
      ...(record.kind ? { kind: record.kind } : {}),
      executionName: record.executionName,
      executionArn: record.executionArn,
      alarmName: record.alarmName,
      mode: record.mode,
      milestones: { detected: record.detectedAt, started: record.startedAt },
      transitions: [{ phase: 'started', at: record.startedAt }],
      warnings: [],
    };
    this.records.set(record.executionName, created);
    return structuredClone(created);
  }

  /** The header. */
  public async get(executionName: string): Promise<FailoverRecord | undefined> {
    const record = this.records.get(executionName);
    return record ? structuredClone(record) : undefined;
  }

  /** Merges a change (milestones first-write-wins, lists appended without duplicates). */
  public async update(
    executionName: string,
    change: Parameters<FailoverRecordStore['update']>[1],
  ): Promise<FailoverRecord> {
    const record = this.records.get(executionName);
    if (!record) throw new NotFoundError('failover record', executionName);
    const same = (a: FailoverTransition, b: FailoverTransition) =>
      a.phase === b.phase && a.at === b.at && a.detail === b.detail;
    const milestones = { ...record.milestones };
    for (const [name, at] of Object.entries(change.milestones ?? {})) {
      const key = name as keyof typeof milestones;
      if (milestones[key] === undefined && at !== undefined) milestones[key] = at;
    }
    const next: FailoverRecord = {
      ...record,
      milestones,
      transitions: [
        ...record.transitions,
        ...(change.transitions ?? []).filter((t) => !record.transitions.some((r) => same(r, t))),
      ],
      warnings: [
        ...record.warnings,
        ...(change.warnings ?? []).filter((w) => !record.warnings.includes(w)),
      ],
      ...(change.planId === undefined ? {} : { planId: change.planId }),
      ...(change.epoch === undefined ? {} : { epoch: change.epoch }),
      ...(change.approval === undefined ? {} : { approval: change.approval }),
    };
    this.records.set(executionName, next);
    return structuredClone(next);
  }

  /** Replaces service lines. */
  public async putServices(
    executionName: string,
    outcomes: readonly ServiceOutcome[],
  ): Promise<void> {
    const lines = this.services.get(executionName) ?? new Map<string, ServiceOutcome>();
    for (const outcome of outcomes) lines.set(outcome.service, structuredClone(outcome));
    this.services.set(executionName, lines);
  }

  /** Service lines, by service key. */
  public async listServices(
    executionName: string,
    filter: { readonly wave?: number; readonly status?: ServiceOutcomeStatus } = {},
  ): Promise<readonly ServiceOutcome[]> {
    return [...(this.services.get(executionName)?.values() ?? [])]
      .filter(
        (line) =>
          (filter.wave === undefined || line.wave === filter.wave) &&
          (filter.status === undefined || line.status === filter.status),
      )
      .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0))
      .map((line) => structuredClone(line));
  }

  /** Stores the outcome and the JSON report (`memory://failover-reports/<name>.json`). */
  public async finish(executionName: string, finish: FailoverFinish): Promise<FailoverRecord> {
    const record = this.records.get(executionName);
    if (!record) throw new NotFoundError('failover record', executionName);
    const reportUri = `memory://failover-reports/${executionName}.json`;
    const next: FailoverRecord = {
      ...record,
      outcome: finish.outcome,
      reason: finish.reason,
      reportUri,
    };
    this.records.set(executionName, next);
    this.reports.set(
      reportUri,
      JSON.parse(
        JSON.stringify({
          record: next,
          services: await this.listServices(executionName),
          finish,
          writtenAt: new Date(this.clock.now()).toISOString(),
        }),
      ),
    );
    return structuredClone(next);
  }
}
