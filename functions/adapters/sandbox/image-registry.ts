/**
 * The sandbox `ImageRegistry` (ECR) bound to one account + region.
 *
 * Manifests are stored byte for byte with their media type; a digest is always the SHA-256 of
 * the bytes. Blobs move in parts of `SandboxCloud.blobPartBytes`: a read is one
 * GetDownloadUrlForLayer call, an upload is InitiateLayerUpload + one UploadLayerPart per part
 * (each charged `blobCopyMsPerMb`) + CompleteLayerUpload. The copy time is charged on the
 * upload side only, since a streaming copy reads and writes at the same time.
 *
 * Virtual blobs (seeded with a size but no bytes, for benchmarks with hundreds of images) read
 * as zero-filled parts; when such a stream is written into another sandbox registry, the
 * upload recognises it and skips hashing, still charging time and calls per part.
 */
import { NotFoundError, ValidationError } from '../../core/errors';
import type {
  BlobStream,
  Digest,
  ImageManifest,
  ImageReference,
  KeyValue,
  Location,
} from '../../core/model';
import { isDigest } from '../../core/model';
import type { ImageRegistry } from '../../core/ports';
import type { SandboxCloud } from './sandbox-cloud';
import type { BlobRecord } from './sandbox-state';

/** BatchCheckLayerAvailability accepts at most this many digests per call. */
export const MAX_LAYER_CHECKS_PER_CALL = 100;

const MB = 1024 * 1024;

/** Parts iterables of virtual blobs, mapped to the blob they stand for. */
const virtualParts = new WeakMap<object, BlobRecord>();

let zeroBuffer = new Uint8Array(0);

function zeros(size: number): Uint8Array {
  // One shared zero buffer, so streaming a 100 MiB virtual layer allocates one part, not 20.
  if (zeroBuffer.byteLength < size) zeroBuffer = new Uint8Array(size);
  return zeroBuffer.subarray(0, size);
}

function partsOf(blob: BlobRecord, partBytes: number): AsyncIterable<Uint8Array> {
  const iterable: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      for (let offset = 0; offset < blob.size; offset += partBytes) {
        const length = Math.min(partBytes, blob.size - offset);
        yield blob.data ? blob.data.subarray(offset, offset + length) : zeros(length);
      }
    },
  };
  if (!blob.data) virtualParts.set(iterable, blob);
  return iterable;
}

