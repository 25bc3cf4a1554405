// The authority lease over a whole outage, as a property (issue #9): over 10,000 seeded
// interleavings — fast-check's scheduler decides when every lease read, lease write and ECS call
// completes — of two failovers (acquire by the shadow, then a fenced deploy page), two adaptation
// runs (fenced scaling writes), a handback (traffic back, then release to the primary at
// epoch + 1), a returning primary (authority check, deploy; or an acquire attempt) and pauses:
// no mutating call is issued under a stale epoch and no epoch ever has two holders.
//
// The failovers run the real core code (`acquireShadowLease`, `deployPage`) and the primary the
// real authority rule (`evaluateAuthority`, what `assertAuthority` and `authority check` apply).
// Adaptation and handback follow their fence contract step by step: adaptation peeks the lease,
// skips unless the shadow holds it, and asserts the peeked epoch right before each scaling write
// (`core/adapt/run.ts`); handback asserts the shadow's epoch before moving traffic back and then
// transfers the lease to the primary conditionally on that epoch. The lease is an in-memory twin
// of `DynamoDbAuthorityLease` (the same conditional rules; dynalite would make 10,000 cases take
// hours), its effects applied when the scheduler lets each call complete. The harness is the one
// of `test/core/failover/fencing.property.test.ts`.
import fc from 'fast-check';
import { MemoryFailoverRecordStore } from '../../functions/adapters/sandbox/failover-ports';
import { evaluateAuthority } from '../../functions/core/authority';
import { ConflictError, StaleEpochError } from '../../functions/core/errors';
import { deployPage } from '../../functions/core/failover/deploy';
import { acquireShadowLease } from '../../functions/core/failover/lease';
import type { PlanPages } from '../../functions/core/failover/ports';
import { DEFAULT_FAILOVER_SETTINGS } from '../../functions/core/failover/settings';
import type {
  AuthorityHolder,
  Lease,
  PlanEntry,
  ServiceDescription,
} from '../../functions/core/model';
import type { AuthorityLease, Clock } from '../../functions/core/ports';

/** A clock that never waits (the pacer's calls fit in the burst). */
const clock: Clock = { now: () => Date.UTC(2026, 0, 1), sleep: async () => {} };

/** One mutating call and the lease as it stood when the call was issued. */
interface Issued {
  readonly actor: string;
  readonly holder: AuthorityHolder;
  /** The epoch the actor acted under (granted, peeked or checked). */
  readonly epoch: number;
  readonly leaseAtIssue: Lease;
}

