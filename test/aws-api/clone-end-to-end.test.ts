// The clone steps over the real AWS adapters, end to end against moto: a primary service in
// eu-west-1 is described, its image copied by digest, its task definition rewritten and
// registered, its security group copied, its dependencies checked and the clone validated and
// stored — all over HTTP, in staging's region eu-central-1 of the same (moto) account.
//
// One substitution, because moto 5 implements none of ECR's layer API (BatchCheckLayerAvailability,
// GetDownloadUrlForLayer, Initiate/UploadLayerPart, CompleteLayerUpload): the staging registry
// answers "present" for blobs, so the manifest path runs against moto while blob streaming is
// covered call by call in test/adapters/ecr-image-registry.test.ts.
import { DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import {
  AwsDependencyProbe,
  type DependencyProbeClients,
} from '../../functions/adapters/aws/dependency-probe';
import { stagingServiceName } from '../../functions/core/clone/service-definition';
import type { Digest } from '../../functions/core/model';
import type { ImageRegistry } from '../../functions/core/ports';
import {
  copyImages,
  describeSource,
  prepareService,
  type SideAdapters,
  stageService,
  stageTaskDefinition,
  syncNetwork,
  validateAndStore,
} from '../../functions/core/prebake/clone-steps';
import { cloneMappingsOf, parsePipelineSettings } from '../../functions/core/prebake/settings';
import {
  type AwsClients,
  awsAdapters,
  awsClients,
  dependencyProbeClients,
} from '../../functions/shared/clients';
import { MemoryInventory } from '../core/prebake/integrity-support';
import { seedImage, seedPrimaryService, seedStagingLandingZone } from '../support/clone-seed';
import { answerMotoEcsGaps } from '../support/moto-gaps';
import { type MotoServer, startMoto } from '../support/moto-server';

jest.setTimeout(60_000);

const ACCOUNT = '123456789012'; // moto's default account
const PRIMARY = { account: ACCOUNT, region: 'eu-west-1' };
const STAGING = { account: ACCOUNT, region: 'eu-central-1' };

const IMAGE = seedImage();
const MANIFEST = IMAGE.manifest;
const MANIFEST_DIGEST = IMAGE.digest;

let moto: MotoServer;
let primaryClients: AwsClients;
let stagingClients: AwsClients;
let probeClients: DependencyProbeClients;

beforeAll(async () => {
  moto = await startMoto(PRIMARY.region);
  primaryClients = awsClients({ ...moto.clientConfig, region: PRIMARY.region });
  answerMotoEcsGaps(primaryClients.ecs);
  stagingClients = awsClients({ ...moto.clientConfig, region: STAGING.region });
  probeClients = dependencyProbeClients({ ...moto.clientConfig, region: STAGING.region });
}, 60_000);

afterAll(async () => {
  for (const client of [
    ...Object.values(primaryClients ?? {}),
    ...Object.values(stagingClients ?? {}),
    ...Object.values(probeClients ?? {}),
  ]) {
    client.destroy();
  }
  await moto?.stop();
});

/** Seeds the primary service and the staging landing zone in moto; returns the staging VPC. */
async function seed(): Promise<{ stagingVpcId: string; stagingSubnetId: string }> {
  await moto.reset();
  const primary = awsAdapters(primaryClients, PRIMARY);
  await seedPrimaryService(
    { ...primary, ecs: primaryClients.ecs, ec2: primaryClients.ec2 },
    {
      region: PRIMARY.region,
      cluster: 'shop',
      service: 'web',
      repository: 'shop/web',
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/shop-execution`,
      logGroup: '/ecs/shop',
      image: IMAGE,
    },
  );
  // The primary scales web between 2 and 10 tasks on 60 % CPU.
  await primary.platform.applyScaling('shop', 'web', {
    minCapacity: 2,
    maxCapacity: 10,
    policy: {
      policyName: 'web-cpu60',
      predefinedMetricType: 'ECSServiceAverageCPUUtilization',
      targetValue: 60,
      scaleInCooldown: 120,
    },
  });

  // Staging: cluster, VPC and subnet, the log group and the (global) execution role.
  const landing = await seedStagingLandingZone(
    {
      ecs: stagingClients.ecs,
      ec2: stagingClients.ec2,
      logs: probeClients.logs,
      iam: probeClients.iam,
    },
    { cluster: 'understudy', logGroup: '/ecs/shop', executionRoleName: 'shop-execution' },
  );
  return { stagingVpcId: landing.vpcId, stagingSubnetId: landing.subnetId };
}

/** Staging's real adapters, with blobs answered "present" (moto has no ECR layer API). */
function stagingSide(): SideAdapters {
  const real = awsAdapters(stagingClients, STAGING);
  const registry: ImageRegistry = Object.create(real.registry, {
    hasBlobs: {
      value: async (_repository: string, digests: readonly Digest[]) => new Set(digests),
    },
  });
  return { ...real, registry };
}

/** Runs every clone step for shop/web, as the state machine's Map iteration does. */
async function cloneOnce(
  landing: { stagingVpcId: string; stagingSubnetId: string },
  inventory: MemoryInventory,
) {
  const settings = parsePipelineSettings({
    source: PRIMARY,
    staging: {
      ...STAGING,
      cluster: 'understudy',
      vpcId: landing.stagingVpcId,
      subnets: [landing.stagingSubnetId],
    },
    services: [{ cluster: 'shop', service: 'web' }],
  });
  const mappings = cloneMappingsOf(settings);
  const primary = awsAdapters(primaryClients, PRIMARY);
  const staging = stagingSide();
  const probe = new AwsDependencyProbe(probeClients);

  const source = await describeSource(primary, { ...PRIMARY, cluster: 'shop', service: 'web' });
  const images = await copyImages(primary.registry, staging.registry, source.images, {
    clock: { now: () => Date.now(), sleep: async () => {} },
    deadlineMs: Number.POSITIVE_INFINITY,
  });
  const taskDefinition = await stageTaskDefinition(staging.platform, {
    source: source.taskDefinition,
    stagedImages: images.staged,
    mappings,
  });
  const network = await syncNetwork(staging.network, source.securityGroups, mappings);
  const prepared = await prepareService(probe, {
    source: source.description,
    taskDefinition,
    network,
    mappings,
  });
  const stored = await validateAndStore(
    { staging, probe, inventory },
    { source, images: images.staged, taskDefinition, network, service: prepared },
    { actor: 'moto-test', trigger: 'manual' },
  );
  const service = await stageService(staging.platform, {
    serviceDefinition: prepared.serviceDefinition,
    tier: 'config-only',
    warmTasks: 1,
  });
  return { source, images, taskDefinition, network, prepared, stored, staging, service };
}

describe('Clone steps over the AWS adapters (moto)', () => {
  it('clones a primary service into staging and stores a validated clone version', async () => {
    // Arrange
    const landing = await seed();
    const inventory = new MemoryInventory(() => Date.now());

    // Act
    const { source, taskDefinition, network, prepared, stored, staging, service } = await cloneOnce(
      landing,
      inventory,
    );

    // Assert: the image was resolved to its digest and staged by digest in eu-central-1
    expect(source.images.web?.digest).toBe(MANIFEST_DIGEST);
    const stagedManifest = await staging.registry.getManifest('shop/web', MANIFEST_DIGEST);
    expect(stagedManifest.bytes).toBe(MANIFEST);
    // the task definition was rewritten and registered in staging, tagged
    const registered = await staging.platform.describeTaskDefinition(
      taskDefinition.taskDefinitionArn,
    );
    expect(registered.taskDefinitionArn).toContain(':eu-central-1:');
    expect(registered.containerDefinitions[0]?.image).toBe(
      `${ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com/shop/web@${MANIFEST_DIGEST}`,
    );
    expect(registered.containerDefinitions[0]?.logConfiguration?.options?.['awslogs-region']).toBe(
      'eu-central-1',
    );
    expect(registered.tags?.map((tag) => tag.name)).toContain('understudy:content-hash');
    // the security group was copied into the staging VPC with its rule
    const [copy] = network.rules;
    const described = await stagingClients.ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [copy?.groupId ?? ''] }),
    );
    expect(described.SecurityGroups?.[0]).toMatchObject({
      GroupName: 'understudy-shop-web',
      VpcId: landing.stagingVpcId,
    });
    expect(copy?.ingress).toEqual([
      expect.objectContaining({ protocol: 'tcp', fromPort: 8080, cidrIpv4: '10.1.0.0/16' }),
    ]);
    // dependencies (cluster, role, log group, subnet, group) exist; the clone is validated
    expect(prepared.ready).toBe(true);
    expect(stored.validation).toMatchObject({ status: 'validated', reasons: [] });
    expect(stored.version).toMatchObject({ service: 'shop/web', version: 1, status: 'validated' });
    // the staging service stands on the staged revision with zero tasks (pilot light)
    expect(service).toMatchObject({ action: 'created', desiredCount: 0 });
    // under a name unique to the primary cluster + service
    const stagedName = stagingServiceName('shop', 'web');
    expect(service.serviceName).toBe(stagedName);
    const standing = await staging.platform.describeService('understudy', stagedName);
    expect(standing).toMatchObject({
      taskDefinition: taskDefinition.taskDefinitionArn,
      desiredCount: 0,
    });
    // with the primary's scaling policy and maximum, its minimum held at the tier's zero tasks
    // (the clone keeps the primary's minimum for the failover)
    expect(standing.scaling).toEqual({
      minCapacity: 0,
      maxCapacity: 10,
      targetValue: 60,
      metric: 'cpu',
      policy: {
        policyName: 'web-cpu60',
        predefinedMetricType: 'ECSServiceAverageCPUUtilization',
        targetValue: 60,
        scaleInCooldown: 120,
      },
    });
    expect(stored.version.content.serviceDefinition.scaling?.minCapacity).toBe(2);
    expect(stored.version.content.serviceDefinition.networkConfiguration).toMatchObject({
      subnets: [landing.stagingSubnetId],
      securityGroups: [copy?.groupId],
    });
  });

  it('makes no new version, revision or group when the same clone runs again', async () => {
    // Arrange
    const landing = await seed();
    const inventory = new MemoryInventory(() => Date.now());
    const first = await cloneOnce(landing, inventory);

    // Act
    const second = await cloneOnce(landing, inventory);

    // Assert
    expect(second.stored.created).toBe(false);
    expect(second.taskDefinition).toMatchObject({
      reused: true,
      taskDefinitionArn: first.taskDefinition.taskDefinitionArn,
    });
    expect(second.images.manifestsSkipped).toBe(1);
    expect(second.network.groupCopies).toEqual(first.network.groupCopies);
    expect(second.network).toMatchObject({ added: 0, revoked: 0 });
    expect(second.service.action).toBe('unchanged');
  });

  it('marks the clone not ready when a dependency is missing in staging', async () => {
    // Arrange: the staging log group is not there
    const landing = await seed();
    await probeClients.logs.send(new DeleteLogGroupCommand({ logGroupName: '/ecs/shop' }));
    const inventory = new MemoryInventory(() => Date.now());

    // Act
    const { stored } = await cloneOnce(landing, inventory);

    // Assert
    expect(stored.validation.status).toBe('not-ready');
    expect(stored.validation.reasons.join(' ')).toMatch(/log-group \/ecs\/shop/);
  });
});
