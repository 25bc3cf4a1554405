// The handback's adaptation freeze on the real DynamoDB API (dynalite): conditional freeze and
// thaw beside the lease, and the adapt run honouring it.
import { DynamoDbAuthorityLease } from '../../functions/adapters/aws/dynamodb-authority-lease';
import { DynamoDbAdaptationFreeze } from '../../functions/adapters/aws/handback-freeze';
import { type AdaptRunDeps, runAdaptation } from '../../functions/core/adapt/run';
import { ConflictError, ValidationError } from '../../functions/core/errors';
import type { LoggerLike } from '../../functions/core/ports';
import { useDynalite } from '../support/dynalite-per-file';

const dynalite = useDynalite();
const AT = '2026-03-02T10:00:00.000Z';
const quiet: LoggerLike = { debug() {}, info() {}, warn() {}, error() {} };

async function tables() {
  const handle = dynalite();
  const names = await handle.createTables();
  return {
    freeze: new DynamoDbAdaptationFreeze(handle.client, names.lease),
    lease: new DynamoDbAuthorityLease(handle.client, names.lease),
  };
}

/** A port the skipped run must never reach. */
const untouched = new Proxy(
  {},
  {
    get(_target, property) {
      throw new Error(`the frozen run touched ${String(property)}`);
    },
  },
);

describe('Adapter: DynamoDbAdaptationFreeze', () => {
  it('freezes an epoch once; a retry of the same execution gets its marker back', async () => {
    // Arrange
    const { freeze } = await tables();

    // Act
    const first = await freeze.freeze(2, 'hb-1', AT);
    const again = await freeze.freeze(2, 'hb-1', '2026-03-02T10:05:00.000Z');

    // Assert
    expect(first).toEqual({ epoch: 2, executionName: 'hb-1', frozenAt: AT });
    expect(again).toEqual(first);
    expect(await freeze.read()).toEqual(first);
  });

  it('refuses a second handback freezing the same epoch, until the first thaws', async () => {
    // Arrange
    const { freeze } = await tables();
    await freeze.freeze(2, 'hb-1', AT);

    // Act
    const second = freeze.freeze(2, 'hb-2', AT);

    // Assert
    await expect(second).rejects.toBeInstanceOf(ConflictError);
    await freeze.thaw(2, 'hb-1', AT);
    await expect(freeze.freeze(2, 'hb-2', AT)).resolves.toMatchObject({ executionName: 'hb-2' });
  });

  it('thaws only the freeze the execution holds', async () => {
    // Arrange
    const { freeze } = await tables();
    await freeze.freeze(3, 'hb-1', AT);

    // Act
    await freeze.thaw(3, 'hb-other', AT);
    await freeze.thaw(2, 'hb-1', AT);

    // Assert
    expect((await freeze.read())?.thawedAt).toBeUndefined();
  });

  it('rejects an invalid epoch and writes nothing', async () => {
    // Arrange
    const { freeze } = await tables();

    // Act
    const bad = freeze.freeze(0, 'hb-1', AT);

    // Assert
    await expect(bad).rejects.toBeInstanceOf(ValidationError);
    expect(await freeze.read()).toBeUndefined();
  });
});

describe('Core: the adapt run honours the freeze', () => {
  it('skips with the reason while a handback froze the lease epoch, and changes nothing', async () => {
    // Arrange
    const { freeze, lease } = await tables();
    const granted = await lease.transfer('shadow', (await lease.read()).epoch, 'failover f-1');
    await freeze.freeze(granted.epoch, 'hb-1', AT);
    const deps = {
      lease,
      freeze,
      clock: { now: () => Date.parse(AT), sleep: async () => {} },
      logger: quiet,
      // The skipped run must not reach these: any access fails the test.
      log: untouched,
      forecasts: untouched,
      stagingMetrics: untouched,
      platform: untouched,
    } as unknown as AdaptRunDeps;

    // Act
    const summary = await runAdaptation(deps, { services: [], periodSeconds: 300, historyDays: 3 });

    // Assert
    expect(summary).toMatchObject({
      status: 'skipped',
      epoch: granted.epoch,
      reason: expect.stringContaining('frozen at epoch 2 by handback hb-1'),
    });
  });

  it('runs again once the freeze is of an older epoch', async () => {
    // Arrange
    const { freeze, lease } = await tables();
    const first = await lease.transfer('shadow', (await lease.read()).epoch, 'failover f-1');
    await freeze.freeze(first.epoch, 'hb-1', AT);
    const back = await lease.transfer('primary', first.epoch, 'handback hb-1');
    await lease.transfer('shadow', back.epoch, 'failover f-2');
    const deps = {
      lease,
      freeze,
      clock: { now: () => Date.parse(AT), sleep: async () => {} },
      logger: quiet,
      log: untouched,
      forecasts: untouched,
      stagingMetrics: untouched,
      platform: untouched,
    } as unknown as AdaptRunDeps;

    // Act
    const summary = await runAdaptation(deps, { services: [], periodSeconds: 300, historyDays: 3 });

    // Assert
    expect(summary).toMatchObject({ status: 'ran', epoch: 4, services: [] });
  });
});