/** The lease's conditional rules (as `DynamoDbAuthorityLease`), effective when scheduled. */
class ScheduledLease implements AuthorityLease {
  public state: Lease = {
    holder: 'primary',
    epoch: 1,
    reason: 'initialised',
    acquiredAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  /** Every (epoch, holder) the lease has ever been in, the initial one included. */
  public readonly history: { holder: AuthorityHolder; epoch: number; reason: string }[] = [
    { holder: 'primary', epoch: 1, reason: 'initialised' },
  ];

  public constructor(private readonly s: fc.Scheduler) {}

  private later<T>(label: string, effect: () => T): Promise<T> {
    return this.s.schedule(Promise.resolve(label)).then(effect);
  }

  public read(): Promise<Lease> {
    return this.later('read', () => ({ ...this.state }));
  }

  public transfer(holder: AuthorityHolder, expectedEpoch: number, reason: string): Promise<Lease> {
    return this.later(`transfer ${holder}`, () => {
      if (this.state.epoch !== expectedEpoch) {
        throw new ConflictError(`expected epoch ${expectedEpoch}, lease is at ${this.state.epoch}`);
      }
      this.state = { ...this.state, holder, epoch: expectedEpoch + 1, reason };
      this.history.push({ holder, epoch: this.state.epoch, reason });
      return { ...this.state };
    });
  }

  public assertHeld(holder: AuthorityHolder, epoch: number): Promise<void> {
    return this.later('assertHeld', () => {
      if (this.state.holder !== holder || this.state.epoch !== epoch) {
        throw new StaleEpochError(epoch, this.state.epoch);
      }
    });
  }
}

const ENTRIES: PlanEntry[] = ['a', 'b'].map((name) => ({
  service: `shop/${name}`,
  cloneVersion: 1,
  cluster: 'understudy',
  taskDefinitionArn: `arn:aws:ecs:eu-central-1:222222222222:task-definition/${name}:1`,
  desiredCount: 2,
  dependsOn: [],
  wave: 0,
  serviceName: name,
}));

const plans: PlanPages = {
  summary: async () => ({
    planId: 'p',
    generatedAt: '2026-01-01T00:00:00.000Z',
    services: ENTRIES.length,
    tasks: 4,
    waves: [{ wave: 0, services: ENTRIES.length }],
    warnings: [],
  }),
  page: async () => ({ entries: ENTRIES }),
};

/** Swallows the refusals the fence is meant to produce; anything else fails the case. */
function refused(error: unknown): void {
  if (!(error instanceof ConflictError || error instanceof StaleEpochError)) throw error;
}

jest.setTimeout(900_000);

describe('Property: the authority lease over failover, adaptation and handback', () => {
  it('issues no write under a stale epoch and gives no epoch two holders', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.record({
          adaptPauses: fc.array(fc.nat({ max: 8 }), { minLength: 2, maxLength: 2 }),
          handbackPauses: fc.nat({ max: 10 }),
          primaryPauses: fc.nat({ max: 10 }),
          primaryAcquires: fc.boolean(),
          primaryDeploys: fc.boolean(),
          secondFailoverPauses: fc.nat({ max: 10 }),
        }),
        async (s, plan) => {
          // Arrange
          const lease = new ScheduledLease(s);
          const issued: Issued[] = [];
          const mutating = (actor: string, holder: AuthorityHolder, epoch: number) => {
            issued.push({ actor, holder, epoch, leaseAtIssue: { ...lease.state } });
            return s.schedule(Promise.resolve(`${actor} call`));
          };
          const pause = async (n: number) => {
            for (let i = 0; i < n; i += 1) await s.schedule(Promise.resolve('pause'));
          };

          const failover = async (name: string, pauses: number) => {
            await pause(pauses);
            const records = new MemoryFailoverRecordStore(clock);
            await records.begin({
              executionName: name,
              executionArn: name,
              alarmName: 'quorum',
              mode: 'auto',
              detectedAt: '2026-01-01T00:00:00.000Z',
              startedAt: '2026-01-01T00:00:00.000Z',
            });
            const { epoch } = await acquireShadowLease(
              { lease, records, clock },
              { executionName: name },
            );
            const described = (service: string) =>
              ({ serviceArn: `arn:aws:ecs:::service/understudy/${service}` }) as ServiceDescription;
            await deployPage(
              {
                plans,
                platform: {
                  updateService: (_c, service) =>
                    mutating(name, 'shadow', epoch).then(() => described(service)),
                  applyScaling: () => mutating(name, 'shadow', epoch).then(() => undefined),
                },
                fleet: { tagService: () => mutating(name, 'shadow', epoch).then(() => undefined) },
                lease,
                records,
                clock,
              },
              { executionName: name, epoch, wave: 0, pageSize: 10 },
              DEFAULT_FAILOVER_SETTINGS,
            );
          };

          // Adaptation (`runAdaptation`): peek; skip unless the shadow holds it; fence each write
          // with the peeked epoch.
          const adapt = async (name: string, pauses: number) => {
            await pause(pauses);
            const peeked = await lease.read();
            if (peeked.holder !== 'shadow') return;
            for (const _entry of ENTRIES) {
              await lease.assertHeld('shadow', peeked.epoch);
              await mutating(name, 'shadow', peeked.epoch);
            }
          };

          // Handback: traffic back under the shadow's epoch, then the lease to the primary at
          // epoch + 1 (conditional on that epoch).
          const handback = async () => {
            await pause(plan.handbackPauses);
            const seen = await lease.read();
            if (seen.holder !== 'shadow') return;
            await lease.assertHeld('shadow', seen.epoch);
            await mutating('handback', 'shadow', seen.epoch);
            await lease.transfer('primary', seen.epoch, 'handback');
          };

          // The returning primary: optionally tries to take authority itself, then its pipeline
          // checks (`evaluateAuthority`, as `assertAuthority`) and deploys right after the read.
          const primary = async () => {
            await pause(plan.primaryPauses);
            if (plan.primaryAcquires) {
              const current = await lease.read();
              if (current.holder === 'shadow') {
                await lease.transfer('primary', current.epoch, 'primary returns').catch(refused);
              }
            }
            if (!plan.primaryDeploys) return;
            const seen = await lease.read();
            if (evaluateAuthority(seen, { holder: 'primary' }).held) {
              await mutating('primary', 'primary', seen.epoch);
            }
          };

          // Act
          let finished = false;
          const done = Promise.all([
            failover('failover-a', 0).catch(refused),
            failover('failover-b', plan.secondFailoverPauses).catch(refused),
            ...plan.adaptPauses.map((n, i) => adapt(`adapt-${i}`, n).catch(refused)),
            handback().catch(refused),
            primary().catch(refused),
          ]);
          const finish = () => {
            finished = true;
          };
          done.then(finish, finish);
          // Actors await unscheduled promises (the record store) between scheduled ones: let them
          // settle and release again until every actor is done.
          while (!finished) {
            await s.waitAll();
            await new Promise((resolve) => setImmediate(resolve));
          }
          await done;

          // Assert: every write was issued while its issuer held the lease at its epoch…
          for (const call of issued) {
            expect(call.leaseAtIssue).toMatchObject({ holder: call.holder, epoch: call.epoch });
          }
          // …each epoch had one holder, and epochs only ever went up by one.
          const holders = new Map<number, Set<AuthorityHolder>>();
          for (const state of lease.history) {
            const set = holders.get(state.epoch) ?? new Set<AuthorityHolder>();
            set.add(state.holder);
            holders.set(state.epoch, set);
          }
          for (const set of holders.values()) expect(set.size).toBe(1);
          expect(lease.history.map((state) => state.epoch)).toEqual(
            lease.history.map((_, i) => i + 1),
          );
        },
      ),
      { numRuns: Number(process.env.LEASE_RUNS ?? 10_000), seed: 20_261_202 },
    );
  });

  it('exercises the races it claims to (a handback, a second failover and a stale write attempt)', async () => {
    // Arrange: one fixed schedule, in order: failover A acquires and deploys, adaptation peeks at
    // A's epoch, handback releases, failover B acquires; the stale adaptation write must be fenced.
    const events: string[] = [];
    const lease = new ScheduledLeaseImmediate();
    const records = new MemoryFailoverRecordStore(clock);
    await records.begin({
      executionName: 'a',
      executionArn: 'a',
      alarmName: 'quorum',
      mode: 'auto',
      detectedAt: '2026-01-01T00:00:00.000Z',
      startedAt: '2026-01-01T00:00:00.000Z',
    });
    await records.begin({
      executionName: 'b',
      executionArn: 'b',
      alarmName: 'quorum',
      mode: 'auto',
      detectedAt: '2026-01-01T00:00:00.000Z',
      startedAt: '2026-01-01T00:00:00.000Z',
    });

    // Act
    const a = await acquireShadowLease({ lease, records, clock }, { executionName: 'a' });
    const peeked = await lease.read();
    await lease.transfer('primary', a.epoch, 'handback');
    const b = await acquireShadowLease({ lease, records, clock }, { executionName: 'b' });
    await lease.assertHeld('shadow', peeked.epoch).then(
      () => events.push('stale write issued'),
      (error: unknown) => events.push((error as Error).name),
    );

    // Assert: A at 2, the primary at 3, B at 4; the write under 2 was refused.
    expect([a.epoch, b.epoch]).toEqual([2, 4]);
    expect(events).toEqual(['StaleEpochError']);
  });
});

/** The same conditional rules, effective at once (the fixed schedule of the second test). */
class ScheduledLeaseImmediate implements AuthorityLease {
  private state: Lease = {
    holder: 'primary',
    epoch: 1,
    reason: 'initialised',
    acquiredAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };

  public async read(): Promise<Lease> {
    return { ...this.state };
  }

  public async transfer(
    holder: AuthorityHolder,
    expectedEpoch: number,
    reason: string,
  ): Promise<Lease> {
    if (this.state.epoch !== expectedEpoch) {
      throw new ConflictError(`expected epoch ${expectedEpoch}, lease is at ${this.state.epoch}`);
    }
    this.state = { ...this.state, holder, epoch: expectedEpoch + 1, reason };
    return { ...this.state };
  }

  public async assertHeld(holder: AuthorityHolder, epoch: number): Promise<void> {
    if (this.state.holder !== holder || this.state.epoch !== epoch) {
      throw new StaleEpochError(epoch, this.state.epoch);
    }
  }
}
