/**
 * ECS (AWS SDK v3) implementation of the {@link ContainerPlatform} port, bound to the account and
 * region of the client it is given.
 */
import {
  type ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  type MetricType,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  type AvailabilityZoneRebalancing,
  type ContainerDefinition,
  CreateServiceCommand,
  type DeploymentConfiguration,
  type DeploymentControllerType,
  DeregisterTaskDefinitionCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListClustersCommand,
  ListServiceDeploymentsCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  type LogConfiguration,
  type PlacementConstraint,
  type PlacementStrategy,
  type PropagateTags,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionRequest,
  type SchedulingStrategy,
  type Service,
  type ServiceConnectService,
  type ServiceDeploymentBrief,
  type ServiceVolumeConfiguration,
  type Tag,
  type TaskDefinition,
  UpdateServiceCommand,
  type Volume,
} from '@aws-sdk/client-ecs';
import {
  digestsOfRunningTasks,
  digestsOfServiceRevisions,
  type PinnedImages,
  type ServiceRevisionImages,
} from '../../core/clone/image-source';
import { NotFoundError } from '../../core/errors';
import type {
  ContainerDefinitionSpec,
  KeyValue,
  RegisteredTaskDefinition,
  ResourceMetric,
  ScalingBounds,
  ServiceDeployment,
  ServiceDescription,
  ServiceSpec,
  TargetTrackingPolicy,
  TaskDefinitionSpec,
  TaskDefinitionStatus,
  VolumeSpec,
} from '../../core/model';
import type { ContainerPlatform } from '../../core/ports';
import { AwsRequestError, callAws } from './sdk-errors';

/** Drops keys whose value is `undefined`, so mapped objects compare equal to the model's. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/** Last path segment of an ARN (`…:cluster/prod` → `prod`); a plain name passes through. */
function nameFromArn(arnOrName: string): string {
  return arnOrName.slice(arnOrName.lastIndexOf('/') + 1);
}

function tagsToEcs(tags: readonly KeyValue[] | undefined): Tag[] | undefined {
  return tags?.map((tag) => ({ key: tag.name, value: tag.value }));
}

function tagsFromEcs(tags: readonly Tag[] | undefined): KeyValue[] | undefined {
  if (tags === undefined || tags.length === 0) return undefined;
  return tags.map((tag) => ({ name: tag.key ?? '', value: tag.value ?? '' }));
}

/**
 * Compile-time proof that two shapes have the same keys: `true` when they do, otherwise an object
 * type naming the keys one has and the other lacks (so the assignment below fails with them).
 */
type SameKeys<Sdk, Model> = [
  Exclude<keyof Sdk, keyof Model>,
  Exclude<keyof Model, keyof Sdk>,
] extends [never, never]
  ? true
  : {
      readonly missingFromModel: Exclude<keyof Sdk, keyof Model>;
      readonly notInSdk: Exclude<keyof Model, keyof Sdk>;
    };

/** Fields of a described `TaskDefinition` that ECS fills in (never part of a request). */
type AwsFilledTaskDefinitionField =
  | 'taskDefinitionArn'
  | 'revision'
  | 'status'
  | 'requiresAttributes'
  | 'compatibilities'
  | 'registeredAt'
  | 'registeredBy'
  | 'deregisteredAt'
  | 'deleteRequestedAt';

/**
 * The model carries every field of the SDK's request and description shapes, so the adapter can
 * copy whole objects instead of listing fields (a list is where fields get lost). When an SDK
 * upgrade adds a field, these stop compiling until the model has it.
 */
export const MODEL_MATCHES_SDK = {
  containerDefinition: true satisfies SameKeys<ContainerDefinition, ContainerDefinitionSpec>,
  registerRequest: true satisfies SameKeys<
    Omit<RegisterTaskDefinitionRequest, 'tags'>,
    TaskDefinitionSpec
  >,
  describedTaskDefinition: true satisfies SameKeys<
    Omit<TaskDefinition, AwsFilledTaskDefinitionField>,
    TaskDefinitionSpec
  >,
  volume: true satisfies SameKeys<Volume, VolumeSpec>,
} as const;

/**
 * A deep copy of `value` without `undefined` members: the model and the SDK share one JSON shape
 * (proved key by key by {@link MODEL_MATCHES_SDK}; values are ECS's own, which ECS validates), so
 * crossing between them is a copy, not a field list.
 */
