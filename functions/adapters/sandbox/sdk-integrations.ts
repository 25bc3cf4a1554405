/**
 * Step Functions AWS SDK integrations, sandbox side: the calls a state machine makes directly
 * (`arn:aws:states:::aws-sdk:ecs:describeServices` …), taking and returning exactly what Step
 * Functions presents — PascalCase parameters, PascalCase output keys (`Services[0].RunningCount`)
 * and errors named `Service.ErrorNameException`.
 *
 * Error naming follows the Step Functions guide ("Learning to use AWS service SDK integrations",
 * https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html): the
 * service and error names in PascalCase joined by a period, with an `Exception` suffix even when
 * the service's own name lacks it. Services with no modelled error shapes surface a generic
 * exception: every EC2 error arrives as `Ec2.Ec2Exception` (the code, e.g.
 * `InvalidGroup.NotFound`, is in the cause). ECS throttling is presented as
 * `Ecs.ThrottlingException`; ASL retriers should list `Ecs.EcsException` too, which is how an
 * unmodelled ECS error surfaces.
 *
 * Timestamps are presented as ISO-8601 strings (assumption: Step Functions serialises SDK
 * timestamps into the JSON state; the exact format is not documented).
 */
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  ThrottlingError,
  ValidationError,
} from '../../core/errors';
import type {
  Digest,
  KeyValue,
  Location,
  NetworkRule,
  NetworkRuleSet,
  RegisteredTaskDefinition,
  ServiceDescription,
  ServiceSpec,
} from '../../core/model';
import { isDigest } from '../../core/model';
import type { SandboxCloud } from './sandbox-cloud';
import { shortName } from './sandbox-state';

/** A JSON object as Step Functions passes it. */
export type SfnJson = Record<string, unknown>;

/** Dispatches one SDK-integration call: service and action as in the Resource ARN. */
export interface SdkDispatcher {
  (service: string, action: string, params: SfnJson): Promise<SfnJson>;
  /** The `service:action` pairs it implements (the keys of its handler table). */
  readonly implements: ReadonlySet<string>;
}

/**
 * An error as a Step Functions Task state sees it: `name` is the `Error`, `message` the `Cause`.
 * The sandbox error it stands for travels on `sourceError`, not on `cause`: local runners report
 * `cause ?? message` as the Cause, which must stay the service's message.
 */
export class SfnTaskError extends Error {
  public constructor(
    name: string,
    message: string,
    /** The typed sandbox error this one translates, if any. */
    public readonly sourceError?: unknown,
  ) {
    super(message);
    this.name = name;
  }
}

/** The error names this dispatcher raises, per service (for ASL Retry/Catch and tests). */
export const SFN_ERROR_NAMES = {
  ecs: {
    throttling: 'Ecs.ThrottlingException',
    server: 'Ecs.ServerException',
    serviceNotFound: 'Ecs.ServiceNotFoundException',
    clusterNotFound: 'Ecs.ClusterNotFoundException',
    client: 'Ecs.ClientException',
    invalidParameter: 'Ecs.InvalidParameterException',
  },
  ecr: {
    throttling: 'Ecr.ThrottlingException',
    server: 'Ecr.ServerException',
    repositoryNotFound: 'Ecr.RepositoryNotFoundException',
    imageNotFound: 'Ecr.ImageNotFoundException',
    invalidParameter: 'Ecr.InvalidParameterException',
  },
  ec2: { any: 'Ec2.Ec2Exception' },
  cloudwatch: {
    throttling: 'CloudWatch.ThrottlingException',
    server: 'CloudWatch.InternalServiceFaultException',
    invalidParameter: 'CloudWatch.InvalidParameterValueException',
  },
} as const;

/** Splits `arn:aws:states:::aws-sdk:ecs:describeServices` into service and action. */
export function parseSdkResource(
  resource: string,
): { service: string; action: string } | undefined {
  const match = /^arn:aws:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)(?:\.[a-zA-Z]+)?$/.exec(
    resource,
  );
  if (!match?.[1] || !match[2]) return undefined;
  return { service: match[1], action: match[2] };
}

