// Support for the integrity-run core tests: an in-memory inventory (held to the DynamoDB
// repository's contract, test/support/inventory-contract.ts), a recording pipeline starter, and a helper that clones one seeded service
// with the real clone steps over the sandbox cloud.
import { type SeededCloneWorld, seedCloneWorld, sideOf } from '../../../bin/local/clone-pipeline';
import { contentHash } from '../../../functions/core/content-hash';
import { ConflictError, NotFoundError, ValidationError } from '../../../functions/core/errors';
import type { CloneStatus, CloneVersion, ServiceKey } from '../../../functions/core/model';
import type {
  InventoryAuditEntry,
  InventoryRepository,
  PipelineStart,
  PipelineStarter,
  PutCloneResult,
} from '../../../functions/core/ports';
import {
  copyImages,
  describeSource,
  prepareService,
  type StoredClone,
  stageTaskDefinition,
  syncNetwork,
  validateAndStore,
} from '../../../functions/core/prebake/clone-steps';
import { cloneMappingsOf, serviceSettingsOf } from '../../../functions/core/prebake/settings';

/**
 * A single-process inventory with the DynamoDB repository's semantics (no concurrency control):
 * both run test/support/inventory-contract.ts, the real repository being the reference.
 */
export class MemoryInventory implements InventoryRepository {
  private readonly versions = new Map<ServiceKey, CloneVersion[]>();
  /** The highest number ever handed out per service: deleted numbers are never reused. */
  private readonly highest = new Map<ServiceKey, number>();
  private readonly pins = new Map<ServiceKey, number>();
  private readonly audit: InventoryAuditEntry[] = [];

  public constructor(private readonly now: () => number) {}

  private of(service: ServiceKey): CloneVersion[] {
    return this.versions.get(service) ?? [];
  }

  private record(entry: Omit<InventoryAuditEntry, 'at'>): void {
    this.audit.push({ ...entry, at: new Date(this.now()).toISOString() });
  }

  private find(service: ServiceKey, version: number): CloneVersion | undefined {
    assertVersionNumber(version);
    return this.of(service).find((v) => v.version === version);
  }

  public async putClone(
    input: Parameters<InventoryRepository['putClone']>[0],
  ): Promise<PutCloneResult> {
    const service: unknown = input.content.service;
    if (typeof service !== 'string' || service.length === 0) {
      throw new ValidationError('invalid clone', ['content.service must be a non-empty string']);
    }
    assertStatus(input.status);
    const hash = contentHash(input.content);
    const list = this.of(service);
    const same = list.find((v) => v.contentHash === hash);
    if (same) return { version: same, created: false };
    const number = (this.highest.get(service) ?? 0) + 1;
    const version: CloneVersion = {
      service,
      version: number,
      contentHash: hash,
      content: input.content,
      status: input.status,
      reasons: [...input.reasons],
      createdAt: new Date(this.now()).toISOString(),
      createdBy: input.createdBy,
      trigger: input.trigger,
    };
    this.versions.set(service, [...list, version]);
    this.highest.set(service, number);
    this.record({
      service,
      actor: input.createdBy,
      action: 'create',
      version: number,
      toStatus: version.status,
      reason: input.trigger,
    });
    return { version, created: true };
  }

  public async getVersion(service: ServiceKey, version: number): Promise<CloneVersion> {
    const found = this.find(service, version);
    if (!found) throw new NotFoundError('clone version', `${service}#${version}`);
    return found;
  }

  public async getLatestValidated(service: ServiceKey): Promise<CloneVersion | undefined> {
    return [...this.of(service)].reverse().find((v) => v.status === 'validated');
  }

  /** The pinned version while it is still validated, else the latest validated one. */
  public async getEffective(service: ServiceKey): Promise<CloneVersion | undefined> {
    const pinned = this.pins.get(service);
    const found = pinned === undefined ? undefined : this.find(service, pinned);
    return found?.status === 'validated' ? found : this.getLatestValidated(service);
  }

