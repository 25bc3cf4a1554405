// Deploy-time sizing of a failover: the latest forecast's quantile over the next window, clamped to
// the clone's bounds, the plan's count (with the reason in the record) when the forecast cannot
// be used; and the deploy page applying it to UpdateService and the scaling bounds.
import { MemoryFailoverRecordStore } from '../../../functions/adapters/sandbox/failover-ports';
import { deployPage } from '../../../functions/core/failover/deploy';
import {
  boundsOf,
  DEFAULT_FORECAST_SIZING,
  type ForecastSizingSettings,
  forecastSizingSchema,
  sizeFromForecast,
  windowOf,
} from '../../../functions/core/failover/forecast-sizing';
import type { PlanPages } from '../../../functions/core/failover/ports';
import { parseFailoverSettings } from '../../../functions/core/failover/settings';
import type {
  Forecast,
  PlanEntry,
  ScalingBounds,
  ServiceDescription,
} from '../../../functions/core/model';
import type { Clock } from '../../../functions/core/ports';

const NOW = Date.UTC(2026, 11, 2, 4, 0, 0);
const HOUR = 3600 * 1000;
const KEY = 'shop/web';

const ENTRY: PlanEntry = {
  service: KEY,
  cloneVersion: 3,
  cluster: 'understudy',
  taskDefinitionArn: 'arn:aws:ecs:eu-central-1:222222222222:task-definition/web:3',
  desiredCount: 4,
  dependsOn: [],
  wave: 0,
  serviceName: 'web',
  scaling: { minCapacity: 2, maxCapacity: 12 },
};

const SIZING: ForecastSizingSettings = forecastSizingSchema.parse({
  services: { [KEY]: { referenceTasks: 4 } },
});

/**
 * A CPU forecast on a 5-minute grid starting `startOffsetMs` from NOW: p90 at `p90` % everywhere
 * except a spike of `spike` % at step `spikeAt`.
 */
function cpuForecast(options: {
  p90: number;
  generatedAgoMs?: number;
  startOffsetMs?: number;
  steps?: number;
  spike?: number;
  spikeAt?: number;
  metric?: Forecast['metric'];
  levels?: readonly string[];
}): Forecast {
  const steps = options.steps ?? 48;
  const start = NOW + (options.startOffsetMs ?? -5 * 60 * 1000);
  const row = Array.from({ length: steps }, (_, i) =>
    i === options.spikeAt ? (options.spike ?? options.p90) : options.p90,
  );
  return {
    service: KEY,
    metric: options.metric ?? 'cpu',
    generatedAt: new Date(NOW - (options.generatedAgoMs ?? 10 * 60 * 1000)).toISOString(),
    timestamps: Array.from({ length: steps }, (_, i) =>
      new Date(start + i * 300_000).toISOString(),
    ),
    intervalSeconds: 300,
    mean: row.map((v) => v * 0.8),
    quantiles: Object.fromEntries((options.levels ?? ['0.5', '0.9']).map((level) => [level, row])),
    model: 'test',
    warnings: [],
  };
}

