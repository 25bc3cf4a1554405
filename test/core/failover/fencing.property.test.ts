// The fence as a property: over 10,000 seeded interleavings (fast-check's scheduler decides the
// order in which every lease read, lease write and ECS call completes) of two failovers (acquire,
// then a fenced deploy page) and a primary that pauses, takes authority back (release) and
// deploys after its own check, no mutating call is ever issued under a stale epoch and no epoch
// is ever granted to two holders. The failovers run the real core code (`acquireShadowLease`,
// `deployPage`); the lease is an in-memory twin of the DynamoDB one (same conditional rules),
// whose reads and writes take effect when the scheduler lets them complete.
import fc from 'fast-check';
import { MemoryFailoverRecordStore } from '../../../functions/adapters/sandbox/failover-ports';
import { evaluateAuthority } from '../../../functions/core/authority';
import { ConflictError, StaleEpochError } from '../../../functions/core/errors';
import { deployPage } from '../../../functions/core/failover/deploy';
import { acquireShadowLease } from '../../../functions/core/failover/lease';
import type { PlanPages } from '../../../functions/core/failover/ports';
import { DEFAULT_FAILOVER_SETTINGS } from '../../../functions/core/failover/settings';
import type {
  AuthorityHolder,
  Lease,
  PlanEntry,
  ServiceDescription,
} from '../../../functions/core/model';
import type { AuthorityLease, Clock } from '../../../functions/core/ports';

/** A clock that never waits (the pacer's three calls fit in the burst). */
const clock: Clock = { now: () => Date.UTC(2026, 0, 1), sleep: async () => {} };

/** One mutating call and the lease as it stood when the call was issued. */
interface Issued {
  readonly actor: string;
  readonly holder: AuthorityHolder;
  /** The epoch the actor was granted (the primary: the epoch its check read). */
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
  public readonly grants: { actor: string; epoch: number }[] = [];

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
      this.grants.push({ actor: reason, epoch: this.state.epoch });
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

const ENTRIES: PlanEntry[] = ['a', 'b', 'c'].map((name) => ({
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
    tasks: 6,
    waves: [{ wave: 0, services: ENTRIES.length }],
    warnings: [],
  }),
  page: async () => ({ entries: ENTRIES }),
};

jest.setTimeout(600_000);

describe('Property: the authority fence', () => {
  it('issues no mutating call under a stale epoch and grants no epoch twice', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.nat({ max: 6 }),
        fc.boolean(),
        async (s, primaryPauses, primaryDeploys) => {
          // Arrange
          const lease = new ScheduledLease(s);
          const issued: Issued[] = [];
          const mutating = (actor: string, holder: AuthorityHolder, epoch: number) => {
            issued.push({ actor, holder, epoch, leaseAtIssue: { ...lease.state } });
            return s.schedule(Promise.resolve('ecs call'));
          };
          const failover = async (name: string) => {
            const records = new MemoryFailoverRecordStore(clock);
            await records.begin({
              executionName: name,
              executionArn: name,
              alarmName: 'quorum',
              mode: 'auto',
              detectedAt: '2026-01-01T00:00:00.000Z',
              startedAt: '2026-01-01T00:00:00.000Z',
            });
            let epoch: number;
            try {
              epoch = (await acquireShadowLease({ lease, records, clock }, { executionName: name }))
                .epoch;
            } catch (error) {
              if (error instanceof ConflictError) return;
              throw error;
            }
            const described = (service: string) =>
              ({ serviceArn: `arn:aws:ecs:::service/understudy/${service}` }) as ServiceDescription;
            try {
              await deployPage(
                {
                  plans,
                  platform: {
                    updateService: (_c, service) =>
                      mutating(name, 'shadow', epoch).then(() => described(service)),
                    applyScaling: () => mutating(name, 'shadow', epoch).then(() => undefined),
                  },
                  fleet: {
                    tagService: () => mutating(name, 'shadow', epoch).then(() => undefined),
                  },
                  lease,
                  records,
                  clock,
                },
                { executionName: name, epoch, wave: 0, pageSize: 10 },
                DEFAULT_FAILOVER_SETTINGS,
              );
            } catch (error) {
              if (!(error instanceof StaleEpochError)) throw error;
            }
          };
          const primary = async () => {
            for (let i = 0; i < primaryPauses; i += 1) await s.schedule(Promise.resolve('pause'));
            const current = await lease.read();
            if (current.holder === 'shadow') {
              await lease.transfer('primary', current.epoch, 'primary').catch((error: unknown) => {
                if (!(error instanceof ConflictError)) throw error;
              });
            }
            if (!primaryDeploys) return;
            // The primary's pipeline: `assertAuthority`'s rule, then deploy right after the read.
            const seen = await lease.read();
            if (evaluateAuthority(seen, { holder: 'primary' }).held) {
              await mutating('primary', 'primary', seen.epoch);
            }
          };

          // Act
          let finished = false;
          const done = Promise.all([failover('failover-a'), failover('failover-b'), primary()]);
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

          // Assert: every call was issued while its issuer held the lease at its epoch…
          for (const call of issued) {
            expect(call.leaseAtIssue).toMatchObject({ holder: call.holder, epoch: call.epoch });
          }
          // …and each epoch was granted once.
          const epochs = lease.grants.map((grant) => grant.epoch);
          expect(new Set(epochs).size).toBe(epochs.length);
        },
      ),
      { numRuns: Number(process.env.FENCE_RUNS ?? 10_000) },
    );
  });
});
