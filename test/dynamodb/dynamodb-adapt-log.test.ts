import { DynamoDbAdaptLog } from '../../functions/adapters/aws/dynamodb-adapt-log';
import type { AdaptDecisionRecord, AdaptState } from '../../functions/core/adapt/log';
import { DEFAULT_ADAPT_SETTINGS } from '../../functions/core/adapt/policy';
import { ConflictError, ValidationError } from '../../functions/core/errors';
import { useDynalite } from '../support/dynalite-per-file';

const dynalite = useDynalite();
const AT = Date.UTC(2026, 2, 2, 10);
let log: DynamoDbAdaptLog;

beforeEach(async () => {
  const tables = await dynalite().createTables();
  log = new DynamoDbAdaptLog(dynalite().client, tables.forecasts, {
    clock: { now: () => AT, sleep: async () => {} },
  });
});

const state = (currentMin: number): AdaptState => ({
  service: 'shop/web',
  epoch: 2,
  failoverAt: new Date(AT).toISOString(),
  clonedBounds: { minCapacity: 2, maxCapacity: 20 },
  currentMin,
  bands: {},
  primaryHistory: {},
});

const record = (minute: number, newMin: number): AdaptDecisionRecord => {
  const period = new Date(AT + minute * 60_000).toISOString();
  return {
    service: 'shop/web',
    period,
    epoch: 2,
    decision: {
      service: 'shop/web',
      decidedAt: period,
      action: newMin === 2 ? 'hold' : 'raise',
      reason: 'test',
      previousMin: 2,
      newMin,
      bounds: { minCapacity: 2, maxCapacity: 20 },
      signals: [],
      targetUtilization: 0.6,
      task: {},
      settings: DEFAULT_ADAPT_SETTINGS,
    },
  };
};

describe('Class: DynamoDbAdaptLog', () => {
  describe('Method: putState', () => {
    it('writes the first state and then only on the revision it read', async () => {
      // Arrange
      const first = await log.putState(state(2), undefined);

      // Act
      const second = await log.putState(state(5), first);
      const stale = log.putState(state(9), first);

      // Assert
      expect([first, second]).toEqual([1, 2]);
      await expect(stale).rejects.toThrow(ConflictError);
      expect(await log.getState('shop/web')).toEqual({ state: state(5), revision: 2 });
    });

    it('refuses a second first write (two runs starting the same epoch)', async () => {
      // Arrange
      await log.putState(state(2), undefined);

      // Act
      const again = log.putState(state(3), undefined);

      // Assert
      await expect(again).rejects.toThrow(/expected revision none/);
    });
  });

  it('stores two weeks of 5-minute primary history of four metrics in one item', async () => {
    // Arrange: 4,032 points per metric at four significant digits, as the run stores them
    const series = (seed: number) => ({
      start: AT - 14 * 86_400_000,
      intervalSeconds: 300,
      values: Array.from({ length: 14 * 288 }, (_, i) =>
        Number((seed + ((i * 7919) % 1000) / 7.3).toPrecision(4)),
      ),
    });
    const big: AdaptState = {
      ...state(2),
      primaryHistory: {
        cpu: series(10),
        memory: series(20),
        requestRate: series(3000),
        queueDepth: series(50),
      },
    };

    // Act
    const revision = await log.putState(big, undefined);

    // Assert
    expect(revision).toBe(1);
    expect((await log.getState('shop/web'))?.state.primaryHistory.cpu?.values).toHaveLength(4032);
  });

  describe('Method: recordDecision', () => {
    it('records a period once and hands back the stored decision on a retry', async () => {
      // Arrange
      const original = record(15, 9);

      // Act
      const first = await log.recordDecision(original);
      const retry = await log.recordDecision(record(15, 12));

      // Assert
      expect(first).toEqual({ recorded: true, record: original });
      expect(retry).toEqual({ recorded: false, record: original });
    });
  });

  describe('Method: listDecisions', () => {
    it('lists the newest decisions first, up to the limit', async () => {
      // Arrange
      for (const minute of [5, 10, 15, 20]) await log.recordDecision(record(minute, minute));

      // Act
      const latest = await log.listDecisions('shop/web', 2);

      // Assert
      expect(latest.map((r) => r.decision.newMin)).toEqual([20, 15]);
    });

    it('refuses a limit that is not a positive integer', async () => {
      // Act
      const listing = log.listDecisions('shop/web', 0);

      // Assert
      await expect(listing).rejects.toThrow(ValidationError);
    });
  });
});
