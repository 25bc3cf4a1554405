/**
 * Capacity: how many ECS tasks a failover deploys for a service, from a demand quantile.
 *
 * Formula. For each demand signal, `tasks = ceil(demand / (perTaskCapacity × targetUtilization))`
 * and the desired count is the largest over signals, clamped to [min, max]:
 *
 * - CPU units (1024 = 1 vCPU): per-task capacity is the task definition's `cpu`.
 * - Memory MiB: per-task capacity is the task definition's `memory`.
 * - Requests (per period, the unit the forecast uses): per-task capacity is declared per service.
 * - Utilisation percent (ECS `CPUUtilization` / `MemoryUtilization` of a *service*): ECS reports
 *   `100 × Σ used / Σ reserved` over the running tasks, so the total demand is
 *   `percent / 100 × runningTasks × perTaskCapacity` and therefore
 *   `tasks = ceil(percent / 100 × runningTasks / targetUtilization)` — per-task capacity cancels.
 *
 * Example: CPU p90 of 90 % on 4 running tasks with a 60 % target → 0.9 × 4 / 0.6 = 6 tasks.
 */
import { ValidationError } from './errors';
import type { Forecast, ResourceMetric, TaskDefinitionSpec } from './model';

/** What one task can serve. */
export interface TaskCapacity {
  /** CPU units per task (1024 = 1 vCPU), from the task definition. */
  readonly cpuUnits?: number;
  /** Memory MiB per task, from the task definition. */
  readonly memoryMiB?: number;
  /** Requests per period one task serves at 100 % (declared per service; not in ECS). */
  readonly requestsPerTask?: number;
}

/** A demand figure for one resource (typically a forecast quantile's peak over the horizon). */
export type DemandSignal =
  | { readonly kind: 'cpu-units'; readonly units: number }
  | { readonly kind: 'memory-mib'; readonly mib: number }
  | { readonly kind: 'requests'; readonly requests: number }
  | {
      readonly kind: 'cpu-percent' | 'memory-percent';
      /** Service-level utilisation, 0–100 (can exceed 100 for CPU bursting on EC2). */
      readonly percent: number;
      /** Tasks running when the percentage was measured (the history's task count). */
      readonly runningTasks: number;
    };

/** Input of {@link desiredCount}. */
export interface CapacityInput {
  readonly signals: readonly DemandSignal[];
  readonly task: TaskCapacity;
  /** Fraction of per-task capacity to plan for, in (0, 1], e.g. 0.6. */
  readonly targetUtilization: number;
  readonly minCount: number;
  readonly maxCount: number;
}

/** How one signal translated into tasks. */
export interface SignalCapacity {
  readonly kind: DemandSignal['kind'];
  /** Tasks this signal alone needs (before bounds), fractional. */
  readonly tasks: number;
}

/** A desired count and why. */
export interface CapacityResult {
  readonly desiredCount: number;
  /** The count before clamping to [min, max]. */
  readonly unbounded: number;
  /** Signal that set the count (largest need), if any. */
  readonly binding?: DemandSignal['kind'];
  /** Set when min or max overrode the demand. */
  readonly clampedBy?: 'min' | 'max';
  readonly perSignal: readonly SignalCapacity[];
}

/**
 * Float noise guard, relative so that any positive demand still needs a task: 0.9 × 4 / 0.6 is
 * 6.000000000000001 in binary floating point, which must not become 7 tasks.
 */
const RELATIVE_EPSILON = 1e-12;

function requirePositive(issues: string[], name: string, value: number | undefined): number {
  if (value === undefined || !(Number.isFinite(value) && value > 0)) {
    issues.push(`${name} must be a positive number (got ${value})`);
    return Number.NaN;
  }
  return value;
}

function tasksFor(
  signal: DemandSignal,
  task: TaskCapacity,
  target: number,
  issues: string[],
): number {
  const nonNegative = (name: string, value: number): number => {
    if (!(Number.isFinite(value) && value >= 0)) {
      issues.push(`${signal.kind}: ${name} must be a finite number ≥ 0 (got ${value})`);
      return 0;
    }
    return value;
  };
  switch (signal.kind) {
    case 'cpu-units':
      return (
        nonNegative('units', signal.units) /
        (requirePositive(issues, 'task.cpuUnits', task.cpuUnits) * target)
      );
    case 'memory-mib':
      return (
        nonNegative('mib', signal.mib) /
        (requirePositive(issues, 'task.memoryMiB', task.memoryMiB) * target)
      );
    case 'requests':
      return (
        nonNegative('requests', signal.requests) /
        (requirePositive(issues, 'task.requestsPerTask', task.requestsPerTask) * target)
      );
    case 'cpu-percent':
    case 'memory-percent':
      return (
        ((nonNegative('percent', signal.percent) / 100) *
          nonNegative('runningTasks', signal.runningTasks)) /
        target
      );
  }
}

/**
 * ECS desired count for a demand: the largest need over the signals, clamped to [min, max]. With
 * no signals the count is `minCount`.
 *
 * @throws ValidationError naming each bad field (bounds, target, capacity a signal needs).
 */
