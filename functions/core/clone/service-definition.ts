/**
 * Service definitions: what turns a staged task definition into a running service in staging.
 * Network placement, load-balancer bindings, service discovery and capacity are translated with
 * the same rule as task definitions — mapped, kept when valid in staging, or refused with the
 * path of every problem. The desired count is left at zero: the deployment plan sets it.
 */
import { contentHash } from '../content-hash';
import type {
  CapacityProviderItem,
  KeyValue,
  LoadBalancerBinding,
  LogConfiguration,
  NetworkConfiguration,
  ScalingBounds,
  ServiceConnectService,
  ServiceDescription,
  ServiceSpec,
  ServiceVolumeConfiguration,
  TaskDefinitionSpec,
} from '../model';
import { findEmbeddedArns, mapReference } from './arn';
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

/** ECS's limit on a service name (letters, digits, hyphens and underscores). */
export const MAX_SERVICE_NAME_LENGTH = 255;

/**
 * The name of a primary service in the one staging cluster: `<cluster>-<service>-<hash>`, where
 * the hash is the first 10 hex digits of SHA-256 of `cluster/service`. Deterministic (re-runs find
 * the same service), unique per primary cluster + service even when two clusters both have a
 * `web` (or when `a-` + `b` and `a` + `-b` would read the same), and cut to ECS's 255 characters
 * by shortening the readable part, never the hash.
 */
export function stagingServiceName(cluster: string, service: string): string {
  const suffix = `-${contentHash(`${cluster}/${service}`).slice(0, 10)}`;
  const readable = `${cluster}-${service}`.slice(0, MAX_SERVICE_NAME_LENGTH - suffix.length);
  return `${readable}${suffix}`;
}

function mapReferenceInto(
  value: string | undefined,
  path: string,
  tables: Parameters<typeof mapReference>[1],
  field: Parameters<typeof mapReference>[2],
  mappings: CloneMappings,
  configKey: string,
  issues: string[],
): string | undefined {
  if (value === undefined) return undefined;
  const outcome = mapReference(value, tables, field, mappings, configKey);
  if (outcome.ok) return outcome.value;
  issues.push(`${path}: ${outcome.problem}`);
  return value;
}

function mapServiceConnectServices(
  services: readonly ServiceConnectService[] | undefined,
  mappings: CloneMappings,
  issues: string[],
): ServiceConnectService[] | undefined {
  return services?.map((service) => {
    if (!service.tls) return service;
    const path = `serviceConnectServices[${service.portName}].tls`;
    const { tls } = service;
    const pca = tls.issuerCertificateAuthority.awsPcaAuthorityArn;
    return {
      ...service,
      tls: {
        ...tls,
        issuerCertificateAuthority: {
          ...tls.issuerCertificateAuthority,
          ...(pca !== undefined
            ? {
                awsPcaAuthorityArn: mapReferenceInto(
                  pca,
                  `${path}.issuerCertificateAuthority.awsPcaAuthorityArn`,
                  [mappings.arns],
                  undefined,
                  mappings,
                  'arns',
                  issues,
                ),
              }
            : {}),
        },
        ...(tls.kmsKey !== undefined
          ? {
              kmsKey: mapReferenceInto(
                tls.kmsKey,
                `${path}.kmsKey`,
                [mappings.arns],
                undefined,
                mappings,
                'arns',
                issues,
              ),
            }
          : {}),
        ...(tls.roleArn !== undefined
          ? {
              roleArn: mapReferenceInto(
                tls.roleArn,
                `${path}.roleArn`,
                [mappings.roles],
                'roles',
                mappings,
                'roles',
                issues,
              ),
            }
          : {}),
      },
    };
  });
}

/** The Service Connect proxy's logs go to staging's region (and mapped group). */
function mapProxyLogs(
  log: LogConfiguration | undefined,
  mappings: CloneMappings,
): LogConfiguration | undefined {
  if (!log?.options || log.logDriver !== 'awslogs') return log;
  const options = { ...log.options };
  if (options['awslogs-region'] !== undefined) options['awslogs-region'] = mappings.staging.region;
  const group = options['awslogs-group'];
  if (group !== undefined) options['awslogs-group'] = mappings.logGroups?.[group] ?? group;
  return { ...log, options };
}

