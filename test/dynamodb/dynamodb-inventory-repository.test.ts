import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbInventoryRepository } from '../../functions/adapters/aws/dynamodb-inventory-repository';
import { type DynaliteHandle, startDynalite } from '../../functions/adapters/sandbox/dynalite';
import { contentHash } from '../../functions/core/content-hash';
import { ConflictError } from '../../functions/core/errors';
import type { CloneStatus, CloneVersion } from '../../functions/core/model';
import { describeInventoryContract } from '../support/inventory-contract';
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

// Everything the port promises, in the suite the core tier's in-memory fake runs too (this
// repository is the reference); below it, what only DynamoDB has to show: racing writers, crashes
// part-way, one read per lookup.
describeInventoryContract('DynamoDB over dynalite', () => ({ repo, clock }));

describe('Class: DynamoDbInventoryRepository', () => {
  describe('Method: putClone (concurrent writers)', () => {
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
  });

  describe('Method: setStatus (crash recovery)', () => {
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
  });
});
