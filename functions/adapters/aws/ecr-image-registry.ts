/**
 * ECR (AWS SDK v3) implementation of the {@link ImageRegistry} port: copies images by digest,
 * byte for byte, without a Docker daemon (layer API + pre-signed S3 downloads).
 */
import { createHash } from 'node:crypto';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  type ECRClient,
  GetDownloadUrlForLayerCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  PutLifecyclePolicyCommand,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  UnderstudyError,
} from '../../core/errors';
import {
  type BlobDescriptor,
  type BlobStream,
  type Digest,
  type ImageManifest,
  type ImageReference,
  isDigest,
  type KeyValue,
} from '../../core/model';
import type { ImageRegistry } from '../../core/ports';
import { awsErrorCode, callAws } from './sdk-errors';

/** Manifest media types Understudy copies (OCI and Docker, single image and multi-arch). */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

/** BatchCheckLayerAvailability accepts at most 100 digests per call. */
const LAYER_CHECK_BATCH = 100;
/** Default size of the ranged GETs `readBlob` makes against the pre-signed URL. */
const DEFAULT_READ_PART_BYTES = 8 * 1024 * 1024;
/** ECR's documented minimum layer part (every part but the last). */
const MIN_UPLOAD_PART_BYTES = 5 * 1024 * 1024;

/** Bytes read or written did not hash to the digest they were addressed by. */
export class DigestMismatchError extends UnderstudyError {
  public constructor(
    public readonly expected: Digest,
    public readonly actual: string,
    options?: ErrorOptions,
  ) {
    super('DigestMismatch', `content digest ${actual} does not match ${expected}`, options);
    this.name = 'DigestMismatchError';
  }
}

/** The `fetch` this adapter needs: the global one in production, a fake in tests. */
export type FetchLike = (
  url: string,
  init?: { headers?: Record<string, string> },
) => Promise<Response>;

/** Options of {@link EcrImageRegistry}. */
export interface EcrImageRegistryOptions {
  /** Account id owning the registry (ECR `registryId`). */
  readonly registryId: string;
  /** Region of the registry; with `registryId` it names the registry host. */
  readonly region: string;
  /**
   * Downloads layers from ECR's pre-signed URLs.
   * @default globalThis.fetch
   */
  readonly fetch?: FetchLike;
  /**
   * Bytes per ranged GET (and per yielded part) when reading a blob.
   * @default 8 MiB
   */
  readonly readPartBytes?: number;
}

interface ParsedManifest {
  readonly mediaType?: string;
  readonly config?: {
    readonly digest?: string;
    readonly size?: number;
    readonly mediaType?: string;
  };
  readonly layers?: readonly {
    readonly digest?: string;
    readonly size?: number;
    readonly mediaType?: string;
  }[];
  readonly manifests?: readonly { readonly digest?: string }[];
}

function sha256(bytes: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function descriptor(entry: {
  readonly digest?: string;
  readonly size?: number;
  readonly mediaType?: string;
}): BlobDescriptor | undefined {
  if (!entry.digest || !isDigest(entry.digest)) return undefined;
  return { digest: entry.digest, size: entry.size ?? 0, mediaType: entry.mediaType ?? '' };
}

/** Blobs and children a manifest document references (the config counts as a blob). */
export function parseManifest(bytes: string): {
  readonly mediaType?: string;
  readonly blobs: BlobDescriptor[];
  readonly children: Digest[];
} {
  const parsed = JSON.parse(bytes) as ParsedManifest;
  const blobs = [parsed.config, ...(parsed.layers ?? [])]
    .filter((entry) => entry !== undefined)
    .map(descriptor)
    .filter((entry): entry is BlobDescriptor => entry !== undefined);
  const children = (parsed.manifests ?? [])
    .map((entry) => entry.digest)
    .filter((digest): digest is Digest => digest !== undefined && isDigest(digest));
  return { mediaType: parsed.mediaType, blobs, children };
}

/** Concatenates chunks into one buffer. */
function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Regroups a stream of arbitrary chunks into parts of exactly `size` bytes (last may be short). */
async function* regroup(
  source: AsyncIterable<Uint8Array>,
  size: number,
): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for await (const chunk of source) {
    let rest = chunk;
    while (pendingBytes + rest.byteLength >= size) {
      const take = size - pendingBytes;
      pending.push(rest.subarray(0, take));
      yield concat(pending, size);
      pending = [];
      pendingBytes = 0;
      rest = rest.subarray(take);
    }
    if (rest.byteLength > 0) {
      pending.push(rest);
      pendingBytes += rest.byteLength;
    }
  }
  if (pendingBytes > 0) yield concat(pending, pendingBytes);
}

