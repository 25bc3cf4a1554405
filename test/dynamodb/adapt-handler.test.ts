// The adapt Lambda against the real DynamoDB API (dynalite: lease, forecasts, adapt log) and the
// sandbox cloud (ECS + Application Auto Scaling + CloudWatch in staging).
import { DynamoDbAdaptLog } from '../../functions/adapters/aws/dynamodb-adapt-log';
import { DynamoDbAuthorityLease } from '../../functions/adapters/aws/dynamodb-authority-lease';
import { DynamoDbForecastRepository } from '../../functions/adapters/aws/dynamodb-forecast-repository';
import { DynamoDbInventoryRepository } from '../../functions/adapters/aws/dynamodb-inventory-repository';
import {
  SANDBOX_PRIMARY,
  SANDBOX_STAGING,
  SandboxCloud,
  VirtualClock,
} from '../../functions/adapters/sandbox';
import type { DynaliteTableNames } from '../../functions/adapters/sandbox/dynalite';
import type { AdaptRunConfig, AdaptRunDeps } from '../../functions/core/adapt/run';
import { StaleEpochError, ValidationError } from '../../functions/core/errors';
import type { LoggerLike } from '../../functions/core/ports';
import {
  type AdaptHandlerDependencies,
  createAdaptHandler,
  readAdaptConfig,
} from '../../functions/handlers/adapt';
import { EnvironmentError } from '../../functions/shared/env';
import type { LeaseSample } from '../../functions/shared/workflow-metrics';
import { seedWorld } from '../adapters/sandbox/fixtures';
import { flatForecaster } from '../support/adapt-forecaster';
import { cloneContent } from '../support/clone-content';
import { useDynalite } from '../support/dynalite-per-file';

const dynalite = useDynalite();
const FAILOVER = Date.UTC(2026, 2, 2, 10);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const quiet: LoggerLike = { debug() {}, info() {}, warn() {}, error() {} };

const CONFIG: AdaptRunConfig = {
  services: [
    {
      service: 'shop/web',
      staging: { cluster: 'shop', service: 'web' },
      metrics: ['cpu'],
      // The forecast's history ran on 4 tasks; plan for 60 % CPU.
      referenceTasks: 4,
      targetUtilization: 0.6,
    },
  ],
  periodSeconds: 300,
  historyDays: 3,
};

const cpuMetric = (cluster: string, service: string) => ({
  namespace: 'AWS/ECS',
  metricName: 'CPUUtilization',
  dimensions: [
    { name: 'ClusterName', value: cluster },
    { name: 'ServiceName', value: service },
  ],
});

interface World {
  readonly tables: DynaliteTableNames;
  readonly cloud: SandboxCloud;
  readonly lease: DynamoDbAuthorityLease;
  readonly log: DynamoDbAdaptLog;
  readonly deps: AdaptHandlerDependencies;
  /** Staging CPU % per 5-minute period from the failover on. */
  loadStagingCpu(values: readonly number[]): void;
  scaling(): { minCapacity: number; maxCapacity: number; policyName?: string } | undefined;
  calls(operation: string): number;
}

