import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbInventoryRepository } from '../../functions/adapters/aws/dynamodb-inventory-repository';
import { type DynaliteHandle, startDynalite } from '../../functions/adapters/sandbox/dynalite';
import { contentHash } from '../../functions/core/content-hash';
import { ConflictError, NotFoundError, ValidationError } from '../../functions/core/errors';
import type { CloneStatus, CloneVersion } from '../../functions/core/model';
import { cloneContent, crashingClient, ManualClock } from './fixtures';

const SERVICE = 'shop/web';
const CLAIM_TIMEOUT_MS = 30_000;
/** A cap, not a timing assertion: the races are many sequential requests on a shared machine. */
const RACE_TIMEOUT_MS = 60_000;

let dynalite: DynaliteHandle;
let table: string;
let clock: ManualClock;
let repo: DynamoDbInventoryRepository;

function newRepo(client = dynalite.client): DynamoDbInventoryRepository {
  return new DynamoDbInventoryRepository(client, table, {
    clock,
    claimTimeoutMs: CLAIM_TIMEOUT_MS,
  });
}

function put(variant: number, status: CloneStatus = 'validated', target = repo) {
  return target.putClone({
    content: cloneContent(SERVICE, variant),
    status,
    reasons: status === 'validated' ? [] : [`${status} by test`],
    createdBy: 'test',
    trigger: 'manual',
  });
}

function versionNumbers(versions: readonly CloneVersion[]): number[] {
  return versions.map((v) => v.version);
}

beforeAll(async () => {
  dynalite = await startDynalite();
});

afterAll(async () => {
  await dynalite.stop();
});

beforeEach(async () => {
  table = (await dynalite.createTables()).inventory;
  clock = new ManualClock();
  repo = newRepo();
});