/** Reads a fetch response body into chunks (Node's web stream is async-iterable). */
async function* bodyChunks(response: Response): AsyncGenerator<Uint8Array> {
  if (!response.body) return;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) yield chunk;
}

/**
 * Lifecycle rule of staged repositories: only *untagged* images expire (leftovers of a push that
 * was interrupted before its manifest). Every manifest Understudy stages — children of an index
 * included — carries its digest-derived `understudy-…` tag, so no rule can expire a digest the
 * inventory references; old clone versions' images are removed by inventory garbage collection,
 * which knows what is still referenced.
 */
export const STAGED_REPOSITORY_LIFECYCLE_POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'Expire untagged leftovers of interrupted pushes after 14 days',
      selection: {
        tagStatus: 'untagged',
        countType: 'sinceImagePushed',
        countUnit: 'days',
        countNumber: 14,
      },
      action: { type: 'expire' },
    },
  ],
});

/** ECR through the AWS SDK v3, bound to one registry (account + region). */
export class EcrImageRegistry implements ImageRegistry {
  /** `ACCOUNT.dkr.ecr.REGION.amazonaws.com`. */
  public readonly registry: string;
  private readonly registryId: string;
  private readonly fetch: FetchLike;
  private readonly readPartBytes: number;

  /**
   * @param client an ECR client for the registry's region (and account, via its credentials).
   * @param options the registry's identity and download settings.
   */
  public constructor(
    private readonly client: ECRClient,
    options: EcrImageRegistryOptions,
  ) {
    this.registryId = options.registryId;
    this.registry = `${options.registryId}.dkr.ecr.${options.region}.amazonaws.com`;
    this.fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.readPartBytes = options.readPartBytes ?? DEFAULT_READ_PART_BYTES;
  }

  /** {@inheritDoc ImageRegistry.resolve} */
  public async resolve(repository: string, tagOrDigest: string): Promise<ImageReference> {
    const byDigest = isDigest(tagOrDigest);
    const id = `${repository}${byDigest ? '@' : ':'}${tagOrDigest}`;
    // DescribeImages reports the stored digest as pushed; BatchGetImage without the right
    // acceptedMediaTypes could convert the manifest and report a different one.
    const output = await callAws({ operation: 'ecr:DescribeImages', kind: 'image', id }, () =>
      this.client.send(
        new DescribeImagesCommand({
          registryId: this.registryId,
          repositoryName: repository,
          imageIds: [byDigest ? { imageDigest: tagOrDigest } : { imageTag: tagOrDigest }],
        }),
      ),
    );
    const digest = output.imageDetails?.[0]?.imageDigest;
    if (!digest || !isDigest(digest)) throw new NotFoundError('image', id);
    return byDigest
      ? { registry: this.registry, repository, digest }
      : { registry: this.registry, repository, digest, tag: tagOrDigest };
  }

  /** {@inheritDoc ImageRegistry.getManifest} */
  public async getManifest(repository: string, digest: Digest): Promise<ImageManifest> {
    const id = `${repository}@${digest}`;
    const output = await callAws({ operation: 'ecr:BatchGetImage', kind: 'image', id }, () =>
      this.client.send(
        new BatchGetImageCommand({
          registryId: this.registryId,
          repositoryName: repository,
          imageIds: [{ imageDigest: digest }],
          acceptedMediaTypes: [...MANIFEST_MEDIA_TYPES],
        }),
      ),
    );
    const image = output.images?.[0];
    if (!image?.imageManifest) throw new NotFoundError('image', id);
    const bytes = image.imageManifest;
    const actual = sha256(bytes);
    if (actual !== digest) throw new DigestMismatchError(digest, actual);
    const parsed = parseManifest(bytes);
    return {
      digest,
      mediaType: image.imageManifestMediaType ?? parsed.mediaType ?? '',
      bytes,
      blobs: parsed.blobs,
      children: parsed.children,
    };
  }

  /** {@inheritDoc ImageRegistry.hasBlobs} */
  public async hasBlobs(
    repository: string,
    digests: readonly Digest[],
  ): Promise<ReadonlySet<Digest>> {
    const present = new Set<Digest>();
    const unique = [...new Set(digests)];
    for (let index = 0; index < unique.length; index += LAYER_CHECK_BATCH) {
      const batch = unique.slice(index, index + LAYER_CHECK_BATCH);
      const output = await callAws(
        { operation: 'ecr:BatchCheckLayerAvailability', kind: 'repository', id: repository },
        () =>
          this.client.send(
            new BatchCheckLayerAvailabilityCommand({
              registryId: this.registryId,
              repositoryName: repository,
              layerDigests: batch,
            }),
          ),
      );
      for (const layer of output.layers ?? []) {
        if (
          layer.layerAvailability === 'AVAILABLE' &&
          layer.layerDigest &&
          isDigest(layer.layerDigest)
        ) {
          present.add(layer.layerDigest);
        }
      }
    }
    return present;
  }

