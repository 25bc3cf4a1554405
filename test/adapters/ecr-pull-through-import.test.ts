// The copy step's import through a staging pull-through cache rule, over the real ECR adapter,
// call by call. moto implements no pull-through cache, so what ECR does on the other side
// (fetch from the upstream on BatchGetImage / GetDownloadUrlForLayer, create the repository on
// first pull) is mocked here; the calls and their shapes are what this test pins.
import { createHash } from 'node:crypto';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { EcrImageRegistry, type FetchLike } from '../../functions/adapters/aws/ecr-image-registry';
import type { Digest } from '../../functions/core/model';
import { copyImages } from '../../functions/core/prebake/clone-steps';

const ecr = mockClient(ECRClient);
const STAGING = { registryId: '222222222222', region: 'eu-central-1' };
const PRIMARY = { registryId: '111111111111', region: 'eu-west-1' };
const REPOSITORY = 'ecr-public/aws-observability/aws-for-fluent-bit';

const digestOf = (bytes: string | Uint8Array): Digest =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

const LAYER = new TextEncoder().encode('fluent-bit layer bytes');
const CONFIG = new TextEncoder().encode('{"architecture":"arm64"}');
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    digest: digestOf(CONFIG),
    size: CONFIG.byteLength,
  },
  layers: [
    {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: digestOf(LAYER),
      size: LAYER.byteLength,
    },
  ],
});
const DIGEST = digestOf(MANIFEST);

/** The pre-signed URL of the layer: its bytes, as S3 serves them. */
const fetchLayer: FetchLike = async () =>
  new Response(LAYER.slice(), {
    status: 206,
    headers: { 'content-range': `bytes 0-${LAYER.byteLength - 1}/${LAYER.byteLength}` },
  });

afterEach(() => {
  ecr.reset();
});

describe('Function: copyImages (pull-through cache, ECR adapter)', () => {
  it('pulls the manifest and the missing layer by digest through the cache repository, and pushes nothing', async () => {
    // Arrange: the config blob is cached already, the layer not yet
    ecr.on(BatchGetImageCommand).resolves({
      images: [
        {
          imageManifest: MANIFEST,
          imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
          imageId: { imageDigest: DIGEST },
        },
      ],
    });
    ecr.on(BatchCheckLayerAvailabilityCommand).resolves({
      layers: [
        { layerDigest: digestOf(CONFIG), layerAvailability: 'AVAILABLE' },
        { layerDigest: digestOf(LAYER), layerAvailability: 'UNAVAILABLE' },
      ],
    });
    ecr.on(GetDownloadUrlForLayerCommand).resolves({ downloadUrl: 'https://layer.example/x' });
    const client = new ECRClient({ region: STAGING.region });
    const staging = new EcrImageRegistry(client, { ...STAGING, fetch: fetchLayer });
    const primary = new EcrImageRegistry(client, PRIMARY);

    // Act
    const progress = await copyImages(
      primary,
      staging,
      {
        'log-router': {
          registry: 'public.ecr.aws',
          repository: 'aws-observability/aws-for-fluent-bit',
          digest: DIGEST,
          tag: 'stable',
        },
      },
      {
        clock: { now: () => 0, sleep: async () => undefined },
        deadlineMs: Number.POSITIVE_INFINITY,
        sources: {
          settings: {
            centralRegistries: [],
            pullThroughCache: [
              { upstreamRegistryUrl: 'public.ecr.aws', ecrRepositoryPrefix: 'ecr-public' },
            ],
          },
          central: {},
        },
      },
    );

    // Assert
    expect(progress).toMatchObject({ done: true, blobsCopied: 1, blobsSkipped: 1 });
    expect(progress.staged['log-router']).toEqual({
      registry: `${STAGING.registryId}.dkr.ecr.${STAGING.region}.amazonaws.com`,
      repository: REPOSITORY,
      digest: DIGEST,
    });
    expect(ecr).toHaveReceivedCommandWith(BatchGetImageCommand, {
      registryId: STAGING.registryId,
      repositoryName: REPOSITORY,
      imageIds: [{ imageDigest: DIGEST }],
    });
    expect(ecr).toHaveReceivedCommandTimes(GetDownloadUrlForLayerCommand, 1);
    expect(ecr).toHaveReceivedCommandWith(GetDownloadUrlForLayerCommand, {
      registryId: STAGING.registryId,
      repositoryName: REPOSITORY,
      layerDigest: digestOf(LAYER),
    });
    // ECR creates the cache repository itself; the copy step writes nothing into it.
    expect(ecr).not.toHaveReceivedCommand(CreateRepositoryCommand);
    expect(ecr).not.toHaveReceivedCommand(PutImageCommand);
    expect(ecr).not.toHaveReceivedCommand(InitiateLayerUploadCommand);
    expect(ecr).not.toHaveReceivedCommand(DescribeImagesCommand);
  });
});