async function world(options: { readonly shadow?: boolean } = {}): Promise<World> {
  const tables = await dynalite().createTables();
  const clock = new VirtualClock({ startMs: FAILOVER });
  const cloud = new SandboxCloud({ seed: 1, clock });
  const seeded = seedWorld(cloud, SANDBOX_STAGING);
  cloud.createService(SANDBOX_STAGING, {
    cluster: 'shop',
    serviceName: 'web',
    taskDefinition: seeded.taskDefinition.taskDefinitionArn,
    desiredCount: 4,
    launchType: 'FARGATE',
    networkConfiguration: seeded.networkConfiguration,
    // The cloned scaling, as the failover applied it.
    scaling: {
      minCapacity: 2,
      maxCapacity: 20,
      policy: {
        policyName: 'cpu-60',
        predefinedMetricType: 'ECSServiceAverageCPUUtilization',
        targetValue: 60,
      },
    },
  });
  const lease = new DynamoDbAuthorityLease(dynalite().client, tables.lease, { clock });
  if (options.shadow ?? true) await lease.transfer('shadow', 1, 'failover drill test');
  const forecasts = new DynamoDbForecastRepository(dynalite().client, tables.forecasts);
  // The primary's forecast at the failover: CPU p50 30 %, p90 42 % on 4 tasks.
  const steps = 24;
  const flat = (v: number) => Array.from({ length: steps }, () => v);
  await forecasts.put({
    service: 'shop/web',
    metric: 'cpu',
    generatedAt: new Date(FAILOVER - 5 * MINUTE).toISOString(),
    timestamps: Array.from({ length: steps }, (_, i) =>
      new Date(FAILOVER + i * HOUR).toISOString(),
    ),
    intervalSeconds: 3600,
    mean: flat(30),
    quantiles: { '0.1': flat(18), '0.5': flat(30), '0.9': flat(42), '0.975': flat(48) },
    model: 'test',
    warnings: [],
  });
  // Three days of the primary's CPU at 30 %, 5-minute points.
  cloud.loadMetricSeries(SANDBOX_PRIMARY, cpuMetric('shop', 'web'), {
    start: FAILOVER - 3 * 24 * HOUR,
    intervalSeconds: 300,
    values: Array.from({ length: 3 * 288 }, () => 30),
  });
  const log = new DynamoDbAdaptLog(dynalite().client, tables.forecasts, { clock });
  const deps: AdaptHandlerDependencies = {
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
  };
  return {
    tables,
    cloud,
    lease,
    log,
    deps,
    loadStagingCpu(values) {
      cloud.loadMetricSeries(SANDBOX_STAGING, cpuMetric('shop', 'web'), {
        start: FAILOVER,
        intervalSeconds: 300,
        values,
      });
    },
    scaling() {
      const s = cloud
        .state(SANDBOX_STAGING)
        .ecs.describeService('shop', 'web', clock.now()).scaling;
      return s
        ? {
            minCapacity: s.minCapacity,
            maxCapacity: s.maxCapacity,
            ...(s.policy ? { policyName: s.policy.policyName } : {}),
          }
        : undefined;
    },
    calls(operation) {
      return cloud.callLog().filter((c) => c.operation === operation).length;
    },
  };
}

const scheduled = (atMs: number) => ({
  source: 'aws.events',
  'detail-type': 'Scheduled Event',
  time: new Date(atMs).toISOString(),
});