function jsonCopy<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function containerToEcs(container: ContainerDefinitionSpec): ContainerDefinition {
  return jsonCopy<ContainerDefinition>(container);
}

function containerFromEcs(container: ContainerDefinition): ContainerDefinitionSpec {
  return jsonCopy<ContainerDefinitionSpec>({
    ...container,
    name: container.name ?? '',
    image: container.image ?? '',
  });
}

function taskDefinitionFromEcs(
  taskDefinition: TaskDefinition,
  tags: readonly Tag[] | undefined,
): RegisteredTaskDefinition {
  const {
    taskDefinitionArn,
    revision,
    status,
    registeredAt,
    // What else ECS fills in is not part of the spec (see AWS_FILLED_TASK_DEFINITION_FIELDS).
    requiresAttributes: _requiresAttributes,
    compatibilities: _compatibilities,
    registeredBy: _registeredBy,
    deregisteredAt: _deregisteredAt,
    deleteRequestedAt: _deleteRequestedAt,
    containerDefinitions,
    ...spec
  } = taskDefinition;
  return compact({
    ...jsonCopy<Omit<TaskDefinitionSpec, 'containerDefinitions'>>(spec),
    family: taskDefinition.family ?? '',
    containerDefinitions: (containerDefinitions ?? []).map(containerFromEcs),
    taskDefinitionArn: taskDefinitionArn ?? '',
    revision: revision ?? 0,
    status: (status ?? 'ACTIVE') as TaskDefinitionStatus,
    registeredAt: toIso(registeredAt),
    tags: tagsFromEcs(tags),
  });
}

