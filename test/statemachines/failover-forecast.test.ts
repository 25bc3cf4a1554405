// The failover sizes each service from its latest forecast at deploy time: the real failover ASL
// files over the sandbox cloud, the estate pre-baked by the real clone pipeline, the forecasts in
// the real DynamoDB forecast repository on dynalite. A fresh forecast sets desired count and min
// capacity (clamped to the clone's bounds); a stale or missing one leaves the plan's count, with
// the reason on the service's line of the RTO record.

import { seededServiceKey } from '../../bin/local/clone-pipeline';
import {
  createLocalFailoverWorld,
  type LocalFailoverRun,
  type LocalFailoverWorld,
  runFailover,
} from '../../bin/local/failover-world';
import { parseFailoverSettings } from '../../functions/core/failover/settings';
import type { Forecast } from '../../functions/core/model';
import { useDynalite } from '../support/dynalite-per-file';

jest.setTimeout(120_000);

const dynalite = useDynalite();

/** A CPU forecast (service-level %) on a 5-minute grid from `fromMs`, flat at `p90`. */
function cpuForecast(service: string, fromMs: number, generatedMs: number, p90: number): Forecast {
  const steps = 24;
  const row = Array.from({ length: steps }, () => p90);
  return {
    service,
    metric: 'cpu',
    generatedAt: new Date(generatedMs).toISOString(),
    timestamps: Array.from({ length: steps }, (_, i) =>
      new Date(fromMs + i * 300_000).toISOString(),
    ),
    intervalSeconds: 300,
    mean: row.map((v) => v / 2),
    quantiles: { '0.5': row.map((v) => v / 2), '0.9': row },
    model: 'test',
    warnings: [],
  };
}

describe('State machine: failover (forecast sizing)', () => {
  let w: LocalFailoverWorld;
  let run: LocalFailoverRun;
  const keys = [0, 1, 2, 3].map(seededServiceKey);
  beforeAll(async () => {
    w = await createLocalFailoverWorld({ services: 4, dynamo: dynalite() });
    const now = w.cloud.clock.now();
    // The seeded estate has no cloned scaling bounds: give two services some, as the clone of a
    // service under Application Auto Scaling would have.
    for (const entry of (await w.plans.getPlan()).entries) {
      if (entry.service === keys[0] || entry.service === keys[1]) {
        await w.plans.putEntry({ ...entry, scaling: { minCapacity: 1, maxCapacity: 8 } });
      }
    }
    const [k0, k1, k2] = keys as [string, string, string];
    // k0: 150 % on 2 reference tasks at a 60 % target → 5 tasks (within [1, 8]).
    await w.forecasts.put(cpuForecast(k0, now - 60_000, now - 600_000, 150));
    // k1: the same demand, but generated a day ago (stale).
    await w.forecasts.put(cpuForecast(k1, now - 60_000, now - 24 * 3600_000, 150));
    // k2: low demand → 1 task (no cloned bounds: [1, the plan's 2]).
    await w.forecasts.put(cpuForecast(k2, now - 60_000, now - 600_000, 10));
    // keys[3]: configured but no forecast at all.
    w.failoverSettings = parseFailoverSettings({
      sizing: {
        services: Object.fromEntries(keys.map((key) => [key, { referenceTasks: 2 }])),
      },
    });
    run = await runFailover(w, { config: { approvalMode: 'auto' } });
  });

  it('succeeds with every service steady at its sized count', async () => {
    // Arrange
    const lines = await w.records.listServices(run.executionName);

    // Act
    const counts = Object.fromEntries(lines.map((line) => [line.service, line.desiredCount]));

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      record: { outcome: 'succeeded', totals: { services: 4, steady: 4, failed: 0 } },
    });
    expect(counts).toEqual({
      [keys[0] as string]: 5,
      [keys[1] as string]: 2,
      [keys[2] as string]: 1,
      [keys[3] as string]: 2,
    });
  });

  it('runs the forecast count in staging and raises min capacity to it', async () => {
    // Arrange
    const platform = w.cloud.containerPlatform(w.staging);
    const lines = await w.records.listServices(run.executionName);
    const line = lines.find((l) => l.service === keys[0]);

    // Act
    const described = await platform.describeService(line?.cluster ?? '', line?.serviceName ?? '');

    // Assert
    expect(described.desiredCount).toBe(5);
    expect(described.runningCount).toBe(5);
    expect(described.scaling).toMatchObject({ minCapacity: 5, maxCapacity: 8 });
  });

  it('keeps the plan count for a stale or missing forecast, with the reason in the record', async () => {
    // Act
    const lines = await w.records.listServices(run.executionName);
    const record = await w.records.get(run.executionName);

    // Assert
    const warningsOf = (key: string | undefined) =>
      lines.find((line) => line.service === key)?.warnings ?? [];
    expect(warningsOf(keys[0])).toEqual([]);
    expect(warningsOf(keys[2])).toEqual([]);
    expect(warningsOf(keys[1])).toEqual([
      expect.stringMatching(/^sized from the plan \(2 tasks\): latest forecast is stale/),
    ]);
    expect(warningsOf(keys[3])).toEqual([
      'sized from the plan (2 tasks): no CPU, memory or request-rate forecast',
    ]);
    expect(record?.warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/services sized from the plan/)]),
    );
  });
});