// ---------------------------------------------------------------------------------------------
// Parameter reading

function str(params: SfnJson, key: string, errorName: string): string {
  const value = params[key];
  if (typeof value !== 'string' || value === '') {
    throw new SfnTaskError(errorName, `Missing or invalid required parameter ${key}`);
  }
  return value;
}

function optStr(params: SfnJson, key: string): string | undefined {
  const value = params[key];
  return typeof value === 'string' ? value : undefined;
}

function optNum(params: SfnJson, key: string): number | undefined {
  const value = params[key];
  return typeof value === 'number' ? value : undefined;
}

function list(params: SfnJson, key: string): SfnJson[] {
  const value = params[key];
  return Array.isArray(value)
    ? value.filter((v): v is SfnJson => typeof v === 'object' && v !== null)
    : [];
}

function strings(params: SfnJson, key: string): string[] {
  const value = params[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function obj(params: SfnJson, key: string): SfnJson | undefined {
  const value = params[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as SfnJson)
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// Shape conversion

const MAP_VALUED_KEYS = new Set(['Options', 'DockerLabels', 'SystemControls']);

/** Upper-cases the first letter of every structure key (map-valued members keep their keys). */
export function toPascal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPascal);
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'object' || value === null) return value;
  const out: SfnJson = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined) continue;
    const pascal = key.charAt(0).toUpperCase() + key.slice(1);
    out[pascal] = MAP_VALUED_KEYS.has(pascal) ? inner : toPascal(inner);
  }
  return out;
}

function tagsOut(tags: readonly KeyValue[] | undefined): { Key: string; Value: string }[] {
  return (tags ?? []).map((tag) => ({ Key: tag.name, Value: tag.value }));
}

function tagsIn(params: SfnJson): KeyValue[] {
  return list(params, 'Tags').map((tag) => ({
    name: String(tag.Key ?? ''),
    value: String(tag.Value ?? ''),
  }));
}

function serviceOut(
  description: ServiceDescription,
  location: Location,
  withTags: boolean,
): SfnJson {
  const clusterArn = `arn:aws:ecs:${location.region}:${location.account}:cluster/${description.cluster}`;
  const network = description.networkConfiguration;
  return {
    ServiceArn: description.serviceArn,
    ServiceName: description.serviceName,
    ClusterArn: clusterArn,
    LoadBalancers: (description.loadBalancers ?? []).map((lb) => ({
      TargetGroupArn: lb.targetGroupArn,
      ContainerName: lb.containerName,
      ContainerPort: lb.containerPort,
    })),
    ServiceRegistries: (description.serviceRegistries ?? []).map((r) => ({
      RegistryArn: r.registryArn,
    })),
    Status: description.status,
    DesiredCount: description.desiredCount,
    RunningCount: description.runningCount,
    PendingCount: description.pendingCount,
    ...(description.launchType ? { LaunchType: description.launchType } : {}),
    ...(description.capacityProviderStrategy
      ? {
          CapacityProviderStrategy: description.capacityProviderStrategy.map((item) => ({
            CapacityProvider: item.capacityProvider,
            Weight: item.weight ?? 0,
            Base: item.base ?? 0,
          })),
        }
      : {}),
    TaskDefinition: description.taskDefinition,
    Deployments: description.deployments.map((d) => ({
      Id: d.id,
      Status: d.status,
      TaskDefinition: d.taskDefinition,
      DesiredCount: d.desiredCount,
      PendingCount: d.pendingCount,
      RunningCount: d.runningCount,
      ...(d.rolloutState ? { RolloutState: d.rolloutState } : {}),
      ...(description.launchType ? { LaunchType: description.launchType } : {}),
    })),
    ...(network
      ? {
          NetworkConfiguration: {
            AwsvpcConfiguration: {
              Subnets: [...network.subnets],
              SecurityGroups: [...network.securityGroups],
              AssignPublicIp: network.assignPublicIp ?? 'DISABLED',
            },
          },
        }
      : {}),
    ...(description.healthCheckGracePeriodSeconds === undefined
      ? {}
      : { HealthCheckGracePeriodSeconds: description.healthCheckGracePeriodSeconds }),
    SchedulingStrategy: 'REPLICA',
    ...(withTags ? { Tags: tagsOut(description.tags) } : {}),
  };
}

