/**
 * Service definitions: what turns a staged task definition into a running service in staging.
 * Network placement, load-balancer bindings, service discovery and capacity are translated with
 * the same rule as task definitions — mapped, kept when valid in staging, or refused with the
 * path of every problem. The desired count is left at zero: the deployment plan sets it.
 */
import type {
  CapacityProviderItem,
  KeyValue,
  LoadBalancerBinding,
  NetworkConfiguration,
  ServiceDescription,
  ServiceSpec,
  TaskDefinitionSpec,
} from '../model';
import { mapReference } from './arn';
import { throwIfIssues } from './errors';
import type { CloneMappings } from './mappings';
import { locationsDiffer } from './task-definition';

/** Capacity providers that exist in every region and account. */
const BUILT_IN_CAPACITY_PROVIDERS = new Set(['FARGATE', 'FARGATE_SPOT']);

/** Inputs of {@link buildStagingServiceSpec}. */
export interface StagingServiceInput {
  /** The primary service as described. */
  readonly source: ServiceDescription;
  /** The staged task definition (to check load-balancer container names and ports). */
  readonly taskDefinition: TaskDefinitionSpec;
  /** ARN of the staged task definition revision. */
  readonly taskDefinitionArn: string;
  readonly mappings: CloneMappings;
  /**
   * Source security group id → id of its staging copy, from the network step. Groups listed here
   * take precedence over `mappings.securityGroups`.
   */
  readonly groupCopies: Readonly<Record<string, string>>;
}

function mapNetwork(
  network: NetworkConfiguration | undefined,
  input: StagingServiceInput,
  issues: string[],
): NetworkConfiguration | undefined {
  if (!network) return undefined;
  const { mappings, groupCopies } = input;
  const differ = locationsDiffer(mappings);
  let subnets: string[];
  if (mappings.stagingSubnets && mappings.stagingSubnets.length > 0) {
    subnets = [...mappings.stagingSubnets];
  } else {
    subnets = network.subnets.map((subnet) => {
      const mapped = mappings.subnets?.[subnet];
      if (mapped !== undefined) return mapped;
      if (differ) {
        issues.push(
          `networkConfiguration.subnets[${subnet}]: no mapping in subnets (or set stagingSubnets)`,
        );
      }
      return subnet;
    });
  }
  const securityGroups = network.securityGroups.map((group) => {
    const mapped = groupCopies[group] ?? mappings.securityGroups?.[group];
    if (mapped !== undefined) return mapped;
    if (differ) {
      issues.push(
        `networkConfiguration.securityGroups[${group}]: not copied by the network step and no mapping in securityGroups`,
      );
    }
    return group;
  });
  return {
    subnets: [...new Set(subnets)],
    securityGroups: [...new Set(securityGroups)],
    // A staged service is private by default; a public IP is copied only when the source had one.
    assignPublicIp: network.assignPublicIp,
  };
}

function mapLoadBalancers(
  bindings: readonly LoadBalancerBinding[] | undefined,
  input: StagingServiceInput,
  issues: string[],
): LoadBalancerBinding[] | undefined {
  return bindings?.map((binding) => {
    const path = `loadBalancers[${binding.targetGroupArn}]`;
    const mapped = input.mappings.targetGroups?.[binding.targetGroupArn];
    if (mapped === undefined) {
      // Always required: a target group belongs to one load balancer in one VPC, so even a
      // same-region staging service cannot share the primary's.
      issues.push(`${path}: no pre-created staging target group in targetGroups`);
    }
    const container = input.taskDefinition.containerDefinitions.find(
      (candidate) => candidate.name === binding.containerName,
    );
    if (!container) {
      issues.push(
        `${path}.containerName: container ${binding.containerName} is not in the task definition`,
      );
    } else if (
      !container.portMappings?.some((port) => port.containerPort === binding.containerPort)
    ) {
      issues.push(
        `${path}.containerPort: container ${binding.containerName} does not expose port ${binding.containerPort}`,
      );
    }
    return { ...binding, targetGroupArn: mapped ?? binding.targetGroupArn };
  });
}

function mapCapacityProviders(
  strategy: readonly CapacityProviderItem[] | undefined,
  mappings: CloneMappings,
  issues: string[],
): CapacityProviderItem[] | undefined {
  return strategy?.map((item) => {
    if (BUILT_IN_CAPACITY_PROVIDERS.has(item.capacityProvider)) return item;
    const mapped = mappings.capacityProviders?.[item.capacityProvider];
    if (mapped === undefined) {
      // Custom providers wrap an Auto Scaling group of one cluster: staging needs its own.
      issues.push(
        `capacityProviderStrategy[${item.capacityProvider}]: no mapping in capacityProviders`,
      );
      return item;
    }
    return { ...item, capacityProvider: mapped };
  });
}

/** Tags copied to the staged service: `aws:` keys are reserved and cannot be set by callers. */
function copyTags(tags: readonly KeyValue[] | undefined): KeyValue[] | undefined {
  const kept = tags?.filter((tag) => !tag.name.startsWith('aws:'));
  return kept && kept.length > 0 ? kept : undefined;
}

/**
 * Builds the staging {@link ServiceSpec} of a source service: staging cluster, staged revision,
 * subnets and security groups mapped (groups to the copies made by the network step), load
 * balancers bound to pre-created staging target groups, namespace and service registries
 * mapped, capacity provider strategy, health-check grace and scaling bounds kept, and
 * `desiredCount` 0 (the deployment plan decides it).
 *
 * @throws CloneValidationError listing every unmappable field.
 */
export function buildStagingServiceSpec(input: StagingServiceInput): ServiceSpec {
  const { source, mappings } = input;
  const issues: string[] = [];

  let namespace = source.namespace;
  if (namespace !== undefined) {
    const outcome = mapReference(
      namespace,
      [mappings.namespaces],
      undefined,
      mappings,
      'namespaces',
    );
    if (outcome.ok) namespace = outcome.value;
    else issues.push(`namespace: ${outcome.problem}`);
  }
  const serviceRegistries = source.serviceRegistries?.map((registry) => {
    const outcome = mapReference(
      registry.registryArn,
      [mappings.serviceRegistries],
      undefined,
      mappings,
      'serviceRegistries',
    );
    if (outcome.ok) return { ...registry, registryArn: outcome.value };
    issues.push(`serviceRegistries[${registry.registryArn}]: ${outcome.problem}`);
    return registry;
  });

  const spec: ServiceSpec = {
    cluster: mappings.cluster,
    serviceName: source.serviceName,
    taskDefinition: input.taskDefinitionArn,
    desiredCount: 0,
    launchType: source.capacityProviderStrategy?.length ? undefined : source.launchType,
    capacityProviderStrategy: mapCapacityProviders(
      source.capacityProviderStrategy,
      mappings,
      issues,
    ),
    networkConfiguration: mapNetwork(source.networkConfiguration, input, issues),
    loadBalancers: mapLoadBalancers(source.loadBalancers, input, issues),
    serviceRegistries,
    namespace,
    healthCheckGracePeriodSeconds: source.healthCheckGracePeriodSeconds,
    scaling: source.scaling,
    tags: copyTags(source.tags),
  };
  throwIfIssues(
    `service ${source.cluster}/${source.serviceName} cannot be cloned to staging`,
    issues,
  );
  // Drop absent fields so the spec (part of the hashed clone content) has one form.
  return Object.fromEntries(
    Object.entries(spec).filter(([, value]) => value !== undefined),
  ) as unknown as ServiceSpec;
}