  /**
   * {@inheritDoc ImageRegistry.readBlob}
   * Fetches the pre-signed URL in ranged GETs of `readPartBytes`, lazily, and checks the
   * digest once the last part has been read (a mismatch throws {@link DigestMismatchError}).
   */
  public async readBlob(repository: string, digest: Digest): Promise<BlobStream> {
    const id = `${repository}@${digest}`;
    const output = await callAws(
      { operation: 'ecr:GetDownloadUrlForLayer', kind: 'blob', id },
      () =>
        this.client.send(
          new GetDownloadUrlForLayerCommand({
            registryId: this.registryId,
            repositoryName: repository,
            layerDigest: digest,
          }),
        ),
    );
    const url = output.downloadUrl;
    if (!url) throw new NotFoundError('blob', id);
    const partBytes = this.readPartBytes;
    const first = await this.fetchRange(url, 0, partBytes - 1, id);
    const size = first.size;
    const fetchRange = this.fetchRange.bind(this);

    async function* parts(): AsyncGenerator<Uint8Array> {
      const hash = createHash('sha256');
      let read = 0;
      for await (const chunk of regroup(bodyChunks(first.response), partBytes)) {
        hash.update(chunk);
        read += chunk.byteLength;
        yield chunk;
      }
      // A server that ignored Range sent everything at once; otherwise fetch the rest.
      while (first.ranged && read < size) {
        const next = await fetchRange(
          url as string,
          read,
          Math.min(read + partBytes, size) - 1,
          id,
        );
        for await (const chunk of regroup(bodyChunks(next.response), partBytes)) {
          hash.update(chunk);
          read += chunk.byteLength;
          yield chunk;
        }
      }
      const actual = `sha256:${hash.digest('hex')}`;
      if (read !== size || actual !== digest) throw new DigestMismatchError(digest, actual);
    }

    return { digest, size, parts: parts() };
  }

