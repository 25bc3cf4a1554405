// Clones stay current: a push to a repository a clone's image comes from re-clones exactly the
// services using it, once per event; the re-clone records the digest production then runs — the
// pushed one once a deployment runs it, the old one while none does (a moved tag alone stages
// nothing production is not running).
import {
  createLocalCloneWorld,
  type LocalCloneWorld,
  runClonePipeline,
  seededServiceKey,
} from '../../bin/local/clone-pipeline';
import type { PipelineStarter } from '../../functions/core/ports';
import { createCloneOnDeployHandler } from '../../functions/handlers/clone-on-deploy';
import { useDynalite } from '../support/dynalite-per-file';

jest.setTimeout(60_000);

const dynalite = useDynalite();

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** The primary's pipeline deploys what the tag now names: a new revision, a new deployment. */
async function redeploy(w: LocalCloneWorld, service: string): Promise<void> {
  const platform = w.cloud.containerPlatform(w.primary);
  const current = await platform.describeService('shop', service);
  const { taskDefinitionArn, revision, status, registeredAt, tags, ...spec } =
    await platform.describeTaskDefinition(current.taskDefinition);
  const next = w.cloud.registerTaskDefinition(w.primary, spec);
  await platform.updateService('shop', service, { taskDefinition: next.taskDefinitionArn });
}

/** ECR's push event for `repository:v1` from the primary. */
function pushEvent(w: LocalCloneWorld, id: string, repository: string) {
  return {
    id,
    source: 'aws.ecr',
    'detail-type': 'ECR Image Action',
    account: w.primary.account,
    region: w.primary.region,
    detail: {
      'action-type': 'PUSH',
      result: 'SUCCESS',
      'repository-name': repository,
      'image-tag': 'v1',
    },
  };
}

describe('Handler: clone-on-deploy', () => {
  it('re-clones the service whose repository received a push, once per event', async () => {
    // Arrange: two services cloned, then svc-001's tag v1 moves to a new image in the primary
    // and the primary deploys it
    const w = await createLocalCloneWorld({ services: 2, dynamo: dynalite() });
    await runClonePipeline(w, { trigger: 'manual' });
    const before = await w.inventory.getVersion(seededServiceKey(1), 1);
    const pushed = w.cloud.pushImage(w.primary, {
      repository: 'shop/svc-001',
      tag: 'v1',
      layers: [{ sizeBytes: 12 * 1024 * 1024 }],
    });
    await redeploy(w, 'svc-001');
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
    const event = pushEvent(w, 'evt-42', 'shop/svc-001');

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

  it('stages nothing new for a push no deployment runs yet: the clone keeps the running digest', async () => {
    // Arrange
    const w = await createLocalCloneWorld({ services: 1, dynamo: dynalite() });
    await runClonePipeline(w, { trigger: 'manual' });
    const before = await w.inventory.getVersion(seededServiceKey(0), 1);
    const pushed = w.cloud.pushImage(w.primary, {
      repository: 'shop/svc-000',
      tag: 'v1',
      layers: [{ sizeBytes: 1024 * 1024 }],
    });
    const started: { input: Readonly<Record<string, unknown>> }[] = [];
    const handler = createCloneOnDeployHandler({
      settings: w.settings,
      inventory: w.inventory,
      starter: {
        async start(name, input) {
          started.push({ input });
          return { executionArn: `arn:local:${name}`, alreadyStarted: false };
        },
      },
      logger: quiet,
    });

    // Act
    await handler(pushEvent(w, 'evt-43', 'shop/svc-000'));
    const run = await runClonePipeline(
      w,
      started[0]?.input as { services: string[]; trigger: string; requestedBy: string },
    );

    // Assert
    expect(run.output).toMatchObject({ stored: 1, created: 0, validated: 1 });
    expect((await w.inventory.listVersions(seededServiceKey(0))).map((v) => v.version)).toEqual([
      1,
    ]);
    expect(before.content.images.app?.digest).not.toBe(pushed.reference.digest);
    const staged = w.cloud.imageRegistry(w.staging);
    await expect(staged.resolve('shop/svc-000', pushed.reference.digest)).rejects.toThrow();
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
