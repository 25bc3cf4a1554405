import { createHash } from 'node:crypto';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
  ImageAlreadyExistsException,
  ImageNotFoundException,
  ImageTagAlreadyExistsException,
  InitiateLayerUploadCommand,
  LayerAlreadyExistsException,
  PutImageCommand,
  PutLifecyclePolicyCommand,
  RepositoryAlreadyExistsException,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  DigestMismatchError,
  EcrImageRegistry,
  type FetchLike,
  MANIFEST_MEDIA_TYPES,
} from '../../functions/adapters/aws/ecr-image-registry';
import { ConflictError, NotFoundError } from '../../functions/core/errors';
import type { Digest } from '../../functions/core/model';

const ecr = mockClient(ECRClient);
const MiB = 1024 * 1024;

function digestOf(bytes: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function bytesOf(length: number, seed = 7): Uint8Array {
  const out = new Uint8Array(length);
  for (let index = 0; index < length; index += 1) out[index] = (index * seed + (index >> 8)) % 251;
  return out;
}

async function collect(parts: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size)
    yield bytes.subarray(offset, offset + size);
}

/** A fake pre-signed URL server honouring Range like S3, recording every request. */
function rangeServer(blob: Uint8Array): { fetch: FetchLike; ranges: string[] } {
  const ranges: string[] = [];
  const fetch: FetchLike = async (_url, init) => {
    const range = init?.headers?.Range ?? '';
    ranges.push(range);
    const match = /bytes=(\d+)-(\d+)/.exec(range);
    const first = Number(match?.[1] ?? 0);
    const last = Math.min(Number(match?.[2] ?? blob.length - 1), blob.length - 1);
    return new Response(blob.slice(first, last + 1), {
      status: 206,
      headers: { 'content-range': `bytes ${first}-${last}/${blob.length}` },
    });
  };
  return { fetch, ranges };
}

// The exact bytes matter: odd spacing and key order must survive, or the digest changes.
const MANIFEST_BYTES =
  '{\n   "schemaVersion": 2,\n   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",\n' +
  `   "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1470, "digest": "sha256:${'c'.repeat(64)}"},\n` +
  `   "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 2811969, "digest": "sha256:${'d'.repeat(64)}"}]\n}`;
const MANIFEST_DIGEST = digestOf(MANIFEST_BYTES);

function registry(fetch?: FetchLike, readPartBytes?: number): EcrImageRegistry {
  return new EcrImageRegistry(new ECRClient({}), {
    registryId: '111122223333',
    region: 'eu-west-1',
    ...(fetch ? { fetch } : {}),
    ...(readPartBytes ? { readPartBytes } : {}),
  });
}

afterEach(() => {
  ecr.reset();
});