describe('Handler: adapt', () => {
  it('reads the lease and nothing else while the primary holds authority', async () => {
    // Arrange
    const w = await world({ shadow: false });
    w.loadStagingCpu([95, 95, 95]);
    const samples: LeaseSample[] = [];
    const handler = createAdaptHandler({
      ...w.deps,
      leaseMetrics: { publish: (sample) => samples.push(sample) },
    });

    // Act
    const summary = await handler(scheduled(FAILOVER + 15 * MINUTE));

    // Assert: the dashboard still learns who holds the lease
    expect(samples).toEqual([{ holder: 'primary', epoch: 1 }]);
    expect(summary).toMatchObject({ status: 'skipped', epoch: 1, services: [] });
    expect(summary.reason).toMatch(/shadow does not hold authority/);
    expect(w.cloud.totalCalls).toBe(0);
    expect(await w.lease.peek()).toBeUndefined();
    expect(await w.log.getState('shop/web')).toBeUndefined();
  });

  it('raises the minimum within the cloned bounds when demand is above the band, fenced and recorded', async () => {
    // Arrange: three periods at 90 % CPU on 4 tasks, far above the 42 % p90 edge
    const w = await world();
    w.loadStagingCpu([90, 90, 90]);
    const samples: LeaseSample[] = [];
    const handler = createAdaptHandler({
      ...w.deps,
      leaseMetrics: { publish: (sample) => samples.push(sample) },
    });

    // Act
    const summary = await handler(scheduled(FAILOVER + 15 * MINUTE));

    // Assert: flat re-forecast of 90 % → p90 126 % of 4 tasks at 60 % → 8.4 → 9 tasks
    expect(summary.services).toEqual([
      expect.objectContaining({ status: 'decided', action: 'raise', previousMin: 2, newMin: 9 }),
    ]);
    expect(w.scaling()).toEqual({ minCapacity: 9, maxCapacity: 20, policyName: 'cpu-60' });
    expect(w.calls('application-autoscaling:RegisterScalableTarget')).toBe(1);
    expect(samples).toEqual([{ holder: 'shadow', epoch: summary.epoch }]);
    expect(w.calls('ecs:UpdateService')).toBe(0);
    const [record] = await w.log.listDecisions('shop/web', 5);
    expect(record).toMatchObject({
      epoch: 2,
      period: new Date(FAILOVER + 15 * MINUTE).toISOString(),
      context: { runningTasks: 4, primaryHistory: true },
    });
    expect(record?.decision.signals[0]?.excursion?.points).toHaveLength(3);
    expect(record?.decision.signals[0]?.reforecast).toMatchObject({
      reason: 'excursion',
      model: 'flat',
    });
    expect((await w.log.getState('shop/web'))?.state).toMatchObject({
      epoch: 2,
      currentMin: 9,
      clonedBounds: { minCapacity: 2, maxCapacity: 20 },
    });
  });

  it('holds a lower minimum during the scale-in cooldown, then scales in after it', async () => {
    // Arrange: 15 minutes at 90 % (raise), then 12 % — below the re-forecast band — for 2 hours
    const w = await world();
    const high = [90, 90, 90];
    const low = Array.from({ length: 24 }, () => 12);
    w.loadStagingCpu([...high, ...low]);
    const handler = createAdaptHandler(w.deps);
    await handler(scheduled(FAILOVER + 15 * MINUTE));

    // Act
    const during = await handler(scheduled(FAILOVER + 45 * MINUTE));
    const after = await handler(scheduled(FAILOVER + 90 * MINUTE));

    // Assert
    expect(during.services[0]).toMatchObject({ action: 'hold', newMin: 9 });
    expect(during.services[0]?.reason).toMatch(/scale-in cooldown/);
    expect(after.services[0]).toMatchObject({ action: 'lower', previousMin: 9 });
    expect(after.services[0]?.newMin).toBeGreaterThanOrEqual(2);
    expect(after.services[0]?.newMin).toBeLessThan(9);
    expect(w.scaling()?.minCapacity).toBe(after.services[0]?.newMin);
  });

  it('replays the recorded decision when the same period runs again', async () => {
    // Arrange
    const w = await world();
    w.loadStagingCpu([90, 90, 90]);
    const handler = createAdaptHandler(w.deps);
    await handler(scheduled(FAILOVER + 15 * MINUTE));

    // Act
    const retried = await handler(scheduled(FAILOVER + 15 * MINUTE + 20_000));

    // Assert
    expect(retried.services[0]).toMatchObject({ status: 'replayed', action: 'raise', newMin: 9 });
    expect(await w.log.listDecisions('shop/web', 10)).toHaveLength(1);
    expect(w.scaling()?.minCapacity).toBe(9);
  });

  it('changes nothing when the lease moves on before the scaling call', async () => {
    // Arrange: the lease is read as the shadow's at epoch 2, then the primary takes it back
    const w = await world();
    w.loadStagingCpu([90, 90, 90]);
    const moving: AdaptRunDeps['lease'] = {
      peek: async () => {
        const lease = await w.lease.read();
        await w.lease.transfer('primary', lease.epoch, 'primary returned');
        return lease;
      },
      assertHeld: (holder, epoch) => w.lease.assertHeld(holder, epoch),
    };
    const handler = createAdaptHandler({ ...w.deps, lease: moving });

    // Act
    const run = handler(scheduled(FAILOVER + 15 * MINUTE));

    // Assert
    await expect(run).rejects.toThrow(StaleEpochError);
    expect(w.calls('application-autoscaling:RegisterScalableTarget')).toBe(0);
    expect(w.scaling()?.minCapacity).toBe(2);
  });

  it('starts afresh for a new failover epoch', async () => {
    // Arrange: a state left by epoch 2, then a handback and a second failover (epoch 4)
    const w = await world();
    w.loadStagingCpu([90, 90, 90]);
    const handler = createAdaptHandler(w.deps);
    await handler(scheduled(FAILOVER + 15 * MINUTE));
    await w.lease.transfer('primary', 2, 'handback');
    await w.lease.transfer('shadow', 3, 'second failover');

    // Act
    await handler(scheduled(FAILOVER + 20 * MINUTE));

    // Assert
    const state = (await w.log.getState('shop/web'))?.state;
    // The cloned bounds, not the minimum epoch 2 left on the scalable target
    expect(state?.epoch).toBe(4);
    expect(state?.clonedBounds).toEqual({ minCapacity: 2, maxCapacity: 20 });
  });

  it('takes the cloned bounds from the effective clone version when the inventory has one', async () => {
    // Arrange: the clone says [3, 12]
    const w = await world();
    const inventory = new DynamoDbInventoryRepository(dynalite().client, w.tables.inventory);
    const content = cloneContent('shop/web');
    await inventory.putClone({
      content: {
        ...content,
        serviceDefinition: {
          ...content.serviceDefinition,
          scaling: { minCapacity: 3, maxCapacity: 12 },
        },
      },
      status: 'validated',
      reasons: [],
      createdBy: 'test',
      trigger: 'manual',
    });
    w.loadStagingCpu([400, 400, 400]);
    const handler = createAdaptHandler({ ...w.deps, inventory });

    // Act
    const summary = await handler(scheduled(FAILOVER + 15 * MINUTE));

    // Assert: the demand wants far more than 12, the clone's maximum holds
    expect(summary.services[0]).toMatchObject({ action: 'raise', newMin: 12 });
    expect(w.scaling()).toMatchObject({ minCapacity: 12, maxCapacity: 12 });
  });

  it('refuses a malformed event before reading anything', async () => {
    // Arrange
    const w = await world();
    const handler = createAdaptHandler(w.deps);

    // Act
    const run = handler({ services: ['not-a-key'] });

    // Assert
    await expect(run).rejects.toThrow(ValidationError);
    expect(w.cloud.totalCalls).toBe(0);
  });
});

