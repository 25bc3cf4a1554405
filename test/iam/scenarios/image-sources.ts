/**
 * Scenario: the copy step's images from elsewhere, as the copy role — an image of a central ECR
 * registry in another account (copied by digest, read cross-account: the central repository's
 * policy is the one docs/configuration.md tells its owner to grant, read from that page), and an
 * image of a public upstream imported through the staging pull-through cache rule (the cache
 * repository's first pull: ECR fetches the image as the caller).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageReference } from '../../../functions/core/model';
import { ecrRegistryHost, imageSourcesOf } from '../../../functions/core/prebake/settings';
import { createCloneCopyImagesHandler } from '../../../functions/handlers/clone-copy-images';
import { seedImage } from '../../support/clone-seed';
import type { PolicyDocument } from '../support/template';
import { REPLAY_CENTRAL_REGISTRY, REPLAY_PULL_THROUGH } from '../support/template';
import type { ReplayWorld } from '../support/world';
import { settingsOf } from './clone-validate-store';

/**
 * The repository policy docs/configuration.md gives a central registry's owner, filled in with
 * the staging account and the copy role's ARN (the stack's `CopyImagesRoleArn` output).
 */
export function documentedCentralRepositoryPolicy(
  stagingAccount: string,
  copyRoleArn: string,
): PolicyDocument {
  const page = fs.readFileSync(
    path.join(__dirname, '..', '..', '..', 'docs', 'configuration.md'),
    'utf8',
  );
  const section = page.slice(page.indexOf('#### Central ECR registries'));
  const block = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (!block) throw new Error('docs/configuration.md: no repository policy for central registries');
  return JSON.parse(
    block
      .replaceAll('<staging account>', stagingAccount)
      .replaceAll('<CopyImagesRoleArn output>', copyRoleArn),
  ) as PolicyDocument;
}

/** The `CopyImagesRoleArn` output of the staging stack, resolved. */
function copyRoleArnOutput(world: ReplayWorld): string {
  for (const stack of world.app.stacks) {
    const output = (stack.template as { Outputs?: Record<string, { Value: unknown }> }).Outputs
      ?.CopyImagesRoleArn;
    if (output) return String(world.app.resolve(stack.stackName, output.Value));
  }
  throw new Error('no stack has a CopyImagesRoleArn output');
}

/** Runs the scenario in `world`, recording every call. */
export async function imageSources(world: ReplayWorld): Promise<void> {
  const copy = world.fn('ShadowManagerCopyImagesFunction');
  const settings = settingsOf(copy);
  const staging = settings.staging;
  const central = REPLAY_CENTRAL_REGISTRY;
  const step = 'copy-images (image sources)';

  // ---- Seed (unrecorded): the central registry's image, and the image ECR's cache holds once
  // it has fetched it from the upstream (moto has no upstream to fetch from).
  const centralImage = seedImage(true, 3);
  const centralSeed = world.unrecordedClients(central.account, central.region);
  const centralSeedRegistry = world.registry(centralSeed, central.account, central.region);
  await centralSeedRegistry.ensureRepository('base/runtime', {});
  for (const blob of centralImage.blobs) {
    world.layers.put(central.account, central.region, 'base/runtime', blob.digest, blob.bytes);
  }
  await centralSeedRegistry.putManifest(
    'base/runtime',
    {
      digest: centralImage.digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      bytes: centralImage.manifest,
    },
    '1.0',
  );
  const upstreamImage = seedImage(true, 4);
  const cacheRepository = `${REPLAY_PULL_THROUGH.ecrRepositoryPrefix}/nginx/nginx`;
  const stagingSeed = world.unrecordedClients(staging.account, staging.region);
  const stagingSeedRegistry = world.registry(stagingSeed, staging.account, staging.region);
  await stagingSeedRegistry.ensureRepository(cacheRepository, {});
  for (const blob of upstreamImage.blobs) {
    world.layers.put(staging.account, staging.region, cacheRepository, blob.digest, blob.bytes);
  }
  await stagingSeedRegistry.putManifest(
    cacheRepository,
    {
      digest: upstreamImage.digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      bytes: upstreamImage.manifest,
    },
    'stable',
  );
  const cacheArn = `arn:aws:ecr:${staging.region}:${staging.account}:repository/${cacheRepository}`;
  world.facts.add(cacheArn, { pullThroughCache: true });
  world.app.repositoryPolicies.set(
    `arn:aws:ecr:${central.region}:${central.account}:repository/base/runtime`,
    documentedCentralRepositoryPolicy(staging.account, copyRoleArnOutput(world)),
  );

  // ---- The copy step, as its role: staging clients, and the central registry read with the
  // same role's credentials across accounts.
  const tag = { principal: copy.principal, account: staging.account, step };
  const stagingClients = world.sideClients(tag, staging.region);
  const centralClients = world.sideClients({ ...tag, account: central.account }, central.region);
  const centralRegistry = world.registry(centralClients, central.account, central.region);
  const images: Record<string, ImageReference> = {
    runtime: {
      registry: ecrRegistryHost(central),
      repository: 'base/runtime',
      digest: centralImage.digest,
    },
    proxy: { registry: 'public.ecr.aws', repository: 'nginx/nginx', digest: upstreamImage.digest },
  };
  const handler = createCloneCopyImagesHandler({
    // No image of the primary's: its registry is never read here.
    primaryRegistry: world.registry(stagingClients, staging.account, staging.region),
    stagingRegistry: world.registry(stagingClients, staging.account, staging.region),
    clock: { now: () => Date.now(), sleep: async () => {} },
    sources: {
      settings: imageSourcesOf(settings),
      central: { [ecrRegistryHost(central)]: centralRegistry },
    },
  });
  let progress = await handler({ source: { images } });
  for (let round = 0; !progress.done && round < 5; round += 1) {
    progress = await handler({ source: { images } });
  }
  if (!progress.done) throw new Error('image-sources scenario: copy did not finish');
}
