/**
 * The image path of a clone over the sandbox cloud: which digest is staged (the one the running
 * deployment pinned, not the tag now), from where (the primary's ECR, a central registry, or an
 * upstream through a staging pull-through cache rule), and the refusals that name a config key.
 */
import { sideOf } from '../../../bin/local/clone-pipeline';
import { CloneValidationError } from '../../../functions/core/clone/errors';
import type { PullThroughCacheRuleSettings } from '../../../functions/core/clone/image-source';
import type { ContainerDefinitionSpec, Location } from '../../../functions/core/model';
import {
  copyImages,
  describeSource,
  type ImageSources,
  stageTaskDefinition,
} from '../../../functions/core/prebake/clone-steps';
import { cloneMappingsOf, ecrRegistryHost } from '../../../functions/core/prebake/settings';
import { type CoreWorld, coreWorld } from './integrity-support';

const CENTRAL: Location = { account: '333333333333', region: 'eu-west-1' };
const PUBLIC_ECR: PullThroughCacheRuleSettings = {
  upstreamRegistryUrl: 'public.ecr.aws',
  ecrRepositoryPrefix: 'ecr-public',
};
const FLUENT_BIT = 'aws-observability/aws-for-fluent-bit';
const SERVICE = { cluster: 'shop', service: 'svc-000' } as const;

/** Deploys a new revision of svc-000 with `sidecars` next to its app container. */
async function deployWithSidecars(
  world: CoreWorld,
  sidecars: readonly ContainerDefinitionSpec[],
): Promise<string> {
  const platform = world.cloud.containerPlatform(world.primary);
  const current = await platform.describeService(SERVICE.cluster, SERVICE.service);
  const source = await platform.describeTaskDefinition(current.taskDefinition);
  const next = world.cloud.registerTaskDefinition(world.primary, {
    family: source.family,
    cpu: source.cpu,
    memory: source.memory,
    networkMode: source.networkMode,
    requiresCompatibilities: source.requiresCompatibilities,
    executionRoleArn: source.executionRoleArn,
    taskRoleArn: source.taskRoleArn,
    containerDefinitions: [...source.containerDefinitions, ...sidecars],
  });
  await platform.updateService(SERVICE.cluster, SERVICE.service, {
    taskDefinition: next.taskDefinitionArn,
  });
  return next.taskDefinitionArn;
}

const sources = (world: CoreWorld): ImageSources => ({
  settings: { centralRegistries: [CENTRAL], pullThroughCache: [PUBLIC_ECR] },
  central: { [ecrRegistryHost(CENTRAL)]: world.cloud.imageRegistry(CENTRAL) },
});

const untilDone = { deadlineMs: Number.POSITIVE_INFINITY };

describe('Function: describeSource (pinned digests)', () => {
  it('stages the digest the deployment pinned when the tag has moved since', async () => {
    // Arrange: svc-000 runs shop/svc-000:v1; then v1 is pushed again (a moved tag)
    const world = coreWorld(1);
    const primary = sideOf(world, world.primary);
    const running = (await describeSource(primary, { ...world.primary, ...SERVICE })).images.app;
    const moved = world.cloud.pushImage(world.primary, {
      repository: 'shop/svc-000',
      tag: 'v1',
      layers: [new TextEncoder().encode('a different build')],
    });

    // Act
    const source = await describeSource(primary, { ...world.primary, ...SERVICE });
    const copied = await copyImages(
      primary.registry,
      sideOf(world, world.staging).registry,
      source.images,
      { clock: world.cloud.clock, ...untilDone },
    );

    // Assert
    expect(moved.reference.digest).not.toBe(running?.digest);
    expect((await primary.registry.resolve('shop/svc-000', 'v1')).digest).toBe(
      moved.reference.digest,
    );
    expect(source.images.app?.digest).toBe(running?.digest);
    expect(source.imagePins.app).toBe('service-revision');
    expect(copied.staged.app?.digest).toBe(running?.digest);
  });

  it('resolves the tag only when ECS records no digest, and says so', async () => {
    // Arrange: a platform whose ECS keeps no revision and runs no task
    const world = coreWorld(1);
    const side = sideOf(world, world.primary);
    const platform = side.platform;
    const primary = {
      ...side,
      platform: Object.assign(Object.create(platform), {
        describePinnedImages: async () => ({ source: 'none' as const, digests: {} }),
      }) as typeof platform,
    };

    // Act
    const source = await describeSource(primary, { ...world.primary, ...SERVICE });

    // Assert
    expect(source.imagePins.app).toBe('tag-resolved');
    expect(source.images.app?.digest).toBe(
      (await side.registry.resolve('shop/svc-000', 'v1')).digest,
    );
  });
});

