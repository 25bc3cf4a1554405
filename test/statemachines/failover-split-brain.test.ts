// Split brain: two failovers racing for the lease, a primary coming back mid-failover, and a
// lease that moves on while a failover deploys. Real ASL, real handlers, sandbox cloud, estate
// pre-baked by the real clone pipeline, the real lease on dynalite and the real authority check
// the primary's pipeline runs (`assertAuthority`, behind `understudy authority check`).

import { createLocalFailoverWorld, runFailover } from '../../bin/local/failover-world';
import { assertAuthority } from '../../functions/adapters/aws/authority-check';
import { AuthorityNotHeldError } from '../../functions/core/errors';
import { useDynalite } from '../support/dynalite-per-file';

jest.setTimeout(180_000);

const dynalite = useDynalite();

describe('State machine: failover (split brain)', () => {
  describe('Path: two failovers at once', () => {
    it('leaves exactly one holder: one deploys, the other stops at the lease', async () => {
      // Arrange
      const w = await createLocalFailoverWorld({ services: 4, dynamo: dynalite() });
      const config = { approvalMode: 'auto' } as const;

      // Act
      const [a, b] = await Promise.all([
        runFailover(w, { config, executionName: 'failover-a' }),
        runFailover(w, { config, executionName: 'failover-b' }),
      ]);

      // Assert
      const lease = await w.lease.read();
      expect(lease).toMatchObject({ holder: 'shadow', epoch: 2 });
      const winner = lease.reason === 'failover failover-a' ? a : b;
      const loser = winner === a ? b : a;
      expect(winner.status).toBe('SUCCEEDED');
      expect(loser.status).toBe('FAILED');
      expect((await w.records.get(loser.executionName))?.reason).toContain('ConflictError');
      expect(await w.records.listServices(loser.executionName)).toEqual([]);
      expect(await w.records.listServices(winner.executionName)).toHaveLength(4);
    });
  });

  describe('Path: the primary comes back mid-failover', () => {
    it("is refused by the primary's authority check during and after the failover", async () => {
      // Arrange
      const w = await createLocalFailoverWorld({ services: 3, dynamo: dynalite() });
      const check = () =>
        assertAuthority({ client: w.dynamo.client, tableName: w.tables.lease, holder: 'primary' });
      const during: unknown[] = [];

      // Act
      const run = await runFailover(w, {
        config: { approvalMode: 'auto' },
        beforeDeployPage: async () => {
          during.push(await check().catch((error: unknown) => error));
        },
      });
      const after = await check().catch((error: unknown) => error);

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(during.length).toBeGreaterThan(0);
      for (const answer of [...during, after]) {
        expect(answer).toBeInstanceOf(AuthorityNotHeldError);
        expect((answer as Error).message).toContain('held by shadow at epoch 2');
      }
    });
  });

  describe('Path: the lease moves on while the failover deploys', () => {
    it('stops at the next fence: later services are not touched and the run is recorded as fenced', async () => {
      // Arrange: wave 1 holds 10 services, deployed 3 per page; before the second page the lease
      // goes back to the primary (a handback, or an operator), epoch 3.
      const w = await createLocalFailoverWorld({ services: 12, dynamo: dynalite() });
      let moved = false;

      // Act
      const run = await runFailover(w, {
        config: { approvalMode: 'auto', pageSize: 3 },
        beforeDeployPage: async (event) => {
          if (event.wave === 1 && event.cursor && !moved) {
            moved = true;
            await w.lease.transfer('primary', 2, 'operator took authority back');
          }
        },
      });

      // Assert
      expect(run.status).toBe('FAILED');
      const record = await w.records.get(run.executionName);
      expect(record?.outcome).toBe('fenced');
      const wave1 = await w.records.listServices(run.executionName, { wave: 1 });
      expect(wave1).toHaveLength(3);
      expect(w.notifications.map((n) => n.subject)).toEqual(['Understudy failover FAILED']);
      expect(await w.lease.read()).toMatchObject({ holder: 'primary', epoch: 3 });
    });
  });
});