async function collect(parts: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const part of parts) {
    chunks.push(part);
    total += part.byteLength;
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** ECR in one sandbox location. */
export class SandboxImageRegistry implements ImageRegistry {
  public constructor(
    private readonly cloud: SandboxCloud,
    /** Where this adapter's calls go. */
    public readonly location: Location,
  ) {}

  private get ecr() {
    return this.cloud.state(this.location).ecr;
  }

  /** `ACCOUNT.dkr.ecr.REGION.amazonaws.com`. */
  public get registry(): string {
    return this.ecr.registry;
  }

  /** DescribeImages by tag or digest. */
  public resolve(repository: string, tagOrDigest: string): Promise<ImageReference> {
    return this.cloud.call(this.location, 'ecr:DescribeImages', () => {
      const { digest } = this.ecr.resolve(repository, tagOrDigest);
      return {
        registry: this.ecr.registry,
        repository,
        digest,
        ...(isDigest(tagOrDigest) ? {} : { tag: tagOrDigest }),
      };
    });
  }

  /**
   * BatchGetImage for one digest: bytes and media type exactly as pushed. Under a pull-through
   * cache rule's prefix, a digest not cached yet is imported from the upstream first, as ECR
   * does on a pull.
   */
  public getManifest(repository: string, digest: Digest): Promise<ImageManifest> {
    return this.cloud.call(this.location, 'ecr:BatchGetImage', () => {
      try {
        return this.ecr.getManifest(repository, digest);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        if (!this.cloud.pullThroughImport(this.location, repository, digest)) throw error;
        return this.ecr.getManifest(repository, digest);
      }
    });
  }

  /** BatchCheckLayerAvailability, 100 digests per call (no call for an empty list). */
  public async hasBlobs(
    repository: string,
    digests: readonly Digest[],
  ): Promise<ReadonlySet<Digest>> {
    const present = new Set<Digest>();
    for (let offset = 0; offset < digests.length; offset += MAX_LAYER_CHECKS_PER_CALL) {
      const chunk = digests.slice(offset, offset + MAX_LAYER_CHECKS_PER_CALL);
      const found = await this.cloud.call(this.location, 'ecr:BatchCheckLayerAvailability', () =>
        this.ecr.hasBlobs(repository, chunk),
      );
      for (const digest of found) present.add(digest);
    }
    return present;
  }

  /** GetDownloadUrlForLayer, then the blob in parts. */
  public readBlob(repository: string, digest: Digest): Promise<BlobStream> {
    return this.cloud.call(this.location, 'ecr:GetDownloadUrlForLayer', () => {
      const blob = this.ecr.getBlob(repository, digest);
      return { digest, size: blob.size, parts: partsOf(blob, this.cloud.blobPartBytes) };
    });
  }

  /** Uploads a blob in parts unless present; real bytes must match the digest. */
  public async writeBlob(repository: string, blob: BlobStream): Promise<void> {
    const present = await this.hasBlobs(repository, [blob.digest]);
    if (present.has(blob.digest)) return;
    const virtual = virtualParts.get(blob.parts);
    let record: BlobRecord;
    if (virtual && virtual.digest === blob.digest) {
      record = virtual;
    } else {
      const data = await collect(blob.parts);
      if (data.byteLength !== blob.size) {
        throw new ValidationError('blob size does not match', [
          `${blob.digest}: declared ${blob.size} bytes, streamed ${data.byteLength}`,
        ]);
      }
      record = { digest: blob.digest, size: blob.size, data };
    }
    await this.cloud.call(this.location, 'ecr:InitiateLayerUpload', () => {
      // Uploading into a missing repository fails at the first call, as in ECR.
      this.ecr.hasBlobs(repository, []);
    });
    const partBytes = this.cloud.blobPartBytes;
    for (let offset = 0; offset < Math.max(record.size, 1); offset += partBytes) {
      const length = Math.min(partBytes, record.size - offset);
      await this.cloud.call(this.location, 'ecr:UploadLayerPart', () => undefined, {
        extraMs: Math.round((length / MB) * this.cloud.latency.blobCopyMsPerMb),
      });
    }
    await this.cloud.call(this.location, 'ecr:CompleteLayerUpload', () =>
      this.ecr.putBlob(repository, record),
    );
  }

  /** PutImage: the manifest byte for byte, optionally tagged. */
  public async putManifest(
    repository: string,
    manifest: Pick<ImageManifest, 'digest' | 'mediaType' | 'bytes'>,
    tag?: string,
  ): Promise<void> {
    await this.cloud.call(this.location, 'ecr:PutImage', () =>
      this.ecr.putManifest(repository, manifest, tag, this.cloud.clock.now()),
    );
  }

  /** CreateRepository unless it exists (immutable tags, KMS encryption when a key is given). */
  public async ensureRepository(
    repository: string,
    options: { readonly kmsKeyArn?: string; readonly tags?: readonly KeyValue[] },
  ): Promise<void> {
    await this.cloud.call(this.location, 'ecr:CreateRepository', () =>
      this.ecr.ensureRepository(repository, { immutable: true, ...options }),
    );
  }

  /** BatchDeleteImage for one digest. */
  public async deleteImage(repository: string, digest: Digest): Promise<void> {
    await this.cloud.call(this.location, 'ecr:BatchDeleteImage', () =>
      this.ecr.deleteImage(repository, digest),
    );
  }
}