  public async listVersions(service: ServiceKey): Promise<readonly CloneVersion[]> {
    return [...this.of(service)].reverse();
  }

  public async listServices() {
    return [...this.highest.keys()].sort().map((service) => {
      const validated = this.of(service)
        .filter((v) => v.status === 'validated')
        .at(-1);
      const pinned = this.pins.get(service);
      return {
        service,
        latestVersion: this.highest.get(service) ?? 0,
        ...(validated ? { latestValidated: validated.version } : {}),
        ...(pinned === undefined ? {} : { pinned }),
      };
    });
  }

  public async setStatus(
    service: ServiceKey,
    version: number,
    status: CloneStatus,
    reasons: readonly string[],
    actor: string,
  ): Promise<CloneVersion> {
    assertStatus(status);
    const current = await this.getVersion(service, version);
    const unchanged =
      current.status === status && JSON.stringify(current.reasons) === JSON.stringify(reasons);
    if (unchanged) return current;
    const updated: CloneVersion = { ...current, status, reasons: [...reasons] };
    this.versions.set(
      service,
      this.of(service).map((v) => (v.version === version ? updated : v)),
    );
    this.record({
      service,
      actor,
      action: 'status',
      version,
      fromStatus: current.status,
      toStatus: status,
      reason: reasons.join('; '),
    });
    return updated;
  }

  public async pin(
    service: ServiceKey,
    version: number,
    actor: string,
    reason: string,
  ): Promise<void> {
    const found = await this.getVersion(service, version);
    if (found.status !== 'validated') {
      throw new ValidationError(`cannot pin ${service}#${version}`, [
        `status is ${found.status}; only a validated version can be pinned`,
      ]);
    }
    this.pins.set(service, version);
    this.record({ service, actor, action: 'pin', version, reason });
  }

  public async unpin(service: ServiceKey, actor: string, reason = 'unpinned'): Promise<void> {
    const pinned = this.pins.get(service);
    if (pinned === undefined) return;
    this.pins.delete(service);
    this.record({ service, actor, action: 'unpin', version: pinned, reason });
  }

  /** Refuses the pinned, the latest validated and the newest version, as the repository does. */
  public async deleteVersion(
    service: ServiceKey,
    version: number,
    actor = 'retention',
  ): Promise<void> {
    assertVersionNumber(version);
    const validated = await this.getLatestValidated(service);
    const role =
      this.pins.get(service) === version
        ? 'pinned'
        : validated?.version === version
          ? 'latest validated'
          : version === this.highest.get(service)
            ? 'newest'
            : undefined;
    if (role) {
      throw new ConflictError(`${service}#${version} is the ${role} version and cannot be deleted`);
    }
    const found = await this.getVersion(service, version);
    this.versions.set(
      service,
      this.of(service).filter((v) => v.version !== version),
    );
    this.record({
      service,
      actor,
      action: 'delete',
      version,
      reason: `retention removed ${found.status} version`,
    });
  }

  public async listAudit(service: ServiceKey): Promise<readonly InventoryAuditEntry[]> {
    return this.audit.filter((entry) => entry.service === service);
  }

  /** Versions beyond the newest `keepLast`, created at or before the cutoff, unprotected. */
  public async garbageCollect(
    service: ServiceKey,
    policy: { readonly keepLast: number; readonly olderThanMs?: number; readonly nowMs: number },
  ): Promise<readonly CloneVersion[]> {
    if (!Number.isSafeInteger(policy.keepLast) || policy.keepLast < 1) {
      throw new ValidationError('invalid retention policy', ['keepLast must be an integer ≥ 1']);
    }
    const cutoff = policy.olderThanMs === undefined ? undefined : policy.nowMs - policy.olderThanMs;
    const deleted: CloneVersion[] = [];
    for (const version of (await this.listVersions(service)).slice(policy.keepLast)) {
      if (cutoff !== undefined && Date.parse(version.createdAt) > cutoff) continue;
      try {
        await this.deleteVersion(service, version.version);
        deleted.push(version);
      } catch (error) {
        if (!(error instanceof ConflictError) && !(error instanceof NotFoundError)) throw error;
      }
    }
    return deleted;
  }
}

