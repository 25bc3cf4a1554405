// A drill never runs beside a real failover, whichever starts first: the drill's guard
// (core/drill/guard.ts) and the real failover's abort (core/drill/abort.ts), both on the real
// lease adapter over dynalite, in every interleaving of their write-then-read steps.
import { DynamoDbAuthorityLease } from '../../functions/adapters/aws/dynamodb-authority-lease';
import { MemoryFailoverRecordStore } from '../../functions/adapters/sandbox/failover-ports';
import { abortedBy, abortRunningDrill } from '../../functions/core/drill/abort';
import {
  DrillRefusedError,
  failoverNameOf,
  refuseDuringFailover,
  yieldToRealFailover,
} from '../../functions/core/drill/guard';
import { prepareDrillPage } from '../../functions/core/drill/prepare';
import { acquireShadowLease, failoverLeaseReason } from '../../functions/core/failover/lease';
import type { PlanPages } from '../../functions/core/failover/ports';
import { createFailoverAcquireLeaseHandler } from '../../functions/handlers/failover-acquire-lease';
import { useDynalite } from '../support/dynalite-per-file';
import { ManualClock } from './fixtures';

const dynalite = useDynalite();

interface Leases {
  readonly production: DynamoDbAuthorityLease;
  readonly drill: DynamoDbAuthorityLease;
  readonly records: MemoryFailoverRecordStore;
  readonly clock: ManualClock;
}

async function leases(): Promise<Leases> {
  const table = (await dynalite().createTables()).lease;
  const clock = new ManualClock();
  const records = new MemoryFailoverRecordStore(clock);
  for (const executionName of ['real-failover', 'drill-1']) {
    await records.begin({
      executionName,
      executionArn: `arn:aws:states:eu-central-1:222222222222:execution:f:${executionName}`,
      alarmName: 'understudy-authority-quorum',
      mode: 'auto',
      detectedAt: new Date(clock.now()).toISOString(),
      startedAt: new Date(clock.now()).toISOString(),
    });
  }
  return {
    production: new DynamoDbAuthorityLease(dynalite().client, table, { clock }),
    drill: new DynamoDbAuthorityLease(dynalite().client, table, { clock, leaseId: 'drill' }),
    records,
    clock,
  };
}

/** Production failed over by `real-failover`. */
async function failedOver(l: Leases): Promise<void> {
  await acquireShadowLease(
    { lease: l.production, records: l.records, clock: l.clock },
    { executionName: 'real-failover' },
  );
}

describe('Function: refuseDuringFailover', () => {
  it('lets a drill start when production was never failed over, or was handed back', async () => {
    // Arrange
    const l = await leases();
    // Act / Assert: no lease item at all, then the primary holding it
    await expect(refuseDuringFailover(l.production)).resolves.toBeUndefined();
    await l.production.read();
    await expect(refuseDuringFailover(l.production)).resolves.toBeUndefined();
  });

  it('refuses while the shadow holds production, naming the failover and its epoch', async () => {
    // Arrange
    const l = await leases();
    await failedOver(l);
    // Act
    const refused = await refuseDuringFailover(l.production).catch((error: unknown) => error);
    // Assert
    expect(refused).toBeInstanceOf(DrillRefusedError);
    expect(refused).toMatchObject({
      name: 'DrillRefusedError',
      failover: 'real-failover',
      epoch: 2,
      message: expect.stringContaining('shadow at epoch 2, failover real-failover'),
    });
  });

  it('never writes production’s lease (a drill role may only GetItem it)', async () => {
    // Arrange
    const l = await leases();
    // Act
    await refuseDuringFailover(l.production);
    // Assert: still no item (read() would have created one)
    expect(await l.production.peek()).toBeUndefined();
  });
});

const unreadService = async (): Promise<never> => {
  throw new Error('no service may be created');
};

describe('Function: prepareDrillPage', () => {
  it('creates no twin while a real failover holds authority', async () => {
    // Arrange
    const l = await leases();
    await failedOver(l);
    const createService = jest.fn(unreadService);
    const unread = async (): Promise<never> => {
      throw new Error('the plan must not be read');
    };
    const plans: PlanPages = { summary: unread, page: unread };
    // Act
    const prepared = prepareDrillPage(
      { plans, platform: { createService }, clock: l.clock, productionLease: l.production },
      { drillName: 'drill-1', pageSize: 10 },
    );
    // Assert
    await expect(prepared).rejects.toBeInstanceOf(DrillRefusedError);
    expect(createService).not.toHaveBeenCalled();
  });
});

