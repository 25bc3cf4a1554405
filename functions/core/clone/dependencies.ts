/**
 * Dependency readiness: a clone stages images, task and service definitions and security
 * groups; everything else it refers to (data tier aside) must already exist in staging. This
 * module lists those references from the staged definitions and says whether all are present.
 */
import type { ServiceSpec, TaskDefinitionSpec } from '../model';
import { parseArn, splitSecretReference } from './arn';

/** Kinds of resource a staged service needs to pre-exist in staging. */
export type DependencyKind =
  | 'cluster'
  | 'role'
  | 'secret'
  | 'parameter'
  | 'log-group'
  | 'target-group'
  | 'kms-key'
  | 'namespace'
  | 'service-registry'
  | 'subnet'
  | 'security-group'
  | 'file-system'
  | 'capacity-provider';

/** One resource that must exist in staging, with the fields that refer to it. */
export interface Dependency {
  readonly kind: DependencyKind;
  /** ARN, name or id exactly as the staged definition uses it. */
  readonly id: string;
  /** Field paths that refer to it (for reasons an operator can act on). */
  readonly usedBy: readonly string[];
}

/** Key of a dependency in a `present` set: `<kind>:<id>`. */
export function dependencyKey(dependency: { readonly kind: string; readonly id: string }): string {
  return `${dependency.kind}:${dependency.id}`;
}

/** Inputs of {@link listDependencies}. */
export interface DependencyInput {
  readonly taskDefinition: TaskDefinitionSpec;
  readonly service: ServiceSpec;
  /**
   * KMS keys the service needs in staging (the keys its secrets, parameters, volumes or logs are
   * encrypted with). Task definitions do not name them, so config supplies them.
   */
  readonly kmsKeys?: readonly string[];
}

class Collector {
  private readonly byKey = new Map<
    string,
    { kind: DependencyKind; id: string; usedBy: string[] }
  >();

  public add(kind: DependencyKind, id: string | undefined, path: string): void {
    if (id === undefined || id === '') return;
    const key = dependencyKey({ kind, id });
    const existing = this.byKey.get(key);
    if (existing) existing.usedBy.push(path);
    else this.byKey.set(key, { kind, id, usedBy: [path] });
  }

  public list(): Dependency[] {
    return [...this.byKey.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, dependency]) => dependency);
  }
}

/** A secrets entry is a Secrets Manager secret or an SSM parameter (ARN or bare name). */
function secretDependency(valueFrom: string): { kind: DependencyKind; id: string } {
  const arn = parseArn(valueFrom);
  if (arn?.service === 'secretsmanager') {
    return { kind: 'secret', id: splitSecretReference(valueFrom).base };
  }
  return { kind: 'parameter', id: valueFrom };
}

/**
 * Everything the staged definitions refer to that the clone does not create: cluster, roles,
 * secrets and parameters, log groups (unless `awslogs-create-group` lets ECS create them),
 * target groups, namespace and service registries, subnets, security groups, EFS file systems,
 * custom capacity providers, and the configured KMS keys. Sorted, one entry per resource.
 */
export function listDependencies(input: DependencyInput): Dependency[] {
  const { taskDefinition, service } = input;
  const deps = new Collector();
  deps.add('cluster', service.cluster, 'service.cluster');
  deps.add('role', taskDefinition.executionRoleArn, 'executionRoleArn');
  deps.add('role', taskDefinition.taskRoleArn, 'taskRoleArn');
  for (const container of taskDefinition.containerDefinitions) {
    const path = `containerDefinitions[${container.name}]`;
    for (const secret of [
      ...(container.secrets ?? []),
      ...(container.logConfiguration?.secretOptions ?? []),
    ]) {
      const { kind, id } = secretDependency(secret.valueFrom);
      deps.add(kind, id, `${path}.secrets[${secret.name}]`);
    }
    const log = container.logConfiguration;
    if (log?.logDriver === 'awslogs' && log.options?.['awslogs-create-group'] !== 'true') {
      deps.add('log-group', log.options?.['awslogs-group'], `${path}.logConfiguration`);
    }
  }
  for (const volume of taskDefinition.volumes ?? []) {
    const efs = volume.efsVolumeConfiguration as { fileSystemId?: string } | undefined;
    deps.add('file-system', efs?.fileSystemId, `volumes[${String(volume.name)}]`);
  }
  for (const binding of service.loadBalancers ?? []) {
    deps.add('target-group', binding.targetGroupArn, `loadBalancers[${binding.containerName}]`);
  }
  deps.add('namespace', service.namespace, 'service.namespace');
  for (const registry of service.serviceRegistries ?? []) {
    deps.add('service-registry', registry.registryArn, 'service.serviceRegistries');
  }
  for (const subnet of service.networkConfiguration?.subnets ?? []) {
    deps.add('subnet', subnet, 'service.networkConfiguration.subnets');
  }
  for (const group of service.networkConfiguration?.securityGroups ?? []) {
    deps.add('security-group', group, 'service.networkConfiguration.securityGroups');
  }
  for (const item of service.capacityProviderStrategy ?? []) {
    if (item.capacityProvider === 'FARGATE' || item.capacityProvider === 'FARGATE_SPOT') continue;
    deps.add('capacity-provider', item.capacityProvider, 'service.capacityProviderStrategy');
  }
  for (const key of input.kmsKeys ?? []) deps.add('kms-key', key, 'config.kmsKeys');
  return deps.list();
}

/** Result of {@link readiness}. */
export type Readiness =
  | { readonly status: 'ready'; readonly missing: readonly []; readonly reasons: readonly [] }
  | {
      readonly status: 'not-ready';
      readonly missing: readonly Dependency[];
      readonly reasons: readonly string[];
    };

/**
 * Whether every dependency is present. `present` holds {@link dependencyKey} keys of what exists
 * in staging. Each missing one gives a reason naming it and the fields that need it.
 */
export function readiness(deps: readonly Dependency[], present: ReadonlySet<string>): Readiness {
  const missing = deps.filter((dependency) => !present.has(dependencyKey(dependency)));
  if (missing.length === 0) return { status: 'ready', missing: [], reasons: [] };
  return {
    status: 'not-ready',
    missing,
    reasons: missing.map(
      (dependency) =>
        `${dependency.kind} ${dependency.id} does not exist in staging (used by ${dependency.usedBy.join(', ')})`,
    ),
  };
}
