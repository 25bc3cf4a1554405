import { DynamoDbAuthorityLease } from '../../functions/adapters/aws/dynamodb-authority-lease';
import { type DynaliteHandle, startDynalite } from '../../functions/adapters/sandbox/dynalite';
import { ConflictError, StaleEpochError, ValidationError } from '../../functions/core/errors';
import type { AuthorityHolder } from '../../functions/core/model';
import { ManualClock } from './fixtures';

let dynalite: DynaliteHandle;
let table: string;
let clock: ManualClock;
let lease: DynamoDbAuthorityLease;

beforeAll(async () => {
  dynalite = await startDynalite();
});

afterAll(async () => {
  await dynalite.stop();
});

beforeEach(async () => {
  table = (await dynalite.createTables()).lease;
  clock = new ManualClock();
  lease = new DynamoDbAuthorityLease(dynalite.client, table, { clock });
});

describe('Class: DynamoDbAuthorityLease', () => {
  describe('Method: read', () => {
    it('initialises the lease to primary at epoch 1', async () => {
      // Act
      const current = await lease.read();

      // Assert
      expect(current).toEqual({
        holder: 'primary',
        epoch: 1,
        reason: 'initialised',
        acquiredAt: '2026-11-26T12:00:00.000Z',
        updatedAt: '2026-11-26T12:00:00.000Z',
      });
    });

    it('agrees with concurrent first readers on one lease', async () => {
      // Act
      const leases = await Promise.all(
        Array.from({ length: 10 }, (_, i) => {
          const reader = new DynamoDbAuthorityLease(dynalite.client, table, {
            clock: { now: () => clock.now() + i, sleep: async () => {} },
          });
          return reader.read();
        }),
      );

      // Assert
      expect(new Set(leases.map((l) => JSON.stringify(l))).size).toBe(1);
    });

    it('keeps separate leases apart by id', async () => {
      // Arrange
      const drill = new DynamoDbAuthorityLease(dynalite.client, table, { clock, leaseId: 'drill' });
      await drill.transfer('shadow', 1, 'drill');

      // Act / Assert
      expect((await lease.read()).epoch).toBe(1);
      expect((await drill.read()).holder).toBe('shadow');
    });
  });

  describe('Method: transfer', () => {
    it('moves authority and raises the epoch by one', async () => {
      // Arrange
      await lease.read();
      clock.advance(1_000);

      // Act
      const moved = await lease.transfer('shadow', 1, 'primary authority unreachable');

      // Assert
      expect(moved).toEqual({
        holder: 'shadow',
        epoch: 2,
        reason: 'primary authority unreachable',
        acquiredAt: '2026-11-26T12:00:01.000Z',
        updatedAt: '2026-11-26T12:00:01.000Z',
      });
      expect(await lease.read()).toEqual(moved);
    });

    it('refuses a transfer from a stale epoch', async () => {
      // Arrange
      await lease.transfer('shadow', 1, 'failover');

      // Act / Assert
      await expect(lease.transfer('primary', 1, 'handback')).rejects.toThrow(ConflictError);
      expect((await lease.read()).epoch).toBe(2);
    });

    it('lets exactly one of two racing transfers from the same epoch win', async () => {
      // Arrange
      await lease.read();
      const racers: AuthorityHolder[] = ['shadow', 'primary'];

      // Act
      const results = await Promise.allSettled(
        racers.map((holder) =>
          new DynamoDbAuthorityLease(dynalite.client, table, { clock }).transfer(holder, 1, holder),
        ),
      );

      // Assert
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      const current = await lease.read();
      expect(current.epoch).toBe(2);
      expect(current.holder).toBe(
        (won[0] as PromiseFulfilledResult<{ holder: string }>).value.holder,
      );
    });

    it('only ever raises the epoch across a failover and a handback', async () => {
      // Act
      const failover = await lease.transfer('shadow', 1, 'failover');
      const handback = await lease.transfer('primary', failover.epoch, 'handback');

      // Assert
      expect([failover.epoch, handback.epoch]).toEqual([2, 3]);
      expect(handback.holder).toBe('primary');
    });

    it('refuses an unknown holder', async () => {
      // Act / Assert
      await expect(lease.transfer('nobody' as AuthorityHolder, 1, 'x')).rejects.toThrow(
        ValidationError,
      );
    });
  });

  describe('Method: assertHeld', () => {
    it('accepts the current holder at the current epoch', async () => {
      // Arrange
      const moved = await lease.transfer('shadow', 1, 'failover');

      // Act / Assert
      await expect(lease.assertHeld('shadow', moved.epoch)).resolves.toBeUndefined();
    });

    it('refuses a stale epoch with StaleEpochError', async () => {
      // Arrange
      await lease.transfer('shadow', 1, 'failover');
      await lease.transfer('primary', 2, 'handback');

      // Act
      const outcome = lease.assertHeld('shadow', 2);

      // Assert
      await expect(outcome).rejects.toThrow(StaleEpochError);
      await expect(outcome).rejects.toMatchObject({ presented: 2, current: 3 });
    });

    it('refuses the wrong holder at the current epoch', async () => {
      // Arrange
      await lease.transfer('shadow', 1, 'failover');

      // Act / Assert
      await expect(lease.assertHeld('primary', 2)).rejects.toThrow(StaleEpochError);
    });
  });
});