describe('Handler: failover-acquire-lease in the drill deployment', () => {
  it('gives the drill lease up as a real failover would and fails with DrillRefusedError', async () => {
    // Arrange
    const l = await leases();
    await failedOver(l);
    const acquire = createFailoverAcquireLeaseHandler({
      lease: l.drill,
      records: l.records,
      clock: l.clock,
      productionLease: l.production,
    });
    // Act
    const refused = await acquire({ executionName: 'drill-1' }).catch((error: unknown) => error);
    // Assert
    expect(refused).toBeInstanceOf(DrillRefusedError);
    const drillLease = await l.drill.read();
    expect(drillLease).toMatchObject({ holder: 'primary', epoch: 3 });
    // The teardown reads it exactly as it reads a real failover's abort.
    expect(abortedBy(drillLease.reason, failoverLeaseReason('drill-1'))).toBe('real-failover');
    expect(await l.production.peek()).toMatchObject({ holder: 'shadow', epoch: 2 });
  });

  it('keeps the drill lease when production is with the primary', async () => {
    // Arrange
    const l = await leases();
    const acquire = createFailoverAcquireLeaseHandler({
      lease: l.drill,
      records: l.records,
      clock: l.clock,
      productionLease: l.production,
    });
    // Act
    const granted = await acquire({ executionName: 'drill-1' });
    // Assert
    expect(granted.epoch).toBe(2);
    expect(await l.drill.read()).toMatchObject({ holder: 'shadow', epoch: 2 });
  });
});

describe('Race: a drill and a real failover starting together', () => {
  type Step = 'F1' | 'F2' | 'D1' | 'D2';
  // F: the real failover takes production, then aborts a drill holding its lease.
  // D: the drill takes its lease, then yields to a failover holding production.
  const orders: Step[][] = [];
  const interleave = (f: Step[], d: Step[], acc: Step[]) => {
    if (f.length === 0 && d.length === 0) orders.push(acc);
    if (f.length > 0) interleave(f.slice(1), d, [...acc, f[0] as Step]);
    if (d.length > 0) interleave(f, d.slice(1), [...acc, d[0] as Step]);
  };
  interleave(['F1', 'F2'], ['D1', 'D2'], []);

  it.each(orders.map((order) => [order.join(' ')]))(
    '%s: the drill ends without its lease, production with the real failover',
    async (name) => {
      // Arrange
      const l = await leases();
      let refused = false;
      const steps: Record<Step, () => Promise<unknown>> = {
        F1: () => failedOver(l),
        F2: () => abortRunningDrill(l.drill, 'real-failover'),
        D1: () =>
          acquireShadowLease(
            { lease: l.drill, records: l.records, clock: l.clock },
            { executionName: 'drill-1' },
          ),
        D2: () =>
          yieldToRealFailover(l.drill, l.production).catch((error: unknown) => {
            if (!(error instanceof DrillRefusedError)) throw error;
            refused = true;
          }),
      };
      // Act
      for (const step of name.split(' ') as Step[]) await steps[step]();
      // Assert: whoever came second saw the first; the drill's fenced steps cannot run.
      const drill = await l.drill.read();
      expect(drill.holder).toBe('primary');
      expect(abortedBy(drill.reason, failoverLeaseReason('drill-1'))).toBe('real-failover');
      expect(await l.production.peek()).toMatchObject({ holder: 'shadow' });
      // The drill refused exactly when production was failed over before it looked.
      expect(refused).toBe(name.indexOf('F1') < name.indexOf('D2'));
    },
  );
});

describe('Function: failoverNameOf', () => {
  it('reads the execution out of a failover lease reason and keeps any other reason', () => {
    expect(failoverNameOf(failoverLeaseReason('real-7'))).toBe('real-7');
    expect(failoverNameOf('initialised')).toBe('initialised');
  });
});