function assertVersionNumber(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new ValidationError('invalid clone version', [
      `version ${version} is not an integer ≥ 1`,
    ]);
  }
}

/** Every clone status; a Record so a status added to the model fails to compile here. */
const KNOWN_STATUSES: Readonly<Record<CloneStatus, true>> = {
  validated: true,
  'not-ready': true,
  invalid: true,
  stale: true,
};
const CLONE_STATUSES = Object.keys(KNOWN_STATUSES);

function assertStatus(status: string): asserts status is CloneStatus {
  if (!CLONE_STATUSES.includes(status)) {
    throw new ValidationError('invalid clone status', [
      `status ${status} is not one of ${CLONE_STATUSES.join(', ')}`,
    ]);
  }
}

/** A pipeline starter that records starts and, like Step Functions, starts a name once. */
export class RecordingStarter implements PipelineStarter {
  public readonly starts: {
    readonly executionName: string;
    readonly input: Readonly<Record<string, unknown>>;
  }[] = [];
  public failWith?: Error;

  public async start(
    executionName: string,
    input: Readonly<Record<string, unknown>>,
  ): Promise<PipelineStart> {
    if (this.failWith) throw this.failWith;
    const alreadyStarted = this.starts.some((s) => s.executionName === executionName);
    if (!alreadyStarted) this.starts.push({ executionName, input });
    return {
      executionArn: `arn:aws:states:eu-west-1:222222222222:execution:clone:${executionName}`,
      alreadyStarted,
    };
  }
}

/** A seeded sandbox world with an in-memory inventory. */
export interface CoreWorld extends SeededCloneWorld {
  readonly inventory: MemoryInventory;
  readonly starter: RecordingStarter;
}

/** Seeds a world (no DynamoDB). */
export function coreWorld(services = 2): CoreWorld {
  const seeded = seedCloneWorld({ services, layerSizes: [1024] });
  return {
    ...seeded,
    inventory: new MemoryInventory(() => seeded.cloud.clock.now()),
    starter: new RecordingStarter(),
  };
}

/** Clones one service with the real clone steps, as the pipeline's Map iteration would. */
export async function cloneService(world: CoreWorld, key: ServiceKey): Promise<StoredClone> {
  const primary = sideOf(world, world.primary);
  const staging = sideOf(world, world.staging);
  const settings = serviceSettingsOf(world.settings, key);
  const mappings = cloneMappingsOf(world.settings);
  const source = await describeSource(primary, {
    ...world.primary,
    cluster: settings.cluster,
    service: settings.service,
  });
  const images = await copyImages(primary.registry, staging.registry, source.images, {
    clock: world.cloud.clock,
    deadlineMs: Number.POSITIVE_INFINITY,
  });
  const taskDefinition = await stageTaskDefinition(staging.platform, {
    source: source.taskDefinition,
    stagedImages: images.staged,
    mappings,
    policy: world.settings.policy,
  });
  const network = await syncNetwork(staging.network, source.securityGroups, mappings);
  const prepared = await prepareService(world.probe, {
    source: source.description,
    taskDefinition,
    network,
    mappings,
    kmsKeys: settings.kmsKeys,
  });
  return validateAndStore(
    { staging, probe: world.probe, inventory: world.inventory },
    { source, images: images.staged, taskDefinition, network, service: prepared },
    { actor: 'test', trigger: 'manual' },
  );
}

/** The integrity ports of a core world. */
export function integrityPorts(world: CoreWorld) {
  return {
    primary: sideOf(world, world.primary),
    staging: sideOf(world, world.staging),
    probe: world.probe,
    inventory: world.inventory,
    starter: world.starter,
  };
}
