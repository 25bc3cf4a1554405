// The adapt Lambda against dynalite and the sandbox cloud, when the primary's history shows a
// burst at the same time every day (a nightly job): the minimum is raised for it ahead of its
// hour from the 5-minute history the first run of the epoch reads, and lowered after it.
import { DynamoDbAdaptLog } from '../../functions/adapters/aws/dynamodb-adapt-log';
import { DynamoDbAuthorityLease } from '../../functions/adapters/aws/dynamodb-authority-lease';
import { DynamoDbForecastRepository } from '../../functions/adapters/aws/dynamodb-forecast-repository';
import {
  SANDBOX_PRIMARY,
  SANDBOX_STAGING,
  SandboxCloud,
  VirtualClock,
} from '../../functions/adapters/sandbox';
import type { AdaptRunConfig } from '../../functions/core/adapt/run';
import type { LoggerLike } from '../../functions/core/ports';
import { createAdaptHandler } from '../../functions/handlers/adapt';
import { seedWorld } from '../adapters/sandbox/fixtures';
import { flatForecaster } from '../support/adapt-forecaster';
import { useDynalite } from '../support/dynalite-per-file';

const dynalite = useDynalite();
const FAILOVER = Date.UTC(2026, 2, 2, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const quiet: LoggerLike = { debug() {}, info() {}, warn() {}, error() {} };

const CONFIG: AdaptRunConfig = {
  services: [
    {
      service: 'shop/web',
      staging: { cluster: 'shop', service: 'web' },
      metrics: ['cpu'],
      // The forecast's history ran on 10 tasks; plan for 60 % CPU.
      referenceTasks: 10,
      targetUtilization: 0.6,
    },
  ],
  periodSeconds: 300,
  historyDays: 8,
};

const cpuMetric = {
  namespace: 'AWS/ECS',
  metricName: 'CPUUtilization',
  dimensions: [
    { name: 'ClusterName', value: 'shop' },
    { name: 'ServiceName', value: 'web' },
  ],
};

/** Eight days of the primary's CPU at 20 % on 10 tasks, with `burst` % at 03:00 each day. */
function primaryCpu(burst: number | undefined) {
  const start = FAILOVER - 8 * DAY;
  const values = Array.from({ length: 8 * 288 }, (_, i) =>
    burst !== undefined && i % 288 === 36 ? burst : 20,
  );
  return { start, intervalSeconds: 300, values };
}

async function world(burst: number | undefined) {
  const tables = await dynalite().createTables();
  const clock = new VirtualClock({ startMs: FAILOVER });
  const cloud = new SandboxCloud({ seed: 1, clock });
  const seeded = seedWorld(cloud, SANDBOX_STAGING);
  cloud.createService(SANDBOX_STAGING, {
    cluster: 'shop',
    serviceName: 'web',
    taskDefinition: seeded.taskDefinition.taskDefinitionArn,
    desiredCount: 10,
    launchType: 'FARGATE',
    networkConfiguration: seeded.networkConfiguration,
    scaling: { minCapacity: 2, maxCapacity: 20 },
  });
  const lease = new DynamoDbAuthorityLease(dynalite().client, tables.lease, { clock });
  await lease.transfer('shadow', 1, 'failover drill test');
  const forecasts = new DynamoDbForecastRepository(dynalite().client, tables.forecasts);
  const flat = (v: number) => Array.from({ length: 24 }, () => v);
  // The primary's hourly forecast: p90 30 % on 10 tasks (the burst is one 5-minute point an hour
  // long forecast never shows).
  await forecasts.put({
    service: 'shop/web',
    metric: 'cpu',
    generatedAt: new Date(FAILOVER - 5 * MINUTE).toISOString(),
    timestamps: Array.from({ length: 24 }, (_, i) => new Date(FAILOVER + i * HOUR).toISOString()),
    intervalSeconds: 3600,
    mean: flat(20),
    quantiles: { '0.1': flat(12), '0.5': flat(20), '0.9': flat(30), '0.975': flat(34) },
    model: 'test',
    warnings: [],
  });
  cloud.loadMetricSeries(SANDBOX_PRIMARY, cpuMetric, primaryCpu(burst));
  // Staging since the failover: 20 % on 10 tasks, inside the band, for 12 hours.
  cloud.loadMetricSeries(SANDBOX_STAGING, cpuMetric, {
    start: FAILOVER,
    intervalSeconds: 300,
    values: Array.from({ length: 144 }, () => 20),
  });
  const log = new DynamoDbAdaptLog(dynalite().client, tables.forecasts, { clock });
  const handler = createAdaptHandler({
    config: CONFIG,
    lease,
    log,
    forecasts,
    stagingMetrics: cloud.metricsSource(SANDBOX_STAGING),
    primaryMetrics: cloud.metricsSource(SANDBOX_PRIMARY),
    platform: cloud.containerPlatform(SANDBOX_STAGING),
    clock,
    logger: quiet,
    forecaster: flatForecaster,
  });
  const minCapacity = () =>
    cloud.state(SANDBOX_STAGING).ecs.describeService('shop', 'web', clock.now()).scaling
      ?.minCapacity;
  return { handler, log, minCapacity };
}

const scheduled = (atMs: number) => ({
  source: 'aws.events',
  'detail-type': 'Scheduled Event',
  time: new Date(atMs).toISOString(),
});

describe('Handler: adapt, with a burst that recurs daily in the primary history', () => {
  it('raises the minimum for the burst ahead of its hour, above the forecast-only minimum', async () => {
    // Arrange
    const withBurst = await world(95);

    // Act: 01:00, the 03:00 burst is inside the two-hour lookahead
    const summary = await withBurst.handler(scheduled(FAILOVER + HOUR));

    // Assert: 95 % of 10 tasks served at 100 % → 10 tasks; the forecast alone → 30 % ÷ 60 % → 5
    expect(summary.services[0]).toMatchObject({ action: 'raise', previousMin: 2, newMin: 10 });
    expect(withBurst.minCapacity()).toBe(10);
    const [record] = await withBurst.log.listDecisions('shop/web', 1);
    expect(record?.decision.signals[0]?.recurringPeak).toBe(95);
  });

  it('raises only to the forecast-only minimum when the history has no burst', async () => {
    // Arrange
    const without = await world(undefined);

    // Act
    const summary = await without.handler(scheduled(FAILOVER + HOUR));

    // Assert
    expect(summary.services[0]).toMatchObject({ action: 'raise', newMin: 5 });
  });

  it('lowers the minimum once the burst’s window has passed', async () => {
    // Arrange
    const w = await world(95);
    await w.handler(scheduled(FAILOVER + HOUR));

    // Act: 06:00, past 03:00 plus the hour of slack, and past the scale-in cooldown
    const summary = await w.handler(scheduled(FAILOVER + 6 * HOUR));

    // Assert: the forecast with the hysteresis headroom, 30 % × 1.3 ÷ 60 % of 10 tasks → 7
    expect(summary.services[0]).toMatchObject({ action: 'lower', previousMin: 10, newMin: 7 });
    expect(w.minCapacity()).toBe(7);
  });
});
