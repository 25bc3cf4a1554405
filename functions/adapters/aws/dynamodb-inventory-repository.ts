/**
 * The versioned clone inventory on DynamoDB, built from single-item conditional writes only
 * (no transactions), so it runs unchanged on dynalite and every intermediate state is valid.
 *
 * Items, all under `pk = SVC#<service>` in the inventory table:
 * - `V#<version>`   one immutable clone version (its status may change; its content never does).
 * - `H#<hash>`      the hash claim: who is storing this content, the version number it is trying,
 *                   and, once stored, the version it became. It makes "same content → same
 *                   version" hold under concurrent writers.
 * - `HEAD`          the pointer item: highest version number ever written, the latest validated
 *                   version and the pinned version, each with an embedded copy, so readers need
 *                   one read. It is a cache of the version items, kept by conditional writes
 *                   (`rev` is its optimistic-concurrency counter) and rebuilt by `reconcile`.
 * - `A#<time>#<id>` audit entries (who, what, when, why).
 *
 * Crash safety (a writer may stop between any two writes):
 * - claim written, no version yet → other writers of that content wait until the claim is older
 *   than `claimTimeoutMs`, then take it over (conditional on the old owner) and finish the job;
 * - the claim records the version number it is about to write before the version item is written,
 *   and a taker-over tries that number first, so a slow original writer and its successor meet
 *   on one item (`attribute_not_exists`) and never store the same content twice;
 * - version written, HEAD not moved → the next writer starts from the highest stored version
 *   number (not HEAD) and any `reconcile` moves HEAD up; no number is skipped or reused (the
 *   newest version is never deleted, so the highest stored number is the high-water mark);
 * - a status change that takes the latest validated version out of service moves HEAD off it
 *   first, so a crash leaves HEAD pointing at an older validated version, never at an invalid one.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { contentHash } from '../../core/content-hash';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors';
import type { CloneStatus, CloneVersion, ServiceKey } from '../../core/model';
import type {
  Clock,
  InventoryAuditAction,
  InventoryAuditEntry,
  InventoryRepository,
  PutCloneResult,
} from '../../core/ports';
import { systemClock } from '../../shared/clock';
import {
  callDynamo,
  type DynamoItem,
  fromItem,
  numberField,
  padNumber,
  stringField,
  toItem,
  writeIf,
} from './dynamodb-common';

const CLONE_STATUSES: readonly CloneStatus[] = ['validated', 'not-ready', 'invalid', 'stale'];
const HEAD_SK = 'HEAD';
const VERSION_PREFIX = 'V#';
const CLAIM_PREFIX = 'H#';
const AUDIT_PREFIX = 'A#';
/** GSI partition holding every service's HEAD item, for `listServices`. */
const SERVICES_INDEX_PK = 'SERVICES';
const SERVICES_INDEX = 'gsi1';

/** Options of {@link DynamoDbInventoryRepository}. */
export interface DynamoDbInventoryRepositoryOptions {
  /**
   * Time source for `createdAt`, audit times and claim staleness.
   * @default systemClock
   */
  readonly clock?: Clock;
  /**
   * How long a hash claim may go unfinished before another writer of the same content takes it
   * over (its writer is presumed crashed). Must exceed the slowest complete `putClone`.
   * @default 30000
   */
  readonly claimTimeoutMs?: number;
  /**
   * Bound on optimistic retries of one call, so a pathological race fails loudly
   * (ConflictError) instead of spinning.
   * @default 1000
   */
  readonly maxAttempts?: number;
  /**
   * Owner tokens for claims; injectable so tests can name writers.
   * @default crypto.randomUUID
   */
  readonly newToken?: () => string;
}

/** Input of {@link DynamoDbInventoryRepository.putClone}. */
export type PutCloneInput = Parameters<InventoryRepository['putClone']>[0];

/** The pointer item, decoded. */
export interface InventoryHead {
  readonly service: ServiceKey;
  /** Highest version number ever written (never decreases, even after retention). */
  readonly latestVersion: number;
  readonly latestValidated?: CloneVersion;
  readonly pinned?: CloneVersion;
  /** Optimistic-concurrency counter of the item. */
  readonly rev: number;
}