function toIso(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

function deploymentFromEcs(
  deployment: NonNullable<Service['deployments']>[number],
): ServiceDeployment {
  return compact({
    id: deployment.id ?? '',
    status: (deployment.status ?? 'ACTIVE') as ServiceDeployment['status'],
    taskDefinition: deployment.taskDefinition ?? '',
    desiredCount: deployment.desiredCount ?? 0,
    runningCount: deployment.runningCount ?? 0,
    pendingCount: deployment.pendingCount ?? 0,
    rolloutState: deployment.rolloutState as ServiceDeployment['rolloutState'],
  });
}

/** A DescribeServices `Service` as the model describes it (shared with the failover platform). */
export function serviceFromEcs(service: Service, fallbackCluster: string): ServiceDescription {
  const awsvpc = service.networkConfiguration?.awsvpcConfiguration;
  const primary = service.deployments?.find((deployment) => deployment.status === 'PRIMARY');
  const connect = primary?.serviceConnectConfiguration;
  const loadBalancers = service.loadBalancers
    ?.filter((binding) => binding.targetGroupArn !== undefined)
    .map((binding) => ({
      targetGroupArn: binding.targetGroupArn ?? '',
      containerName: binding.containerName ?? '',
      containerPort: binding.containerPort ?? 0,
    }));
  const classic = service.loadBalancers
    ?.filter((binding) => binding.targetGroupArn === undefined && binding.loadBalancerName)
    .map((binding) => ({
      loadBalancerName: binding.loadBalancerName ?? '',
      containerName: binding.containerName ?? '',
      containerPort: binding.containerPort ?? 0,
    }));
  return compact({
    cluster: service.clusterArn ? nameFromArn(service.clusterArn) : fallbackCluster,
    serviceName: service.serviceName ?? '',
    taskDefinition: service.taskDefinition ?? '',
    desiredCount: service.desiredCount ?? 0,
    launchType: service.launchType as ServiceSpec['launchType'],
    capacityProviderStrategy: service.capacityProviderStrategy?.map((item) =>
      compact({
        capacityProvider: item.capacityProvider ?? '',
        weight: item.weight,
        base: item.base,
      }),
    ),
    networkConfiguration:
      awsvpc &&
      compact({
        subnets: awsvpc.subnets ?? [],
        securityGroups: awsvpc.securityGroups ?? [],
        assignPublicIp: awsvpc.assignPublicIp,
      }),
    loadBalancers: loadBalancers?.length ? loadBalancers : undefined,
    classicLoadBalancers: classic?.length ? classic : undefined,
    serviceRegistries: service.serviceRegistries?.length
      ? service.serviceRegistries.map((registry) => ({ registryArn: registry.registryArn ?? '' }))
      : undefined,
    namespace: connect?.enabled ? connect.namespace : undefined,
    // ECS reports Service Connect and launch-time volumes per deployment, not on the service.
    serviceConnectServices:
      connect?.enabled && connect.services?.length
        ? jsonCopy<ServiceSpec['serviceConnectServices']>(connect.services)
        : undefined,
    serviceConnectLogConfiguration:
      connect?.enabled && connect.logConfiguration
        ? jsonCopy<ServiceSpec['serviceConnectLogConfiguration']>(connect.logConfiguration)
        : undefined,
    volumeConfigurations: primary?.volumeConfigurations?.length
      ? jsonCopy<ServiceSpec['volumeConfigurations']>(primary.volumeConfigurations)
      : undefined,
    platformVersion: service.platformVersion,
    deploymentConfiguration:
      service.deploymentConfiguration &&
      jsonCopy<ServiceSpec['deploymentConfiguration']>(service.deploymentConfiguration),
    deploymentController: service.deploymentController?.type
      ? { type: service.deploymentController.type }
      : undefined,
    placementConstraints: service.placementConstraints?.length
      ? jsonCopy<ServiceSpec['placementConstraints']>(service.placementConstraints)
      : undefined,
    placementStrategy: service.placementStrategy?.length
      ? jsonCopy<ServiceSpec['placementStrategy']>(service.placementStrategy)
      : undefined,
    schedulingStrategy: service.schedulingStrategy,
    enableExecuteCommand: service.enableExecuteCommand,
    propagateTags: service.propagateTags,
    enableECSManagedTags: service.enableECSManagedTags,
    availabilityZoneRebalancing: service.availabilityZoneRebalancing,
    role: service.roleArn,
    healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds,
    tags: tagsFromEcs(service.tags),
    serviceArn: service.serviceArn ?? '',
    status: (service.status ?? 'ACTIVE') as ServiceDescription['status'],
    runningCount: service.runningCount ?? 0,
    pendingCount: service.pendingCount ?? 0,
    deployments: (service.deployments ?? []).map(deploymentFromEcs),
  });
}

/** Predefined target-tracking metrics of ECS services → the demand signal they track. */
const TRACKED_METRICS: Readonly<Record<string, ResourceMetric>> = {
  ECSServiceAverageCPUUtilization: 'cpu',
  ECSServiceAverageMemoryUtilization: 'memory',
  ALBRequestCountPerTarget: 'requestRate',
};

/**
 * ECS through the AWS SDK v3. `scaling` of a {@link ServiceSpec} is Application Auto Scaling's
 * business, not ECS's: this adapter neither applies nor reports it.
 */
export class EcsContainerPlatform implements ContainerPlatform {
  /** @param client an ECS client for the account + region this platform stands for. */
  /**
   * @param client - ECS in the account + region this adapter stands for.
   * @param autoScaling - Application Auto Scaling in the same place: when given, a described
   *   service carries its scaling bounds and target-tracking target (`ServiceSpec.scaling`),
   *   which ECS itself does not report.
   */
  public constructor(
    private readonly client: ECSClient,
    private readonly autoScaling?: ApplicationAutoScalingClient,
  ) {}

  /** Scaling bounds and the first target-tracking policy of a service, if it is scalable. */
  private async scalingOf(cluster: string, service: string): Promise<ScalingBounds | undefined> {
    const autoScaling = this.autoScaling;
    if (!autoScaling) return undefined;
    const resourceId = `service/${cluster}/${service}`;
    const context = {
      operation: 'application-autoscaling:DescribeScalableTargets',
      kind: 'scalable target',
      id: resourceId,
    };
    const targets = await callAws(context, () =>
      autoScaling.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: 'ecs',
          ScalableDimension: 'ecs:service:DesiredCount',
          ResourceIds: [resourceId],
        }),
      ),
    );
    const target = targets.ScalableTargets?.[0];
    if (target?.MinCapacity === undefined || target.MaxCapacity === undefined) return undefined;
    const policies = await callAws(
      { ...context, operation: 'application-autoscaling:DescribeScalingPolicies' },
      () =>
        autoScaling.send(
          new DescribeScalingPoliciesCommand({
            ServiceNamespace: 'ecs',
            ScalableDimension: 'ecs:service:DesiredCount',
            ResourceId: resourceId,
          }),
        ),
    );
    const tracking = policies.ScalingPolicies?.find(
      (policy) => policy.PolicyType === 'TargetTrackingScaling',
    )?.TargetTrackingScalingPolicyConfiguration;
    const metric =
      TRACKED_METRICS[tracking?.PredefinedMetricSpecification?.PredefinedMetricType ?? ''];
    const trackingPolicy = policies.ScalingPolicies?.find(
      (policy) => policy.PolicyType === 'TargetTrackingScaling',
    );
    const predefined = tracking?.PredefinedMetricSpecification;
    const policy: TargetTrackingPolicy | undefined =
      trackingPolicy?.PolicyName &&
      predefined?.PredefinedMetricType &&
      tracking?.TargetValue !== undefined
        ? compact({
            policyName: trackingPolicy.PolicyName,
            predefinedMetricType: predefined.PredefinedMetricType,
            resourceLabel: predefined.ResourceLabel,
            targetValue: tracking.TargetValue,
            scaleInCooldown: tracking.ScaleInCooldown,
            scaleOutCooldown: tracking.ScaleOutCooldown,
            disableScaleIn: tracking.DisableScaleIn,
          })
        : undefined;
    return {
      minCapacity: target.MinCapacity,
      maxCapacity: target.MaxCapacity,
      ...(tracking?.TargetValue !== undefined ? { targetValue: tracking.TargetValue } : {}),
      ...(metric ? { metric } : {}),
      ...(policy ? { policy } : {}),
    };
  }

  /** {@inheritDoc ContainerPlatform.describeService} */
  public async describeService(cluster: string, service: string): Promise<ServiceDescription> {
    const context = {
      operation: 'ecs:DescribeServices',
      kind: 'service',
      id: `${cluster}/${service}`,
    };
    const output = await callAws(context, () =>
      this.client.send(
        new DescribeServicesCommand({ cluster, services: [service], include: ['TAGS'] }),
      ),
    );
    const found = output.services?.[0];
    // ECS reports a missing service in failures[] (HTTP 200), and keeps deleted ones as INACTIVE.
    if (!found || found.status === 'INACTIVE') throw new NotFoundError('service', context.id);
    const described = serviceFromEcs(found, cluster);
    const scaling = await this.scalingOf(described.cluster, described.serviceName);
    return scaling ? { ...described, scaling } : described;
  }

  /** {@inheritDoc ContainerPlatform.describeTaskDefinition} */
  public async describeTaskDefinition(taskDefinition: string): Promise<RegisteredTaskDefinition> {
    const output = await callAws(
      { operation: 'ecs:DescribeTaskDefinition', kind: 'task definition', id: taskDefinition },
      () =>
        this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition, include: ['TAGS'] })),
    );
    if (!output.taskDefinition) throw new NotFoundError('task definition', taskDefinition);
    return taskDefinitionFromEcs(output.taskDefinition, output.tags);
  }

  /** {@inheritDoc ContainerPlatform.registerTaskDefinition} */
  public async registerTaskDefinition(
    spec: TaskDefinitionSpec,
    tags: readonly KeyValue[],
  ): Promise<RegisteredTaskDefinition> {
    const output = await callAws(
      { operation: 'ecs:RegisterTaskDefinition', kind: 'task definition family', id: spec.family },
      () =>
        this.client.send(
          new RegisterTaskDefinitionCommand({
            ...jsonCopy<RegisterTaskDefinitionRequest>(spec),
            containerDefinitions: spec.containerDefinitions.map(containerToEcs),
            ...(tags.length ? { tags: tagsToEcs(tags) } : {}),
          }),
        ),
    );
    if (!output.taskDefinition) {
      throw new NotFoundError('task definition family', spec.family);
    }
    return taskDefinitionFromEcs(output.taskDefinition, output.tags);
  }

  /** {@inheritDoc ContainerPlatform.listTaskDefinitionRevisions} */
  public async listTaskDefinitionRevisions(family: string): Promise<readonly string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const output = await callAws(
        { operation: 'ecs:ListTaskDefinitions', kind: 'task definition family', id: family },
        () =>
          this.client.send(
            new ListTaskDefinitionsCommand({
              familyPrefix: family,
              status: 'ACTIVE',
              sort: 'DESC',
              nextToken,
            }),
          ),
      );
      arns.push(...(output.taskDefinitionArns ?? []));
      nextToken = output.nextToken;
    } while (nextToken);
    // familyPrefix is a prefix: `web` also lists `web-worker`. Keep the exact family only, and
    // sort by revision ourselves so the order holds across pages.
    return arns
      .map((arn) => ({ arn, parsed: parseTaskDefinitionArn(arn) }))
      .filter((entry) => entry.parsed?.family === family)
      .sort((a, b) => (b.parsed?.revision ?? 0) - (a.parsed?.revision ?? 0))
      .map((entry) => entry.arn);
  }

  /** {@inheritDoc ContainerPlatform.deregisterTaskDefinition} */
  public async deregisterTaskDefinition(taskDefinitionArn: string): Promise<void> {
    await callAws(
      { operation: 'ecs:DeregisterTaskDefinition', kind: 'task definition', id: taskDefinitionArn },
      () =>
        this.client.send(
          new DeregisterTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }),
        ),
    );
  }

  /** {@inheritDoc ContainerPlatform.createService} */
  public async createService(spec: ServiceSpec): Promise<ServiceDescription> {
    const network = spec.networkConfiguration;
    const output = await callAws(
      {
        operation: 'ecs:CreateService',
        kind: 'cluster',
        id: `${spec.cluster} (creating ${spec.serviceName})`,
      },
      () =>
        this.client.send(
          new CreateServiceCommand(
            compact({
              cluster: spec.cluster,
              serviceName: spec.serviceName,
              taskDefinition: spec.taskDefinition,
              // ECS refuses a desired count on a DAEMON service (one task per instance).
              desiredCount: spec.schedulingStrategy === 'DAEMON' ? undefined : spec.desiredCount,
              launchType: spec.launchType,
              capacityProviderStrategy: spec.capacityProviderStrategy?.map((item) =>
                compact({ ...item }),
              ),
              networkConfiguration: network && {
                awsvpcConfiguration: compact({
                  subnets: [...network.subnets],
                  securityGroups: [...network.securityGroups],
                  assignPublicIp: network.assignPublicIp,
                }),
              },
              loadBalancers: spec.loadBalancers?.map((binding) => ({ ...binding })),
              serviceRegistries: spec.serviceRegistries?.map((registry) => ({ ...registry })),
              // Without a namespace, Service Connect joins the cluster's default namespace.
              serviceConnectConfiguration:
                spec.namespace || spec.serviceConnectServices?.length
                  ? compact({
                      enabled: true,
                      namespace: spec.namespace,
                      services:
                        spec.serviceConnectServices &&
                        jsonCopy<ServiceConnectService[]>(spec.serviceConnectServices),
                      logConfiguration:
                        spec.serviceConnectLogConfiguration &&
                        jsonCopy<LogConfiguration>(spec.serviceConnectLogConfiguration),
                    })
                  : undefined,
              healthCheckGracePeriodSeconds: spec.healthCheckGracePeriodSeconds,
              tags: spec.tags?.length ? tagsToEcs(spec.tags) : undefined,
              // Tasks carry the service's tags (cost allocation, ownership) unless the source
              // said otherwise.
              propagateTags: (spec.propagateTags ?? 'SERVICE') as PropagateTags,
              enableECSManagedTags: spec.enableECSManagedTags ?? true,
              platformVersion: spec.platformVersion,
              deploymentConfiguration:
                spec.deploymentConfiguration &&
                jsonCopy<DeploymentConfiguration>(spec.deploymentConfiguration),
              deploymentController: spec.deploymentController && {
                type: spec.deploymentController.type as DeploymentControllerType,
              },
              placementConstraints:
                spec.placementConstraints &&
                jsonCopy<PlacementConstraint[]>(spec.placementConstraints),
              placementStrategy:
                spec.placementStrategy && jsonCopy<PlacementStrategy[]>(spec.placementStrategy),
              schedulingStrategy: spec.schedulingStrategy as SchedulingStrategy | undefined,
              enableExecuteCommand: spec.enableExecuteCommand,
              availabilityZoneRebalancing: spec.availabilityZoneRebalancing as
                | AvailabilityZoneRebalancing
                | undefined,
              volumeConfigurations:
                spec.volumeConfigurations &&
                jsonCopy<ServiceVolumeConfiguration[]>(spec.volumeConfigurations),
            }),
          ),
        ),
    );
    if (!output.service) throw new NotFoundError('service', `${spec.cluster}/${spec.serviceName}`);
    return serviceFromEcs(output.service, spec.cluster);
  }

  /** {@inheritDoc ContainerPlatform.updateService} */
  public async updateService(
    cluster: string,
    service: string,
    change: { readonly taskDefinition?: string; readonly desiredCount?: number },
  ): Promise<ServiceDescription> {
    const output = await callAws(
      { operation: 'ecs:UpdateService', kind: 'service', id: `${cluster}/${service}` },
      () =>
        this.client.send(
          new UpdateServiceCommand(
            compact({
              cluster,
              service,
              taskDefinition: change.taskDefinition,
              desiredCount: change.desiredCount,
            }),
          ),
        ),
    );
    if (!output.service) throw new NotFoundError('service', `${cluster}/${service}`);
    return serviceFromEcs(output.service, cluster);
  }

  /** {@inheritDoc ContainerPlatform.applyScaling} */
  public async applyScaling(
    cluster: string,
    service: string,
    scaling: ScalingBounds,
  ): Promise<void> {
    const autoScaling = this.autoScaling;
    if (!autoScaling) {
      throw new Error('applyScaling needs an Application Auto Scaling client');
    }
    const resourceId = `service/${cluster}/${service}`;
    const context = {
      operation: 'application-autoscaling:RegisterScalableTarget',
      kind: 'scalable target',
      id: resourceId,
    };
    // Registering an existing target updates its bounds: idempotent by design.
    await callAws(context, () =>
      autoScaling.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: 'ecs',
          ScalableDimension: 'ecs:service:DesiredCount',
          ResourceId: resourceId,
          MinCapacity: scaling.minCapacity,
          MaxCapacity: scaling.maxCapacity,
        }),
      ),
    );
    const policy = scaling.policy;
    if (!policy) return;
    // PutScalingPolicy with the same name replaces the policy: idempotent too.
    await callAws({ ...context, operation: 'application-autoscaling:PutScalingPolicy' }, () =>
      autoScaling.send(
        new PutScalingPolicyCommand({
          PolicyName: policy.policyName,
          ServiceNamespace: 'ecs',
          ScalableDimension: 'ecs:service:DesiredCount',
          ResourceId: resourceId,
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingScalingPolicyConfiguration: compact({
            TargetValue: policy.targetValue,
            PredefinedMetricSpecification: compact({
              PredefinedMetricType: policy.predefinedMetricType as MetricType,
              ResourceLabel: policy.resourceLabel,
            }),
            ScaleInCooldown: policy.scaleInCooldown,
            ScaleOutCooldown: policy.scaleOutCooldown,
            DisableScaleIn: policy.disableScaleIn,
          }),
        }),
      ),
    );
  }

  /** {@inheritDoc ContainerPlatform.listClusters} */
  public async listClusters(): Promise<readonly string[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const output = await callAws({ operation: 'ecs:ListClusters' }, () =>
        this.client.send(new ListClustersCommand({ nextToken })),
      );
      names.push(...(output.clusterArns ?? []).map(nameFromArn));
      nextToken = output.nextToken;
    } while (nextToken);
    return names;
  }

  /**
   * {@inheritDoc ContainerPlatform.describePinnedImages}
   * ListServiceDeployments (newest first, live ones only) → DescribeServiceRevisions of their
   * targets; when that yields no digest (a service whose deployment controller keeps no
   * revisions, or one deployed before ECS recorded them), ListTasks + DescribeTasks of its
   * RUNNING tasks on the task definition.
   */
  public async describePinnedImages(
    cluster: string,
    service: string,
    taskDefinitionArn: string,
  ): Promise<PinnedImages> {
    const revisions = await this.pinnedByServiceRevision(cluster, service, taskDefinitionArn);
    if (revisions && Object.keys(revisions).length > 0) {
      return { source: 'service-revision', digests: revisions };
    }
    const tasks = await this.pinnedByRunningTasks(cluster, service, taskDefinitionArn);
    if (Object.keys(tasks).length > 0) return { source: 'running-tasks', digests: tasks };
    return { source: 'none', digests: {} };
  }

  private async pinnedByServiceRevision(
    cluster: string,
    service: string,
    taskDefinitionArn: string,
  ): Promise<PinnedImages['digests'] | undefined> {
    const id = `${cluster}/${service}`;
    let deployments: readonly ServiceDeploymentBrief[];
    try {
      const output = await callAws(
        { operation: 'ecs:ListServiceDeployments', kind: 'service', id },
        () =>
          this.client.send(
            new ListServiceDeploymentsCommand({
              cluster,
              service,
              // A rolled-back or stopped deployment's target is not what runs; the revision a
              // rollback returned to is the target of an earlier, successful deployment.
              status: ['PENDING', 'IN_PROGRESS', 'SUCCESSFUL'],
              maxResults: LIVE_DEPLOYMENTS_READ,
            }),
          ),
      );
      deployments = output.serviceDeployments ?? [];
    } catch (error) {
      // A service ECS keeps no deployment history for (CODE_DEPLOY or EXTERNAL controller)
      // rejects the request as a client error: its running tasks still tell the digest.
      if (error instanceof AwsRequestError) return undefined;
      throw error;
    }
    const targets = [
      ...new Set(
        deployments
          .map((deployment) => deployment.targetServiceRevisionArn)
          .filter((arn): arn is string => arn !== undefined),
      ),
    ];
    if (targets.length === 0) return undefined;
    const described = await callAws(
      { operation: 'ecs:DescribeServiceRevisions', kind: 'service revision', id },
      () =>
        this.client.send(
          new DescribeServiceRevisionsCommand({
            serviceRevisionArns: targets.slice(0, SERVICE_REVISIONS_PER_CALL),
          }),
        ),
    );
    const revisions: ServiceRevisionImages[] = (described.serviceRevisions ?? []).map(
      (revision) => ({
        serviceRevisionArn: revision.serviceRevisionArn ?? '',
        taskDefinition: revision.taskDefinition ?? '',
        ...(revision.createdAt ? { createdAt: toIso(revision.createdAt) } : {}),
        containerImages: (revision.containerImages ?? []).map((image) => ({
          containerName: image.containerName ?? '',
          ...(image.imageDigest ? { imageDigest: image.imageDigest } : {}),
        })),
      }),
    );
    return digestsOfServiceRevisions(revisions, taskDefinitionArn);
  }

  private async pinnedByRunningTasks(
    cluster: string,
    service: string,
    taskDefinitionArn: string,
  ): Promise<PinnedImages['digests']> {
    const id = `${cluster}/${service}`;
    // One page is enough: every task of a deployment runs the digests it pinned, so a hundred
    // tasks say as much as a thousand.
    const listed = await callAws({ operation: 'ecs:ListTasks', kind: 'service', id }, () =>
      this.client.send(
        new ListTasksCommand({
          cluster,
          serviceName: service,
          desiredStatus: 'RUNNING',
          maxResults: TASKS_PER_CALL,
        }),
      ),
    );
    const taskArns = listed.taskArns ?? [];
    if (taskArns.length === 0) return {};
    const described = await callAws({ operation: 'ecs:DescribeTasks', kind: 'service', id }, () =>
      this.client.send(
        new DescribeTasksCommand({ cluster, tasks: taskArns.slice(0, TASKS_PER_CALL) }),
      ),
    );
    const tasks = (described.tasks ?? [])
      .filter((task) => task.taskDefinitionArn === taskDefinitionArn)
      .map((task) => ({
        containers: (task.containers ?? []).map((container) => ({
          name: container.name ?? '',
          ...(container.imageDigest ? { imageDigest: container.imageDigest } : {}),
        })),
      }));
    return digestsOfRunningTasks(tasks);
  }
}

/** Deployments read per ListServiceDeployments call (the newest are the live ones). */
const LIVE_DEPLOYMENTS_READ = 20;
/** DescribeServiceRevisions accepts at most 20 ARNs per call. */
const SERVICE_REVISIONS_PER_CALL = 20;
/** ListTasks returns, and DescribeTasks accepts, at most 100 tasks per call. */
const TASKS_PER_CALL = 100;

/** Splits `arn:…:task-definition/family:revision` into its family and revision. */
export function parseTaskDefinitionArn(
  arn: string,
): { readonly family: string; readonly revision: number } | undefined {
  const match = /task-definition\/([^:/]+):(\d+)$/.exec(arn);
  if (!match?.[1] || !match[2]) return undefined;
  return { family: match[1], revision: Number(match[2]) };
}
