/**
 * Retention: old clone versions are deleted from the inventory, then the staged images and task
 * definition revisions that no remaining version references are removed from staging.
 *
 * Order matters. The inventory deletes first, and its conditional delete refuses the latest
 * validated and the pinned version at the moment of deletion, so a rollback target pinned while
 * this runs keeps its images. A crash between the two halves leaves images no version
 * references: they only cost storage (their `understudy-…` tags keep the lifecycle rule off
 * them) — never a clone that points at nothing.
 */
import { NotFoundError } from '../errors';
import { type CloneVersion, imageUri, type ServiceKey } from '../model';
import type { ContainerPlatform, ImageRegistry, InventoryRepository, LoggerLike } from '../ports';

/** How many versions to keep, and how old a version must be before it may go. */
export interface RetentionPolicy {
  /** Newest versions always kept per service (≥ 1). */
  readonly keepVersions: number;
  /** Versions younger than this are kept whatever their rank. */
  readonly minAgeMs: number;
}

/** What a retention run removed. */
export interface RetentionReport {
  /** Versions deleted from the inventory, per service. */
  readonly deletedVersions: Readonly<Record<ServiceKey, readonly number[]>>;
  /** Image URIs (`registry/repo@digest`) deleted from the staging registry. */
  readonly deletedImages: readonly string[];
  /** Staged task definition revisions deregistered. */
  readonly deregisteredRevisions: readonly string[];
  /** Images and revisions still referenced by a remaining version, so kept. */
  readonly keptShared: number;
}

/** Runs retention over `services`; see the module comment. */
export async function applyRetention(
  ports: {
    readonly inventory: Pick<InventoryRepository, 'garbageCollect' | 'listVersions'>;
    readonly stagingRegistry: Pick<ImageRegistry, 'deleteImage'>;
    readonly stagingPlatform: Pick<ContainerPlatform, 'deregisterTaskDefinition'>;
    readonly logger?: LoggerLike;
  },
  services: readonly ServiceKey[],
  policy: RetentionPolicy,
  nowMs: number,
): Promise<RetentionReport> {
  const deleted: CloneVersion[] = [];
  const deletedVersions: Record<ServiceKey, number[]> = {};
  for (const service of services) {
    const gone = await ports.inventory.garbageCollect(service, {
      keepLast: policy.keepVersions,
      olderThanMs: policy.minAgeMs,
      nowMs,
    });
    if (gone.length > 0) deletedVersions[service] = gone.map((v) => v.version);
    deleted.push(...gone);
  }
  if (deleted.length === 0) {
    return { deletedVersions, deletedImages: [], deregisteredRevisions: [], keptShared: 0 };
  }

  // Repositories and revisions can be shared between services and versions (a re-run reuses the
  // revision; a base image serves several services): keep whatever any remaining version uses.
  const referencedImages = new Set<string>();
  const referencedRevisions = new Set<string>();
  for (const service of services) {
    for (const version of await ports.inventory.listVersions(service)) {
      for (const image of Object.values(version.content.images))
        referencedImages.add(imageUri(image));
      referencedRevisions.add(version.content.stagedTaskDefinitionArn);
    }
  }

  const deletedImages = new Set<string>();
  const deregistered = new Set<string>();
  let keptShared = 0;
  for (const version of deleted) {
    for (const image of Object.values(version.content.images)) {
      const uri = imageUri(image);
      if (deletedImages.has(uri)) continue;
      if (referencedImages.has(uri)) {
        keptShared += 1;
        continue;
      }
      await ignoreNotFound(() => ports.stagingRegistry.deleteImage(image.repository, image.digest));
      deletedImages.add(uri);
    }
    const revision = version.content.stagedTaskDefinitionArn;
    if (deregistered.has(revision)) continue;
    if (referencedRevisions.has(revision)) {
      keptShared += 1;
      continue;
    }
    await ignoreNotFound(() => ports.stagingPlatform.deregisterTaskDefinition(revision));
    deregistered.add(revision);
  }
  const report = {
    deletedVersions,
    deletedImages: [...deletedImages].sort(),
    deregisteredRevisions: [...deregistered].sort(),
    keptShared,
  };
  ports.logger?.info('retention applied', { ...report });
  return report;
}

async function ignoreNotFound(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    // Already gone is what retention wants (a previous run, or an operator, removed it).
    if (!(error instanceof NotFoundError)) throw error;
  }
}