describe('Function: readAdaptConfig', () => {
  it('names the variable and each bad key', () => {
    // Arrange
    const env = {
      ADAPT_CONFIG: JSON.stringify({
        services: [
          {
            service: 'shop/web',
            staging: { cluster: 'shop', service: 'web' },
            metrics: ['requestRate'],
            referenceTasks: 4,
            targetUtilization: 0.6,
          },
        ],
      }),
    };

    // Act
    const read = () => readAdaptConfig(env);

    // Assert
    expect(read).toThrow(EnvironmentError);
    expect(read).toThrow(/ADAPT_CONFIG is invalid.*requestRate needs stagingMetrics.targetGroup/);
  });

  it('applies the defaults to a minimal document', () => {
    // Arrange
    const env = {
      ADAPT_CONFIG: JSON.stringify({
        services: [
          {
            service: 'shop/web',
            staging: { cluster: 'shop', service: 'web' },
            metrics: ['cpu'],
            referenceTasks: 4,
            targetUtilization: 0.6,
          },
        ],
        settings: { scaleInCooldownSeconds: 1800 },
      }),
    };

    // Act
    const config = readAdaptConfig(env);

    // Assert
    expect(config).toMatchObject({ periodSeconds: 300, historyDays: 14 });
    expect(config.settings?.scaleInCooldownMs).toBe(1_800_000);
  });
});
