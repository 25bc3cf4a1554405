/**
 * Randomised safety check of the inventory's claim protocol: many writers of a few contents,
 * some of them stopping ("crashing") at a random call, on a clock that jumps whenever a writer
 * waits, so live owners lose their claims to takers-over mid-flight. Whatever the interleaving,
 * after a recovery pass every content must be stored exactly once under contiguous numbers.
 */
import { DynamoDbInventoryRepository } from '../../functions/adapters/aws/dynamodb-inventory-repository';
import { type DynaliteHandle, startDynalite } from '../../functions/adapters/sandbox/dynalite';
import { contentHash } from '../../functions/core/content-hash';
import { ConflictError } from '../../functions/core/errors';
import type { Clock } from '../../functions/core/ports';
import { cloneContent, crashingClient } from './fixtures';

const SERVICE = 'shop/web';
const WRITERS = 16;
const VARIANTS = 5;
/** A cap, not a timing assertion. */
const TIMEOUT_MS = 120_000;

/** Deterministic pseudo-random numbers (mulberry32), so a failing seed can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A shared virtual clock that jumps forward whenever anyone waits. */
function jumpingClock(): Clock {
  let now = Date.parse('2026-11-26T12:00:00.000Z');
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

let dynalite: DynaliteHandle;

beforeAll(async () => {
  dynalite = await startDynalite();
});

afterAll(async () => {
  await dynalite.stop();
});

describe('Class: DynamoDbInventoryRepository', () => {
  describe('Method: putClone (randomised crashes and takeovers)', () => {
    it.each([1, 2, 3])(
      'stores every content exactly once under contiguous numbers (seed %i)',
      async (seed) => {
        // Arrange
        const table = (await dynalite.createTables(`stress-${seed}`)).inventory;
        const next = random(seed);
        const clock = jumpingClock();
        const options = { clock, claimTimeoutMs: 50, maxAttempts: 300 };
        const writers = Array.from({ length: WRITERS }, () => {
          const variant = 1 + Math.floor(next() * VARIANTS);
          const crashAt = next() < 0.5 ? 1 + Math.floor(next() * 10) : Number.POSITIVE_INFINITY;
          let calls = 0;
          const client = crashingClient(dynalite.endpoint, () => {
            calls += 1;
            return calls >= crashAt;
          });
          return { variant, repo: new DynamoDbInventoryRepository(client, table, options) };
        });

        // Act: the racing, crashing phase (crashes and give-ups are expected outcomes)
        const outcomes = await Promise.allSettled(
          writers.map(({ variant, repo }) =>
            repo.putClone({
              content: cloneContent(SERVICE, variant),
              status: 'validated',
              reasons: [],
              createdBy: `writer-${variant}`,
              trigger: 'stress',
            }),
          ),
        );
        // ... then a recovery pass with healthy writers once every claim is stale
        await clock.sleep(1_000);
        const recovery = new DynamoDbInventoryRepository(dynalite.client, table, options);
        const recovered = [];
        for (let variant = 1; variant <= VARIANTS; variant += 1) {
          recovered.push(
            await recovery.putClone({
              content: cloneContent(SERVICE, variant),
              status: 'validated',
              reasons: [],
              createdBy: 'recovery',
              trigger: 'stress',
            }),
          );
        }
        const head = await recovery.reconcile(SERVICE);

        // Assert
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') {
            expect(String(outcome.reason)).toMatch(/simulated crash|gave up/);
            if (!/simulated crash/.test(String(outcome.reason))) {
              expect(outcome.reason).toBeInstanceOf(ConflictError);
            }
          }
        }
        const versions = await recovery.listVersions(SERVICE);
        const numbers = versions.map((v) => v.version).sort((a, b) => a - b);
        expect(numbers).toEqual(Array.from({ length: VARIANTS }, (_, i) => i + 1));
        const hashes = versions.map((v) => v.contentHash);
        expect(new Set(hashes).size).toBe(VARIANTS);
        for (let variant = 1; variant <= VARIANTS; variant += 1) {
          expect(hashes).toContain(contentHash(cloneContent(SERVICE, variant)));
        }
        // Every writer that succeeded got the one version its content is stored as.
        outcomes.forEach((outcome, i) => {
          if (outcome.status !== 'fulfilled') return;
          const stored = versions.find((v) => v.version === outcome.value.version.version);
          expect(stored?.contentHash).toBe(
            contentHash(cloneContent(SERVICE, writers[i]?.variant ?? 0)),
          );
        });
        expect(recovered.map((r) => r.version.contentHash)).toEqual(
          Array.from({ length: VARIANTS }, (_, i) => contentHash(cloneContent(SERVICE, i + 1))),
        );
        expect(head.latestVersion).toBe(VARIANTS);
        expect(head.latestValidated?.version).toBe(VARIANTS);
      },
      TIMEOUT_MS,
    );
  });
});
