// Retention over a real inventory built by the real clone pipeline: old versions go, with the
// staged images and revisions only they used; the latest validated and the pinned version stay,
// and so do their images.
import {
  createLocalCloneWorld,
  type LocalCloneWorld,
  runClonePipeline,
  seededServiceKey,
} from '../../bin/local/clone-pipeline';
import { NotFoundError } from '../../functions/core/errors';
import { imageUri } from '../../functions/core/model';
import { createCloneRetentionHandler } from '../../functions/handlers/clone-retention';
import { useDynalite } from '../support/dynalite-per-file';

jest.setTimeout(60_000);

const dynalite = useDynalite();
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const SERVICE = seededServiceKey(0);

/**
 * Moves the primary's tag v1 to a new image, deploys it (a new revision, so a new deployment pins
 * the new digest) and re-clones: one new clone version each time.
 */
async function newVersion(w: LocalCloneWorld, layerBytes: number): Promise<void> {
  w.cloud.pushImage(w.primary, {
    repository: 'shop/svc-000',
    tag: 'v1',
    layers: [{ sizeBytes: layerBytes }],
  });
  const platform = w.cloud.containerPlatform(w.primary);
  const current = await platform.describeService('shop', 'svc-000');
  const { taskDefinitionArn, revision, status, registeredAt, tags, ...spec } =
    await platform.describeTaskDefinition(current.taskDefinition);
  const next = w.cloud.registerTaskDefinition(w.primary, spec);
  await platform.updateService('shop', 'svc-000', { taskDefinition: next.taskDefinitionArn });
  await runClonePipeline(w, { trigger: 'deploy-event' });
}

function handlerFor(w: LocalCloneWorld, keepVersions = 1) {
  return createCloneRetentionHandler({
    settings: { ...w.settings, retention: { keepVersions, minAgeDays: 0 } },
    inventory: w.inventory,
    stagingRegistry: w.cloud.imageRegistry(w.staging),
    stagingPlatform: w.cloud.containerPlatform(w.staging),
    clock: { now: () => w.cloud.clock.now() + 1 },
    logger: quiet,
  });
}

describe('Handler: clone-retention', () => {
  it('deletes old versions and what only they used, keeping the latest validated and the pinned one', async () => {
    // Arrange: versions 1..4, version 2 pinned (a rollback target)
    const w = await createLocalCloneWorld({ services: 1, dynamo: dynalite() });
    await runClonePipeline(w, { trigger: 'manual' });
    for (const size of [11, 12, 13]) await newVersion(w, size * 1024 * 1024);
    await w.inventory.pin(SERVICE, 2, 'test', 'rollback target');
    const versions = await Promise.all([1, 2, 3, 4].map((n) => w.inventory.getVersion(SERVICE, n)));
    const registry = w.cloud.imageRegistry(w.staging);
    const platform = w.cloud.containerPlatform(w.staging);

    // Act
    const report = await handlerFor(w)({ source: 'aws.events', 'detail-type': 'Scheduled Event' });

    // Assert
    expect(report.deletedVersions).toEqual({ [SERVICE]: [3, 1] });
    expect((await w.inventory.listVersions(SERVICE)).map((v) => v.version)).toEqual([4, 2]);
    for (const [index, kept] of [
      [0, false],
      [1, true],
      [2, false],
      [3, true],
    ] as const) {
      const version = versions[index];
      const image = version?.content.images.app;
      if (!version || !image) throw new Error('missing fixture');
      const present = await registry.resolve(image.repository, image.digest).then(
        () => true,
        (error) => {
          if (error instanceof NotFoundError) return false;
          throw error;
        },
      );
      expect([version.version, present]).toEqual([version.version, kept]);
      const revision = await platform.describeTaskDefinition(
        version.content.stagedTaskDefinitionArn,
      );
      expect([version.version, revision.status]).toEqual([
        version.version,
        kept ? 'ACTIVE' : 'INACTIVE',
      ]);
    }
    expect(report.deletedImages).toEqual(
      [versions[0], versions[2]].map((v) => imageUri(v?.content.images.app as never)).sort(),
    );
  });

  it('keeps an image a remaining version still uses', async () => {
    // Arrange: version 2 differs from version 1 only by a secret mapping; both use one image
    const w = await createLocalCloneWorld({ services: 1, dynamo: dynalite() });
    await runClonePipeline(w, { trigger: 'manual' });
    const [secretSource] = Object.keys(w.settings.mappings.secrets ?? {});
    const moved: LocalCloneWorld = {
      ...w,
      settings: {
        ...w.settings,
        mappings: {
          ...w.settings.mappings,
          secrets: {
            [secretSource as string]:
              'arn:aws:secretsmanager:eu-central-1:222222222222:secret:other-AbCdEf',
          },
        },
      },
    };
    w.probe.declare({
      kind: 'secret',
      id: 'arn:aws:secretsmanager:eu-central-1:222222222222:secret:other-AbCdEf',
    });
    await runClonePipeline(moved, { trigger: 'manual' });

    // Act
    const report = await handlerFor(w)({});

    // Assert
    expect(report.deletedVersions).toEqual({ [SERVICE]: [1] });
    expect(report.deletedImages).toEqual([]);
    expect(report.keptShared).toBe(1);
    expect(report.deregisteredRevisions).toHaveLength(1);
  });

  it('refuses services that are not protected, and malformed events', async () => {
    // Arrange
    const w = await createLocalCloneWorld({ services: 1, dynamo: dynalite() });
    const handler = handlerFor(w);

    // Act + Assert
    await expect(handler({ services: ['shop/nope'] })).rejects.toThrow(
      /shop\/nope: not in the protected services/,
    );
    await expect(handler({ services: 'all' })).rejects.toThrow(/invalid clone-retention event/);
  });
});