function mapVolumeConfigurations(
  volumes: readonly ServiceVolumeConfiguration[] | undefined,
  mappings: CloneMappings,
  issues: string[],
): ServiceVolumeConfiguration[] | undefined {
  return volumes?.map((volume) => {
    const ebs = volume.managedEBSVolume;
    if (!ebs) return volume;
    const path = `volumeConfigurations[${volume.name}].managedEBSVolume`;
    const snapshotId = ebs.snapshotId;
    let stagedSnapshot = snapshotId;
    if (snapshotId !== undefined) {
      // A snapshot id is regional: staging needs its own copy of the snapshot.
      stagedSnapshot = mappings.arns?.[snapshotId];
      if (stagedSnapshot === undefined) {
        if (locationsDiffer(mappings)) {
          issues.push(`${path}.snapshotId: ${snapshotId} is regional and has no mapping in arns`);
        }
        stagedSnapshot = snapshotId;
      }
    }
    return {
      ...volume,
      managedEBSVolume: {
        ...ebs,
        ...(ebs.roleArn !== undefined
          ? {
              roleArn: mapReferenceInto(
                ebs.roleArn,
                `${path}.roleArn`,
                [mappings.roles],
                'roles',
                mappings,
                'roles',
                issues,
              ),
            }
          : {}),
        ...(ebs.kmsKeyId !== undefined
          ? {
              kmsKeyId: mapReferenceInto(
                ebs.kmsKeyId,
                `${path}.kmsKeyId`,
                [mappings.arns],
                undefined,
                mappings,
                'arns',
                issues,
              ),
            }
          : {}),
        ...(stagedSnapshot !== undefined ? { snapshotId: stagedSnapshot } : {}),
      },
    };
  });
}

/**
 * A settings object copied as-is, except for the ARNs inside it (deployment lifecycle hooks name
 * a Lambda and a role): each is mapped (`arns`, `roles`), kept when valid in staging, or refused.
 */
function mapEmbedded<T>(
  value: T | undefined,
  path: string,
  mappings: CloneMappings,
  issues: string[],
): T | undefined {
  if (value === undefined) return undefined;
  let text = JSON.stringify(value);
  for (const arn of new Set(findEmbeddedArns(text))) {
    const outcome = mapReference(arn, [mappings.arns, mappings.roles], undefined, mappings, 'arns');
    if (!outcome.ok) issues.push(`${path}: ${outcome.problem}`);
    else text = text.split(JSON.stringify(arn).slice(1, -1)).join(outcome.value);
  }
  return JSON.parse(text) as T;
}

/**
 * The scaling bounds and target-tracking policy staging gets. ALBRequestCountPerTarget tracks one
 * load balancer's target group, named in `resourceLabel`: the primary's cannot be tracked from
 * staging, so the label must be mapped (in `arns`, label → staging label).
 */
function mapScaling(
  scaling: ScalingBounds | undefined,
  mappings: CloneMappings,
  issues: string[],
): ScalingBounds | undefined {
  const label = scaling?.policy?.resourceLabel;
  if (!scaling?.policy || label === undefined) return scaling;
  const mapped = mappings.arns?.[label];
  if (mapped === undefined) {
    issues.push(
      `scaling.policy.resourceLabel: ${label} names a primary load balancer; set arns["${label}"] to the staging app/…/targetgroup/… label`,
    );
    return scaling;
  }
  return { ...scaling, policy: { ...scaling.policy, resourceLabel: mapped } };
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

  for (const classic of source.classicLoadBalancers ?? []) {
    issues.push(
      `loadBalancers[${classic.loadBalancerName}]: a Classic Load Balancer binding is not cloned (staging binds pre-created target groups, set in targetGroups); move the primary service to a target group first`,
    );
  }
  const spec: ServiceSpec = {
    cluster: mappings.cluster,
    serviceName: stagingServiceName(source.cluster, source.serviceName),
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
    serviceConnectServices: mapServiceConnectServices(
      source.serviceConnectServices,
      mappings,
      issues,
    ),
    serviceConnectLogConfiguration: mapProxyLogs(source.serviceConnectLogConfiguration, mappings),
    healthCheckGracePeriodSeconds: source.healthCheckGracePeriodSeconds,
    scaling: mapScaling(source.scaling, mappings, issues),
    tags: copyTags(source.tags),
    // Copied as they are: they hold nothing account- or region-specific.
    platformVersion: source.platformVersion,
    deploymentConfiguration: mapEmbedded(
      source.deploymentConfiguration,
      'deploymentConfiguration',
      mappings,
      issues,
    ),
    deploymentController: source.deploymentController,
    placementConstraints: source.placementConstraints,
    placementStrategy: source.placementStrategy,
    schedulingStrategy: source.schedulingStrategy,
    enableExecuteCommand: source.enableExecuteCommand,
    propagateTags: source.propagateTags,
    enableECSManagedTags: source.enableECSManagedTags,
    availabilityZoneRebalancing: source.availabilityZoneRebalancing,
    volumeConfigurations: mapVolumeConfigurations(source.volumeConfigurations, mappings, issues),
    // `role` is left out on purpose: ECS refuses it for awsvpc services ("cannot specify an IAM
    // role for services that require a service linked role") and uses its service-linked role
    // for load balancers when none is given, so the staged service needs no role passed.
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