describe('Class: EcrImageRegistry', () => {
  it('names its registry host from account and region', () => {
    expect(registry().registry).toBe('111122223333.dkr.ecr.eu-west-1.amazonaws.com');
  });

  describe('Method: resolve', () => {
    it('resolves a tag to the stored digest, keeping the tag for audit', async () => {
      // Arrange
      ecr.on(DescribeImagesCommand).resolves({
        imageDetails: [{ imageDigest: MANIFEST_DIGEST, imageTags: ['v1'] }],
      });

      // Act
      const ref = await registry().resolve('shop/web', 'v1');

      // Assert
      expect(ecr).toHaveReceivedCommandWith(DescribeImagesCommand, {
        registryId: '111122223333',
        repositoryName: 'shop/web',
        imageIds: [{ imageTag: 'v1' }],
      });
      expect(ref).toEqual({
        registry: '111122223333.dkr.ecr.eu-west-1.amazonaws.com',
        repository: 'shop/web',
        digest: MANIFEST_DIGEST,
        tag: 'v1',
      });
    });

    it('looks a digest up by imageDigest', async () => {
      // Arrange
      ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: MANIFEST_DIGEST }] });

      // Act
      const ref = await registry().resolve('shop/web', MANIFEST_DIGEST);

      // Assert
      expect(ecr).toHaveReceivedCommandWith(DescribeImagesCommand, {
        imageIds: [{ imageDigest: MANIFEST_DIGEST }],
      });
      expect(ref).not.toHaveProperty('tag');
    });

    it('throws NotFoundError for an unknown tag', async () => {
      // Arrange
      ecr
        .on(DescribeImagesCommand)
        .rejects(new ImageNotFoundException({ message: 'not found', $metadata: {} }));

      // Act / Assert
      await expect(registry().resolve('shop/web', 'nope')).rejects.toMatchObject({
        name: 'NotFoundError',
        kind: 'image',
        id: 'shop/web:nope',
      });
    });
  });

  describe('Method: getManifest', () => {
    it('asks for OCI and Docker v2 media types and keeps the manifest bytes exactly', async () => {
      // Arrange
      ecr.on(BatchGetImageCommand).resolves({
        images: [
          {
            imageId: { imageDigest: MANIFEST_DIGEST },
            imageManifest: MANIFEST_BYTES,
            imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          },
        ],
        failures: [],
      });

      // Act
      const manifest = await registry().getManifest('shop/web', MANIFEST_DIGEST);

      // Assert
      expect(ecr).toHaveReceivedCommandWith(BatchGetImageCommand, {
        registryId: '111122223333',
        repositoryName: 'shop/web',
        imageIds: [{ imageDigest: MANIFEST_DIGEST }],
        acceptedMediaTypes: [
          'application/vnd.oci.image.index.v1+json',
          'application/vnd.oci.image.manifest.v1+json',
          'application/vnd.docker.distribution.manifest.list.v2+json',
          'application/vnd.docker.distribution.manifest.v2+json',
        ],
      });
      expect(manifest.bytes).toBe(MANIFEST_BYTES);
      expect(manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
      expect(manifest.blobs).toEqual([
        {
          digest: `sha256:${'c'.repeat(64)}`,
          size: 1470,
          mediaType: 'application/vnd.docker.container.image.v1+json',
        },
        {
          digest: `sha256:${'d'.repeat(64)}`,
          size: 2811969,
          mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        },
      ]);
      expect(manifest.children).toEqual([]);
    });

    it('lists the children of a multi-arch index', async () => {
      // Arrange
      const index = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          { digest: `sha256:${'1'.repeat(64)}`, platform: { architecture: 'amd64' } },
          { digest: `sha256:${'2'.repeat(64)}`, platform: { architecture: 'arm64' } },
        ],
      });
      ecr.on(BatchGetImageCommand).resolves({
        images: [{ imageManifest: index, imageManifestMediaType: MANIFEST_MEDIA_TYPES[0] }],
      });

      // Act
      const manifest = await registry().getManifest('shop/web', digestOf(index));

      // Assert
      expect(manifest.children).toEqual([`sha256:${'1'.repeat(64)}`, `sha256:${'2'.repeat(64)}`]);
      expect(manifest.blobs).toEqual([]);
      expect(manifest.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    });

    it('throws NotFoundError when ECR reports the image in failures', async () => {
      // Arrange
      ecr.on(BatchGetImageCommand).resolves({
        images: [],
        failures: [{ imageId: { imageDigest: MANIFEST_DIGEST }, failureCode: 'ImageNotFound' }],
      });

      // Act / Assert
      await expect(registry().getManifest('shop/web', MANIFEST_DIGEST)).rejects.toThrow(
        NotFoundError,
      );
    });

    it('refuses bytes that do not hash to the requested digest', async () => {
      // Arrange
      ecr.on(BatchGetImageCommand).resolves({
        images: [
          { imageManifest: `${MANIFEST_BYTES} `, imageManifestMediaType: MANIFEST_MEDIA_TYPES[3] },
        ],
      });

      // Act / Assert
      await expect(registry().getManifest('shop/web', MANIFEST_DIGEST)).rejects.toThrow(
        DigestMismatchError,
      );
    });
  });

  describe('Method: hasBlobs', () => {
    it('checks in batches of 100 and reports only AVAILABLE layers', async () => {
      // Arrange
      const digests = Array.from({ length: 250 }, (_, index) => digestOf(`layer-${index}`));
      ecr.on(BatchCheckLayerAvailabilityCommand).callsFake((input: { layerDigests: string[] }) => ({
        layers: input.layerDigests.map((layerDigest, index) => ({
          layerDigest,
          layerAvailability: index % 2 === 0 ? 'AVAILABLE' : 'UNAVAILABLE',
        })),
        failures: [],
      }));

      // Act
      const present = await registry().hasBlobs('shop/web', digests);

      // Assert
      const calls = ecr.commandCalls(BatchCheckLayerAvailabilityCommand);
      expect(calls.map((call) => call.args[0].input.layerDigests?.length)).toEqual([100, 100, 50]);
      expect(calls[0]?.args[0].input).toMatchObject({
        registryId: '111122223333',
        repositoryName: 'shop/web',
      });
      expect(present.size).toBe(125);
      expect(present.has(digests[0] as Digest)).toBe(true);
      expect(present.has(digests[1] as Digest)).toBe(false);
    });

    it('treats layers reported as failures (missing) as absent', async () => {
      // Arrange
      const missing = digestOf('missing');
      ecr.on(BatchCheckLayerAvailabilityCommand).resolves({
        layers: [],
        failures: [{ layerDigest: missing, failureCode: 'MissingLayerDigest' }],
      });

      // Act
      const present = await registry().hasBlobs('shop/web', [missing]);

      // Assert
      expect(present.size).toBe(0);
    });
  });

  describe('Method: readBlob', () => {
    it('streams the layer from the pre-signed URL in ranged parts and checks its digest', async () => {
      // Arrange
      const blob = bytesOf(2500);
      const digest = digestOf(blob);
      ecr.on(GetDownloadUrlForLayerCommand).resolves({
        downloadUrl: 'https://prod-eu-west-1-starport-layer-bucket.s3.amazonaws.com/x?sig=1',
        layerDigest: digest,
      });
      const server = rangeServer(blob);

      // Act
      const stream = await registry(server.fetch, 1000).readBlob('shop/web', digest);
      const parts = await collect(stream.parts);

      // Assert
      expect(ecr).toHaveReceivedCommandWith(GetDownloadUrlForLayerCommand, {
        registryId: '111122223333',
        repositoryName: 'shop/web',
        layerDigest: digest,
      });
      expect(stream.size).toBe(2500);
      expect(stream.digest).toBe(digest);
      expect(server.ranges).toEqual(['bytes=0-999', 'bytes=1000-1999', 'bytes=2000-2499']);
      expect(parts.map((part) => part.byteLength)).toEqual([1000, 1000, 500]);
      expect(Buffer.concat(parts).equals(Buffer.from(blob))).toBe(true);
    });

    it('streams the whole body, regrouped into parts, when the server ignores Range', async () => {
      // Arrange
      const blob = bytesOf(2100);
      const digest = digestOf(blob);
      ecr.on(GetDownloadUrlForLayerCommand).resolves({ downloadUrl: 'https://bucket/x' });
      const fetch: FetchLike = async () =>
        new Response(blob, { status: 200, headers: { 'content-length': String(blob.length) } });

      // Act
      const stream = await registry(fetch, 1000).readBlob('shop/web', digest);
      const parts = await collect(stream.parts);

      // Assert
      expect(stream.size).toBe(2100);
      expect(parts.map((part) => part.byteLength)).toEqual([1000, 1000, 100]);
      expect(Buffer.concat(parts).equals(Buffer.from(blob))).toBe(true);
    });

    it('fails the stream when the bytes do not match the digest', async () => {
      // Arrange
      const blob = bytesOf(300);
      const claimed = digestOf('something else');
      ecr.on(GetDownloadUrlForLayerCommand).resolves({ downloadUrl: 'https://bucket/x' });
      const server = rangeServer(blob);

      // Act
      const stream = await registry(server.fetch, 1000).readBlob('shop/web', claimed);

      // Assert
      await expect(collect(stream.parts)).rejects.toThrow(DigestMismatchError);
    });

    it('throws NotFoundError when ECR has no such layer', async () => {
      // Arrange
      ecr.on(GetDownloadUrlForLayerCommand).rejects(
        Object.assign(new Error('layer missing'), {
          name: 'LayersNotFoundException',
          $metadata: {},
        }),
      );

      // Act / Assert
      await expect(
        registry(rangeServer(bytesOf(1)).fetch).readBlob('shop/web', digestOf('x')),
      ).rejects.toThrow(NotFoundError);
    });
  });

  describe('Method: writeBlob', () => {
    it('uploads in parts of the partSize ECR returns, with exact byte ranges, then completes', async () => {
      // Arrange
      const blob = bytesOf(11 * MiB + 123);
      const digest = digestOf(blob);
      ecr.on(BatchCheckLayerAvailabilityCommand).resolves({
        layers: [{ layerDigest: digest, layerAvailability: 'UNAVAILABLE' }],
      });
      ecr.on(InitiateLayerUploadCommand).resolves({ uploadId: 'up-1', partSize: 5 * MiB });
      ecr.on(UploadLayerPartCommand).resolves({ uploadId: 'up-1' });
      ecr.on(CompleteLayerUploadCommand).resolves({ layerDigest: digest });

      // Act: the source yields odd-sized chunks; the adapter must regroup them.
      await registry().writeBlob('shop/web', {
        digest,
        size: blob.length,
        parts: chunksOf(blob, 3 * MiB + 1),
      });

      // Assert
      expect(ecr).toHaveReceivedCommandWith(InitiateLayerUploadCommand, {
        registryId: '111122223333',
        repositoryName: 'shop/web',
      });
      const parts = ecr.commandCalls(UploadLayerPartCommand).map((call) => call.args[0].input);
      expect(parts.map(({ partFirstByte, partLastByte }) => [partFirstByte, partLastByte])).toEqual(
        [
          [0, 5 * MiB - 1],
          [5 * MiB, 10 * MiB - 1],
          [10 * MiB, 11 * MiB + 122],
        ],
      );
      expect(
        parts.every((part) => part.uploadId === 'up-1' && part.repositoryName === 'shop/web'),
      ).toBe(true);
      const sent = Buffer.concat(parts.map((part) => part.layerPartBlob as Uint8Array));
      expect(sent.equals(Buffer.from(blob))).toBe(true);
      expect(ecr).toHaveReceivedCommandWith(CompleteLayerUploadCommand, {
        repositoryName: 'shop/web',
        uploadId: 'up-1',
        layerDigests: [digest],
      });
    });

    it('skips the upload when the layer is already present', async () => {
      // Arrange
      const blob = bytesOf(10);
      const digest = digestOf(blob);
      ecr.on(BatchCheckLayerAvailabilityCommand).resolves({
        layers: [{ layerDigest: digest, layerAvailability: 'AVAILABLE' }],
      });

      // Act
      await registry().writeBlob('shop/web', { digest, size: 10, parts: chunksOf(blob, 10) });

      // Assert
      expect(ecr).not.toHaveReceivedCommand(InitiateLayerUploadCommand);
      expect(ecr).not.toHaveReceivedCommand(UploadLayerPartCommand);
    });

    it('treats LayerAlreadyExistsException on completion as success (a concurrent writer won)', async () => {
      // Arrange
      const blob = bytesOf(100);
      const digest = digestOf(blob);
      ecr.on(BatchCheckLayerAvailabilityCommand).resolves({ layers: [] });
      ecr.on(InitiateLayerUploadCommand).resolves({ uploadId: 'up-2', partSize: 5 * MiB });
      ecr.on(UploadLayerPartCommand).resolves({});
      ecr
        .on(CompleteLayerUploadCommand)
        .rejects(new LayerAlreadyExistsException({ message: 'exists', $metadata: {} }));

      // Act / Assert
      await expect(
        registry().writeBlob('shop/web', { digest, size: 100, parts: chunksOf(blob, 100) }),
      ).resolves.toBeUndefined();
      expect(ecr).toHaveReceivedCommandWith(UploadLayerPartCommand, {
        partFirstByte: 0,
        partLastByte: 99,
      });
    });
  });

  describe('Method: putManifest', () => {
    const manifest = {
      digest: MANIFEST_DIGEST,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      bytes: MANIFEST_BYTES,
    };

    it('puts the exact bytes with media type, digest and tag', async () => {
      // Arrange
      ecr.on(PutImageCommand).resolves({});

      // Act
      await registry().putManifest('shop/web', manifest, 'understudy-v3');

      // Assert
      expect(ecr).toHaveReceivedCommandWith(PutImageCommand, {
        registryId: '111122223333',
        repositoryName: 'shop/web',
        imageManifest: MANIFEST_BYTES,
        imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        imageDigest: MANIFEST_DIGEST,
        imageTag: 'understudy-v3',
      });
    });

    it('sends no tag when none is given', async () => {
      // Arrange
      ecr.on(PutImageCommand).resolves({});

      // Act
      await registry().putManifest('shop/web', manifest);

      // Assert
      expect(ecr.commandCalls(PutImageCommand)[0]?.args[0].input).not.toHaveProperty('imageTag');
    });

    it('is idempotent for the same digest (ImageAlreadyExistsException)', async () => {
      // Arrange
      ecr
        .on(PutImageCommand)
        .rejects(new ImageAlreadyExistsException({ message: 'exists', $metadata: {} }));

      // Act / Assert
      await expect(registry().putManifest('shop/web', manifest, 'v1')).resolves.toBeUndefined();
    });

    it('throws ConflictError when an immutable tag already names another image', async () => {
      // Arrange
      ecr
        .on(PutImageCommand)
        .rejects(new ImageTagAlreadyExistsException({ message: 'tag exists', $metadata: {} }));

      // Act / Assert
      await expect(registry().putManifest('shop/web', manifest, 'v1')).rejects.toThrow(
        ConflictError,
      );
    });
  });

  describe('Method: ensureRepository', () => {
    it('creates an immutable, KMS-encrypted, scan-on-push repository with tags', async () => {
      // Arrange
      ecr.on(CreateRepositoryCommand).resolves({});

      // Act
      await registry().ensureRepository('shop/web', {
        kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/abc',
        tags: [{ name: 'understudy', value: 'clone' }],
      });

      // Assert
      expect(ecr).toHaveReceivedCommandWith(CreateRepositoryCommand, {
        registryId: '111122223333',
        repositoryName: 'shop/web',
        imageTagMutability: 'IMMUTABLE',
        encryptionConfiguration: {
          encryptionType: 'KMS',
          kmsKey: 'arn:aws:kms:eu-west-1:111122223333:key/abc',
        },
        imageScanningConfiguration: { scanOnPush: true },
        tags: [{ Key: 'understudy', Value: 'clone' }],
      });
      const policy = JSON.parse(
        ecr.commandCalls(PutLifecyclePolicyCommand)[0]?.args[0].input.lifecyclePolicyText ?? '{}',
      );
      expect(policy.rules).toEqual([
        expect.objectContaining({
          selection: expect.objectContaining({ tagStatus: 'untagged' }),
          action: { type: 'expire' },
        }),
      ]);
    });

    it('uses the AWS-managed KMS key when none is given', async () => {
      // Arrange
      ecr.on(CreateRepositoryCommand).resolves({});

      // Act
      await registry().ensureRepository('shop/web', {});

      // Assert
      const input = ecr.commandCalls(CreateRepositoryCommand)[0]?.args[0].input;
      expect(input?.encryptionConfiguration).toEqual({ encryptionType: 'KMS' });
      expect(input).not.toHaveProperty('tags');
    });

    it('succeeds when the repository already exists', async () => {
      // Arrange
      ecr
        .on(CreateRepositoryCommand)
        .rejects(new RepositoryAlreadyExistsException({ message: 'exists', $metadata: {} }));

      // Act / Assert
      await expect(registry().ensureRepository('shop/web', {})).resolves.toBeUndefined();
      // The lifecycle rule is (re)applied even then: a crash after create must not leave it out.
      expect(ecr).toHaveReceivedCommandTimes(PutLifecyclePolicyCommand, 1);
    });
  });

  describe('Method: deleteImage', () => {
    it('deletes by digest', async () => {
      // Arrange
      ecr
        .on(BatchDeleteImageCommand)
        .resolves({ imageIds: [{ imageDigest: MANIFEST_DIGEST }], failures: [] });

      // Act
      await registry().deleteImage('shop/web', MANIFEST_DIGEST);

      // Assert
      expect(ecr).toHaveReceivedCommandWith(BatchDeleteImageCommand, {
        repositoryName: 'shop/web',
        imageIds: [{ imageDigest: MANIFEST_DIGEST }],
      });
    });

    it('accepts an image that is already gone', async () => {
      // Arrange
      ecr.on(BatchDeleteImageCommand).resolves({
        failures: [{ imageId: { imageDigest: MANIFEST_DIGEST }, failureCode: 'ImageNotFound' }],
      });

      // Act / Assert
      await expect(registry().deleteImage('shop/web', MANIFEST_DIGEST)).resolves.toBeUndefined();
    });

    it('throws ConflictError when ECR refuses (still referenced by an index)', async () => {
      // Arrange
      ecr.on(BatchDeleteImageCommand).resolves({
        failures: [
          {
            imageId: { imageDigest: MANIFEST_DIGEST },
            failureCode: 'ImageReferencedByManifestList',
            failureReason: 'referenced',
          },
        ],
      });

      // Act / Assert
      await expect(registry().deleteImage('shop/web', MANIFEST_DIGEST)).rejects.toThrow(
        ConflictError,
      );
    });
  });
});
