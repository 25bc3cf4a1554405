/**
 * Deployment plans: which clone version of each service to deploy, where, with how many tasks,
 * and in what order. Order comes from `dependsOn` as waves: a service starts in the wave after
 * the last of its dependencies, so a failover deploys independent services together and never a
 * service before what it needs.
 */
import { ValidationError } from '../errors';
import type { CloneVersion, DeploymentPlan, PlanEntry, ServiceKey } from '../model';
import { taskVcpuOf } from './quota';

/** `dependsOn` loops back on itself; `cycle` lists it in order, first service repeated last. */
export class PlanCycleError extends ValidationError {
  public constructor(
    public readonly cycle: readonly ServiceKey[],
    options?: ErrorOptions,
  ) {
    super('deployment plan dependencies form a cycle', [cycle.join(' -> ')], options);
    this.name = 'PlanCycleError';
  }
}

/** A service depends on one that is not in the plan. */
export class UnknownDependencyError extends ValidationError {
  public constructor(
    public readonly service: ServiceKey,
    public readonly dependency: ServiceKey,
    options?: ErrorOptions,
  ) {
    super(
      'deployment plan names an unknown dependency',
      [`${service} depends on ${dependency}, which is not in the plan`],
      options,
    );
    this.name = 'UnknownDependencyError';
  }
}

/**
 * Wave of every service: 0 without dependencies, else one more than its latest dependency.
 *
 * @throws UnknownDependencyError when a dependency is not a key of `graph`.
 * @throws PlanCycleError naming the cycle when there is one (a self-dependency included).
 */
export function computeWaves(
  graph: Readonly<Record<ServiceKey, readonly ServiceKey[]>>,
): Record<ServiceKey, number> {
  const waves: Record<ServiceKey, number> = {};
  const onPath: ServiceKey[] = [];
  const visiting = new Set<ServiceKey>();

  const visit = (service: ServiceKey): number => {
    const known = waves[service];
    if (known !== undefined) return known;
    if (visiting.has(service)) {
      const start = onPath.indexOf(service);
      throw new PlanCycleError([...onPath.slice(start), service]);
    }
    visiting.add(service);
    onPath.push(service);
    let wave = 0;
    for (const dependency of [...new Set(graph[service] ?? [])].sort()) {
      if (!Object.hasOwn(graph, dependency)) throw new UnknownDependencyError(service, dependency);
      wave = Math.max(wave, visit(dependency) + 1);
    }
    onPath.pop();
    visiting.delete(service);
    waves[service] = wave;
    return wave;
  };

  for (const service of Object.keys(graph).sort()) visit(service);
  return waves;
}

/** One service's input to a plan. */
export interface PlanServiceInput {
  /** The effective clone version (pinned, else latest validated). */
  readonly clone: Pick<CloneVersion, 'service' | 'version' | 'status' | 'content'>;
  /** Tasks to run in staging on failover (from the forecast quantile, computed elsewhere). */
  readonly desiredCount: number;
  /** Services that must be stable before this one starts. */
  readonly dependsOn?: readonly ServiceKey[];
}

/** Inputs of {@link buildDeploymentPlan}. */
export interface PlanInput {
  readonly planId: string;
  /** ISO-8601 UTC (time comes in from the caller's Clock). */
  readonly generatedAt: string;
  readonly services: readonly PlanServiceInput[];
}

/**
 * The plan entry of one service in `wave` (see {@link computeWaves}): what the clone-validate-store
 * pipeline writes when it refreshes a single service's entry.
 */
export function planEntry(service: PlanServiceInput, wave: number): PlanEntry {
  const { clone } = service;
  const definition = clone.content.serviceDefinition;
  // Partial clones (older callers, tests) may lack a task definition: vCPU is unknown then.
  const taskVcpu = clone.content.taskDefinition
    ? taskVcpuOf(clone.content.taskDefinition)
    : undefined;
  return {
    service: clone.service,
    cloneVersion: clone.version,
    cluster: definition.cluster,
    taskDefinitionArn: clone.content.stagedTaskDefinitionArn,
    desiredCount: service.desiredCount,
    ...(definition.networkConfiguration
      ? { networkConfiguration: definition.networkConfiguration }
      : {}),
    ...(definition.loadBalancers ? { loadBalancers: definition.loadBalancers } : {}),
    dependsOn: [...new Set(service.dependsOn ?? [])].sort(),
    wave,
    ...(definition?.serviceName ? { serviceName: definition.serviceName } : {}),
    ...(taskVcpu === undefined ? {} : { taskVcpu }),
    ...(definition.scaling ? { scaling: definition.scaling } : {}),
  };
}

/**
 * Builds a deployment plan: one entry per service, waves from `dependsOn`, entries ordered by
 * wave then service. A clone that is not `validated` (e.g. a pinned version that went stale) is
 * planned with a warning rather than dropped: the operator pinned it on purpose.
 *
 * @throws ValidationError for a duplicate service or a desired count that is not a
 *   non-negative integer; UnknownDependencyError; PlanCycleError.
 */
export function buildDeploymentPlan(input: PlanInput): DeploymentPlan {
  const issues: string[] = [];
  const graph: Record<ServiceKey, readonly ServiceKey[]> = {};
  for (const service of input.services) {
    const key = service.clone.service;
    if (Object.hasOwn(graph, key)) issues.push(`${key}: listed more than once`);
    if (!Number.isInteger(service.desiredCount) || service.desiredCount < 0) {
      issues.push(`${key}.desiredCount: ${service.desiredCount} is not a non-negative integer`);
    }
    graph[key] = service.dependsOn ?? [];
  }
  if (issues.length > 0) throw new ValidationError('deployment plan input is invalid', issues);
  const waves = computeWaves(graph);

  const warnings = input.services
    .filter(({ clone }) => clone.status !== 'validated')
    .map(({ clone }) => `${clone.service}: clone version ${clone.version} is ${clone.status}`);
  const entries = input.services.map((service) =>
    planEntry(service, waves[service.clone.service] ?? 0),
  );
  entries.sort(
    (a, b) => a.wave - b.wave || (a.service < b.service ? -1 : a.service > b.service ? 1 : 0),
  );
  return { planId: input.planId, generatedAt: input.generatedAt, entries, warnings };
}

/** The services of a plan grouped by wave, wave 0 first. */
export function planWaves(plan: Pick<DeploymentPlan, 'entries'>): ServiceKey[][] {
  const waves: ServiceKey[][] = [];
  for (const entry of plan.entries) {
    const wave = waves[entry.wave] ?? [];
    wave.push(entry.service);
    waves[entry.wave] = wave;
  }
  return Array.from(waves, (wave) => (wave ?? []).sort());
}
