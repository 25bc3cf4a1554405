import { createHash } from 'node:crypto';
import {
  SANDBOX_PRIMARY,
  SANDBOX_STAGING,
  sha256Digest,
} from '../../../functions/adapters/sandbox';
import { ConflictError, NotFoundError, ValidationError } from '../../../functions/core/errors';
import type { BlobStream, Digest } from '../../../functions/core/model';
import { newCloud } from './fixtures';

const bytesOf = (text: string) => new TextEncoder().encode(text);

async function collect(stream: BlobStream): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  for await (const part of stream.parts) parts.push(Uint8Array.from(part));
  return parts;
}

/** Copies one image by digest the way the clone workflow does: blobs, children, then manifest. */
async function copyImage(
  cloud: ReturnType<typeof newCloud>,
  repository: string,
  digest: Digest,
  tag?: string,
) {
  const source = cloud.imageRegistry(SANDBOX_PRIMARY);
  const target = cloud.imageRegistry(SANDBOX_STAGING);
  await target.ensureRepository(repository, {});
  const copy = async (d: Digest): Promise<void> => {
    const manifest = await source.getManifest(repository, d);
    for (const child of manifest.children) await copy(child);
    const present = await target.hasBlobs(
      repository,
      manifest.blobs.map((b) => b.digest),
    );
    for (const blob of manifest.blobs) {
      if (!present.has(blob.digest))
        await target.writeBlob(repository, await source.readBlob(repository, blob.digest));
    }
    await target.putManifest(repository, manifest, d === digest ? tag : undefined);
  };
  await copy(digest);
}

