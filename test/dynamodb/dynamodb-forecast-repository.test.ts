import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DynamoDbForecastRepository } from '../../functions/adapters/aws/dynamodb-forecast-repository';
import { type DynaliteHandle, startDynalite } from '../../functions/adapters/sandbox/dynalite';
import { ValidationError } from '../../functions/core/errors';
import type { DecisionRecord } from '../../functions/core/ports';
import { forecast } from './fixtures';

const SERVICE = 'shop/web';
const T0 = '2026-11-26T12:00:00.000Z';
const T1 = '2026-11-26T13:00:00.000Z';

let dynalite: DynaliteHandle;
let table: string;
let repo: DynamoDbForecastRepository;

function decision(id: string, decidedAt: string, fired = false): DecisionRecord {
  return {
    id,
    service: SERVICE,
    metric: 'cpu',
    decidedAt,
    fired,
    probability: fired ? 0.93 : 0.12,
    threshold: 80,
    triggerProbability: 0.9,
    inputs: { quantiles: { '0.9': [70, 85] }, model: 'ets', nested: [{ ok: true }] },
    reason: fired ? 'P(cpu > 80) = 0.93 ≥ 0.9' : 'below trigger probability',
  };
}

beforeAll(async () => {
  dynalite = await startDynalite();
});

afterAll(async () => {
  await dynalite.stop();
});

beforeEach(async () => {
  table = (await dynalite.createTables()).forecasts;
  repo = new DynamoDbForecastRepository(dynalite.client, table, {
    historyRetentionSeconds: 3_600,
    decisionRetentionSeconds: 7_200,
  });
});