function taskDefinitionOut(definition: RegisteredTaskDefinition): SfnJson {
  const { tags: _tags, registeredAt, ...rest } = definition;
  return {
    ...(toPascal(rest) as SfnJson),
    ...(registeredAt ? { RegisteredAt: registeredAt } : {}),
  };
}

function serviceSpecIn(params: SfnJson, errorName: string): ServiceSpec {
  const network = obj(obj(params, 'NetworkConfiguration') ?? {}, 'AwsvpcConfiguration');
  const launchType = optStr(params, 'LaunchType');
  const grace = optNum(params, 'HealthCheckGracePeriodSeconds');
  const assignPublicIp = network ? optStr(network, 'AssignPublicIp') : undefined;
  const tags = tagsIn(params);
  return {
    cluster: shortName(optStr(params, 'Cluster') ?? 'default'),
    serviceName: str(params, 'ServiceName', errorName),
    taskDefinition: str(params, 'TaskDefinition', errorName),
    desiredCount: optNum(params, 'DesiredCount') ?? 0,
    ...(launchType ? { launchType: launchType as NonNullable<ServiceSpec['launchType']> } : {}),
    ...(params.CapacityProviderStrategy
      ? {
          capacityProviderStrategy: list(params, 'CapacityProviderStrategy').map((item) => ({
            capacityProvider: String(item.CapacityProvider ?? ''),
            ...(typeof item.Weight === 'number' ? { weight: item.Weight } : {}),
            ...(typeof item.Base === 'number' ? { base: item.Base } : {}),
          })),
        }
      : {}),
    ...(network
      ? {
          networkConfiguration: {
            subnets: strings(network, 'Subnets'),
            securityGroups: strings(network, 'SecurityGroups'),
            ...(assignPublicIp ? { assignPublicIp: assignPublicIp as 'ENABLED' | 'DISABLED' } : {}),
          },
        }
      : {}),
    ...(params.LoadBalancers
      ? {
          loadBalancers: list(params, 'LoadBalancers').map((lb) => ({
            targetGroupArn: String(lb.TargetGroupArn ?? ''),
            containerName: String(lb.ContainerName ?? ''),
            containerPort: Number(lb.ContainerPort ?? 0),
          })),
        }
      : {}),
    ...(params.ServiceRegistries
      ? {
          serviceRegistries: list(params, 'ServiceRegistries').map((r) => ({
            registryArn: String(r.RegistryArn ?? ''),
          })),
        }
      : {}),
    ...(grace === undefined ? {} : { healthCheckGracePeriodSeconds: grace }),
    ...(tags.length ? { tags } : {}),
  };
}

/** EC2 groups rules sharing protocol and ports into one IpPermission. */
function permissionsOut(rules: readonly NetworkRule[], owner: string): SfnJson[] {
  const groups = new Map<string, NetworkRule[]>();
  for (const rule of rules) {
    const all = rule.protocol === '-1' || rule.protocol === 'all';
    const key = JSON.stringify([
      all ? '-1' : rule.protocol,
      all ? null : rule.fromPort,
      all ? null : rule.toPort,
    ]);
    groups.set(key, [...(groups.get(key) ?? []), rule]);
  }
  return [...groups.values()].map((members) => {
    const first = members[0] as NetworkRule;
    const all = first.protocol === '-1' || first.protocol === 'all';
    const describe = (rule: NetworkRule) =>
      rule.description === undefined ? {} : { Description: rule.description };
    return {
      IpProtocol: all ? '-1' : first.protocol,
      ...(all || first.fromPort === undefined ? {} : { FromPort: first.fromPort }),
      ...(all || first.toPort === undefined ? {} : { ToPort: first.toPort }),
      IpRanges: members
        .filter((r) => r.cidrIpv4)
        .map((r) => ({ CidrIp: r.cidrIpv4, ...describe(r) })),
      Ipv6Ranges: members
        .filter((r) => r.cidrIpv6)
        .map((r) => ({ CidrIpv6: r.cidrIpv6, ...describe(r) })),
      PrefixListIds: members
        .filter((r) => r.prefixListId)
        .map((r) => ({ PrefixListId: r.prefixListId, ...describe(r) })),
      UserIdGroupPairs: members
        .filter((r) => r.referencedGroupId)
        .map((r) => ({ GroupId: r.referencedGroupId, UserId: owner, ...describe(r) })),
    };
  });
}

