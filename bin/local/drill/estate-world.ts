/**
 * Seeds the sandbox primary with exactly an estate's definitions (bin/local/drill/estate.ts): each
 * image is pushed where its name says it lives (the primary's ECR, another ECR registry read as a
 * central registry, or a public registry behind a staging pull-through cache rule), each task
 * definition registered as written, each service created on the primary's VPC. What the sandbox
 * itself refuses to register or create is reported as refused with its reason.
 *
 * Assumption (stated in docs/drill.md): staging holds the roles, secrets, parameters, log groups,
 * file systems, target groups and namespaces the staged definitions name (an operator creates
 * them before deploying Understudy); clusters and security groups are checked for real.
 */
import type { Service } from '@aws-sdk/client-ecs';
import { serviceFromEcs } from '../../../functions/adapters/aws/ecs-container-platform';
import {
  SANDBOX_PRIMARY,
  SANDBOX_STAGING,
  SandboxCloud,
} from '../../../functions/adapters/sandbox';
import { SandboxDependencyProbe } from '../../../functions/adapters/sandbox/dependency-probe';
import { parseEcrHost, parseImageName } from '../../../functions/core/clone/image-source';
import type {
  NetworkConfiguration,
  ServiceSpec,
  TaskDefinitionSpec,
} from '../../../functions/core/model';
import type { DependencyRef } from '../../../functions/core/ports';
import {
  type PipelineSettings,
  parsePipelineSettings,
} from '../../../functions/core/prebake/settings';
import type { SeededCloneWorld } from '../clone-pipeline';
import type { Estate, EstateService } from './estate';
import type { JsonObject, JsonValue, SourcePair } from './report';

/**
 * Staging has what the staged definitions name, except what the sandbox checks itself (clusters
 * and security groups): the drill stands for a staging account the operator prepared. What it
 * takes as present is declared as it goes, so the persisted staging (`state/staging.json`) lists
 * it and a later `inventory validate --local` sees the same staging the drill did.
 */
class PreparedStagingProbe extends SandboxDependencyProbe {
  public override async present(
    dependencies: readonly DependencyRef[],
  ): Promise<ReadonlySet<string>> {
    this.declare(
      ...dependencies.filter((d) => d.kind !== 'cluster' && d.kind !== 'security-group'),
    );
    return super.present(dependencies);
  }
}

/** A CreateService request (or DescribeServices object) as the model's service spec. */
export function serviceSpecOf(request: JsonObject, cluster: string): ServiceSpec {
  const connect = request.serviceConnectConfiguration;
  const volumes = request.volumeConfigurations;
  // serviceFromEcs reads Service Connect and launch-time volumes from the PRIMARY deployment,
  // where DescribeServices reports them; a CreateService request has them at the top.
  const deployments =
    Array.isArray(request.deployments) && request.deployments.length > 0
      ? request.deployments
      : connect || volumes
        ? [
            {
              status: 'PRIMARY',
              ...(connect ? { serviceConnectConfiguration: connect } : {}),
              ...(volumes ? { volumeConfigurations: volumes } : {}),
            },
          ]
        : [];
  const described = {
    ...request,
    ...(typeof request.role === 'string' ? { roleArn: request.role } : {}),
    deployments,
  } as unknown as Service;
  const {
    serviceArn: _arn,
    status: _status,
    runningCount: _running,
    pendingCount: _pending,
    deployments: _deployments,
    ...spec
  } = serviceFromEcs(described, cluster);
  return { ...spec, cluster };
}

/** The model's service spec as a CreateService request (the adapter's own mapping, in JSON). */
export function createServiceRequestOf(spec: ServiceSpec): JsonObject {
  const {
    networkConfiguration,
    namespace,
    serviceConnectServices,
    serviceConnectLogConfiguration,
    scaling: _scaling,
    ...rest
  } = spec as ServiceSpec & { readonly classicLoadBalancers?: unknown };
  const out: Record<string, unknown> = { ...rest };
  if (networkConfiguration)
    out.networkConfiguration = { awsvpcConfiguration: networkConfiguration };
  if (namespace || serviceConnectServices?.length) {
    out.serviceConnectConfiguration = {
      enabled: true,
      ...(namespace ? { namespace } : {}),
      ...(serviceConnectServices ? { services: serviceConnectServices } : {}),
      ...(serviceConnectLogConfiguration
        ? { logConfiguration: serviceConnectLogConfiguration }
        : {}),
    };
  }
  return JSON.parse(JSON.stringify(out)) as JsonObject;
}