describe('Function: copyImages (registries outside the primary)', () => {
  it('imports a public ECR sidecar by its pinned digest through the staging cache rule', async () => {
    // Arrange: fluent-bit:stable deployed, then stable moves upstream
    const world = coreWorld(1);
    const pushed = world.cloud.pushImage(
      { upstream: 'public.ecr.aws' },
      { repository: FLUENT_BIT, tag: 'stable', layers: [{ sizeBytes: 3 * 1024 * 1024 }] },
    );
    world.cloud.addPullThroughCacheRule(world.staging, PUBLIC_ECR);
    await deployWithSidecars(world, [
      { name: 'log-router', image: `public.ecr.aws/${FLUENT_BIT}:stable`, essential: true },
    ]);
    world.cloud.pushImage(
      { upstream: 'public.ecr.aws' },
      { repository: FLUENT_BIT, tag: 'stable', layers: [{ sizeBytes: 1024 }] },
    );
    const primary = sideOf(world, world.primary);
    const staging = sideOf(world, world.staging);

    // Act
    const source = await describeSource(
      primary,
      { ...world.primary, ...SERVICE },
      {
        images: sources(world).settings,
      },
    );
    const first = await copyImages(primary.registry, staging.registry, source.images, {
      clock: world.cloud.clock,
      ...untilDone,
      sources: sources(world),
    });
    const again = await copyImages(primary.registry, staging.registry, source.images, {
      clock: world.cloud.clock,
      ...untilDone,
      sources: sources(world),
    });
    const staged = await stageTaskDefinition(staging.platform, {
      source: source.taskDefinition,
      stagedImages: first.staged,
      mappings: cloneMappingsOf(world.settings),
    });

    // Assert
    expect(source.images['log-router']).toEqual({
      registry: 'public.ecr.aws',
      repository: FLUENT_BIT,
      digest: pushed.reference.digest,
      tag: 'stable',
    });
    expect(first.done).toBe(true);
    expect(first.staged['log-router']).toEqual({
      registry: staging.registry.registry,
      repository: `ecr-public/${FLUENT_BIT}`,
      digest: pushed.reference.digest,
    });
    await expect(
      staging.registry.resolve(`ecr-public/${FLUENT_BIT}`, pushed.reference.digest),
    ).resolves.toMatchObject({ digest: pushed.reference.digest });
    expect(again.blobsCopied).toBe(0);
    const image = staged.spec.containerDefinitions.find((c) => c.name === 'log-router')?.image;
    expect(image).toBe(
      `${staging.registry.registry}/ecr-public/${FLUENT_BIT}@${pushed.reference.digest}`,
    );
  });

  it('copies a central-registry image by digest into the staging repository of the same name', async () => {
    // Arrange
    const world = coreWorld(1);
    const envoy = world.cloud.pushImage(CENTRAL, {
      repository: 'platform/envoy',
      tag: 'v1.31',
      layers: [{ sizeBytes: 2 * 1024 * 1024 }],
    });
    await deployWithSidecars(world, [
      {
        name: 'envoy',
        image: `${envoy.reference.registry}/platform/envoy:v1.31`,
        essential: true,
      },
    ]);
    const primary = sideOf(world, world.primary);
    const staging = sideOf(world, world.staging);

    // Act
    const source = await describeSource(
      primary,
      { ...world.primary, ...SERVICE },
      { images: sources(world).settings },
    );
    const copied = await copyImages(primary.registry, staging.registry, source.images, {
      clock: world.cloud.clock,
      ...untilDone,
      sources: sources(world),
    });

    // Assert
    expect(source.images.envoy?.registry).toBe(ecrRegistryHost(CENTRAL));
    expect(copied.staged.envoy).toEqual({
      registry: staging.registry.registry,
      repository: 'platform/envoy',
      digest: envoy.reference.digest,
      tag: 'v1.31',
    });
    await expect(
      staging.registry.resolve('platform/envoy', envoy.reference.digest),
    ).resolves.toMatchObject({ digest: envoy.reference.digest });
  });

  it('refuses, before copying anything, an upstream whose cache rule is not configured to the copy step', async () => {
    // Arrange
    const world = coreWorld(1);
    const primary = sideOf(world, world.primary);
    const staging = sideOf(world, world.staging);
    const image = {
      registry: 'public.ecr.aws',
      repository: FLUENT_BIT,
      digest: `sha256:${'c'.repeat(64)}` as const,
    };

    // Act
    const copying = copyImages(
      primary.registry,
      staging.registry,
      { 'log-router': image },
      { clock: world.cloud.clock, ...untilDone },
    );

    // Assert
    await expect(copying).rejects.toBeInstanceOf(CloneValidationError);
    await expect(copying).rejects.toMatchObject({
      issues: [expect.stringContaining('images.pullThroughCache')],
    });
  });
});

describe('Function: describeSource (refusals)', () => {
  it('names the config key for every image it cannot clone, all at once', async () => {
    // Arrange
    const world = coreWorld(1);
    world.cloud.pushImage(
      { upstream: 'mcr.microsoft.com' },
      { repository: 'dotnet/aspnet', tag: '8.0', layers: [{ sizeBytes: 1024 }] },
    );
    world.cloud.pushImage(
      { upstream: 'registry-1.docker.io' },
      { repository: 'library/nginx', tag: '1.27', layers: [{ sizeBytes: 1024 }] },
    );
    await deployWithSidecars(world, [
      { name: 'aspnet', image: 'mcr.microsoft.com/dotnet/aspnet:8.0' },
      { name: 'proxy', image: 'nginx:1.27' },
    ]);

    // Act
    let error: unknown;
    try {
      await describeSource(
        sideOf(world, world.primary),
        { ...world.primary, ...SERVICE },
        {
          images: sources(world).settings,
        },
      );
    } catch (caught) {
      error = caught;
    }

    // Assert
    expect(error).toBeInstanceOf(CloneValidationError);
    const issues = (error as CloneValidationError).issues;
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(
      /^containerDefinitions\[aspnet\]\.image: mcr\.microsoft\.com\/dotnet\/aspnet:8\.0: .*images\.centralRegistries/,
    );
    expect(issues[1]).toMatch(
      /^containerDefinitions\[proxy\]\.image: nginx:1\.27: registry-1\.docker\.io has no pull-through cache rule: .*images\.pullThroughCache/,
    );
  });
});