function securityGroupOut(group: NetworkRuleSet, owner: string): SfnJson {
  return {
    GroupId: group.groupId,
    GroupName: group.groupName,
    Description: group.description,
    VpcId: group.vpcId,
    OwnerId: owner,
    IpPermissions: permissionsOut(group.ingress, owner),
    IpPermissionsEgress: permissionsOut(group.egress, owner),
    Tags: (group.tags ?? []).map((tag) => ({ Key: tag.name, Value: tag.value })),
  };
}

// ---------------------------------------------------------------------------------------------
// Error translation

function translate(service: string, action: string, error: unknown): unknown {
  if (error instanceof SfnTaskError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const wrap = (name: string, text = message) => new SfnTaskError(name, text, error);
  if (service === 'ec2') {
    const code =
      error instanceof ThrottlingError
        ? 'RequestLimitExceeded'
        : error instanceof ServiceUnavailableError
          ? 'Unavailable'
          : error instanceof NotFoundError
            ? error.kind === 'vpc'
              ? 'InvalidVpcID.NotFound'
              : 'InvalidGroup.NotFound'
            : error instanceof ConflictError
              ? 'InvalidPermission.Duplicate'
              : 'InvalidParameterValue';
    return wrap(
      SFN_ERROR_NAMES.ec2.any,
      `${message} (Service: Ec2, Status Code: 400, Error Code: ${code})`,
    );
  }
  if (service === 'ecs') {
    const names = SFN_ERROR_NAMES.ecs;
    if (error instanceof ThrottlingError) return wrap(names.throttling, 'Rate exceeded');
    if (error instanceof ServiceUnavailableError) return wrap(names.server);
    if (error instanceof NotFoundError) {
      if (error.kind === 'cluster') return wrap(names.clusterNotFound, 'Cluster not found.');
      if (error.kind === 'service') return wrap(names.serviceNotFound, 'Service not found.');
      if (error.kind === 'task definition')
        return wrap(names.client, 'Unable to describe task definition.');
      return wrap(names.invalidParameter);
    }
    if (error instanceof ConflictError)
      return wrap(names.invalidParameter, 'Creation of service was not idempotent.');
    if (error instanceof ValidationError) {
      return wrap(action === 'registerTaskDefinition' ? names.client : names.invalidParameter);
    }
    return error;
  }
  if (service === 'ecr') {
    const names = SFN_ERROR_NAMES.ecr;
    if (error instanceof ThrottlingError) return wrap(names.throttling, 'Rate exceeded');
    if (error instanceof ServiceUnavailableError) return wrap(names.server);
    if (error instanceof NotFoundError) {
      return wrap(error.kind === 'repository' ? names.repositoryNotFound : names.imageNotFound);
    }
    if (error instanceof ValidationError) return wrap(names.invalidParameter);
    return error;
  }
  if (service === 'cloudwatch') {
    const names = SFN_ERROR_NAMES.cloudwatch;
    if (error instanceof ThrottlingError) return wrap(names.throttling, 'Rate exceeded');
    if (error instanceof ServiceUnavailableError) return wrap(names.server);
    if (error instanceof ValidationError) return wrap(names.invalidParameter);
  }
  return error;
}

// ---------------------------------------------------------------------------------------------

type Handler = (params: SfnJson) => Promise<SfnJson>;

/**
 * A dispatcher for SDK-integration Task states in `location` (Step Functions calls only its own
 * region; `Credentials` would switch the account, which a caller models by binding another
 * dispatcher). Every call goes through the cloud's call path: timed, limited, logged.
 */
export function createSdkDispatcher(cloud: SandboxCloud, location: Location): SdkDispatcher {
  const state = () => cloud.state(location);
  const now = () => cloud.clock.now();

  const handlers: Record<string, Handler> = {
    'ecs:describeServices': async (params) => {
      const cluster = shortName(optStr(params, 'Cluster') ?? 'default');
      const names = strings(params, 'Services');
      if (names.length === 0 || names.length > 10) {
        throw new SfnTaskError(
          SFN_ERROR_NAMES.ecs.invalidParameter,
          'Services must name 1 to 10 services',
        );
      }
      const withTags = strings(params, 'Include').includes('TAGS');
      return cloud.call(location, 'ecs:DescribeServices', () => {
        const services: SfnJson[] = [];
        const failures: SfnJson[] = [];
        for (const name of names) {
          try {
            services.push(
              serviceOut(state().ecs.describeService(cluster, name, now()), location, withTags),
            );
          } catch (error) {
            if (!(error instanceof NotFoundError) || error.kind !== 'service') throw error;
            failures.push({
              Arn: `arn:aws:ecs:${location.region}:${location.account}:service/${cluster}/${shortName(name)}`,
              Reason: 'MISSING',
            });
          }
        }
        return { Services: services, Failures: failures };
      });
    },
    'ecs:createService': async (params) => {
      const spec = serviceSpecIn(params, SFN_ERROR_NAMES.ecs.invalidParameter);
      return cloud.call(location, 'ecs:CreateService', () => ({
        Service: serviceOut(
          state().ecs.createService(
            spec,
            now(),
            cloud.taskLauncher(location),
            cloud.networkCheck(location),
          ),
          location,
          true,
        ),
      }));
    },
    'ecs:updateService': async (params) => {
      const cluster = shortName(optStr(params, 'Cluster') ?? 'default');
      const service = str(params, 'Service', SFN_ERROR_NAMES.ecs.invalidParameter);
      const taskDefinition = optStr(params, 'TaskDefinition');
      const desiredCount = optNum(params, 'DesiredCount');
      return cloud.call(location, 'ecs:UpdateService', () => ({
        Service: serviceOut(
          state().ecs.updateService(
            cluster,
            service,
            {
              ...(taskDefinition === undefined ? {} : { taskDefinition }),
              ...(desiredCount === undefined ? {} : { desiredCount }),
            },
            now(),
            cloud.taskLauncher(location),
          ),
          location,
          false,
        ),
      }));
    },
    'ecs:describeTaskDefinition': async (params) => {
      const reference = str(params, 'TaskDefinition', SFN_ERROR_NAMES.ecs.client);
      const withTags = strings(params, 'Include').includes('TAGS');
      return cloud.call(location, 'ecs:DescribeTaskDefinition', () => {
        const definition = state().ecs.findTaskDefinition(reference);
        return {
          TaskDefinition: taskDefinitionOut(definition),
          ...(withTags ? { Tags: tagsOut(definition.tags) } : {}),
        };
      });
    },
    'ecs:listTaskDefinitions': async (params) => {
      const family = optStr(params, 'FamilyPrefix');
      const status = optStr(params, 'Status') === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE';
      const ascending = optStr(params, 'Sort') === 'ASC';
      return cloud.call(location, 'ecs:ListTaskDefinitions', () => {
        const arns = state().ecs.listRevisions(family, status);
        return { TaskDefinitionArns: ascending ? [...arns].reverse() : arns };
      });
    },
    'ecr:describeImages': async (params) => {
      const repository = str(params, 'RepositoryName', SFN_ERROR_NAMES.ecr.invalidParameter);
      const ids = list(params, 'ImageIds');
      return cloud.call(location, 'ecr:DescribeImages', () => {
        const ecr = state().ecr;
        const digests =
          ids.length === 0
            ? ecr.listImages(repository)
            : ids.map(
                (id) => ecr.resolve(repository, String(id.ImageDigest ?? id.ImageTag ?? '')).digest,
              );
        return {
          ImageDetails: digests.map((digest) => {
            const detail = ecr.imageDetail(repository, digest);
            return {
              RegistryId: location.account,
              RepositoryName: repository,
              ImageDigest: digest,
              ...(detail.tags.length ? { ImageTags: detail.tags } : {}),
              ImageSizeInBytes: detail.sizeBytes,
              ImagePushedAt: new Date(detail.pushedAtMs).toISOString(),
              ImageManifestMediaType: detail.manifest.mediaType,
            };
          }),
        };
      });
    },
    'ecr:batchGetImage': async (params) => {
      const repository = str(params, 'RepositoryName', SFN_ERROR_NAMES.ecr.invalidParameter);
      const ids = list(params, 'ImageIds');
      const accepted = strings(params, 'AcceptedMediaTypes');
      return cloud.call(location, 'ecr:BatchGetImage', () => {
        const ecr = state().ecr;
        if (!ecr.hasRepository(repository)) throw new NotFoundError('repository', repository);
        const images: SfnJson[] = [];
        const failures: SfnJson[] = [];
        for (const id of ids) {
          const tag = typeof id.ImageTag === 'string' ? id.ImageTag : undefined;
          const wanted = typeof id.ImageDigest === 'string' ? id.ImageDigest : undefined;
          const imageId = {
            ...(wanted ? { ImageDigest: wanted } : {}),
            ...(tag ? { ImageTag: tag } : {}),
          };
          let digest: Digest;
          try {
            digest = ecr.resolve(repository, wanted ?? tag ?? '').digest;
          } catch {
            failures.push({
              ImageId: imageId,
              FailureCode: 'ImageNotFound',
              FailureReason: 'Requested image not found',
            });
            continue;
          }
          if (tag && wanted && isDigest(wanted) && ecr.resolve(repository, tag).digest !== wanted) {
            failures.push({
              ImageId: imageId,
              FailureCode: 'ImageTagDoesNotMatchDigest',
              FailureReason: 'Tag does not match digest',
            });
            continue;
          }
          const manifest = ecr.getManifest(repository, digest);
          if (accepted.length > 0 && !accepted.includes(manifest.mediaType)) {
            failures.push({
              ImageId: imageId,
              FailureCode: 'UnsupportedImageType',
              FailureReason: `Manifest media type ${manifest.mediaType} is not accepted`,
            });
            continue;
          }
          images.push({
            RegistryId: location.account,
            RepositoryName: repository,
            ImageId: { ImageDigest: digest, ...(tag ? { ImageTag: tag } : {}) },
            ImageManifest: manifest.bytes,
            ImageManifestMediaType: manifest.mediaType,
          });
        }
        return { Images: images, Failures: failures };
      });
    },
    'ec2:describeSecurityGroups': async (params) => {
      const ids = strings(params, 'GroupIds');
      const filters = list(params, 'Filters').map((f) => ({
        name: String(f.Name ?? ''),
        values: strings(f, 'Values'),
      }));
      // EC2 limits a describe with no filter and no pagination more tightly.
      const unfiltered =
        ids.length === 0 && filters.length === 0 && params.MaxResults === undefined;
      const limits = unfiltered ? { bucket: 'ec2:unfiltered-non-mutating' as const } : {};
      return cloud.call(
        location,
        'ec2:DescribeSecurityGroups',
        () => {
          const ec2 = state().ec2;
          const groups = ids.length > 0 ? ec2.describeGroups(ids) : ec2.allGroups();
          const matches = (group: NetworkRuleSet) =>
            filters.every(({ name, values }) => {
              if (name === 'vpc-id') return values.includes(group.vpcId);
              if (name === 'group-name') return values.includes(group.groupName);
              if (name === 'group-id') return values.includes(group.groupId);
              if (name.startsWith('tag:')) {
                const key = name.slice(4);
                return (group.tags ?? []).some(
                  (tag) => tag.name === key && values.includes(tag.value),
                );
              }
              throw new ValidationError('unsupported filter', [name]);
            });
          return {
            SecurityGroups: groups
              .filter(matches)
              .map((group) => securityGroupOut(group, location.account)),
          };
        },
        limits,
      );
    },
    'cloudwatch:putMetricData': async (params) => {
      const namespace = optStr(params, 'Namespace');
      const data = list(params, 'MetricData');
      if (!namespace || data.length === 0 || data.length > 1000) {
        throw new SfnTaskError(
          SFN_ERROR_NAMES.cloudwatch.invalidParameter,
          'Namespace and 1 to 1,000 MetricData entries are required',
        );
      }
      return cloud.call(location, 'cloudwatch:PutMetricData', () => {
        for (const datum of data) {
          const atMs = datum.Timestamp === undefined ? now() : Date.parse(String(datum.Timestamp));
          const values =
            datum.Value !== undefined ? [Number(datum.Value)] : list(datum, 'Values').map(Number);
          if (!Number.isFinite(atMs) || values.some((value) => !Number.isFinite(value))) {
            throw new SfnTaskError(
              SFN_ERROR_NAMES.cloudwatch.invalidParameter,
              `MetricData ${String(datum.MetricName)}: invalid Timestamp or Value`,
            );
          }
          state().metrics.put(
            {
              namespace,
              metricName: String(datum.MetricName ?? ''),
              dimensions: list(datum, 'Dimensions').map((d) => ({
                name: String(d.Name ?? ''),
                value: String(d.Value ?? ''),
              })),
            },
            values.map((value) => ({ atMs, value })),
          );
        }
        return {};
      });
    },
    'cloudwatch:getMetricData': async (params) => {
      const queries = list(params, 'MetricDataQueries');
      const startMs = Date.parse(String(params.StartTime ?? ''));
      const endMs = Date.parse(String(params.EndTime ?? ''));
      if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || queries.length > 500) {
        throw new SfnTaskError(
          SFN_ERROR_NAMES.cloudwatch.invalidParameter,
          'StartTime/EndTime invalid or too many queries',
        );
      }
      const descending = optStr(params, 'ScanBy') !== 'TimestampAscending';
      return cloud.call(location, 'cloudwatch:GetMetricData', () => ({
        MetricDataResults: queries.map((query) => {
          const id = String(query.Id ?? '');
          const metricStat = obj(query, 'MetricStat') ?? {};
          const metric = obj(metricStat, 'Metric') ?? {};
          const periodSeconds = Number(metricStat.Period ?? 60);
          const read = state().metrics.read(
            {
              namespace: String(metric.Namespace ?? ''),
              metricName: String(metric.MetricName ?? ''),
              dimensions: list(metric, 'Dimensions').map((d) => ({
                name: String(d.Name ?? ''),
                value: String(d.Value ?? ''),
              })),
            },
            String(metricStat.Stat ?? 'Average'),
            { startMs, endMs, periodSeconds },
          );
          // CloudWatch returns only periods with data, newest first unless asked otherwise.
          const points = read.values
            .map((value, index) => ({ value, at: read.start + index * periodSeconds * 1000 }))
            .filter((point): point is { value: number; at: number } => point.value !== null);
          if (descending) points.reverse();
          return {
            Id: id,
            Label: String(query.Label ?? metric.MetricName ?? id),
            Timestamps: points.map((point) => new Date(point.at).toISOString()),
            Values: points.map((point) => point.value),
            StatusCode: 'Complete',
          };
        }),
        Messages: [],
      }));
    },
  };

  const dispatch = async (service: string, action: string, params: SfnJson): Promise<SfnJson> => {
    const handler = handlers[`${service}:${action}`];
    if (!handler) {
      throw new Error(
        `the sandbox has no SDK integration for ${service}:${action}; add it to sdk-integrations.ts`,
      );
    }
    try {
      return await handler(params);
    } catch (error) {
      throw translate(service, action, error);
    }
  };
  return Object.assign(dispatch, { implements: new Set(Object.keys(handlers)) });
}

/** The SDK integrations the dispatcher implements, as `service:action`. */
export const SUPPORTED_SDK_INTEGRATIONS = [
  'ecs:describeServices',
  'ecs:createService',
  'ecs:updateService',
  'ecs:describeTaskDefinition',
  'ecs:listTaskDefinitions',
  'ecr:describeImages',
  'ecr:batchGetImage',
  'ec2:describeSecurityGroups',
  'cloudwatch:getMetricData',
  'cloudwatch:putMetricData',
] as const;
