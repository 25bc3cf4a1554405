/**
 * Quota check of a deployment plan: can the staging account run the whole plan at once, and how
 * long do the ECS rate limits make it take? Shortfalls are warnings with numbers (and a metric
 * upstream), found while there is time to raise a quota — not errors found during a failover.
 */
import type { DeploymentPlan, ServiceKey, TaskDefinitionSpec } from '../model';

/** A token bucket: `burst` calls at once, then `ratePerSecond` sustained. */
export interface TokenBucket {
  readonly burst: number;
  readonly ratePerSecond: number;
}

/**
 * Fargate task launch rate per account and region: a token bucket of burst 100, sustained 20
 * tasks/s (On-Demand and Spot separately). Source: "Amazon ECS on AWS Fargate throttling quotas",
 * https://docs.aws.amazon.com/AmazonECS/latest/userguide/throttling.html (see LATENCY.md §1).
 */
export const ECS_TASK_LAUNCH_RATE: TokenBucket = { burst: 100, ratePerSecond: 20 };

/**
 * ECS "service modify" bucket shared by CreateService, UpdateService and DeleteService: burst
 * 50, sustained 5/s. Source: "Request throttling for the Amazon ECS API",
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/request-throttling.html (LATENCY.md §4).
 */
export const ECS_SERVICE_API_RATE: TokenBucket = { burst: 50, ratePerSecond: 5 };

/** What the staging account allows. */
export interface StagingQuotas {
  /** Fargate On-Demand vCPU quota of the staging region (Service Quotas code L-3032A538). */
  readonly fargateVcpu: number;
  /** vCPU already used in staging by other workloads (warm tasks count here). @default 0 */
  readonly fargateVcpuInUse?: number;
  /** @default ECS_TASK_LAUNCH_RATE */
  readonly taskLaunch?: TokenBucket;
  /** @default ECS_SERVICE_API_RATE */
  readonly serviceApi?: TokenBucket;
  /** ECS service API calls a failover makes per plan entry (UpdateService or CreateService). @default 1 */
  readonly callsPerService?: number;
}

/** Per-wave demand of a plan. */
export interface WaveLoad {
  readonly wave: number;
  readonly tasks: number;
  readonly vcpu: number;
}

/** Outcome of {@link checkPlanQuotas}. */
export interface QuotaCheck {
  readonly tasks: number;
  /** Sum over entries of desired count × task vCPU (entries of unknown vCPU excluded). */
  readonly requiredVcpu: number;
  /** Quota minus what is already in use. */
  readonly availableVcpu: number;
  /** How many vCPU the quota is short by (0 when it fits). */
  readonly vcpuShortfall: number;
  /** Seconds the task launch rate needs to start every task (lower bound: bucket full at start). */
  readonly taskLaunchSeconds: number;
  readonly serviceCalls: number;
  /** Seconds the service API rate needs for every call (same lower bound). */
  readonly serviceCallSeconds: number;
  readonly waves: readonly WaveLoad[];
  /** Services whose task vCPU was not given; they are not counted in `requiredVcpu`. */
  readonly unknownVcpu: readonly ServiceKey[];
  readonly warnings: readonly string[];
}

/**
 * Seconds a token bucket needs to serve `count` calls when it starts full: the first `burst`
 * are immediate, the rest arrive at the sustained rate.
 */
export function secondsToServe(count: number, bucket: TokenBucket): number {
  if (count <= bucket.burst) return 0;
  return (count - bucket.burst) / bucket.ratePerSecond;
}

/**
 * vCPU of one task: the task-level `cpu` (CPU units, `"1024"`, or `"1 vCPU"`), else the sum of
 * container `cpu` units; undefined when neither is set.
 */
export function taskVcpuOf(
  spec: Pick<TaskDefinitionSpec, 'cpu' | 'containerDefinitions'>,
): number | undefined {
  if (spec.cpu !== undefined) {
    const text = spec.cpu.trim();
    const vcpu = /^([\d.]+)\s*vcpu$/i.exec(text);
    if (vcpu) return Number(vcpu[1]);
    const units = Number(text);
    if (Number.isFinite(units) && units > 0) return units / 1024;
  }
  const units = spec.containerDefinitions.reduce((sum, container) => sum + (container.cpu ?? 0), 0);
  return units > 0 ? units / 1024 : undefined;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

/**
 * Checks whether staging can hold `plan`: Fargate vCPU (sum of desired × task vCPU against the
 * quota left), the task launch rate and the service API rate (seconds of calls). `taskVcpu` gives
 * the vCPU of one task per service (see {@link taskVcpuOf}).
 */
export function checkPlanQuotas(
  plan: Pick<DeploymentPlan, 'entries'>,
  taskVcpu: Readonly<Record<ServiceKey, number>>,
  quotas: StagingQuotas,
): QuotaCheck {
  const launch = quotas.taskLaunch ?? ECS_TASK_LAUNCH_RATE;
  const api = quotas.serviceApi ?? ECS_SERVICE_API_RATE;
  const unknownVcpu: ServiceKey[] = [];
  const waves = new Map<number, { tasks: number; vcpu: number }>();
  let tasks = 0;
  let requiredVcpu = 0;
  for (const entry of plan.entries) {
    const vcpu = taskVcpu[entry.service];
    const load = waves.get(entry.wave) ?? { tasks: 0, vcpu: 0 };
    load.tasks += entry.desiredCount;
    tasks += entry.desiredCount;
    if (vcpu === undefined) unknownVcpu.push(entry.service);
    else {
      load.vcpu += entry.desiredCount * vcpu;
      requiredVcpu += entry.desiredCount * vcpu;
    }
    waves.set(entry.wave, load);
  }
  const availableVcpu = Math.max(0, quotas.fargateVcpu - (quotas.fargateVcpuInUse ?? 0));
  const vcpuShortfall = Math.max(0, requiredVcpu - availableVcpu);
  const taskLaunchSeconds = secondsToServe(tasks, launch);
  const serviceCalls = plan.entries.length * (quotas.callsPerService ?? 1);
  const serviceCallSeconds = secondsToServe(serviceCalls, api);

  const warnings: string[] = [];
  if (vcpuShortfall > 0) {
    warnings.push(
      `plan needs ${round(requiredVcpu)} Fargate vCPU but staging has ${round(availableVcpu)} available: short by ${round(vcpuShortfall)} (raise quota L-3032A538)`,
    );
  }
  if (taskLaunchSeconds > 0) {
    warnings.push(
      `${tasks} tasks exceed the launch burst of ${launch.burst}: at least ${round(taskLaunchSeconds)} s to launch them all`,
    );
  }
  if (serviceCallSeconds > 0) {
    warnings.push(
      `${serviceCalls} service calls exceed the API burst of ${api.burst}: at least ${round(serviceCallSeconds)} s of calls`,
    );
  }
  if (unknownVcpu.length > 0) {
    warnings.push(`task vCPU unknown, not counted: ${unknownVcpu.join(', ')}`);
  }
  return {
    tasks,
    requiredVcpu,
    availableVcpu,
    vcpuShortfall,
    taskLaunchSeconds,
    serviceCalls,
    serviceCallSeconds,
    waves: [...waves.entries()]
      .sort(([a], [b]) => a - b)
      .map(([wave, load]) => ({ wave, tasks: load.tasks, vcpu: load.vcpu })),
    unknownVcpu,
    warnings,
  };
}