describe('Class: DynamoDbForecastRepository', () => {
  describe('Method: put', () => {
    it('makes the forecast the latest of its service × metric', async () => {
      // Arrange
      const stored = forecast(SERVICE, 'cpu', T0);

      // Act
      await repo.put(stored);

      // Assert
      expect(await repo.getLatest(SERVICE, 'cpu')).toEqual(stored);
    });

    it('does not let an older forecast replace a newer latest', async () => {
      // Arrange
      const newer = forecast(SERVICE, 'cpu', T1, 12, 2);
      await repo.put(newer);

      // Act
      await repo.put(forecast(SERVICE, 'cpu', T0));

      // Assert
      expect(await repo.getLatest(SERVICE, 'cpu')).toEqual(newer);
      expect(await repo.listHistory(SERVICE, 'cpu')).toHaveLength(2);
    });

    it('writes history items that expire after the retention (epoch seconds)', async () => {
      // Act
      await repo.put(forecast(SERVICE, 'cpu', T0));

      // Assert
      const output = await dynalite.client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :h)',
          ExpressionAttributeValues: { ':pk': { S: `SVC#${SERVICE}` }, ':h': { S: 'HIST#' } },
        }),
      );
      const items = (output.Items ?? []).map((item) => unmarshall(item));
      expect(items).toHaveLength(1);
      expect(items[0]?.expiresAt).toBe(Date.parse(T0) / 1000 + 3_600);
    });

    it('stores a week of 5-minute steps compactly and reads it back', async () => {
      // Arrange: 2,016 steps × (mean + 5 quantiles) of full doubles: ~300 KB as plain JSON
      const week = forecast(SERVICE, 'requestRate', T0, 2_016);
      const noisy = week.mean.map((v, i) => v * Math.PI + Math.sin(i) / 7);
      const wide = {
        ...week,
        mean: noisy,
        quantiles: {
          ...week.quantiles,
          '0.05': noisy.map((v) => v * 0.7),
          '0.95': noisy.map((v) => v * 1.4),
        },
      };

      // Act
      await repo.put(wide);
      const read = await repo.getLatest(SERVICE, 'requestRate');
      const raw = await dynalite.client.send(
        new GetItemCommand({
          TableName: table,
          Key: { pk: { S: `SVC#${SERVICE}` }, sk: { S: 'LATEST#requestRate' } },
        }),
      );

      // Assert
      expect(raw.Item?.body?.B?.byteLength).toBeLessThan(100_000);
      expect(read?.timestamps).toEqual(wide.timestamps);
      expect(read?.mean).toHaveLength(2_016);
      // Six significant digits: relative error at most 5e-6.
      const worst = Math.max(
        ...(read?.mean ?? []).map((value, i) => Math.abs(value / (noisy[i] ?? Number.NaN) - 1)),
      );
      expect(worst).toBeLessThanOrEqual(5e-6);
      expect(Object.keys(read?.quantiles ?? {}).sort()).toEqual(
        ['0.05', '0.1', '0.5', '0.9', '0.95'].sort(),
      );
    });

    it('keeps irregular timestamps as written', async () => {
      // Arrange
      const base = forecast(SERVICE, 'memory', T0, 3);
      const irregular = {
        ...base,
        timestamps: ['2026-11-26T12:05:00Z', '2026-11-26T12:10:00Z', '2026-11-26T12:20:00Z'],
      };

      // Act
      await repo.put(irregular);

      // Assert
      expect((await repo.getLatest(SERVICE, 'memory'))?.timestamps).toEqual(irregular.timestamps);
    });

    it('refuses arrays of different lengths', async () => {
      // Arrange
      const base = forecast(SERVICE, 'cpu', T0, 4);
      const broken = { ...base, quantiles: { '0.9': [1, 2] } };

      // Act / Assert
      await expect(repo.put(broken)).rejects.toThrow(ValidationError);
    });

    it('refuses non-finite values, which JSON cannot carry', async () => {
      // Arrange
      const base = forecast(SERVICE, 'cpu', T0, 2);
      const broken = { ...base, mean: [1, Number.NaN] };

      // Act / Assert
      await expect(repo.put(broken)).rejects.toThrow(/non-finite/);
      expect(await repo.getLatest(SERVICE, 'cpu')).toBeUndefined();
    });

    it('refuses an unknown metric', async () => {
      // Arrange
      const base = forecast(SERVICE, 'cpu', T0);

      // Act / Assert
      await expect(repo.put({ ...base, metric: 'disk' as 'cpu' })).rejects.toThrow(ValidationError);
    });
  });

  describe('Method: getLatest', () => {
    it('is undefined when nothing was stored', async () => {
      // Act / Assert
      expect(await repo.getLatest(SERVICE, 'cpu')).toBeUndefined();
    });
  });

  describe('Method: listLatest', () => {
    it('returns the latest forecast of every metric of the service only', async () => {
      // Arrange
      await repo.put(forecast(SERVICE, 'cpu', T0));
      await repo.put(forecast(SERVICE, 'cpu', T1));
      await repo.put(forecast(SERVICE, 'memory', T0));
      await repo.put(forecast('shop/api', 'cpu', T1));

      // Act
      const latest = await repo.listLatest(SERVICE);

      // Assert
      expect(latest.map((f) => [f.metric, f.generatedAt]).sort()).toEqual([
        ['cpu', T1],
        ['memory', T0],
      ]);
    });
  });

  describe('Method: listHistory', () => {
    it('lists past forecasts newest first, up to the limit', async () => {
      // Arrange
      for (let hour = 0; hour < 5; hour += 1) {
        await repo.put(
          forecast(SERVICE, 'cpu', new Date(Date.parse(T0) + hour * 3_600_000).toISOString()),
        );
      }
      await repo.put(forecast(SERVICE, 'memory', T1));

      // Act
      const history = await repo.listHistory(SERVICE, 'cpu', 3);

      // Assert
      expect(history.map((f) => f.generatedAt)).toEqual([
        '2026-11-26T16:00:00.000Z',
        '2026-11-26T15:00:00.000Z',
        '2026-11-26T14:00:00.000Z',
      ]);
    });
  });

  describe('Method: putDecision', () => {
    it('stores a decision with its inputs and an expiry', async () => {
      // Arrange
      const fired = decision('d-1', T0, true);

      // Act
      await repo.putDecision(fired);

      // Assert
      expect(await repo.listDecisions(SERVICE, 10)).toEqual([fired]);
      const output = await dynalite.client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
          ExpressionAttributeValues: { ':pk': { S: `SVC#${SERVICE}` }, ':d': { S: 'DEC#' } },
        }),
      );
      expect(unmarshall(output.Items?.[0] ?? {}).expiresAt).toBe(Date.parse(T0) / 1000 + 7_200);
    });

    it('is idempotent for the same id and time', async () => {
      // Act
      await repo.putDecision(decision('d-1', T0));
      await repo.putDecision(decision('d-1', T0));

      // Assert
      expect(await repo.listDecisions(SERVICE, 10)).toHaveLength(1);
    });

    it('refuses inputs that are not JSON-safe', async () => {
      // Arrange
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;

      // Act / Assert
      await expect(repo.putDecision({ ...decision('d-2', T0), inputs: cyclic })).rejects.toThrow(
        ValidationError,
      );
    });
  });

  describe('Method: listDecisions', () => {
    it('returns the newest decisions first, up to the limit', async () => {
      // Arrange
      await repo.putDecision(decision('a', '2026-11-26T12:00:00.000Z'));
      await repo.putDecision(decision('b', '2026-11-26T12:05:00.000Z', true));
      await repo.putDecision(decision('c', '2026-11-26T12:10:00.000Z'));
      await repo.putDecision({ ...decision('x', T1), service: 'shop/api' });

      // Act
      const decisions = await repo.listDecisions(SERVICE, 2);

      // Assert
      expect(decisions.map((d) => d.id)).toEqual(['c', 'b']);
    });

    it('refuses a limit below 1', async () => {
      // Act / Assert
      await expect(repo.listDecisions(SERVICE, 0)).rejects.toThrow(ValidationError);
    });
  });
});