  private async fetchRange(
    url: string,
    firstByte: number,
    lastByte: number,
    id: string,
  ): Promise<{ readonly response: Response; readonly size: number; readonly ranged: boolean }> {
    let response: Response;
    try {
      response = await this.fetch(url, { headers: { Range: `bytes=${firstByte}-${lastByte}` } });
    } catch (error) {
      throw new ServiceUnavailableError('ecr:layer download', String(error), { cause: error });
    }
    if (response.status === 404) throw new NotFoundError('blob', id);
    if (response.status === 206) {
      const total = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1];
      if (total === undefined) {
        throw new ServiceUnavailableError('ecr:layer download', 'missing Content-Range total');
      }
      return { response, size: Number(total), ranged: true };
    }
    if (response.status === 200) {
      return { response, size: Number(response.headers.get('content-length') ?? 0), ranged: false };
    }
    // 416 on an empty blob: there is no byte 0 to range over.
    if (response.status === 416) {
      const empty = new Response(new Uint8Array(0));
      return { response: empty, size: 0, ranged: false };
    }
    throw new ServiceUnavailableError('ecr:layer download', `HTTP ${response.status} for ${id}`);
  }

  /**
   * {@inheritDoc ImageRegistry.writeBlob}
   * Uploads in parts of the size ECR asks for (`partSize` from InitiateLayerUpload, never
   * below 5 MiB except the last), holding one part in memory at a time.
   */
  public async writeBlob(repository: string, blob: BlobStream): Promise<void> {
    const present = await this.hasBlobs(repository, [blob.digest]);
    if (present.has(blob.digest)) return;
    const id = `${repository}@${blob.digest}`;
    const upload = await callAws(
      { operation: 'ecr:InitiateLayerUpload', kind: 'repository', id: repository },
      () =>
        this.client.send(
          new InitiateLayerUploadCommand({
            registryId: this.registryId,
            repositoryName: repository,
          }),
        ),
    );
    const uploadId = upload.uploadId;
    if (!uploadId) throw new ServiceUnavailableError('ecr:InitiateLayerUpload', 'no uploadId');
    const partSize = Math.max(upload.partSize ?? MIN_UPLOAD_PART_BYTES, MIN_UPLOAD_PART_BYTES);

    let firstByte = 0;
    for await (const part of regroup(blob.parts, partSize)) {
      const partFirstByte = firstByte;
      const partLastByte = firstByte + part.byteLength - 1;
      await callAws({ operation: 'ecr:UploadLayerPart', kind: 'upload', id: uploadId }, () =>
        this.client.send(
          new UploadLayerPartCommand({
            registryId: this.registryId,
            repositoryName: repository,
            uploadId,
            partFirstByte,
            partLastByte,
            layerPartBlob: part,
          }),
        ),
      );
      firstByte = partLastByte + 1;
    }
    if (firstByte !== blob.size) {
      throw new ConflictError(`blob ${id} streamed ${firstByte} bytes, expected ${blob.size}`);
    }
    try {
      await this.client.send(
        new CompleteLayerUploadCommand({
          registryId: this.registryId,
          repositoryName: repository,
          uploadId,
          layerDigests: [blob.digest],
        }),
      );
    } catch (error) {
      // Another writer finished the same layer first: the content is the same by digest.
      if (awsErrorCode(error) === 'LayerAlreadyExistsException') return;
      await callAws({ operation: 'ecr:CompleteLayerUpload', kind: 'blob', id }, () =>
        Promise.reject(error),
      );
    }
  }

  /** {@inheritDoc ImageRegistry.putManifest} */
  public async putManifest(
    repository: string,
    manifest: Pick<ImageManifest, 'digest' | 'mediaType' | 'bytes'>,
    tag?: string,
  ): Promise<void> {
    const id = `${repository}@${manifest.digest}`;
    try {
      await this.client.send(
        new PutImageCommand({
          registryId: this.registryId,
          repositoryName: repository,
          imageManifest: manifest.bytes,
          imageManifestMediaType: manifest.mediaType,
          imageDigest: manifest.digest,
          ...(tag === undefined ? {} : { imageTag: tag }),
        }),
      );
    } catch (error) {
      // Same digest (and tag) already pushed: the repository already holds exactly this.
      if (awsErrorCode(error) === 'ImageAlreadyExistsException') return;
      await callAws({ operation: 'ecr:PutImage', kind: 'repository', id }, () =>
        Promise.reject(error),
      );
    }
  }

  /** {@inheritDoc ImageRegistry.ensureRepository} */
  public async ensureRepository(
    repository: string,
    options: { readonly kmsKeyArn?: string; readonly tags?: readonly KeyValue[] },
  ): Promise<void> {
    try {
      await this.client.send(
        new CreateRepositoryCommand({
          registryId: this.registryId,
          repositoryName: repository,
          // Staged images are addressed by digest; a tag must never move under a clone.
          imageTagMutability: 'IMMUTABLE',
          encryptionConfiguration: options.kmsKeyArn
            ? { encryptionType: 'KMS', kmsKey: options.kmsKeyArn }
            : { encryptionType: 'KMS' },
          imageScanningConfiguration: { scanOnPush: true },
          ...(options.tags?.length
            ? { tags: options.tags.map((tag) => ({ Key: tag.name, Value: tag.value })) }
            : {}),
        }),
      );
    } catch (error) {
      if (awsErrorCode(error) !== 'RepositoryAlreadyExistsException') {
        await callAws(
          { operation: 'ecr:CreateRepository', kind: 'repository', id: repository },
          () => Promise.reject(error),
        );
      }
    }
    // Put on every call, not only on create: a crash between the two calls must not leave a
    // repository without its rule. Idempotent (same policy text).
    await callAws({ operation: 'ecr:PutLifecyclePolicy', kind: 'repository', id: repository }, () =>
      this.client.send(
        new PutLifecyclePolicyCommand({
          registryId: this.registryId,
          repositoryName: repository,
          lifecyclePolicyText: STAGED_REPOSITORY_LIFECYCLE_POLICY,
        }),
      ),
    );
  }

  /** {@inheritDoc ImageRegistry.deleteImage} */
  public async deleteImage(repository: string, digest: Digest): Promise<void> {
    const id = `${repository}@${digest}`;
    const output = await callAws({ operation: 'ecr:BatchDeleteImage', kind: 'image', id }, () =>
      this.client.send(
        new BatchDeleteImageCommand({
          registryId: this.registryId,
          repositoryName: repository,
          imageIds: [{ imageDigest: digest }],
        }),
      ),
    );
    const failure = output.failures?.[0];
    // Already gone is what garbage collection wants; anything else (still referenced) is not.
    if (failure && failure.failureCode !== 'ImageNotFound') {
      throw new ConflictError(
        `ecr:BatchDeleteImage ${id}: ${failure.failureCode}: ${failure.failureReason ?? ''}`,
      );
    }
  }
}