export function desiredCount(input: CapacityInput): CapacityResult {
  const issues: string[] = [];
  const { minCount, maxCount, targetUtilization } = input;
  if (!(Number.isInteger(minCount) && minCount >= 0))
    issues.push(`minCount ${minCount} must be an integer ≥ 0`);
  if (!(Number.isInteger(maxCount) && maxCount >= minCount)) {
    issues.push(`maxCount ${maxCount} must be an integer ≥ minCount (${minCount})`);
  }
  if (!(Number.isFinite(targetUtilization) && targetUtilization > 0 && targetUtilization <= 1)) {
    issues.push(`targetUtilization ${targetUtilization} must be in (0, 1]`);
  }
  const perSignal = input.signals.map((signal) => ({
    kind: signal.kind,
    tasks: tasksFor(signal, input.task, targetUtilization, issues),
  }));
  if (issues.length) throw new ValidationError('invalid capacity input', issues);

  let binding: SignalCapacity | undefined;
  for (const entry of perSignal) if (!binding || entry.tasks > binding.tasks) binding = entry;
  const unbounded = binding ? Math.max(0, Math.ceil(binding.tasks * (1 - RELATIVE_EPSILON))) : 0;
  const desired = Math.min(maxCount, Math.max(minCount, unbounded));
  let clampedBy: CapacityResult['clampedBy'];
  if (unbounded < minCount) clampedBy = 'min';
  else if (unbounded > maxCount) clampedBy = 'max';
  return {
    desiredCount: desired,
    unbounded,
    ...(binding ? { binding: binding.kind } : {}),
    ...(clampedBy ? { clampedBy } : {}),
    perSignal,
  };
}

/**
 * Per-task CPU units and memory from a task definition: the task-level `cpu`/`memory` (Fargate
 * always sets them), else the sum over containers (`memory`, or `memoryReservation`).
 */
export function taskCapacityOf(spec: TaskDefinitionSpec, requestsPerTask?: number): TaskCapacity {
  const sum = (
    pick: (c: TaskDefinitionSpec['containerDefinitions'][number]) => number | undefined,
  ) => spec.containerDefinitions.reduce((total, c) => total + (pick(c) ?? 0), 0);
  const cpu = spec.cpu !== undefined ? Number(spec.cpu) : sum((c) => c.cpu);
  const memory =
    spec.memory !== undefined ? Number(spec.memory) : sum((c) => c.memory ?? c.memoryReservation);
  return {
    ...(cpu > 0 ? { cpuUnits: cpu } : {}),
    ...(memory > 0 ? { memoryMiB: memory } : {}),
    ...(requestsPerTask !== undefined ? { requestsPerTask } : {}),
  };
}

/** The largest value over the horizon of one quantile level of a forecast. */
export function quantilePeak(forecast: Forecast, level: number): number {
  const entry = Object.entries(forecast.quantiles).find(([key]) => Number(key) === level);
  if (!entry) {
    throw new ValidationError(
      `forecast of ${forecast.service} ${forecast.metric} has no ${level} quantile`,
      [`levels present: ${Object.keys(forecast.quantiles).join(', ')}`],
    );
  }
  return entry[1].reduce((max, value) => Math.max(max, value), 0);
}

/** Input of {@link desiredCountFromForecasts}. */
export interface ForecastCapacityInput {
  /** Latest forecasts of the service (any metrics; those without a capacity meaning are ignored). */
  readonly forecasts: readonly Forecast[];
  /** Quantile level planned for. @default 0.9 */
  readonly level?: number;
  /** Tasks running over the forecast's history (to turn utilisation % into demand). */
  readonly runningTasks: number;
  readonly task: TaskCapacity;
  readonly targetUtilization: number;
  readonly minCount: number;
  readonly maxCount: number;
  /**
   * The `requestRate` forecast is ALB `RequestCountPerTarget` (per task) rather than a total, so
   * it is multiplied by `runningTasks`. @default true (what the metric queries read)
   */
  readonly requestRatePerTarget?: boolean;
}

const SIGNAL_OF: Partial<Record<ResourceMetric, true>> = {
  cpu: true,
  memory: true,
  requestRate: true,
};

/**
 * The desired count a deployment plan uses: the chosen quantile's peak over the horizon of the
 * CPU and memory utilisation forecasts (and the request-rate forecast when the task's request
 * capacity is declared), through {@link desiredCount}.
 */
export function desiredCountFromForecasts(input: ForecastCapacityInput): CapacityResult {
  const level = input.level ?? 0.9;
  const signals: DemandSignal[] = [];
  for (const forecast of input.forecasts) {
    if (!SIGNAL_OF[forecast.metric]) continue;
    const peak = quantilePeak(forecast, level);
    if (forecast.metric === 'cpu') {
      signals.push({ kind: 'cpu-percent', percent: peak, runningTasks: input.runningTasks });
    } else if (forecast.metric === 'memory') {
      signals.push({ kind: 'memory-percent', percent: peak, runningTasks: input.runningTasks });
    } else if (input.task.requestsPerTask !== undefined) {
      const perTarget = input.requestRatePerTarget ?? true;
      signals.push({ kind: 'requests', requests: perTarget ? peak * input.runningTasks : peak });
    }
  }
  return desiredCount({
    signals,
    task: input.task,
    targetUtilization: input.targetUtilization,
    minCount: input.minCount,
    maxCount: input.maxCount,
  });
}