/** A hash claim, decoded. */
export interface HashClaim {
  readonly service: ServiceKey;
  readonly contentHash: string;
  readonly owner: string;
  /** Epoch ms the owner last took or refreshed the claim. */
  readonly claimedAt: number;
  readonly state: 'claimed' | 'committed';
  /** The version number the owner is writing (set before the version item is written). */
  readonly candidate?: number;
  /** The version the content became, once committed. */
  readonly version?: number;
}

/** A status override applied while recomputing HEAD (see {@link DynamoDbInventoryRepository.reconcile}). */
interface StatusOverride {
  readonly version: number;
  readonly status: CloneStatus;
  readonly reasons: readonly string[];
}

function servicePk(service: ServiceKey): string {
  return `SVC#${service}`;
}

function versionSk(version: number): string {
  return `${VERSION_PREFIX}${padNumber(version, 10)}`;
}

function claimSk(hash: string): string {
  return `${CLAIM_PREFIX}${hash}`;
}

function assertService(service: unknown): asserts service is ServiceKey {
  if (typeof service !== 'string' || service.length === 0) {
    throw new ValidationError('invalid clone', ['content.service must be a non-empty string']);
  }
}

function assertVersionNumber(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new ValidationError('invalid clone version', [
      `version ${version} is not an integer ≥ 1`,
    ]);
  }
}

function assertStatus(status: string): asserts status is CloneStatus {
  if (!(CLONE_STATUSES as readonly string[]).includes(status)) {
    throw new ValidationError('invalid clone status', [
      `status ${status} is not one of ${CLONE_STATUSES.join(', ')}`,
    ]);
  }
}

function parseRecord(json: string): CloneVersion {
  return JSON.parse(json) as CloneVersion;
}

/**
 * `InventoryRepository` on DynamoDB (single-item conditional writes; see the module comment for
 * the item layout and the crash-safety argument).
 */
export class DynamoDbInventoryRepository implements InventoryRepository {
  private readonly clock: Clock;
  private readonly claimTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly newToken: () => string;
  /** Orders this writer's audit entries written within one millisecond. */
  private auditSequence = 0;

