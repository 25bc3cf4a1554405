/**
 * The behaviour every `InventoryRepository` must show, as one jest suite. The DynamoDB repository
 * is the reference: it runs this suite on the dynamodb tier (over dynalite), and the core tier's
 * in-memory fake runs the very same suite, so a core test can never rely on a semantics the real
 * inventory does not have (a pinned version that went invalid being deployed, the newest version
 * being deletable, a retention cutoff one millisecond off).
 */
import { contentHash } from '../../functions/core/content-hash';
import { ConflictError, NotFoundError, ValidationError } from '../../functions/core/errors';
import type { CloneStatus, CloneVersion } from '../../functions/core/model';
import type { InventoryRepository } from '../../functions/core/ports';
import { cloneContent, type ManualClock } from './clone-content';

/** One fresh, empty inventory and the clock it reads. */
export interface InventoryContractSubject {
  readonly repo: InventoryRepository;
  readonly clock: ManualClock;
}

const SERVICE = 'shop/web';
const DAY_MS = 86_400_000;

function versionNumbers(versions: readonly CloneVersion[]): number[] {
  return versions.map((v) => v.version);
}

/**
 * Declares the contract's tests under `describe('Contract: InventoryRepository (<label>)')`.
 * `create` runs before each test and must return an empty inventory whose clock starts at
 * 2026-11-26T12:00:00.000Z.
 */
