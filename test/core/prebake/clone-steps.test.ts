import { sideOf } from '../../../bin/local/clone-pipeline';
import { SandboxDependencyProbe } from '../../../functions/adapters/sandbox/dependency-probe';
import { NotFoundError } from '../../../functions/core/errors';
import {
  copyImages,
  describeSource,
  parseImageUri,
  stagedTag,
  stageTaskDefinition,
} from '../../../functions/core/prebake/clone-steps';
import { cloneMappingsOf } from '../../../functions/core/prebake/settings';
import { cloneService, coreWorld } from './integrity-support';

describe('Function: parseImageUri', () => {
  it('splits tag, digest and implicit latest references', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImageUri('r.example/shop/web:v1')).toEqual({
      registry: 'r.example',
      repository: 'shop/web',
      reference: 'v1',
    });
    expect(parseImageUri(`r.example/shop/web@${digest}`)?.reference).toBe(digest);
    expect(parseImageUri('r.example/shop/web')?.reference).toBe('latest');
    // Docker's rule: no registry host means Docker Hub, and an official image is `library/…`.
    expect(parseImageUri('web')).toEqual({
      registry: 'registry-1.docker.io',
      repository: 'library/web',
      reference: 'latest',
    });
    expect(parseImageUri('not an image')).toBeUndefined();
  });
});

describe('Function: stageTaskDefinition', () => {
  it('reuses the identical newest revision, and registers above a stray one registered out of band', async () => {
    // Arrange
    const world = coreWorld(1);
    const stored = await cloneService(world, 'shop/svc-000');
    const staging = sideOf(world, world.staging);
    const source = await describeSource(sideOf(world, world.primary), {
      ...world.primary,
      cluster: 'shop',
      service: 'svc-000',
    });
    const input = {
      source: source.taskDefinition,
      stagedImages: stored.version.content.images,
      mappings: cloneMappingsOf(world.settings),
    };

    // Act
    const again = await stageTaskDefinition(staging.platform, input);
    const stray = await staging.platform.registerTaskDefinition(
      { ...stored.version.content.taskDefinition, cpu: '1024' },
      [],
    );
    const afterStray = await stageTaskDefinition(staging.platform, input);

    // Assert
    expect(again.reused).toBe(true);
    expect(again.taskDefinitionArn).toBe(stored.version.content.stagedTaskDefinitionArn);
    expect(afterStray.reused).toBe(false);
    expect(afterStray.hash).toBe(again.hash);
    expect(Number(afterStray.taskDefinitionArn.split(':').at(-1))).toBeGreaterThan(stray.revision);
  });
});

describe('Function: copyImages', () => {
  it('stops at the deadline with done false, then resumes without copying anything twice', async () => {
    // Arrange
    const world = coreWorld(1);
    const primary = sideOf(world, world.primary);
    const staging = sideOf(world, world.staging);
    const source = await describeSource(primary, {
      ...world.primary,
      cluster: 'shop',
      service: 'svc-000',
    });

    // Act
    const first = await copyImages(primary.registry, staging.registry, source.images, {
      clock: world.cloud.clock,
      deadlineMs: world.cloud.clock.now(),
    });
    const second = await copyImages(primary.registry, staging.registry, source.images, {
      clock: world.cloud.clock,
      deadlineMs: Number.POSITIVE_INFINITY,
    });
    const third = await copyImages(primary.registry, staging.registry, source.images, {
      clock: world.cloud.clock,
      deadlineMs: Number.POSITIVE_INFINITY,
    });

    // Assert
    expect(first.done).toBe(false);
    expect(first.staged).toEqual({});
    expect(second.done).toBe(true);
    expect(second.blobsCopied).toBeGreaterThan(0);
    expect(third.blobsCopied).toBe(0);
    expect(third.manifestsPut).toBe(0);
    expect(third.manifestsSkipped).toBe(1);
    const image = second.staged.app;
    if (!image) throw new Error('not staged');
    const tagged = await staging.registry.resolve(image.repository, stagedTag(image.digest));
    expect(tagged.digest).toBe(image.digest);
  });
});

describe('Class: SandboxDependencyProbe', () => {
  it('finds declared resources, live clusters and groups, and nothing else', async () => {
    // Arrange
    const world = coreWorld(1);
    const probe = new SandboxDependencyProbe({
      platform: world.cloud.containerPlatform(world.staging),
      network: world.cloud.networkRules(world.staging),
    }).declare({ kind: 'secret', id: 'arn:s' });

    // Act
    const present = await probe.present([
      { kind: 'secret', id: 'arn:s' },
      { kind: 'secret', id: 'arn:other' },
      { kind: 'cluster', id: 'understudy' },
      { kind: 'cluster', id: 'nope' },
      { kind: 'security-group', id: 'sg-missing' },
    ]);

    // Assert
    expect([...present].sort()).toEqual(['cluster:understudy', 'secret:arn:s']);
    await expect(
      world.cloud.networkRules(world.staging).describeGroups(['sg-missing']),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