describe('Module: failover/forecast-sizing', () => {
  describe('Function: sizeFromForecast', () => {
    it('sizes from the quantile over the next window at the reference task count', () => {
      // Arrange: 90 % on 4 reference tasks at a 60 % target → 6 tasks.
      const forecasts = [cpuForecast({ p90: 90 })];

      // Act
      const decision = sizeFromForecast({ entry: ENTRY, forecasts, settings: SIZING, nowMs: NOW });

      // Assert
      expect(decision).toEqual({
        desiredCount: 6,
        source: 'forecast',
        bounds: { min: 2, max: 12 },
        warnings: [],
      });
    });

    it('plans for a peak inside the window and ignores one beyond it', () => {
      // Arrange: step 0 starts 5 minutes ago; a one-hour window covers steps 0..12.
      const inside = cpuForecast({ p90: 30, spike: 135, spikeAt: 12 });
      const beyond = cpuForecast({ p90: 30, spike: 135, spikeAt: 13 });

      // Act
      const sizeOf = (forecast: Forecast) =>
        sizeFromForecast({ entry: ENTRY, forecasts: [forecast], settings: SIZING, nowMs: NOW });

      // Assert: 1.35 × 4 / 0.6 = 9; 0.3 × 4 / 0.6 = 2.
      expect(sizeOf(inside).desiredCount).toBe(9);
      expect(sizeOf(beyond).desiredCount).toBe(2);
    });

    it('takes the larger of CPU and memory', () => {
      // Arrange
      const forecasts = [cpuForecast({ p90: 45 }), cpuForecast({ p90: 120, metric: 'memory' })];

      // Act
      const decision = sizeFromForecast({ entry: ENTRY, forecasts, settings: SIZING, nowMs: NOW });

      // Assert: memory 1.2 × 4 / 0.6 = 8 beats CPU's 3.
      expect(decision.desiredCount).toBe(8);
    });

    it("clamps to the clone's max and says so", () => {
      // Arrange: 300 % × 4 / 0.6 = 20 > 12.
      const forecasts = [cpuForecast({ p90: 300 })];

      // Act
      const decision = sizeFromForecast({ entry: ENTRY, forecasts, settings: SIZING, nowMs: NOW });

      // Assert
      expect(decision.desiredCount).toBe(12);
      expect(decision.source).toBe('forecast');
      expect(decision.warnings).toEqual([
        "forecast p90 wants 20 tasks; clamped to the clone's max 12",
      ]);
    });

    it("raises to the clone's min when demand is low", () => {
      // Arrange
      const forecasts = [cpuForecast({ p90: 1 })];

      // Act
      const decision = sizeFromForecast({ entry: ENTRY, forecasts, settings: SIZING, nowMs: NOW });

      // Assert
      expect(decision).toMatchObject({ desiredCount: 2, source: 'forecast', warnings: [] });
    });

    it.each<[string, readonly Forecast[], ForecastSizingSettings, RegExp]>([
      ['no forecast', [], SIZING, /no CPU, memory or request-rate forecast/],
      [
        'a stale forecast',
        [cpuForecast({ p90: 90, generatedAgoMs: 7 * HOUR })],
        SIZING,
        /latest forecast is stale \(generated 2026-12-01T21:00:00.000Z, max age 21600 s\)/,
      ],
      [
        'a forecast ending before now',
        [cpuForecast({ p90: 90, startOffsetMs: -5 * HOUR, steps: 12 })],
        SIZING,
        /does not cover the next window/,
      ],
      [
        'a forecast without the quantile',
        [cpuForecast({ p90: 90, levels: ['0.5'] })],
        SIZING,
        /has no 0.9 quantile/,
      ],
      [
        'a service without sizing configured',
        [cpuForecast({ p90: 90 })],
        DEFAULT_FORECAST_SIZING,
        /no forecast sizing configured/,
      ],
      [
        'only a request-rate forecast and no requests per task',
        [cpuForecast({ p90: 90, metric: 'requestRate' })],
        SIZING,
        /no forecast signal could be turned into tasks/,
      ],
    ])('keeps the plan count with a warning for %s', (_name, forecasts, settings, reason) => {
      // Act
      const decision = sizeFromForecast({ entry: ENTRY, forecasts, settings, nowMs: NOW });

      // Assert
      expect(decision.desiredCount).toBe(4);
      expect(decision.source).toBe('plan');
      expect(decision.warnings).toHaveLength(1);
      expect(decision.warnings[0]).toMatch(/^sized from the plan \(4 tasks\): /);
      expect(decision.warnings[0]).toMatch(reason);
    });

    it('keeps the plan count silently when sizing is disabled', () => {
      // Arrange
      const settings = { ...SIZING, enabled: false };

      // Act
      const decision = sizeFromForecast({
        entry: ENTRY,
        forecasts: [cpuForecast({ p90: 90 })],
        settings,
        nowMs: NOW,
      });

      // Assert
      expect(decision).toMatchObject({ desiredCount: 4, source: 'plan', warnings: [] });
    });

    it('uses the per-service quantile and target', () => {
      // Arrange: p50 row is the same here, so the target decides: 0.9 × 4 / 0.8 = 4.5 → 5.
      const settings = forecastSizingSchema.parse({
        services: { [KEY]: { referenceTasks: 4, quantile: 0.5, targetUtilization: 0.8 } },
      });

      // Act
      const decision = sizeFromForecast({
        entry: ENTRY,
        forecasts: [cpuForecast({ p90: 90 })],
        settings,
        nowMs: NOW,
      });

      // Assert
      expect(decision.desiredCount).toBe(5);
    });
  });

  describe('Function: boundsOf', () => {
    it("is the clone's scaling bounds, else at most the plan's count", () => {
      // Arrange
      const { scaling: _scaling, ...bare } = ENTRY;

      // Act + Assert
      expect(boundsOf(ENTRY)).toEqual({ min: 2, max: 12 });
      expect(boundsOf(bare)).toEqual({ min: 1, max: 4 });
      expect(boundsOf({ ...bare, desiredCount: 0 })).toEqual({ min: 0, max: 0 });
    });
  });

  describe('Function: windowOf', () => {
    it('keeps the step in progress and the steps starting inside the window', () => {
      // Arrange
      const forecast = cpuForecast({ p90: 10, steps: 48 });

      // Act
      const window = windowOf(forecast, NOW - 60_000, 3600);

      // Assert: the step that began 4 minutes before, plus the 12 that start within the hour.
      expect(window?.timestamps).toHaveLength(13);
      expect(window?.timestamps[0]).toBe(new Date(NOW - 300_000).toISOString());
      // A step that ended exactly at the window's start is out.
      expect(windowOf(forecast, NOW, 3600)?.timestamps[0]).toBe(new Date(NOW).toISOString());
      expect(window?.quantiles['0.9']).toHaveLength(13);
    });
  });

  describe('Function: parseFailoverSettings (sizing)', () => {
    it('fills the sizing defaults', () => {
      // Act
      const settings = parseFailoverSettings({});

      // Assert
      expect(settings.sizing).toEqual({
        enabled: true,
        quantile: 0.9,
        windowSeconds: 3600,
        maxAgeSeconds: 21_600,
        targetUtilization: 0.6,
        services: {},
      });
    });

    it('names a bad sizing key', () => {
      // Act + Assert
      expect(() =>
        parseFailoverSettings({ sizing: { services: { [KEY]: { referenceTasks: 0 } } } }),
      ).toThrow(expect.objectContaining({ issues: [expect.stringMatching(/^sizing.services/)] }));
    });
  });
});