export function describeInventoryContract(
  label: string,
  create: () => Promise<InventoryContractSubject> | InventoryContractSubject,
): void {
  describe(`Contract: InventoryRepository (${label})`, () => {
    let repo: InventoryRepository;
    let clock: ManualClock;

    beforeEach(async () => {
      ({ repo, clock } = await create());
    });

    function put(variant: number, status: CloneStatus = 'validated', service = SERVICE) {
      return repo.putClone({
        content: cloneContent(service, variant),
        status,
        reasons: status === 'validated' ? [] : [`${status} by test`],
        createdBy: 'test',
        trigger: 'manual',
      });
    }

    describe('Method: putClone', () => {
      it('stores new content as version 1 with its content hash', async () => {
        // Act
        const result = await put(1);

        // Assert
        expect(result.created).toBe(true);
        expect(result.version).toEqual({
          service: SERVICE,
          version: 1,
          contentHash: contentHash(cloneContent(SERVICE, 1)),
          content: cloneContent(SERVICE, 1),
          status: 'validated',
          reasons: [],
          createdAt: '2026-11-26T12:00:00.000Z',
          createdBy: 'test',
          trigger: 'manual',
        });
      });

      it('returns the existing version for the same content, whatever its key order', async () => {
        // Arrange
        const first = await put(1);
        const content = cloneContent(SERVICE, 1);
        const reordered = Object.fromEntries(Object.entries(content).reverse()) as typeof content;

        // Act
        const again = await repo.putClone({
          content: reordered,
          status: 'not-ready',
          reasons: [],
          createdBy: 'other',
          trigger: 'deploy-event',
        });

        // Assert
        expect(again.created).toBe(false);
        expect(again.version).toEqual(first.version);
        expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([1]);
        expect((await repo.listAudit(SERVICE)).map((a) => a.action)).toEqual(['create']);
      });

      it('numbers different contents 1, 2, 3 per service', async () => {
        // Act
        await put(1);
        await put(2);
        await put(3);
        const other = await put(1, 'validated', 'shop/api');

        // Assert
        expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([3, 2, 1]);
        expect(other.version.version).toBe(1);
      });

      it('does not move the latest validated pointer for a version that is not validated', async () => {
        // Arrange
        await put(1, 'validated');

        // Act
        await put(2, 'not-ready');

        // Assert
        expect((await repo.getLatestValidated(SERVICE))?.version).toBe(1);
        expect(await repo.listServices()).toEqual([
          { service: SERVICE, latestVersion: 2, latestValidated: 1 },
        ]);
      });

      it('records the creation in the audit trail', async () => {
        // Act
        await put(1, 'not-ready');

        // Assert
        expect(await repo.listAudit(SERVICE)).toEqual([
          {
            service: SERVICE,
            at: '2026-11-26T12:00:00.000Z',
            actor: 'test',
            action: 'create',
            version: 1,
            toStatus: 'not-ready',
            reason: 'manual',
          },
        ]);
      });

      it('refuses content without a service and stores nothing', async () => {
        // Act
        const act = repo.putClone({
          content: { ...cloneContent(SERVICE), service: '' },
          status: 'validated',
          reasons: [],
          createdBy: 'test',
          trigger: 'manual',
        });

        // Assert
        await expect(act).rejects.toThrow(ValidationError);
        expect(await repo.listServices()).toEqual([]);
      });

      it('refuses an unknown status and stores nothing', async () => {
        // Act / Assert
        await expect(put(1, 'shiny' as CloneStatus)).rejects.toThrow(ValidationError);
        expect(await repo.listVersions(SERVICE)).toEqual([]);
      });
    });

    describe('Method: getVersion', () => {
      it('returns a stored version', async () => {
        // Arrange
        const stored = await put(1);

        // Act / Assert
        expect(await repo.getVersion(SERVICE, 1)).toEqual(stored.version);
      });

      it('throws NotFoundError for an unknown version', async () => {
        // Act / Assert
        await expect(repo.getVersion(SERVICE, 9)).rejects.toThrow(NotFoundError);
      });

      it('throws ValidationError for a version number below 1', async () => {
        // Act / Assert
        await expect(repo.getVersion(SERVICE, 0)).rejects.toThrow(ValidationError);
      });
    });

    describe('Method: getLatestValidated', () => {
      it('is the highest validated version', async () => {
        // Arrange
        await put(1);
        await put(2);
        await put(3, 'invalid');

        // Act / Assert
        expect((await repo.getLatestValidated(SERVICE))?.version).toBe(2);
      });

      it('is undefined for a service without versions', async () => {
        // Act / Assert
        expect(await repo.getLatestValidated('none/here')).toBeUndefined();
      });
    });

    describe('Method: setStatus', () => {
      it('moves the pointer down when the latest validated version is invalidated', async () => {
        // Arrange
        await put(1);
        await put(2);

        // Act
        const updated = await repo.setStatus(SERVICE, 2, 'invalid', ['image missing'], 'checker');

        // Assert
        expect(updated).toMatchObject({
          version: 2,
          status: 'invalid',
          reasons: ['image missing'],
        });
        expect((await repo.getVersion(SERVICE, 2)).status).toBe('invalid');
        expect((await repo.getLatestValidated(SERVICE))?.version).toBe(1);
      });

      it('moves the pointer up when a newer version becomes validated', async () => {
        // Arrange
        await put(1);
        await put(2, 'not-ready');

        // Act
        await repo.setStatus(SERVICE, 2, 'validated', [], 'validator');

        // Assert
        const latest = await repo.getLatestValidated(SERVICE);
        expect(latest).toMatchObject({ version: 2, status: 'validated', reasons: [] });
      });

      it('keeps the content immutable', async () => {
        // Arrange
        const stored = await put(1);

        // Act
        await repo.setStatus(SERVICE, 1, 'stale', ['primary moved on'], 'integrity-check');

        // Assert
        const after = await repo.getVersion(SERVICE, 1);
        expect(after.content).toEqual(stored.version.content);
        expect(after.contentHash).toBe(stored.version.contentHash);
        expect(after.createdAt).toBe(stored.version.createdAt);
      });

      it('appends an audit entry naming who, what, when and why', async () => {
        // Arrange
        await put(1, 'not-ready');
        clock.advance(60_000);

        // Act
        await repo.setStatus(SERVICE, 1, 'validated', ['all checks passed'], 'validator');

        // Assert
        expect((await repo.listAudit(SERVICE)).at(-1)).toEqual({
          service: SERVICE,
          at: '2026-11-26T12:01:00.000Z',
          actor: 'validator',
          action: 'status',
          version: 1,
          fromStatus: 'not-ready',
          toStatus: 'validated',
          reason: 'all checks passed',
        });
      });

      it('records nothing when status and reasons are unchanged (a retried check)', async () => {
        // Arrange
        await put(1, 'invalid');
        await repo.setStatus(SERVICE, 1, 'stale', ['primary moved on'], 'integrity-check');

        // Act
        const again = await repo.setStatus(
          SERVICE,
          1,
          'stale',
          ['primary moved on'],
          'integrity-check',
        );

        // Assert
        expect(again).toMatchObject({ status: 'stale', reasons: ['primary moved on'] });
        expect((await repo.listAudit(SERVICE)).map((a) => a.action)).toEqual(['create', 'status']);
      });

      it('throws NotFoundError for an unknown version', async () => {
        // Act / Assert
        await expect(repo.setStatus(SERVICE, 3, 'invalid', [], 'x')).rejects.toThrow(NotFoundError);
      });

      it('refuses an unknown status and changes nothing', async () => {
        // Arrange
        await put(1);

        // Act / Assert
        await expect(repo.setStatus(SERVICE, 1, 'shiny' as CloneStatus, [], 'x')).rejects.toThrow(
          ValidationError,
        );
        expect((await repo.getVersion(SERVICE, 1)).status).toBe('validated');
      });
    });

    describe('Method: pin', () => {
      it('makes the pinned version the effective one (rollback) and records it', async () => {
        // Arrange
        await put(1);
        await put(2);

        // Act
        await repo.pin(SERVICE, 1, 'operator', 'v2 misbehaves');

        // Assert
        expect((await repo.getEffective(SERVICE))?.version).toBe(1);
        expect((await repo.getLatestValidated(SERVICE))?.version).toBe(2);
        expect(await repo.listServices()).toEqual([
          { service: SERVICE, latestVersion: 2, latestValidated: 2, pinned: 1 },
        ]);
        expect((await repo.listAudit(SERVICE)).at(-1)).toMatchObject({
          action: 'pin',
          actor: 'operator',
          version: 1,
          reason: 'v2 misbehaves',
        });
      });

      it('refuses a version that is not validated and changes nothing', async () => {
        // Arrange
        await put(1);
        await put(2, 'invalid');

        // Act / Assert
        await expect(repo.pin(SERVICE, 2, 'operator', 'try')).rejects.toThrow(ValidationError);
        expect(await repo.listServices()).toEqual([
          { service: SERVICE, latestVersion: 2, latestValidated: 1 },
        ]);
      });

      it('refuses an unknown version', async () => {
        // Arrange
        await put(1);

        // Act / Assert
        await expect(repo.pin(SERVICE, 5, 'operator', 'try')).rejects.toThrow(NotFoundError);
      });

      it('never makes a pinned version that later became invalid effective', async () => {
        // Arrange
        await put(1);
        await put(2);
        await repo.pin(SERVICE, 1, 'operator', 'rollback');

        // Act
        await repo.setStatus(SERVICE, 1, 'stale', ['images gone'], 'integrity-check');

        // Assert: the latest validated is deployed; the pin stays visible until unpinned.
        expect((await repo.getEffective(SERVICE))?.version).toBe(2);
        expect(await repo.listServices()).toEqual([
          { service: SERVICE, latestVersion: 2, latestValidated: 2, pinned: 1 },
        ]);
      });

      it('leaves nothing effective when the pinned version went invalid and none is validated', async () => {
        // Arrange
        await put(1);
        await repo.pin(SERVICE, 1, 'operator', 'rollback');

        // Act
        await repo.setStatus(SERVICE, 1, 'invalid', ['revision deregistered'], 'integrity-check');

        // Assert
        expect(await repo.getEffective(SERVICE)).toBeUndefined();
      });
    });

    describe('Method: unpin', () => {
      it('returns the plan to the latest validated version and records it', async () => {
        // Arrange
        await put(1);
        await put(2);
        await repo.pin(SERVICE, 1, 'operator', 'rollback');

        // Act
        await repo.unpin(SERVICE, 'operator');

        // Assert
        expect((await repo.getEffective(SERVICE))?.version).toBe(2);
        expect(await repo.listServices()).toEqual([
          { service: SERVICE, latestVersion: 2, latestValidated: 2 },
        ]);
        expect((await repo.listAudit(SERVICE)).at(-1)).toMatchObject({
          action: 'unpin',
          actor: 'operator',
          version: 1,
          reason: 'unpinned',
        });
      });

      it('does nothing when nothing is pinned', async () => {
        // Arrange
        await put(1);

        // Act
        await repo.unpin(SERVICE, 'operator');

        // Assert
        expect((await repo.listAudit(SERVICE)).map((a) => a.action)).toEqual(['create']);
      });
    });

    describe('Method: getEffective', () => {
      it('is the latest validated version when nothing is pinned', async () => {
        // Arrange
        await put(1);
        await put(2, 'not-ready');

        // Act / Assert
        expect((await repo.getEffective(SERVICE))?.version).toBe(1);
      });
    });

    describe('Method: listVersions', () => {
      it('lists versions newest first', async () => {
        // Arrange
        await put(1);
        await put(2, 'invalid');
        await put(3, 'not-ready');

        // Act
        const versions = await repo.listVersions(SERVICE);

        // Assert
        expect(versions.map((v) => [v.version, v.status])).toEqual([
          [3, 'not-ready'],
          [2, 'invalid'],
          [1, 'validated'],
        ]);
      });
    });

    describe('Method: listServices', () => {
      it('lists every service with its pointers, in service order', async () => {
        // Arrange
        await put(1, 'not-ready');
        await put(1, 'validated', 'shop/api');

        // Act
        const services = await repo.listServices();

        // Assert
        expect(services).toEqual([
          { service: 'shop/api', latestVersion: 1, latestValidated: 1 },
          { service: SERVICE, latestVersion: 1 },
        ]);
      });
    });

    describe('Method: deleteVersion', () => {
      it('deletes an old version and records it', async () => {
        // Arrange
        await put(1, 'invalid');
        await put(2);

        // Act
        await repo.deleteVersion(SERVICE, 1);

        // Assert
        expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([2]);
        await expect(repo.getVersion(SERVICE, 1)).rejects.toThrow(NotFoundError);
        expect((await repo.listAudit(SERVICE)).at(-1)).toMatchObject({
          action: 'delete',
          actor: 'retention',
          version: 1,
          reason: 'retention removed invalid version',
        });
      });

      it('refuses the latest validated version', async () => {
        // Arrange
        await put(1);
        await put(2, 'invalid');

        // Act / Assert
        await expect(repo.deleteVersion(SERVICE, 1)).rejects.toThrow(ConflictError);
        expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([2, 1]);
      });

      it('refuses the pinned version, even once it is no longer validated', async () => {
        // Arrange
        await put(1);
        await put(2);
        await put(3);
        await repo.pin(SERVICE, 1, 'operator', 'rollback');
        await repo.setStatus(SERVICE, 1, 'stale', ['primary moved on'], 'integrity-check');

        // Act / Assert
        await expect(repo.deleteVersion(SERVICE, 1)).rejects.toThrow(ConflictError);
        expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([3, 2, 1]);
      });

      it('refuses the newest version, so its number is never handed out again', async () => {
        // Arrange
        await put(1);
        await put(2, 'invalid');

        // Act / Assert
        await expect(repo.deleteVersion(SERVICE, 2)).rejects.toThrow(ConflictError);
        await expect(repo.deleteVersion(SERVICE, 2)).rejects.toThrow(/newest/);
        expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([2, 1]);
      });

      it('throws NotFoundError for an unknown version', async () => {
        // Arrange
        await put(1);
        await put(2);

        // Act / Assert
        await expect(repo.deleteVersion(SERVICE, 4)).rejects.toThrow(NotFoundError);
      });

      it('lets deleted content come back as a new version, never reusing a number', async () => {
        // Arrange
        await put(1, 'invalid');
        await put(2);
        await repo.deleteVersion(SERVICE, 1);

        // Act
        const again = await put(1, 'invalid');

        // Assert
        expect(again).toMatchObject({ created: true, version: { version: 3 } });
        expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([3, 2]);
        expect(await repo.listServices()).toEqual([
          { service: SERVICE, latestVersion: 3, latestValidated: 2 },
        ]);
      });
    });

    describe('Method: garbageCollect', () => {
      it('keeps the newest, the latest validated and the pinned versions', async () => {
        // Arrange: v1 pinned, v2 latest validated, v3..v6 not validated
        await put(1);
        await put(2);
        await repo.pin(SERVICE, 1, 'operator', 'rollback');
        for (let v = 3; v <= 6; v += 1) await put(v, 'invalid');

        // Act
        const deleted = await repo.garbageCollect(SERVICE, { keepLast: 1, nowMs: clock.now() });

        // Assert
        expect(versionNumbers(deleted)).toEqual([5, 4, 3]);
        expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([6, 2, 1]);
        expect((await repo.getLatestValidated(SERVICE))?.version).toBe(2);
        expect((await repo.getEffective(SERVICE))?.version).toBe(1);
        expect((await put(7)).version.version).toBe(7);
      });

      it('keeps exactly the newest keepLast versions and nothing beyond them', async () => {
        // Arrange: v1..v5 invalid, v6 validated
        for (let v = 1; v <= 5; v += 1) await put(v, 'invalid');
        await put(6);

        // Act
        const deleted = await repo.garbageCollect(SERVICE, { keepLast: 3, nowMs: clock.now() });

        // Assert
        expect(versionNumbers(deleted)).toEqual([3, 2, 1]);
        expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([6, 5, 4]);
      });

      it('only deletes versions older than the age limit', async () => {
        // Arrange: v1, v2 old; v3, v4 recent; v4 latest validated
        await put(1, 'invalid');
        await put(2, 'invalid');
        clock.advance(10 * DAY_MS);
        await put(3, 'invalid');
        await put(4);

        // Act
        const deleted = await repo.garbageCollect(SERVICE, {
          keepLast: 1,
          olderThanMs: 7 * DAY_MS,
          nowMs: clock.now(),
        });

        // Assert
        expect(versionNumbers(deleted)).toEqual([2, 1]);
        expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([4, 3]);
      });

      it('deletes a version created exactly at the cutoff, and keeps one a millisecond younger', async () => {
        // Arrange: v1 at t0, v2 at t0 + 1 ms, v3 (validated) later
        const t0 = clock.now();
        await put(1, 'invalid');
        clock.advance(1);
        await put(2, 'invalid');
        clock.advance(DAY_MS);
        await put(3);

        // Act: the cutoff nowMs - olderThanMs is exactly t0
        const deleted = await repo.garbageCollect(SERVICE, {
          keepLast: 1,
          olderThanMs: 7 * DAY_MS,
          nowMs: t0 + 7 * DAY_MS,
        });

        // Assert
        expect(versionNumbers(deleted)).toEqual([1]);
        expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([3, 2]);
      });

      it('refuses keepLast below 1 and deletes nothing', async () => {
        // Arrange
        await put(1, 'invalid');
        await put(2);

        // Act / Assert
        await expect(
          repo.garbageCollect(SERVICE, { keepLast: 0, nowMs: clock.now() }),
        ).rejects.toThrow(ValidationError);
        expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([2, 1]);
      });
    });
  });
}
