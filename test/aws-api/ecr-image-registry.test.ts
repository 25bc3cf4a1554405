// The ECR adapter end to end over HTTP against moto.
//
// moto 5 does not implement ECR's layer API: BatchCheckLayerAvailability, GetDownloadUrlForLayer,
// InitiateLayerUpload, UploadLayerPart and CompleteLayerUpload all raise NotImplementedError.
// So hasBlobs, readBlob and writeBlob are covered call by call in the adapters tier
// (test/adapters/ecr-image-registry.test.ts: batches of 100, ranged downloads with digest
// check, part ranges of the returned partSize). Here: repositories and manifests by digest.
import { createHash } from 'node:crypto';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { EcrImageRegistry } from '../../functions/adapters/aws/ecr-image-registry';
import { NotFoundError } from '../../functions/core/errors';
import type { Digest } from '../../functions/core/model';
import { clientConfig } from '../../functions/shared/clients';
import { type MotoServer, startMoto } from '../support/moto-server';

const ACCOUNT = '123456789012'; // moto's default account

function digestOf(bytes: string): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

// Hand-formatted on purpose: re-serialising it (JSON.parse/stringify) would change the digest.
const MANIFEST = `{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "size": 1470, "digest": "sha256:${'c'.repeat(64)}" },
  "layers": [
    { "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": 2811969, "digest": "sha256:${'d'.repeat(64)}" }
  ]
}`;
const MANIFEST_DIGEST = digestOf(MANIFEST);
const MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';

let moto: MotoServer;
let client: ECRClient;
let registry: EcrImageRegistry;

beforeAll(async () => {
  moto = await startMoto('eu-west-1');
  client = new ECRClient(clientConfig(moto.clientConfig));
  registry = new EcrImageRegistry(client, { registryId: ACCOUNT, region: 'eu-west-1' });
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
});

describe('Class: EcrImageRegistry (moto)', () => {
  describe('Method: ensureRepository', () => {
    it('creates an immutable, KMS-encrypted repository once and is idempotent after', async () => {
      // Act
      await registry.ensureRepository('shop/web', {
        tags: [{ name: 'understudy', value: 'clone' }],
      });
      await registry.ensureRepository('shop/web', {});

      // Assert
      const described = await client.send(
        new DescribeRepositoriesCommand({ repositoryNames: ['shop/web'] }),
      );
      expect(described.repositories).toHaveLength(1);
      expect(described.repositories?.[0]).toMatchObject({
        imageTagMutability: 'IMMUTABLE',
        encryptionConfiguration: { encryptionType: 'KMS' },
        imageScanningConfiguration: { scanOnPush: true },
      });
    });
  });

  describe('Method: putManifest / resolve / getManifest', () => {
    it('stores a manifest by digest and reads back the exact bytes and media type', async () => {
      // Arrange
      await registry.ensureRepository('shop/web', {});

      // Act
      await registry.putManifest(
        'shop/web',
        { digest: MANIFEST_DIGEST, mediaType: MEDIA_TYPE, bytes: MANIFEST },
        'understudy-1',
      );
      const byTag = await registry.resolve('shop/web', 'understudy-1');
      const byDigest = await registry.resolve('shop/web', MANIFEST_DIGEST);
      const manifest = await registry.getManifest('shop/web', MANIFEST_DIGEST);

      // Assert
      expect(byTag).toEqual({
        registry: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`,
        repository: 'shop/web',
        digest: MANIFEST_DIGEST,
        tag: 'understudy-1',
      });
      expect(byDigest.digest).toBe(MANIFEST_DIGEST);
      expect(manifest.bytes).toBe(MANIFEST);
      expect(manifest.digest).toBe(MANIFEST_DIGEST);
      expect(manifest.mediaType).toBe(MEDIA_TYPE);
      expect(manifest.blobs.map((blob) => blob.digest)).toEqual([
        `sha256:${'c'.repeat(64)}`,
        `sha256:${'d'.repeat(64)}`,
      ]);
    });

    it('treats a second put of the same digest and tag as done', async () => {
      // Arrange
      await registry.ensureRepository('shop/web', {});
      const manifest = { digest: MANIFEST_DIGEST, mediaType: MEDIA_TYPE, bytes: MANIFEST };
      await registry.putManifest('shop/web', manifest, 'understudy-1');

      // Act / Assert
      await expect(
        registry.putManifest('shop/web', manifest, 'understudy-1'),
      ).resolves.toBeUndefined();
      expect((await registry.getManifest('shop/web', MANIFEST_DIGEST)).bytes).toBe(MANIFEST);
    });

    it('throws NotFoundError for an unknown tag, digest or repository', async () => {
      // Arrange
      await registry.ensureRepository('shop/web', {});

      // Act / Assert
      await expect(registry.resolve('shop/web', 'nope')).rejects.toThrow(NotFoundError);
      await expect(registry.getManifest('shop/web', MANIFEST_DIGEST)).rejects.toThrow(
        NotFoundError,
      );
      await expect(registry.resolve('shop/missing', 'v1')).rejects.toThrow(NotFoundError);
    });
  });

  describe('Method: deleteImage', () => {
    it('deletes an image by digest, and accepts one already gone', async () => {
      // Arrange
      await registry.ensureRepository('shop/web', {});
      await registry.putManifest('shop/web', {
        digest: MANIFEST_DIGEST,
        mediaType: MEDIA_TYPE,
        bytes: MANIFEST,
      });

      // Act
      await registry.deleteImage('shop/web', MANIFEST_DIGEST);
      await registry.deleteImage('shop/web', MANIFEST_DIGEST);

      // Assert
      await expect(registry.resolve('shop/web', MANIFEST_DIGEST)).rejects.toThrow(NotFoundError);
    });
  });
});