  /**
   * @param client - DynamoDB client (pointed at dynalite in tests and the local drill).
   * @param tableName - Physical name of the table built from `INVENTORY_TABLE`.
   */
  public constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: DynamoDbInventoryRepositoryOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.claimTimeoutMs = options.claimTimeoutMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 1_000;
    this.newToken = options.newToken ?? randomUUID;
  }

  // -------------------------------------------------------------------------------------------
  // Writes

  /**
   * Stores `content` as the service's next version, or returns the existing version with the
   * same content hash (`created: false`). Safe under any number of concurrent writers and
   * after a writer crashed part-way (see the module comment).
   */
  public async putClone(input: PutCloneInput): Promise<PutCloneResult> {
    assertService(input.content.service);
    assertStatus(input.status);
    const service = input.content.service;
    const hash = contentHash(input.content);

    for (let attempt = 0; attempt < this.maxAttempts; attempt += 1) {
      const token = this.newToken();
      if (await this.claimHash(service, hash, token)) {
        const result = await this.storeClaimed(service, hash, token, undefined, input);
        if (result) return result;
        continue;
      }
      const claim = await this.readClaim(service, hash);
      if (!claim) continue; // removed by retention in between: claim afresh
      if (claim.state === 'committed' && claim.version !== undefined) {
        const existing = await this.findVersion(service, claim.version);
        if (existing) return { version: existing, created: false };
        // The version was deleted by retention: the claim is dangling; drop it and start over.
        await this.dropClaim(service, hash, claim);
        continue;
      }
      if (this.clock.now() - claim.claimedAt < this.claimTimeoutMs) {
        await this.clock.sleep(backoffMs(attempt));
        continue;
      }
      if (!(await this.takeOverClaim(service, hash, claim, token))) continue;
      const result = await this.storeClaimed(service, hash, token, claim.candidate, input);
      if (result) return result;
    }
    throw new ConflictError(
      `putClone for ${service} gave up after ${this.maxAttempts} attempts (claim ${hash} stays busy)`,
    );
  }

  /** Claims `hash` for `token` if nobody has; false when a claim already exists. */
  public async claimHash(service: ServiceKey, hash: string, token: string): Promise<boolean> {
    const claim: HashClaim = {
      service,
      contentHash: hash,
      owner: token,
      claimedAt: this.clock.now(),
      state: 'claimed',
    };
    return writeIf(() =>
      callDynamo('PutItem', this.tableName, () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toItem({ pk: servicePk(service), sk: claimSk(hash), kind: 'claim', ...claim }),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      ),
    );
  }

  /** Reads a hash claim (strongly consistent), or undefined. */
  public async readClaim(service: ServiceKey, hash: string): Promise<HashClaim | undefined> {
    const item = await this.getItem(servicePk(service), claimSk(hash));
    if (!item) return undefined;
    const candidate = numberField(item, 'candidate');
    const version = numberField(item, 'version');
    return {
      service,
      contentHash: hash,
      owner: stringField(item, 'owner'),
      claimedAt: numberField(item, 'claimedAt') ?? 0,
      state: stringField(item, 'state') === 'committed' ? 'committed' : 'claimed',
      ...(candidate === undefined ? {} : { candidate }),
      ...(version === undefined ? {} : { version }),
    };
  }

  private takeOverClaim(
    service: ServiceKey,
    hash: string,
    stale: HashClaim,
    token: string,
  ): Promise<boolean> {
    return this.updateOwnedClaim(
      service,
      hash,
      stale.owner,
      'SET #owner = :token, claimedAt = :now',
      {
        ':token': token,
      },
    );
  }

  /**
   * A conditional update of the claim item that still belongs to `owner` and is not yet
   * committed; false when someone else took it over or committed it first.
   */
  private updateOwnedClaim(
    service: ServiceKey,
    hash: string,
    owner: string,
    update: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    return writeIf(() =>
      callDynamo('UpdateItem', this.tableName, () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: toItem({ pk: servicePk(service), sk: claimSk(hash) }),
            UpdateExpression: update,
            ConditionExpression: '#owner = :owner AND #state = :claimed',
            ExpressionAttributeNames: { '#owner': 'owner', '#state': 'state' },
            ExpressionAttributeValues: toItem({
              ...values,
              ':now': this.clock.now(),
              ':owner': owner,
              ':claimed': 'claimed',
            }),
          }),
        ),
      ),
    );
  }

  private async dropClaim(service: ServiceKey, hash: string, claim: HashClaim): Promise<void> {
    await writeIf(() =>
      callDynamo('DeleteItem', this.tableName, () =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.tableName,
            Key: toItem({ pk: servicePk(service), sk: claimSk(hash) }),
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: toItem({ ':owner': claim.owner }),
          }),
        ),
      ),
    );
  }

  /**
   * The claim owner's part of `putClone`: pick a version number, record it in the claim (only
   * while still the owner), write the version item, commit the claim, move HEAD up. Undefined
   * when ownership was lost to a taker-over before the version was written (the caller then waits
   * for the new owner's result). Public so crash-recovery tests can drive the steps one by one.
   */
  public async storeClaimed(
    service: ServiceKey,
    hash: string,
    token: string,
    recordedCandidate: number | undefined,
    input: PutCloneInput,
  ): Promise<PutCloneResult | undefined> {
    // The highest stored number is the high-water mark: the newest version is never deleted.
    let candidate = recordedCandidate ?? (await this.highestStoredVersion(service)) + 1;
    for (let attempt = 0; attempt < this.maxAttempts; attempt += 1) {
      if (!(await this.recordCandidate(service, hash, token, candidate))) return undefined;
      const record: CloneVersion = {
        service,
        version: candidate,
        contentHash: hash,
        content: input.content,
        status: input.status,
        reasons: [...input.reasons],
        createdAt: new Date(this.clock.now()).toISOString(),
        createdBy: input.createdBy,
        trigger: input.trigger,
      };
      const created = await this.writeVersion(record);
      let stored = record;
      if (!created) {
        // Only the number inherited from a previous owner can hold this very content (that owner
        // wrote it, then stopped). Any later twin write is fenced by `recordCandidate` instead.
        const existing =
          attempt === 0 && recordedCandidate !== undefined
            ? await this.findVersion(service, candidate)
            : undefined;
        if (existing?.contentHash !== hash) {
          candidate += 1; // another content holds this number: probe the next one
          continue;
        }
        stored = existing;
      }
      await this.commitClaim(service, hash, stored.version);
      await this.raiseHead(stored);
      if (created) {
        await this.appendAudit(service, {
          action: 'create',
          actor: input.createdBy,
          version: stored.version,
          toStatus: stored.status,
          reason: input.trigger,
        });
      }
      return { version: stored, created };
    }
    throw new ConflictError(`putClone for ${service} found no free version number`);
  }

  private recordCandidate(
    service: ServiceKey,
    hash: string,
    token: string,
    candidate: number,
  ): Promise<boolean> {
    return this.updateOwnedClaim(
      service,
      hash,
      token,
      'SET candidate = :candidate, claimedAt = :now',
      {
        ':candidate': candidate,
      },
    );
  }

  /** Writes a version item unless that number is taken; false when it was. */
  public writeVersion(record: CloneVersion): Promise<boolean> {
    return writeIf(() =>
      callDynamo('PutItem', this.tableName, () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toItem({
              pk: servicePk(record.service),
              sk: versionSk(record.version),
              kind: 'version',
              service: record.service,
              version: record.version,
              contentHash: record.contentHash,
              status: record.status,
              createdAt: record.createdAt,
              record: JSON.stringify(record),
            }),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      ),
    );
  }

  private async commitClaim(service: ServiceKey, hash: string, version: number): Promise<void> {
    // "This content is version N" is a fact once the version item exists, so any writer that saw
    // it may commit, whoever owns the claim now.
    await writeIf(() =>
      callDynamo('UpdateItem', this.tableName, () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: toItem({ pk: servicePk(service), sk: claimSk(hash) }),
            UpdateExpression: 'SET #state = :committed, version = :version REMOVE candidate',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: toItem({ ':committed': 'committed', ':version': version }),
          }),
        ),
      ),
    );
  }

  /**
   * Moves HEAD up to a newly stored version: the high-water mark, and the latest validated copy
   * when the version is validated and newer. Only ever upwards, so concurrent writers need no
   * read-modify-write; `rev` is bumped so a concurrent `reconcile` re-reads.
   */
  private async raiseHead(record: CloneVersion): Promise<void> {
    const key = toItem({ pk: servicePk(record.service), sk: HEAD_SK });
    await writeIf(() =>
      callDynamo('UpdateItem', this.tableName, () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression:
              'SET latestVersion = :v, service = :s, kind = :kind, gsi1pk = :g, gsi1sk = :s ADD rev :one',
            ConditionExpression: 'attribute_not_exists(latestVersion) OR latestVersion < :v',
            ExpressionAttributeValues: toItem({
              ':v': record.version,
              ':s': record.service,
              ':kind': 'head',
              ':g': SERVICES_INDEX_PK,
              ':one': 1,
            }),
          }),
        ),
      ),
    );
    if (record.status !== 'validated') return;
    await writeIf(() =>
      callDynamo('UpdateItem', this.tableName, () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression:
              'SET latestValidated = :v, latestValidatedRecord = :r, service = :s, kind = :kind, gsi1pk = :g, gsi1sk = :s ADD rev :one',
            ConditionExpression: 'attribute_not_exists(latestValidated) OR latestValidated < :v',
            ExpressionAttributeValues: toItem({
              ':v': record.version,
              ':r': JSON.stringify(record),
              ':s': record.service,
              ':kind': 'head',
              ':g': SERVICES_INDEX_PK,
              ':one': 1,
            }),
          }),
        ),
      ),
    );
  }

  /**
   * Changes a version's status and reasons. Taking the latest validated version out of service
   * moves HEAD off it before the version changes (see the module comment); HEAD is reconciled
   * afterwards either way, so retrying after a crash completes the change.
   */
  public async setStatus(
    service: ServiceKey,
    version: number,
    status: CloneStatus,
    reasons: readonly string[],
    actor: string,
  ): Promise<CloneVersion> {
    assertStatus(status);
    assertVersionNumber(version);
    for (let attempt = 0; attempt < this.maxAttempts; attempt += 1) {
      const item = await this.getItem(servicePk(service), versionSk(version));
      if (!item) throw new NotFoundError('clone version', `${service}#${version}`);
      const current = parseRecord(stringField(item, 'record'));
      const updated: CloneVersion = { ...current, status, reasons: [...reasons] };
      const unchanged =
        current.status === status && JSON.stringify(current.reasons) === JSON.stringify(reasons);
      if (unchanged) {
        await this.reconcile(service);
        return current;
      }
      if (current.status === 'validated' && status !== 'validated') {
        await this.reconcile(service, { version, status, reasons });
      }
      const written = await writeIf(() =>
        callDynamo('UpdateItem', this.tableName, () =>
          this.client.send(
            new UpdateItemCommand({
              TableName: this.tableName,
              Key: toItem({ pk: servicePk(service), sk: versionSk(version) }),
              UpdateExpression: 'SET #status = :status, #record = :record',
              ConditionExpression: '#record = :previous',
              ExpressionAttributeNames: { '#status': 'status', '#record': 'record' },
              ExpressionAttributeValues: toItem({
                ':status': status,
                ':record': JSON.stringify(updated),
                ':previous': stringField(item, 'record'),
              }),
            }),
          ),
        ),
      );
      if (!written) continue; // a concurrent change (or deletion) happened: re-read
      await this.reconcile(service);
      await this.appendAudit(service, {
        action: 'status',
        actor,
        version,
        fromStatus: current.status,
        toStatus: status,
        reason: reasons.join('; '),
      });
      return updated;
    }
    throw new ConflictError(`setStatus ${service}#${version} kept losing races`);
  }

  /**
   * Pins the plan to `version` (rollback). ValidationError unless the version is validated;
   * NotFoundError when it does not exist.
   */
  public async pin(
    service: ServiceKey,
    version: number,
    actor: string,
    reason: string,
  ): Promise<void> {
    assertVersionNumber(version);
    for (let attempt = 0; attempt < this.maxAttempts; attempt += 1) {
      const head = await this.reconcile(service);
      const record = await this.findVersion(service, version);
      if (!record) throw new NotFoundError('clone version', `${service}#${version}`);
      if (record.status !== 'validated') {
        throw new ValidationError(`cannot pin ${service}#${version}`, [
          `status is ${record.status}; only a validated version can be pinned`,
        ]);
      }
      if (await this.writeHead(service, head, { ...head, pinned: record })) {
        await this.appendAudit(service, { action: 'pin', actor, version, reason });
        return;
      }
    }
    throw new ConflictError(`pin ${service}#${version} kept losing races`);
  }

  /** Removes the pin (a no-op, without audit, when nothing is pinned). */
  public async unpin(service: ServiceKey, actor: string, reason = 'unpinned'): Promise<void> {
    for (let attempt = 0; attempt < this.maxAttempts; attempt += 1) {
      const head = await this.readHead(service);
      if (!head.pinned) return;
      const { pinned, ...rest } = head;
      if (await this.writeHead(service, head, rest)) {
        await this.appendAudit(service, {
          action: 'unpin',
          actor,
          version: pinned.version,
          reason,
        });
        return;
      }
    }
    throw new ConflictError(`unpin ${service} kept losing races`);
  }

  /**
   * Deletes a version (retention). ConflictError when it is the latest validated, the pinned or
   * the newest one; NotFoundError when absent. Its hash claim goes too, so the same content stored later
   * becomes a new version.
   */
  public async deleteVersion(
    service: ServiceKey,
    version: number,
    actor = 'retention',
  ): Promise<void> {
    assertVersionNumber(version);
    // Reconcile first so the pointers checked below are current, not a crash-stale cache.
    const head = await this.reconcile(service);
    const role =
      head.pinned?.version === version
        ? 'pinned'
        : head.latestValidated?.version === version
          ? 'latest validated'
          : version === head.latestVersion
            ? 'newest'
            : undefined;
    if (role) {
      // The newest stays so the highest stored number remains the high-water mark: a number is
      // never handed out twice.
      throw new ConflictError(`${service}#${version} is the ${role} version and cannot be deleted`);
    }
    const record = await this.findVersion(service, version);
    if (!record) throw new NotFoundError('clone version', `${service}#${version}`);
    const deleted = await writeIf(() =>
      callDynamo('DeleteItem', this.tableName, () =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.tableName,
            Key: toItem({ pk: servicePk(service), sk: versionSk(version) }),
            ConditionExpression: 'attribute_exists(pk)',
          }),
        ),
      ),
    );
    if (!deleted) throw new NotFoundError('clone version', `${service}#${version}`);
    await writeIf(() =>
      callDynamo('DeleteItem', this.tableName, () =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.tableName,
            Key: toItem({ pk: servicePk(service), sk: claimSk(record.contentHash) }),
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: toItem({ ':version': version }),
          }),
        ),
      ),
    );
    // A concurrent status change may have pointed HEAD at it meanwhile: heal that now.
    const after = await this.readHead(service);
    if (after.latestValidated?.version === version || after.pinned?.version === version) {
      await this.reconcile(service);
    }
    await this.appendAudit(service, {
      action: 'delete',
      actor,
      version,
      reason: `retention removed ${record.status} version`,
    });
  }

  /**
   * Retention: deletes versions beyond the newest `keepLast` (only those created at or before
   * `nowMs - olderThanMs` when that is set), never the latest validated or the pinned one.
   * Returns the deleted versions (content included, so staged resources can be cleaned up).
   */
  public async garbageCollect(
    service: ServiceKey,
    policy: { readonly keepLast: number; readonly olderThanMs?: number; readonly nowMs: number },
  ): Promise<readonly CloneVersion[]> {
    if (!Number.isSafeInteger(policy.keepLast) || policy.keepLast < 1) {
      throw new ValidationError('invalid retention policy', ['keepLast must be an integer ≥ 1']);
    }
    const head = await this.reconcile(service);
    const cutoff = policy.olderThanMs === undefined ? undefined : policy.nowMs - policy.olderThanMs;
    const protectedVersions = new Set(
      [head.latestValidated?.version, head.pinned?.version].filter((v) => v !== undefined),
    );
    const candidates = (await this.listVersions(service))
      .slice(policy.keepLast)
      .filter((v) => !protectedVersions.has(v.version))
      .filter((v) => cutoff === undefined || Date.parse(v.createdAt) <= cutoff);
    const deleted: CloneVersion[] = [];
    for (const candidate of candidates) {
      try {
        await this.deleteVersion(service, candidate.version);
        deleted.push(candidate);
      } catch (error) {
        // Became protected or vanished since the listing: keeping it is the safe outcome.
        if (!(error instanceof ConflictError) && !(error instanceof NotFoundError)) throw error;
      }
    }
    return deleted;
  }

  // -------------------------------------------------------------------------------------------
  // HEAD maintenance

  /**
   * Rebuilds HEAD from the version items (strongly consistent query) and writes it if it
   * differs, conditional on the `rev` it read; retried on a lost race. `override` makes one
   * version count as having another status (used to move HEAD off a version before its status
   * changes). Returns the HEAD now stored. Also the recovery routine after a crash.
   */
  public async reconcile(service: ServiceKey, override?: StatusOverride): Promise<InventoryHead> {
    for (let attempt = 0; attempt < this.maxAttempts; attempt += 1) {
      const head = await this.readHead(service);
      const versions = (await this.listVersions(service)).map((v) =>
        override && v.version === override.version
          ? { ...v, status: override.status, reasons: [...override.reasons] }
          : v,
      );
      const highest = versions[0]?.version ?? 0;
      const latestValidated = versions.find((v) => v.status === 'validated');
      const pinned =
        head.pinned === undefined
          ? undefined
          : versions.find((v) => v.version === head.pinned?.version);
      const next: InventoryHead = {
        service,
        latestVersion: Math.max(head.latestVersion, highest),
        rev: head.rev,
        ...(latestValidated ? { latestValidated } : {}),
        ...(pinned ? { pinned } : {}),
      };
      if (sameHead(head, next)) return head;
      if (await this.writeHead(service, head, next)) return { ...next, rev: head.rev + 1 };
    }
    throw new ConflictError(`reconcile ${service} kept losing races`);
  }

  /** Replaces HEAD with `next` if it is still at `expected.rev`; false when it moved. */
  private writeHead(
    service: ServiceKey,
    expected: InventoryHead,
    next: Omit<InventoryHead, 'rev'>,
  ): Promise<boolean> {
    const exists = expected.rev > 0;
    return writeIf(() =>
      callDynamo('PutItem', this.tableName, () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toItem({
              pk: servicePk(service),
              sk: HEAD_SK,
              kind: 'head',
              service,
              gsi1pk: SERVICES_INDEX_PK,
              gsi1sk: service,
              latestVersion: next.latestVersion,
              latestValidated: next.latestValidated?.version,
              latestValidatedRecord: next.latestValidated && JSON.stringify(next.latestValidated),
              pinned: next.pinned?.version,
              pinnedRecord: next.pinned && JSON.stringify(next.pinned),
              rev: expected.rev + 1,
            }),
            ConditionExpression: exists ? 'rev = :rev' : 'attribute_not_exists(pk)',
            ...(exists ? { ExpressionAttributeValues: toItem({ ':rev': expected.rev }) } : {}),
          }),
        ),
      ),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  /** The highest stored version number (strongly consistent; 0 when there is none). */
  private async highestStoredVersion(service: ServiceKey): Promise<number> {
    const output = await callDynamo('Query', this.tableName, () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: toItem({
            ':pk': servicePk(service),
            ':prefix': VERSION_PREFIX,
          }),
          ProjectionExpression: 'version',
          ConsistentRead: true,
          ScanIndexForward: false,
          Limit: 1,
        }),
      ),
    );
    const top = output.Items?.[0];
    return top ? (numberField(fromItem(top), 'version') ?? 0) : 0;
  }

  /** The HEAD item (strongly consistent); an empty head (`rev` 0) when the service has none. */
  public async readHead(service: ServiceKey): Promise<InventoryHead> {
    const item = await this.getItem(servicePk(service), HEAD_SK);
    return item ? decodeHead(service, item) : { service, latestVersion: 0, rev: 0 };
  }

  /** One version; NotFoundError when absent. */
  public async getVersion(service: ServiceKey, version: number): Promise<CloneVersion> {
    assertVersionNumber(version);
    const found = await this.findVersion(service, version);
    if (!found) throw new NotFoundError('clone version', `${service}#${version}`);
    return found;
  }

  private async findVersion(
    service: ServiceKey,
    version: number,
  ): Promise<CloneVersion | undefined> {
    const item = await this.getItem(servicePk(service), versionSk(version));
    return item ? parseRecord(stringField(item, 'record')) : undefined;
  }

  /** The latest validated version, from the HEAD item alone (one read), or undefined. */
  public async getLatestValidated(service: ServiceKey): Promise<CloneVersion | undefined> {
    return (await this.readHead(service)).latestValidated;
  }

  /**
   * The version the plan uses, from the HEAD item alone: the pinned one while it is still
   * validated, else the latest validated. A pinned version whose status later changed is never
   * deployed; the pin stays (visible in `listServices`) until someone unpins it.
   */
  public async getEffective(service: ServiceKey): Promise<CloneVersion | undefined> {
    const head = await this.readHead(service);
    if (head.pinned?.status === 'validated') return head.pinned;
    return head.latestValidated;
  }

  /** Every version of a service, newest first. */
  public async listVersions(service: ServiceKey): Promise<readonly CloneVersion[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: toItem({ ':pk': servicePk(service), ':prefix': VERSION_PREFIX }),
      ConsistentRead: true,
      ScanIndexForward: false,
    });
    return items.map((item) => parseRecord(stringField(item, 'record')));
  }

  /** Every service with a HEAD item, with its pointers (from the services index). */
  public async listServices(): Promise<
    readonly {
      readonly service: ServiceKey;
      readonly latestVersion: number;
      readonly latestValidated?: number;
      readonly pinned?: number;
    }[]
  > {
    const items = await this.queryAll({
      TableName: this.tableName,
      IndexName: SERVICES_INDEX,
      KeyConditionExpression: 'gsi1pk = :g',
      ExpressionAttributeValues: toItem({ ':g': SERVICES_INDEX_PK }),
    });
    return items.map((item) => {
      const latestValidated = numberField(item, 'latestValidated');
      const pinned = numberField(item, 'pinned');
      return {
        service: stringField(item, 'service'),
        latestVersion: numberField(item, 'latestVersion') ?? 0,
        ...(latestValidated === undefined ? {} : { latestValidated }),
        ...(pinned === undefined ? {} : { pinned }),
      };
    });
  }

  /** The audit trail of a service, oldest first. */
  public async listAudit(service: ServiceKey): Promise<readonly InventoryAuditEntry[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: toItem({ ':pk': servicePk(service), ':prefix': AUDIT_PREFIX }),
      ConsistentRead: true,
    });
    return items.map((item) => JSON.parse(stringField(item, 'entry')) as InventoryAuditEntry);
  }

  // -------------------------------------------------------------------------------------------
  // Plumbing

  private async appendAudit(
    service: ServiceKey,
    entry: {
      readonly action: InventoryAuditAction;
      readonly actor: string;
      readonly version: number;
      readonly fromStatus?: CloneStatus;
      readonly toStatus?: CloneStatus;
      readonly reason: string;
    },
  ): Promise<void> {
    const at = new Date(this.clock.now()).toISOString();
    const full: InventoryAuditEntry = { service, at, ...entry };
    this.auditSequence += 1;
    await callDynamo('PutItem', this.tableName, () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({
            pk: servicePk(service),
            sk: `${AUDIT_PREFIX}${at}#${padNumber(this.auditSequence, 9)}#${randomUUID()}`,
            kind: 'audit',
            action: entry.action,
            entry: JSON.stringify(full),
          }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  private async getItem(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const output = await callDynamo('GetItem', this.tableName, () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: toItem({ pk, sk }),
          ConsistentRead: true,
        }),
      ),
    );
    return output.Item ? fromItem(output.Item) : undefined;
  }

  private async queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: DynamoItem | undefined;
    do {
      const output = await callDynamo('Query', this.tableName, () =>
        this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey })),
      );
      for (const item of output.Items ?? []) items.push(fromItem(item));
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}

function decodeHead(service: ServiceKey, item: Record<string, unknown>): InventoryHead {
  const validated = item.latestValidatedRecord;
  const pinned = item.pinnedRecord;
  return {
    service,
    latestVersion: numberField(item, 'latestVersion') ?? 0,
    rev: numberField(item, 'rev') ?? 0,
    ...(typeof validated === 'string' ? { latestValidated: parseRecord(validated) } : {}),
    ...(typeof pinned === 'string' ? { pinned: parseRecord(pinned) } : {}),
  };
}

function sameHead(a: InventoryHead, b: InventoryHead): boolean {
  return (
    a.latestVersion === b.latestVersion &&
    JSON.stringify(a.latestValidated) === JSON.stringify(b.latestValidated) &&
    JSON.stringify(a.pinned) === JSON.stringify(b.pinned)
  );
}

/** Jittered exponential backoff while another writer finishes a claim: 5 ms … 200 ms. */
function backoffMs(attempt: number): number {
  const ceiling = Math.min(200, 5 * 2 ** Math.min(attempt, 6));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
