// clone-validate-store with images outside the primary's ECR: the real ASL, the real handlers
// over the sandbox cloud (an upstream public.ecr.aws, a staging pull-through cache rule, a central
// ECR account) and the real inventory on dynalite. A moved tag must not change what is staged.
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  createLocalCloneWorld,
  type LocalCloneWorld,
  runClonePipeline,
  seededServiceKey,
} from '../../bin/local/clone-pipeline';
import type { ContainerDefinitionSpec, Location } from '../../functions/core/model';
import { ecrRegistryHost } from '../../functions/core/prebake/settings';
import { useDynalite } from '../support/dynalite-per-file';

jest.setTimeout(60_000);

const dynalite = useDynalite();
const CENTRAL: Location = { account: '333333333333', region: 'eu-west-1' };
const FLUENT_BIT = 'aws-observability/aws-for-fluent-bit';
const SVC = seededServiceKey(0);

/** A world whose settings know public.ecr.aws (cache prefix `ecr-public`) and CENTRAL. */
async function imagesWorld(): Promise<LocalCloneWorld> {
  const base = await createLocalCloneWorld({ services: 1, dynamo: dynalite() });
  base.cloud.addPullThroughCacheRule(base.staging, {
    upstreamRegistryUrl: 'public.ecr.aws',
    ecrRepositoryPrefix: 'ecr-public',
  });
  return {
    ...base,
    settings: {
      ...base.settings,
      images: {
        centralRegistries: [CENTRAL],
        pullThroughCache: [
          { upstreamRegistryUrl: 'public.ecr.aws', ecrRepositoryPrefix: 'ecr-public' },
        ],
      },
    },
  };
}

/** Deploys a new revision of svc-000 with `sidecars` next to its app container. */
async function deployWithSidecars(
  w: LocalCloneWorld,
  sidecars: readonly ContainerDefinitionSpec[],
): Promise<void> {
  const platform = w.cloud.containerPlatform(w.primary);
  const current = await platform.describeService('shop', 'svc-000');
  const source = await platform.describeTaskDefinition(current.taskDefinition);
  const { taskDefinitionArn, revision, status, registeredAt, tags, ...spec } = source;
  const next = w.cloud.registerTaskDefinition(w.primary, {
    ...spec,
    containerDefinitions: [...spec.containerDefinitions, ...sidecars],
  });
  await platform.updateService('shop', 'svc-000', { taskDefinition: next.taskDefinitionArn });
}

describe('State machine: clone-validate-store (images from other registries)', () => {
  it('stages a public ECR sidecar and a central image by the digests production runs, tags moved or not', async () => {
    // Arrange: fluent-bit:stable and envoy:v1 deployed, then both tags moved
    const w = await imagesWorld();
    const fluentBit = w.cloud.pushImage(
      { upstream: 'public.ecr.aws' },
      { repository: FLUENT_BIT, tag: 'stable', layers: [{ sizeBytes: 2 * 1024 * 1024 }] },
    );
    const envoy = w.cloud.pushImage(CENTRAL, {
      repository: 'platform/envoy',
      tag: 'v1',
      layers: [{ sizeBytes: 1024 * 1024 }],
    });
    await deployWithSidecars(w, [
      { name: 'log-router', image: `public.ecr.aws/${FLUENT_BIT}:stable`, essential: true },
      { name: 'envoy', image: `${ecrRegistryHost(CENTRAL)}/platform/envoy:v1`, essential: true },
    ]);
    w.cloud.pushImage(
      { upstream: 'public.ecr.aws' },
      { repository: FLUENT_BIT, tag: 'stable', layers: [{ sizeBytes: 4096 }] },
    );
    w.cloud.pushImage(CENTRAL, {
      repository: 'platform/envoy',
      tag: 'v1',
      layers: [{ sizeBytes: 8192 }],
    });

    // Act
    const run = await runClonePipeline(w, { trigger: 'manual' });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ stored: 1, validated: 1, failed: [] });
    const version = await w.inventory.getVersion(SVC, 1);
    const registry = w.cloud.imageRegistry(w.staging).registry;
    expect(version.content.images['log-router']).toEqual({
      registry,
      repository: `ecr-public/${FLUENT_BIT}`,
      digest: fluentBit.reference.digest,
    });
    expect(version.content.images.envoy).toMatchObject({
      registry,
      repository: 'platform/envoy',
      digest: envoy.reference.digest,
    });
    const staged = await w.cloud
      .containerPlatform(w.staging)
      .describeTaskDefinition(version.content.stagedTaskDefinitionArn);
    const imageOf = (name: string) =>
      staged.containerDefinitions.find((container) => container.name === name)?.image;
    expect(imageOf('log-router')).toBe(
      `${registry}/ecr-public/${FLUENT_BIT}@${fluentBit.reference.digest}`,
    );
    expect(imageOf('envoy')).toBe(`${registry}/platform/envoy@${envoy.reference.digest}`);
  });

  it('records the refusal of an image on an unsupported registry with the key to set, and stages nothing', async () => {
    // Arrange
    const w = await imagesWorld();
    w.cloud.pushImage(
      { upstream: 'mcr.microsoft.com' },
      { repository: 'dotnet/aspnet', tag: '8.0', layers: [{ sizeBytes: 1024 }] },
    );
    await deployWithSidecars(w, [{ name: 'aspnet', image: 'mcr.microsoft.com/dotnet/aspnet:8.0' }]);

    // Act
    const run = await runClonePipeline(w, { trigger: 'manual' });

    // Assert
    expect(run.output).toMatchObject({
      stored: 0,
      failed: [{ service: SVC, error: 'CloneValidationError' }],
    });
    const failures = await dynalite().client.send(
      new QueryCommand({
        TableName: w.tables.inventory,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :f)',
        ExpressionAttributeValues: { ':pk': { S: `SVC#${SVC}` }, ':f': { S: 'FAILURE#' } },
      }),
    );
    expect(failures.Items?.[0]?.cause?.S).toMatch(
      /containerDefinitions\[aspnet\]\.image: mcr\.microsoft\.com\/dotnet\/aspnet:8\.0: .*images\.centralRegistries/,
    );
    expect(await w.inventory.listVersions(SVC)).toEqual([]);
    expect(w.cloud.state(w.staging).ecr.hasRepository('shop/svc-000')).toBe(false);
  });
});
