/**
 * The forecast Lambda handler over the sandbox cloud's CloudWatch, in-memory forecast stores and
 * a recording pipeline: event validation, the cycle, and the EMF metrics it prints.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SandboxMetricsSource } from '../../functions/adapters/sandbox/metrics-source';
import { SandboxCloud } from '../../functions/adapters/sandbox/sandbox-cloud';
import { ValidationError } from '../../functions/core/errors';
import { buildMetricQueries } from '../../functions/core/forecast/metric-queries';
import type { LoggerLike, PipelineStart, PipelineStarter } from '../../functions/core/ports';
import {
  createForecastHandler,
  type ForecastHandlerDependencies,
  productionDependencies,
  readForecastConfig,
} from '../../functions/handlers/forecast';
import { EnvironmentError } from '../../functions/shared/env';
import { captureEmf } from '../support/emf';
import { MemoryForecastRepository } from '../support/memory-forecast-repository';

const HOUR = 3_600_000;
const LOCATION = { account: '111111111111', region: 'eu-west-1' };
const EVENT_TIME = '2026-01-01T00:05:00Z';
const END = Date.UTC(2026, 0, 1);

const scheduledEvent = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: LOCATION.account,
  time: EVENT_TIME,
  region: LOCATION.region,
  resources: ['arn:aws:events:eu-west-1:111111111111:rule/understudy-forecast'],
  detail: {},
};

const FORECAST_CONFIG = {
  services: [
    { cluster: 'prod', service: 'web', metrics: ['cpu', 'memory'], thresholds: { cpu: 80 } },
    { cluster: 'prod', service: 'api', metrics: ['cpu'] },
  ],
  thresholds: { memory: 90 },
  triggerProbability: 0.3,
  historySteps: 14 * 24,
  horizon: 6,
  samplePaths: 200,
};

class RecordingPipeline implements PipelineStarter {
  public readonly names: string[] = [];

  public async start(name: string): Promise<PipelineStart> {
    this.names.push(name);
    return {
      executionArn: `arn:aws:states:eu-west-1:1:execution:c:${name}`,
      alreadyStarted: false,
    };
  }
}

const silent: LoggerLike = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function setup() {
  const cloud = new SandboxCloud({ seed: 7 });
  const config = readForecastConfig({ FORECAST_CONFIG: JSON.stringify(FORECAST_CONFIG) });
  for (const query of buildMetricQueries(config.services)) {
    // prod/web runs hot (CPU near 80 %); everything else is calm.
    const level = query.service === 'prod/web' && query.metric === 'cpu' ? 84 : 35;
    const count = 14 * 24;
    const start = END - count * HOUR;
    cloud.loadMetricSeries(LOCATION, query, {
      start,
      intervalSeconds: 3600,
      values: Array.from({ length: count }, (_, i) => {
        const hour = new Date(start + i * HOUR).getUTCHours();
        return level + 8 * Math.sin(((hour - 6) / 24) * 2 * Math.PI) + Math.sin(i * 7.1);
      }),
    });
  }
  const primary = new MemoryForecastRepository();
  const staging = new MemoryForecastRepository();
  const pipeline = new RecordingPipeline();
  const deps: ForecastHandlerDependencies = {
    config,
    metrics: new SandboxMetricsSource(cloud, LOCATION),
    forecasts: primary,
    stagingForecasts: staging,
    pipeline,
    clock: cloud.clock,
    logger: silent,
    emf: new Metrics({ namespace: 'Understudy', serviceName: 'understudy-forecast' }),
  };
  return { deps, primary, staging, pipeline };
}

describe('Function: forecast handler', () => {
  describe('Method: handler (scheduled event)', () => {
    it('forecasts every series, copies to staging, starts the fired pipeline and publishes EMF', async () => {
      // Arrange
      const { deps, primary, staging, pipeline } = setup();
      const handler = createForecastHandler(deps);
      const emf = captureEmf();

      // Act
      let result: Awaited<ReturnType<typeof handler>>;
      try {
        result = await handler(scheduledEvent);
      } finally {
        emf.restore();
      }

      // Assert
      expect(result).toMatchObject({
        historyEnd: '2026-01-01T00:00:00.000Z',
        seriesTotal: 3,
        seriesForecast: 3,
        seriesFailed: 0,
        decisionsFired: 1,
        pipelinesStarted: 1,
        failedSeries: [],
      });
      expect(result).not.toHaveProperty('series');
      expect(primary.forecasts).toHaveLength(3);
      expect(staging.forecasts).toHaveLength(3);
      expect(pipeline.names).toHaveLength(1);
      // prod/api reads only CPU and has only a memory threshold: nothing to decide on.
      expect(primary.decisions.map((d) => [d.service, d.fired])).toEqual([['prod/web', true]]);

      const blobs = emf.blobs();
      const forecastBlob = blobs.find(
        (b) => b.Service === 'prod/web' && b.Metric === 'cpu' && 'ForecastP50' in b,
      );
      const p90Blob = blobs.find(
        (b) => b.Service === 'prod/web' && b.Metric === 'cpu' && 'ForecastP90' in b,
      );
      expect((forecastBlob?._aws as { Timestamp?: number } | undefined)?.Timestamp).toBe(END);
      expect((p90Blob?._aws as { Timestamp?: number } | undefined)?.Timestamp).toBe(END);
      expect(p90Blob?.ForecastP90 as number).toBeGreaterThanOrEqual(
        forecastBlob?.ForecastP50 as number,
      );
      const actualBlob = blobs.find(
        (b) => b.Service === 'prod/web' && b.Metric === 'cpu' && 'Actual' in b,
      );
      expect((actualBlob?._aws as { Timestamp?: number } | undefined)?.Timestamp).toBe(END - HOUR);
      expect(actualBlob?._aws).toMatchObject({
        CloudWatchMetrics: [
          expect.objectContaining({
            Namespace: 'Understudy',
            Dimensions: [expect.arrayContaining(['Service', 'Metric'])],
          }),
        ],
      });
      const totals = blobs.find((b) => 'SeriesForecast' in b);
      expect(totals).toMatchObject({
        SeriesForecast: 3,
        SeriesFailed: 0,
        DecisionsFired: 1,
        PipelinesStarted: 1,
      });
    });
  });

  describe('Method: handler (manual event)', () => {
    it('forecasts only the services named', async () => {
      // Arrange
      const { deps, primary } = setup();
      const handler = createForecastHandler(deps);
      const emf = captureEmf();

      // Act
      try {
        await handler({ services: ['prod/api'], asOf: EVENT_TIME });
      } finally {
        emf.restore();
      }

      // Assert
      expect(primary.forecasts.map((f) => f.service)).toEqual(['prod/api']);
    });

    it('refuses an event that is neither scheduled nor manual, naming the field', async () => {
      // Arrange
      const { deps } = setup();
      const handler = createForecastHandler(deps);

      // Act
      const act = handler({ services: ['no-slash'] });

      // Assert
      await expect(act).rejects.toBeInstanceOf(ValidationError);
      await expect(handler({ services: ['no-slash'] })).rejects.toThrow(
        /services\.0: must be "cluster\/service"/,
      );
    });
  });

  describe('Method: productionDependencies', () => {
    const base = {
      FORECAST_TABLE_NAME: 'forecasts',
      STAGING_REGION: 'eu-central-1',
      STAGING_FORECAST_TABLE_NAME: 'staging-forecasts',
      FORECAST_CONFIG: JSON.stringify(FORECAST_CONFIG),
    };

    it('builds the adapters from the environment', () => {
      const deps = productionDependencies({
        ...base,
        PIPELINE_STATE_MACHINE_ARN:
          'arn:aws:states:eu-central-1:222222222222:stateMachine:CloneValidateStore',
      });
      expect(deps.config.services).toHaveLength(2);
      expect(deps.stagingForecasts).toBeDefined();
    });

    it.each([
      ['FORECAST_TABLE_NAME', /FORECAST_TABLE_NAME is required/],
      ['STAGING_REGION', /STAGING_REGION is required/],
      ['FORECAST_CONFIG', /FORECAST_CONFIG is required/],
    ])('fails fast naming %s when it is missing', (name, message) => {
      const env: Record<string, string> = { ...base };
      delete env[name];
      expect(() => productionDependencies(env)).toThrow(EnvironmentError);
      expect(() => productionDependencies(env)).toThrow(message);
    });

    it('names the bad key of FORECAST_CONFIG', () => {
      const bad = { ...FORECAST_CONFIG, horizon: 0, services: [{ cluster: 'prod' }] };
      expect(() =>
        productionDependencies({ ...base, FORECAST_CONFIG: JSON.stringify(bad) }),
      ).toThrow(/FORECAST_CONFIG is invalid: services\.0\.service: .*horizon: /);
      expect(() => productionDependencies({ ...base, FORECAST_CONFIG: '{' })).toThrow(
        /FORECAST_CONFIG is not valid JSON/,
      );
    });
  });

  describe('Method: readForecastConfig', () => {
    it('reads the configuration from FORECAST_CONFIG_FILE when set', async () => {
      // Arrange
      const dir = await mkdtemp(path.join(tmpdir(), 'forecast-config-'));
      const file = path.join(dir, 'forecast-config.json');
      await writeFile(file, JSON.stringify(FORECAST_CONFIG), 'utf8');

      // Act
      const config = readForecastConfig({ FORECAST_CONFIG_FILE: file });
      const missing = () =>
        readForecastConfig({ FORECAST_CONFIG_FILE: path.join(dir, 'nope.json') });

      // Assert
      expect(config.services).toHaveLength(2);
      expect(missing).toThrow(/FORECAST_CONFIG_FILE names a file that cannot be read/);
      await rm(dir, { recursive: true, force: true });
    });

    it('merges per-service thresholds over the global ones and leaves unthresholded services untriggered', () => {
      // Act
      const config = readForecastConfig({
        FORECAST_CONFIG: JSON.stringify({
          services: [
            { cluster: 'a', service: 'b', thresholds: { cpu: 60 }, triggerProbability: 0.5 },
            { cluster: 'a', service: 'c' },
          ],
          thresholds: { cpu: 70, memory: 80 },
        }),
      });
      const none = readForecastConfig({
        FORECAST_CONFIG: JSON.stringify({ services: [{ cluster: 'a', service: 'b' }] }),
      });

      // Assert
      expect(config.services[0]?.trigger).toEqual({
        triggerProbability: 0.5,
        thresholds: { cpu: 60, memory: 80 },
      });
      expect(config.services[1]?.trigger?.thresholds).toEqual({ cpu: 70, memory: 80 });
      expect(none.services[0]?.trigger).toBeUndefined();
    });
  });
});