describe('Function: deployPage (forecast sizing)', () => {
  const clock: Clock = { now: () => NOW, sleep: async () => {} };
  const { scaling: _scaling, ...bare } = ENTRY;
  const entries: PlanEntry[] = [
    ENTRY,
    { ...bare, service: 'shop/api', serviceName: 'api', desiredCount: 3 },
  ];
  const plans: PlanPages = {
    summary: async () => ({
      planId: 'p',
      generatedAt: new Date(NOW).toISOString(),
      services: 2,
      tasks: 7,
      waves: [{ wave: 0, services: 2 }],
      warnings: [],
    }),
    page: async () => ({ entries }),
  };

  async function run(forecasts: { listLatest: (key: string) => Promise<readonly Forecast[]> }) {
    const updates: { service: string; desiredCount: number | undefined }[] = [];
    const scaling: ScalingBounds[] = [];
    const records = new MemoryFailoverRecordStore(clock);
    await records.begin({
      executionName: 'x',
      executionArn: 'x',
      alarmName: 'quorum',
      mode: 'auto',
      detectedAt: new Date(NOW).toISOString(),
      startedAt: new Date(NOW).toISOString(),
    });
    const result = await deployPage(
      {
        plans,
        platform: {
          updateService: async (_cluster, service, change) => {
            updates.push({ service, desiredCount: change.desiredCount });
            return {
              serviceArn: `arn:aws:ecs:::service/understudy/${service}`,
            } as ServiceDescription;
          },
          applyScaling: async (_cluster, _service, bounds) => {
            scaling.push({ minCapacity: bounds.minCapacity, maxCapacity: bounds.maxCapacity });
          },
        },
        fleet: { tagService: async () => {} },
        lease: { assertHeld: async () => {} },
        records,
        clock,
        forecasts,
      },
      { executionName: 'x', epoch: 2, wave: 0, pageSize: 10 },
      parseFailoverSettings({ sizing: SIZING }),
    );
    return { result, updates, scaling, records };
  }

  it('deploys the forecast count and raises min capacity to it', async () => {
    // Arrange
    const forecasts = { listLatest: async () => [cpuForecast({ p90: 90 })] };

    // Act
    const { result, updates, scaling, records } = await run(forecasts);

    // Assert: web is configured (6 from the forecast), api is not (its plan's 3, with a warning).
    expect(result).toMatchObject({ deployed: 2, failed: 0, done: true });
    // (Concurrent workers: api, which reads no forecast, may go first.)
    expect(updates).toHaveLength(2);
    expect(updates).toEqual(
      expect.arrayContaining([
        { service: 'web', desiredCount: 6 },
        { service: 'api', desiredCount: 3 },
      ]),
    );
    expect(scaling).toEqual([{ minCapacity: 6, maxCapacity: 12 }]);
    const lines = await records.listServices('x');
    expect(lines.find((line) => line.serviceName === 'web')).toMatchObject({
      desiredCount: 6,
      warnings: [],
    });
    expect(lines.find((line) => line.serviceName === 'api')?.warnings).toEqual([
      'sized from the plan (3 tasks): no forecast sizing configured for the service (referenceTasks)',
    ]);
    expect((await records.get('x'))?.warnings).toEqual([
      'wave 0, page from shop/web: 1 of 2 services sized from the plan, not the latest forecast (see their lines)',
    ]);
  });

  it("keeps the plan's count when the forecast read fails, and still deploys", async () => {
    // Arrange
    const forecasts = {
      listLatest: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    };

    // Act
    const { result, updates, records } = await run(forecasts);

    // Assert
    expect(result).toMatchObject({ deployed: 2, failed: 0 });
    expect(updates).toContainEqual({ service: 'web', desiredCount: 4 });
    const web = (await records.listServices('x')).find((line) => line.serviceName === 'web');
    expect(web?.warnings).toEqual([
      'sized from the plan (4 tasks): forecast read failed: ProvisionedThroughputExceededException',
    ]);
  });
});
