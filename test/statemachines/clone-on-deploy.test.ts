// Clones stay current: a push to a repository a clone's image comes from re-clones exactly the
// services using it, once per event, and the re-clone records the new digest as a new version.
import {
  createLocalCloneWorld,
  runClonePipeline,
  seededServiceKey,
} from '../../bin/local/clone-pipeline';
import type { PipelineStarter } from '../../functions/core/ports';
import { createCloneOnDeployHandler } from '../../functions/handlers/clone-on-deploy';
import { useDynalite } from '../support/dynalite-per-file';

jest.setTimeout(60_000);

const dynalite = useDynalite();

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('Handler: clone-on-deploy', () => {
  it('re-clones the service whose repository received a push, once per event', async () => {
    // Arrange: two services cloned, then svc-001's tag v1 moves to a new image in the primary
    const w = await createLocalCloneWorld({ services: 2, dynamo: dynalite() });
    await runClonePipeline(w, { trigger: 'manual' });
    const before = await w.inventory.getVersion(seededServiceKey(1), 1);
    const pushed = w.cloud.pushImage(w.primary, {
      repository: 'shop/svc-001',
      tag: 'v1',
      layers: [{ sizeBytes: 12 * 1024 * 1024 }],
    });
    const started: { name: string; input: Readonly<Record<string, unknown>> }[] = [];
    const starter: PipelineStarter = {
      async start(name, input) {
        const alreadyStarted = started.some((s) => s.name === name);
        if (!alreadyStarted) started.push({ name, input });
        return { executionArn: `arn:local:${name}`, alreadyStarted };
      },
    };
    const handler = createCloneOnDeployHandler({
      settings: w.settings,
      inventory: w.inventory,
      starter,
      logger: quiet,
    });
    const event = {
      id: 'evt-42',
      source: 'aws.ecr',
      'detail-type': 'ECR Image Action',
      account: w.primary.account,
      region: w.primary.region,
      detail: {
        'action-type': 'PUSH',
        result: 'SUCCESS',
        'repository-name': 'shop/svc-001',
        'image-tag': 'v1',
      },
    };

    // Act: the event arrives twice (at-least-once delivery), then the started run executes
    const first = await handler(event);
    const second = await handler(event);
    const run = await runClonePipeline(
      w,
      started[0]?.input as { services: string[]; trigger: string; requestedBy: string },
    );

    // Assert
    expect(first.services).toEqual([seededServiceKey(1)]);
    expect(second.alreadyStarted).toBe(true);
    expect(started).toHaveLength(1);
    expect(run.output).toMatchObject({ stored: 1, created: 1, validated: 1 });
    const after = await w.inventory.getVersion(seededServiceKey(1), 2);
    expect(after.content.images.app?.digest).toBe(pushed.reference.digest);
    expect(after.content.images.app?.digest).not.toBe(before.content.images.app?.digest);
    expect(after.trigger).toBe('deploy-event');
    expect((await w.inventory.listVersions(seededServiceKey(0))).length).toBe(1);
  });

  it('rejects an event that is not an EventBridge deploy event', async () => {
    // Arrange
    const handler = createCloneOnDeployHandler(() => {
      throw new Error('dependencies must not be built for a bad event');
    });

    // Act + Assert
    await expect(
      handler({ id: 'x', source: 'aws.s3', 'detail-type': 'Object Created' }),
    ).rejects.toThrow(/invalid deploy event: source/);
  });
});