/** Every seeded service's task bounds: the settings' minTasks/maxTasks and its scalable target. */
export const DRILL_SCALING = { minCapacity: 1, maxCapacity: 10 } as const;

/** A pull-through cache prefix for a registry host (`public.ecr.aws` → `public-ecr-aws`). */
function prefixOf(host: string): string {
  if (host === 'registry-1.docker.io') return 'docker-hub';
  return host.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'upstream';
}

/** What seeding made of the estate. */
export interface SeededEstate extends SeededCloneWorld {
  /** Services the sandbox primary refused to take, with the reason. */
  readonly refused: ReadonlyMap<string, string>;
  /** Keys seeded into the primary (and put in the settings), in estate order. */
  readonly seeded: readonly string[];
}

/** Seeds `estate` into a fresh sandbox (see the module comment). */
export function seedEstateWorld(
  estate: Estate,
  options: { readonly seed: number; readonly layerSizes: readonly number[] },
): SeededEstate {
  const cloud = new SandboxCloud({ seed: options.seed });
  const primary = SANDBOX_PRIMARY;
  const staging = SANDBOX_STAGING;
  const primaryVpc = cloud.createVpc(primary, { cidr: '10.1.0.0/16', subnetCount: 2 });
  cloud.createCluster(staging, 'understudy');
  const stagingVpc = cloud.createVpc(staging, { cidr: '10.2.0.0/16', subnetCount: 2 });
  const probe = new PreparedStagingProbe({
    platform: cloud.containerPlatform(staging),
    network: cloud.networkRules(staging),
  });
  const primaryHost = `${primary.account}.dkr.ecr.${primary.region}.amazonaws.com`;
  const central = new Map<string, { account: string; region: string }>();
  const upstreams = new Map<string, string>();
  const pushed = new Set<string>();
  const groups = new Map<string, string>();
  const clusters = new Set<string>();
  const refused = new Map<string, string>();
  const seeded: string[] = [];
  const services: PipelineSettings['services'] = [];

  const pushImage = (image: string) => {
    if (pushed.has(image)) return;
    pushed.add(image);
    const parsed = parseImageName(image);
    // A malformed name or a digest the sandbox cannot reproduce: the clone refuses it itself.
    if (!parsed || parsed.digest) return;
    const input = {
      repository: parsed.repository,
      tag: parsed.tag ?? 'latest',
      layers: options.layerSizes.map((sizeBytes) => ({ sizeBytes })),
    };
    if (parsed.host === primaryHost) {
      cloud.pushImage(primary, input);
      return;
    }
    const ecr = parseEcrHost(parsed.host);
    if (ecr) {
      central.set(`${ecr.account}/${ecr.region}`, ecr);
      cloud.pushImage(ecr, input);
      return;
    }
    if (!upstreams.has(parsed.host)) {
      const prefix = prefixOf(parsed.host);
      upstreams.set(parsed.host, prefix);
      cloud.addPullThroughCacheRule(staging, {
        upstreamRegistryUrl: parsed.host,
        ecrRepositoryPrefix: prefix,
      });
    }
    cloud.pushImage({ upstream: parsed.host }, input);
  };

  /** The source's network, on the sandbox primary's subnets and stand-in groups. */
  const primaryNetwork = (network: NetworkConfiguration | undefined): NetworkConfiguration => {
    const securityGroups = (network?.securityGroups ?? []).map((id) => {
      const existing = groups.get(id);
      if (existing) return existing;
      const created = cloud.createSecurityGroup(primary, {
        vpcId: primaryVpc.vpcId,
        groupName: id,
        egress: [{ protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
      });
      groups.set(id, created);
      return created;
    });
    return {
      ...(network ?? {}),
      subnets: [...primaryVpc.subnetIds],
      securityGroups,
    };
  };

  const seedOne = (service: EstateService): void => {
    const td = service.taskDefinition;
    if (!td) return;
    const spec = JSON.parse(JSON.stringify(td.request)) as TaskDefinitionSpec & {
      tags?: { key: string; value: string }[];
    };
    const { tags, ...definition } = spec;
    for (const container of definition.containerDefinitions ?? []) {
      if (typeof container.image === 'string') pushImage(container.image);
    }
    const registered = cloud.registerTaskDefinition(
      primary,
      definition as TaskDefinitionSpec,
      (tags ?? []).map((t) => ({ name: t.key, value: t.value })),
    );
    if (!clusters.has(service.cluster)) {
      cloud.createCluster(primary, service.cluster);
      clusters.add(service.cluster);
    }
    const requested = serviceSpecOf(service.request as JsonObject, service.cluster);
    const awsvpc = definition.networkMode === 'awsvpc' || requested.networkConfiguration;
    cloud.createService(primary, {
      ...requested,
      serviceName: service.serviceName,
      taskDefinition: registered.taskDefinitionArn,
      desiredCount: requested.desiredCount || 1,
      ...(awsvpc ? { networkConfiguration: primaryNetwork(requested.networkConfiguration) } : {}),
    });
    // ECS service files carry no Application Auto Scaling: the primary's scalable target is the
    // pipeline settings' task bounds (minTasks..maxTasks below), so the clone brings bounds the
    // failover applies and adaptation moves the minimum within.
    cloud.state(primary).ecs.setScaling(service.cluster, service.serviceName, {
      minCapacity: DRILL_SCALING.minCapacity,
      maxCapacity: Math.max(DRILL_SCALING.maxCapacity, requested.desiredCount || 1),
    });
  };

  for (const service of estate.services) {
    if (service.refused !== null) continue;
    try {
      seedOne(service);
    } catch (error) {
      refused.set(service.key, `the primary would not take it: ${(error as Error).message}`);
      continue;
    }
    seeded.push(service.key);
    services.push({
      cluster: service.cluster,
      service: service.serviceName,
      dependsOn: [],
      minTasks: DRILL_SCALING.minCapacity,
      maxTasks: DRILL_SCALING.maxCapacity,
      targetUtilization: 0.6,
      capacityQuantile: 0.9,
      kmsKeys: [],
      stagingTier: 'config-only',
    });
  }
  if (services.length === 0) {
    // The pipeline settings need one service; an estate where nothing can be seeded still
    // reports every refusal, so the story runs on nothing.
    return { cloud, primary, staging, probe, settings: undefined as never, refused, seeded };
  }
  for (const subnet of stagingVpc.subnetIds) probe.declare({ kind: 'subnet', id: subnet });
  const settings = parsePipelineSettings({
    source: primary,
    staging: {
      ...staging,
      registry: cloud.imageRegistry(staging).registry,
      cluster: 'understudy',
      vpcId: stagingVpc.vpcId,
      subnets: stagingVpc.subnetIds,
    },
    mappings: {
      rewriteRegionAndAccount: ['roles', 'secrets', 'environment', 'logOptions'],
      ...(estate.targetGroups ? { targetGroups: estate.targetGroups } : {}),
    },
    services,
    // The plan's quota check is not what an estate drill is about: a whole estate must fit.
    fargateVcpuQuota: 4000,
    images: {
      centralRegistries: [...central.values()],
      pullThroughCache: [...upstreams].map(([upstreamRegistryUrl, ecrRepositoryPrefix]) => ({
        upstreamRegistryUrl,
        ecrRepositoryPrefix,
      })),
    },
  });
  return { cloud, primary, staging, probe, settings, refused, seeded };
}

/** The estate file's source pair (request shapes, as written). */
export function sourcePairOf(service: EstateService): SourcePair {
  return {
    taskDefinition: service.taskDefinition?.request ?? null,
    service: service.request as { readonly [key: string]: JsonValue },
  };
}