describe('Class: SandboxImageRegistry', () => {
  describe('Method: resolve', () => {
    it('resolves a tag or a digest to the manifest digest, and NotFoundError otherwise', async () => {
      // Arrange
      const cloud = newCloud();
      const pushed = cloud.pushImage(SANDBOX_PRIMARY, { repository: 'shop/web', tag: 'v1' });
      const registry = cloud.imageRegistry(SANDBOX_PRIMARY);

      // Act
      const byTag = await registry.resolve('shop/web', 'v1');
      const byDigest = await registry.resolve('shop/web', pushed.reference.digest);
      const missing = await registry.resolve('shop/web', 'v9').catch((e: unknown) => e);

      // Assert
      expect(byTag).toEqual({
        registry: registry.registry,
        repository: 'shop/web',
        digest: pushed.reference.digest,
        tag: 'v1',
      });
      expect(byDigest.digest).toBe(pushed.reference.digest);
      expect(missing).toBeInstanceOf(NotFoundError);
      expect(registry.registry).toBe('111111111111.dkr.ecr.eu-west-1.amazonaws.com');
    });
  });

  describe('Method: getManifest', () => {
    it('returns the manifest byte for byte with its media type and references', async () => {
      // Arrange
      const cloud = newCloud();
      const pushed = cloud.pushImage(SANDBOX_PRIMARY, {
        repository: 'shop/web',
        layers: [bytesOf('a'), bytesOf('b')],
      });

      // Act
      const manifest = await cloud
        .imageRegistry(SANDBOX_PRIMARY)
        .getManifest('shop/web', pushed.reference.digest);

      // Assert
      expect(manifest.bytes).toBe(pushed.manifests[0]?.bytes);
      expect(manifest.digest).toBe(
        `sha256:${createHash('sha256').update(manifest.bytes).digest('hex')}`,
      );
      expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
      expect(manifest.blobs.map((b) => b.digest)).toContain(sha256Digest(bytesOf('a')));
      expect(manifest.blobs).toHaveLength(3);
    });
  });

  describe('Method: readBlob', () => {
    it('streams a blob in parts of the configured size', async () => {
      // Arrange
      const cloud = newCloud({ blobPartBytes: 4 });
      const layer = bytesOf('0123456789');
      cloud.pushImage(SANDBOX_PRIMARY, { repository: 'shop/web', layers: [layer] });

      // Act
      const stream = await cloud
        .imageRegistry(SANDBOX_PRIMARY)
        .readBlob('shop/web', sha256Digest(layer));
      const parts = await collect(stream);

      // Assert
      expect(parts.map((p) => p.byteLength)).toEqual([4, 4, 2]);
      expect(Buffer.concat(parts).toString()).toBe('0123456789');
      expect(stream.size).toBe(10);
    });
  });

  describe('Method: writeBlob', () => {
    it('uploads in parts, is a no-op when present, and refuses bytes that do not match the digest', async () => {
      // Arrange
      const cloud = newCloud({ blobPartBytes: 4 });
      const registry = cloud.imageRegistry(SANDBOX_STAGING);
      await registry.ensureRepository('shop/web', {});
      const data = bytesOf('0123456789');
      const stream = (bytes: Uint8Array, digest: Digest = sha256Digest(data)): BlobStream => ({
        digest,
        size: bytes.byteLength,
        parts: (async function* () {
          yield bytes;
        })(),
      });

      // Act
      await registry.writeBlob('shop/web', stream(data));
      await registry.writeBlob('shop/web', stream(data));
      const wrong = await registry
        .writeBlob('shop/web', stream(bytesOf('tampered!!'), sha256Digest(bytesOf('original!!'))))
        .catch((e: unknown) => e);

      // Assert
      expect(await registry.hasBlobs('shop/web', [sha256Digest(data)])).toEqual(
        new Set([sha256Digest(data)]),
      );
      expect(cloud.callCounts()['ecr:UploadLayerPart']).toBe(3 + 3);
      expect(cloud.callCounts({ outcome: 'ok' })['ecr:CompleteLayerUpload']).toBe(1);
      expect(cloud.callCounts({ outcome: 'error' })['ecr:CompleteLayerUpload']).toBe(1);
      expect(wrong).toBeInstanceOf(ValidationError);
    });
  });

  describe('Method: putManifest', () => {
    it('copies a multi-platform image across regions by digest, bytes unchanged', async () => {
      // Arrange
      const cloud = newCloud();
      const pushed = cloud.pushImage(SANDBOX_PRIMARY, {
        repository: 'shop/web',
        tag: 'v1',
        platforms: ['linux/amd64', 'linux/arm64'],
        layers: [{ sizeBytes: 12 * 1024 * 1024 }],
      });

      // Act
      await copyImage(cloud, 'shop/web', pushed.reference.digest, 'v1');
      const copied = await cloud
        .imageRegistry(SANDBOX_STAGING)
        .getManifest('shop/web', pushed.reference.digest);

      // Assert
      expect(copied.bytes).toBe(pushed.manifests[0]?.bytes);
      expect(copied.mediaType).toBe('application/vnd.oci.image.index.v1+json');
      expect((await cloud.imageRegistry(SANDBOX_STAGING).resolve('shop/web', 'v1')).digest).toBe(
        pushed.reference.digest,
      );
      expect(cloud.callCounts({ region: SANDBOX_STAGING.region })['ecr:PutImage']).toBe(3);
    });

    it('fails while blobs or child manifests are missing', async () => {
      // Arrange
      const cloud = newCloud();
      const single = cloud.pushImage(SANDBOX_PRIMARY, { repository: 'shop/web' });
      const multi = cloud.pushImage(SANDBOX_PRIMARY, {
        repository: 'shop/api',
        platforms: ['linux/amd64', 'linux/arm64'],
      });
      const target = cloud.imageRegistry(SANDBOX_STAGING);
      await target.ensureRepository('shop/web', {});
      await target.ensureRepository('shop/api', {});

      // Act
      const noBlobs = await target
        .putManifest('shop/web', single.manifests[0] as never)
        .catch((e: unknown) => e);
      const noChildren = await target
        .putManifest('shop/api', multi.manifests[0] as never)
        .catch((e: unknown) => e);

      // Assert
      expect(noBlobs).toMatchObject({ name: 'NotFoundError', kind: 'blob' });
      expect(noChildren).toMatchObject({ name: 'NotFoundError', kind: 'image' });
    });

    it('refuses to move a tag to another digest in an immutable repository, but is idempotent for the same one', async () => {
      // Arrange
      const cloud = newCloud();
      const first = cloud.pushImage(SANDBOX_PRIMARY, {
        repository: 'shop/web',
        layers: [bytesOf('one')],
      });
      const second = cloud.pushImage(SANDBOX_PRIMARY, {
        repository: 'shop/web',
        layers: [bytesOf('two')],
      });
      await copyImage(cloud, 'shop/web', first.reference.digest, 'v1');
      await copyImage(cloud, 'shop/web', second.reference.digest);
      const target = cloud.imageRegistry(SANDBOX_STAGING);

      // Act
      const again = await target.putManifest('shop/web', first.manifests[0] as never, 'v1');
      const moved = await target
        .putManifest('shop/web', second.manifests[0] as never, 'v1')
        .catch((e: unknown) => e);

      // Assert
      expect(again).toBeUndefined();
      expect(moved).toBeInstanceOf(ConflictError);
    });

    it('rejects a manifest whose digest is not the sha256 of its bytes', async () => {
      // Arrange
      const cloud = newCloud();
      const pushed = cloud.pushImage(SANDBOX_PRIMARY, {
        repository: 'shop/web',
        layers: [bytesOf('x')],
      });
      const manifest = pushed.manifests[0];
      if (!manifest) throw new Error('no manifest');

      // Act
      const error = await cloud
        .imageRegistry(SANDBOX_PRIMARY)
        .putManifest('shop/web', { ...manifest, bytes: `${manifest.bytes} ` })
        .catch((e: unknown) => e);

      // Assert
      expect(error).toBeInstanceOf(ValidationError);
    });
  });

  describe('Method: ensureRepository', () => {
    it('creates an immutable repository once', async () => {
      // Arrange
      const cloud = newCloud();
      const registry = cloud.imageRegistry(SANDBOX_STAGING);

      // Act
      await registry.ensureRepository('shop/web', {
        kmsKeyArn: 'arn:aws:kms:eu-central-1:222222222222:key/k',
      });
      await registry.ensureRepository('shop/web', {});

      // Assert
      expect(cloud.state(SANDBOX_STAGING).ecr.repositoryInfo('shop/web')).toMatchObject({
        immutable: true,
        kmsKeyArn: 'arn:aws:kms:eu-central-1:222222222222:key/k',
      });
    });
  });

  describe('Method: deleteImage', () => {
    it('deletes an image and its tags', async () => {
      // Arrange
      const cloud = newCloud();
      const pushed = cloud.pushImage(SANDBOX_PRIMARY, { repository: 'shop/web', tag: 'v1' });
      const registry = cloud.imageRegistry(SANDBOX_PRIMARY);

      // Act
      await registry.deleteImage('shop/web', pushed.reference.digest);

      // Assert
      await expect(registry.resolve('shop/web', 'v1')).rejects.toBeInstanceOf(NotFoundError);
      await expect(
        registry.deleteImage('shop/web', pushed.reference.digest),
      ).rejects.toBeInstanceOf(NotFoundError);
    });
  });
});