describe('Class: DynamoDbInventoryRepository', () => {
  describe('Method: putClone', () => {
    it('stores new content as version 1 with its content hash', async () => {
      // Act
      const result = await put(1);

      // Assert
      expect(result.created).toBe(true);
      expect(result.version).toMatchObject({
        service: SERVICE,
        version: 1,
        status: 'validated',
        contentHash: contentHash(cloneContent(SERVICE, 1)),
        createdBy: 'test',
        trigger: 'manual',
        createdAt: '2026-11-26T12:00:00.000Z',
      });
      expect(result.version.content).toEqual(cloneContent(SERVICE, 1));
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
    });

    it('numbers different contents 1, 2, 3 per service', async () => {
      // Act
      await put(1);
      await put(2);
      await put(3);
      const other = await repo.putClone({
        content: cloneContent('shop/api', 1),
        status: 'validated',
        reasons: [],
        createdBy: 'test',
        trigger: 'manual',
      });

      // Assert
      expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([3, 2, 1]);
      expect(other.version.version).toBe(1);
    });

    it(
      'stores one version when 20 writers race with the same content',
      async () => {
        // Arrange
        const writers = Array.from({ length: 20 }, () => newRepo());

        // Act
        const results = await Promise.all(writers.map((writer) => put(7, 'validated', writer)));

        // Assert
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.version.version))).toEqual(new Set([1]));
        expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([1]);
        expect((await repo.getLatestValidated(SERVICE))?.version).toBe(1);
      },
      RACE_TIMEOUT_MS,
    );

    it(
      'numbers 20 racing writers of different content 1..20 with no gap or duplicate',
      async () => {
        // Arrange
        const writers = Array.from({ length: 20 }, () => newRepo());

        // Act
        const results = await Promise.all(
          writers.map((writer, i) => put(i + 1, 'validated', writer)),
        );

        // Assert
        const numbers = results.map((r) => r.version.version).sort((a, b) => a - b);
        expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(results.every((r) => r.created)).toBe(true);
        const stored = await repo.listVersions(SERVICE);
        expect(versionNumbers(stored)).toEqual(Array.from({ length: 20 }, (_, i) => 20 - i));
        expect(new Set(stored.map((v) => v.contentHash)).size).toBe(20);
        expect((await repo.getLatestValidated(SERVICE))?.version).toBe(20);
        expect(await repo.listServices()).toEqual([
          { service: SERVICE, latestVersion: 20, latestValidated: 20 },
        ]);
      },
      RACE_TIMEOUT_MS,
    );

    it(
      'stores each of 10 contents once when each is written by two racing writers',
      async () => {
        // Arrange
        const variants = Array.from({ length: 20 }, (_, i) => (i % 10) + 1);

        // Act
        const results = await Promise.all(variants.map((v) => put(v, 'validated', newRepo())));

        // Assert
        expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual(
          Array.from({ length: 10 }, (_, i) => 10 - i),
        );
        expect(results.filter((r) => r.created)).toHaveLength(10);
        for (let v = 1; v <= 10; v += 1) {
          const same = results.filter((_, i) => variants[i] === v);
          expect(same[0]?.version.version).toBe(same[1]?.version.version);
        }
      },
      RACE_TIMEOUT_MS,
    );

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

    it('refuses content without a service', async () => {
      // Act / Assert
      await expect(
        repo.putClone({
          content: { ...cloneContent(SERVICE), service: '' },
          status: 'validated',
          reasons: [],
          createdBy: 'test',
          trigger: 'manual',
        }),
      ).rejects.toThrow(ValidationError);
    });

    it('refuses an unknown status', async () => {
      // Act / Assert
      await expect(put(1, 'shiny' as CloneStatus)).rejects.toThrow(ValidationError);
    });
  });

  describe('Method: putClone (crash recovery)', () => {
    const input = (variant: number) => ({
      content: cloneContent(SERVICE, variant),
      status: 'validated' as const,
      reasons: [],
      createdBy: 'test',
      trigger: 'manual',
    });

    it('waits for a fresh claim instead of taking it over', async () => {
      // Arrange: a writer claimed the content and is still (presumably) working
      const hash = contentHash(cloneContent(SERVICE, 1));
      await repo.claimHash(SERVICE, hash, 'writer-a');
      const patient = new DynamoDbInventoryRepository(dynalite.client, table, {
        clock: { now: () => clock.now(), sleep: async () => {} },
        claimTimeoutMs: CLAIM_TIMEOUT_MS,
        maxAttempts: 5,
      });

      // Act / Assert
      await expect(patient.putClone(input(1))).rejects.toThrow(ConflictError);
      expect(await repo.listVersions(SERVICE)).toEqual([]);
      expect((await repo.readClaim(SERVICE, hash))?.owner).toBe('writer-a');
    });

    it('takes over a stale claim left by a writer that stopped after claiming', async () => {
      // Arrange
      const crashed = newRepo(
        crashingClient(dynalite.endpoint, (call) => call.commandName === 'UpdateItemCommand'),
      );
      await expect(put(1, 'validated', crashed)).rejects.toThrow(/simulated crash/);
      const hash = contentHash(cloneContent(SERVICE, 1));
      expect((await repo.readClaim(SERVICE, hash))?.state).toBe('claimed');
      expect(await repo.listVersions(SERVICE)).toEqual([]);
      // Readers tolerate the claim with no version.
      expect(await repo.getLatestValidated(SERVICE)).toBeUndefined();
      clock.advance(CLAIM_TIMEOUT_MS + 1);

      // Act
      const result = await put(1);

      // Assert
      expect(result).toMatchObject({ created: true, version: { version: 1 } });
      expect(await repo.readClaim(SERVICE, hash)).toMatchObject({ state: 'committed', version: 1 });
      expect((await repo.getLatestValidated(SERVICE))?.version).toBe(1);
    });

    it('finishes the job of a writer that stopped after writing the version item', async () => {
      // Arrange: crash right after the version PutItem, before the claim is committed
      let versionWritten = false;
      const crashed = newRepo(
        crashingClient(dynalite.endpoint, (call) => {
          if (versionWritten) return true;
          versionWritten =
            call.commandName === 'PutItemCommand' &&
            String((call.input.Item as { sk?: { S?: string } }).sk?.S).startsWith('V#');
          return false;
        }),
      );
      await expect(put(1, 'validated', crashed)).rejects.toThrow(/simulated crash/);
      expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([1]);
      expect(await repo.getLatestValidated(SERVICE)).toBeUndefined(); // HEAD never moved
      clock.advance(CLAIM_TIMEOUT_MS + 1);

      // Act
      const again = await put(1);

      // Assert
      expect(again).toMatchObject({ created: false, version: { version: 1 } });
      expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([1]);
      expect((await repo.getLatestValidated(SERVICE))?.version).toBe(1);
    });

    it('gives the next content the next number when HEAD was never moved', async () => {
      // Arrange: version 1 written, writer died before HEAD moved
      let versionWritten = false;
      const crashed = newRepo(
        crashingClient(dynalite.endpoint, (call) => {
          if (versionWritten) return true;
          versionWritten =
            call.commandName === 'PutItemCommand' &&
            String((call.input.Item as { sk?: { S?: string } }).sk?.S).startsWith('V#');
          return false;
        }),
      );
      await expect(put(1, 'validated', crashed)).rejects.toThrow(/simulated crash/);

      // Act
      const next = await put(2);
      const reconciled = await repo.reconcile(SERVICE);

      // Assert
      expect(next.version.version).toBe(2);
      expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([2, 1]);
      expect(reconciled.latestVersion).toBe(2);
      expect(reconciled.latestValidated?.version).toBe(2);
    });

    it('lets a stalled original writer and its successor agree on one version', async () => {
      // Arrange: writer A claims, then stalls; B takes the stale claim over and finishes
      const hash = contentHash(cloneContent(SERVICE, 1));
      await repo.claimHash(SERVICE, hash, 'writer-a');
      clock.advance(CLAIM_TIMEOUT_MS + 1);
      const successor = await put(1);

      // Act: A wakes up and carries on with its own steps
      const stalled = await repo.storeClaimed(SERVICE, hash, 'writer-a', undefined, input(1));

      // Assert: A has lost the claim and writes nothing
      expect(stalled).toBeUndefined();
      expect(successor).toMatchObject({ created: true, version: { version: 1 } });
      expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([1]);
    });

    it('meets a stalled twin on the recorded candidate number instead of duplicating', async () => {
      // Arrange: A recorded candidate 1 and wrote it, then stalled before committing
      const hash = contentHash(cloneContent(SERVICE, 1));
      await repo.claimHash(SERVICE, hash, 'writer-a');
      let versionWritten = false;
      const crashedA = newRepo(
        crashingClient(dynalite.endpoint, (call) => {
          if (versionWritten) return true;
          versionWritten =
            call.commandName === 'PutItemCommand' &&
            String((call.input.Item as { sk?: { S?: string } }).sk?.S).startsWith('V#');
          return false;
        }),
      );
      await expect(
        crashedA.storeClaimed(SERVICE, hash, 'writer-a', undefined, input(1)),
      ).rejects.toThrow(/simulated crash/);
      expect((await repo.readClaim(SERVICE, hash))?.candidate).toBe(1);
      await put(2); // another content arrives meanwhile and must not take number 1
      clock.advance(CLAIM_TIMEOUT_MS + 1);

      // Act
      const recovered = await put(1);

      // Assert
      expect(recovered).toMatchObject({ created: false, version: { version: 1 } });
      expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([2, 1]);
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
  });

  describe('Method: getLatestValidated', () => {
    it('answers with one read of the pointer item', async () => {
      // Arrange
      await put(1);
      await put(2);
      const send = jest.spyOn(dynalite.client, 'send');

      // Act
      const latest = await repo.getLatestValidated(SERVICE);

      // Assert
      expect(latest?.version).toBe(2);
      expect(send).toHaveBeenCalledTimes(1);
      expect(send.mock.calls[0]?.[0]).toBeInstanceOf(GetItemCommand);
      send.mockRestore();
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
      expect(updated).toMatchObject({ version: 2, status: 'invalid', reasons: ['image missing'] });
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
      const audit = await repo.listAudit(SERVICE);
      expect(audit).toEqual([
        {
          service: SERVICE,
          at: '2026-11-26T12:00:00.000Z',
          actor: 'test',
          action: 'create',
          version: 1,
          toStatus: 'not-ready',
          reason: 'manual',
        },
        {
          service: SERVICE,
          at: '2026-11-26T12:01:00.000Z',
          actor: 'validator',
          action: 'status',
          version: 1,
          fromStatus: 'not-ready',
          toStatus: 'validated',
          reason: 'all checks passed',
        },
      ]);
    });

    it('leaves the pointer on an older validated version when it stops mid-way', async () => {
      // Arrange: the writer dies after moving HEAD, before changing the version item
      await put(1);
      await put(2);
      const crashed = newRepo(
        crashingClient(
          dynalite.endpoint,
          (call) =>
            call.commandName === 'UpdateItemCommand' &&
            String((call.input.Key as { sk?: { S?: string } }).sk?.S).startsWith('V#'),
        ),
      );
      await expect(crashed.setStatus(SERVICE, 2, 'invalid', ['broken'], 'checker')).rejects.toThrow(
        /simulated crash/,
      );

      // Act: the interim state, then a retry
      const interim = await repo.getLatestValidated(SERVICE);
      await repo.setStatus(SERVICE, 2, 'invalid', ['broken'], 'checker');

      // Assert
      expect(interim?.version).toBe(1);
      expect((await repo.getLatestValidated(SERVICE))?.version).toBe(1);
      expect((await repo.getVersion(SERVICE, 2)).status).toBe('invalid');
    });

    it('throws NotFoundError for an unknown version', async () => {
      // Act / Assert
      await expect(repo.setStatus(SERVICE, 3, 'invalid', [], 'x')).rejects.toThrow(NotFoundError);
    });
  });

  describe('Method: pin', () => {
    it('makes the pinned version the effective one (rollback)', async () => {
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

    it('refuses a version that is not validated', async () => {
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

      // Assert
      expect((await repo.getEffective(SERVICE))?.version).toBe(2);
    });
  });

  describe('Method: unpin', () => {
    it('returns the plan to the latest validated version and records it', async () => {
      // Arrange
      await put(1);
      await put(2);
      await repo.pin(SERVICE, 1, 'operator', 'rollback');

      // Act
      await repo.unpin(SERVICE, 'operator', 'fixed forward');

      // Assert
      expect((await repo.getEffective(SERVICE))?.version).toBe(2);
      expect((await repo.listAudit(SERVICE)).at(-1)).toMatchObject({
        action: 'unpin',
        actor: 'operator',
        version: 1,
        reason: 'fixed forward',
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
    it('lists every service with its pointers', async () => {
      // Arrange
      await put(1, 'not-ready');
      await repo.putClone({
        content: cloneContent('shop/api', 1),
        status: 'validated',
        reasons: [],
        createdBy: 'test',
        trigger: 'manual',
      });

      // Act
      const services = await repo.listServices();

      // Assert
      expect([...services].sort((a, b) => a.service.localeCompare(b.service))).toEqual([
        { service: 'shop/api', latestVersion: 1, latestValidated: 1 },
        { service: SERVICE, latestVersion: 1 },
      ]);
    });
  });

  describe('Method: deleteVersion', () => {
    it('deletes an old version and records it', async () => {
      // Arrange
      await put(1);
      await put(2);

      // Act
      await repo.deleteVersion(SERVICE, 1);

      // Assert
      expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([2]);
      expect((await repo.listAudit(SERVICE)).at(-1)).toMatchObject({
        action: 'delete',
        version: 1,
      });
    });

    it('refuses the latest validated version', async () => {
      // Arrange
      await put(1);
      await put(2, 'invalid');

      // Act / Assert
      await expect(repo.deleteVersion(SERVICE, 1)).rejects.toThrow(ConflictError);
    });

    it('refuses the pinned version', async () => {
      // Arrange
      await put(1);
      await put(2);
      await repo.pin(SERVICE, 1, 'operator', 'rollback');

      // Act / Assert
      await expect(repo.deleteVersion(SERVICE, 1)).rejects.toThrow(ConflictError);
    });

    it('throws NotFoundError for an unknown version', async () => {
      // Arrange
      await put(1);

      // Act / Assert
      await expect(repo.deleteVersion(SERVICE, 4)).rejects.toThrow(NotFoundError);
    });

    it('refuses the newest version, so its number is never handed out again', async () => {
      // Arrange
      await put(1);
      await put(2, 'invalid');

      // Act / Assert
      await expect(repo.deleteVersion(SERVICE, 2)).rejects.toThrow(/newest/);
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

    it('only deletes versions older than the age limit', async () => {
      // Arrange: v1, v2 old; v3, v4 recent; v4 latest validated
      await put(1, 'invalid');
      await put(2, 'invalid');
      clock.advance(10 * 86_400_000);
      await put(3, 'invalid');
      await put(4);

      // Act
      const deleted = await repo.garbageCollect(SERVICE, {
        keepLast: 1,
        olderThanMs: 7 * 86_400_000,
        nowMs: clock.now(),
      });

      // Assert
      expect(versionNumbers(deleted)).toEqual([2, 1]);
      expect(versionNumbers(await repo.listVersions(SERVICE))).toEqual([4, 3]);
    });

    it('refuses keepLast below 1', async () => {
      // Act / Assert
      await expect(
        repo.garbageCollect(SERVICE, { keepLast: 0, nowMs: clock.now() }),
      ).rejects.toThrow(ValidationError);
    });
  });
});
