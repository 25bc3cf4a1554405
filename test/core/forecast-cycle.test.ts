import {
  type ForecastCycleConfig,
  type ForecastCycleDeps,
  runForecastCycle,
} from '../../functions/core/forecast/cycle';
import type { TimeSeries } from '../../functions/core/model';
import type {
  Clock,
  LoggerLike,
  MetricQuery,
  MetricsSource,
  PipelineStart,
  PipelineStarter,
} from '../../functions/core/ports';
import { CloneSelectEvent } from '../../functions/handlers/clone-select';
import { MemoryForecastRepository } from '../support/memory-forecast-repository';

const HOUR = 3_600_000;
/** The scheduled time: 10:07 on a Wednesday; the forecast starts at 10:00. */
const AS_OF = Date.UTC(2024, 4, 1, 10, 7);
const HISTORY_STEPS = 14 * 24;

/** Daily-seasonal demand around `level`, deterministic noise. */
function demand(level: number, amplitude: number, start: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => {
    const hour = new Date(start + i * HOUR).getUTCHours();
    const noise = Math.sin(i * 12.9898) * 0.03 * level;
    return level + amplitude * Math.sin(((hour - 6) / 24) * 2 * Math.PI) + noise;
  });
}

class FakeMetricsSource implements MetricsSource {
  public readonly calls: { queries: readonly MetricQuery[]; range: unknown }[] = [];

  public constructor(
    private readonly make: (
      query: MetricQuery,
      start: number,
      count: number,
    ) => (number | null)[] | undefined,
  ) {}

  public async getSeries(
    queries: readonly MetricQuery[],
    range: { readonly startMs: number; readonly endMs: number; readonly periodSeconds: number },
  ): Promise<ReadonlyMap<string, TimeSeries>> {
    this.calls.push({ queries, range });
    const count = (range.endMs - range.startMs) / (range.periodSeconds * 1000);
    const out = new Map<string, TimeSeries>();
    for (const query of queries) {
      const values = this.make(query, range.startMs, count);
      if (values)
        out.set(query.id, { start: range.startMs, intervalSeconds: range.periodSeconds, values });
    }
    return out;
  }
}

class FakePipeline implements PipelineStarter {
  public readonly started = new Map<string, Readonly<Record<string, unknown>>>();

  public async start(
    name: string,
    input: Readonly<Record<string, unknown>>,
  ): Promise<PipelineStart> {
    const arn = `arn:aws:states:eu-west-1:123456789012:execution:clone:${name}`;
    if (this.started.has(name)) return { executionArn: arn, alreadyStarted: true };
    this.started.set(name, input);
    return { executionArn: arn, alreadyStarted: false };
  }
}

const clock: Clock = { now: () => AS_OF + 60_000, sleep: async () => undefined };
const silent: LoggerLike = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function setup(overrides: Partial<ForecastCycleDeps> = {}) {
  const metrics = new FakeMetricsSource((query, start, count) => {
    if (query.service === 'prod/empty') return undefined;
    if (query.service === 'prod/short') return [...Array(count - 5).fill(null), 1, 2, 3, 4, 5];
    // prod/hot runs near its CPU threshold; prod/calm far below.
    const level = query.service === 'prod/hot' ? 75 : 30;
    return demand(level, 10, start, count);
  });
  const primary = new MemoryForecastRepository();
  const staging = new MemoryForecastRepository();
  const pipeline = new FakePipeline();
  const deps: ForecastCycleDeps = {
    metrics,
    forecasts: primary,
    stagingForecasts: staging,
    pipeline,
    clock,
    logger: silent,
    ...overrides,
  };
  return { deps, metrics, primary, staging, pipeline };
}

const trigger = { triggerProbability: 0.3, thresholds: { cpu: 80 } };
const config: ForecastCycleConfig = {
  services: [
    { ref: { cluster: 'prod', service: 'hot' }, metrics: ['cpu', 'memory'], trigger },
    { ref: { cluster: 'prod', service: 'calm' }, metrics: ['cpu'], trigger },
  ],
  historySteps: HISTORY_STEPS,
  horizon: 12,
  samplePaths: 200,
};

describe('Function: runForecastCycle', () => {
  describe('Method: runForecastCycle (happy path, real engine)', () => {
    it('reads all history in one aligned call, forecasts, stores, copies, decides and starts', async () => {
      // Arrange
      const { deps, metrics, primary, staging, pipeline } = setup();

      // Act
      const summary = await runForecastCycle(deps, config, { asOf: AS_OF });

      // Assert
      expect(metrics.calls).toHaveLength(1);
      expect(metrics.calls[0]?.queries.map((q) => q.id)).toEqual(['s0_cpu', 's0_memory', 's1_cpu']);
      expect(metrics.calls[0]?.range).toEqual({
        startMs: Date.UTC(2024, 4, 1, 10) - HISTORY_STEPS * HOUR,
        endMs: Date.UTC(2024, 4, 1, 10),
        periodSeconds: 3600,
      });
      expect(summary).toMatchObject({
        seriesTotal: 3,
        seriesForecast: 3,
        seriesFailed: 0,
        stagingCopyFailures: 0,
        decisionsRecorded: 2,
        decisionsFired: 1,
        pipelinesStarted: 1,
        historyEnd: '2024-05-01T10:00:00.000Z',
      });
      expect(primary.forecasts).toHaveLength(3);
      expect(staging.forecasts).toEqual(primary.forecasts);
      const stored = primary.forecasts[0];
      expect(stored?.timestamps[0]).toBe('2024-05-01T10:00:00.000Z');
      expect(stored?.timestamps).toHaveLength(12);
      expect(Object.keys(stored?.quantiles ?? {})).toContain('0.9');
      expect(primary.decisions.map((d) => [d.service, d.fired])).toEqual([
        ['prod/hot', true],
        ['prod/calm', false],
      ]);
      const hot = summary.decisions.find((d) => d.service === 'prod/hot');
      expect([...pipeline.started.keys()]).toEqual([hot?.executionName]);
      const input = pipeline.started.get(hot?.executionName ?? '');
      expect(input).toMatchObject({
        services: ['prod/hot'],
        trigger: 'forecast-trigger',
        decision: { recommendedTier: 'hot' },
      });
      // The input must be what the clone-validate-store state machine's first step accepts.
      expect(CloneSelectEvent.safeParse(input).success).toBe(true);
      const cpu = summary.series.find((s) => s.service === 'prod/hot' && s.metric === 'cpu');
      expect(cpu).toMatchObject({
        status: 'forecast',
        nextTimestamp: '2024-05-01T10:00:00.000Z',
        lastActualTimestamp: '2024-05-01T09:00:00.000Z',
        stagingCopied: true,
      });
      expect(cpu?.nextP90).toBeGreaterThanOrEqual(cpu?.nextP50 ?? Number.POSITIVE_INFINITY);
    });

    it('starts the pipeline once when the same cycle is retried', async () => {
      // Arrange
      const { deps, pipeline } = setup();
      await runForecastCycle(deps, config, { asOf: AS_OF });

      // Act
      const retry = await runForecastCycle(deps, config, { asOf: AS_OF + 20 * 60_000 });

      // Assert
      expect(pipeline.started.size).toBe(1);
      expect(retry).toMatchObject({ pipelinesStarted: 0, pipelinesAlreadyStarted: 1 });
    });

    it('forecasts only the services asked for', async () => {
      const { deps, primary } = setup();
      const summary = await runForecastCycle(deps, config, {
        asOf: AS_OF,
        services: ['prod/calm'],
      });
      expect(summary.seriesTotal).toBe(1);
      expect(primary.forecasts.map((f) => f.service)).toEqual(['prod/calm']);
    });

    it('applies an event only to the service and metric it names', async () => {
      // Arrange
      const sale = {
        name: 'sale',
        start: '2024-05-01T14:00:00Z',
        end: '2024-05-01T18:00:00Z',
        multiplier: 2,
        services: ['prod/calm'],
        metrics: ['cpu' as const],
      };
      const { deps: plainDeps, primary: plain } = setup();
      const { deps: eventDeps, primary: lifted } = setup();

      // Act
      await runForecastCycle(plainDeps, config, { asOf: AS_OF });
      await runForecastCycle(eventDeps, { ...config, events: [sale] }, { asOf: AS_OF });

      // Assert
      const median = (repo: MemoryForecastRepository, service: string, metric: string) =>
        repo.forecasts.find((f) => f.service === service && f.metric === metric)?.quantiles[
          '0.5'
        ] ?? [];
      const before = median(plain, 'prod/calm', 'cpu');
      const after = median(lifted, 'prod/calm', 'cpu');
      expect(after[5] ?? 0).toBeCloseTo(2 * (before[5] ?? 0), 6); // 15:00, inside the sale
      expect(after[1]).toBeCloseTo(before[1] ?? 0, 9); // 11:00, before it
      expect(median(lifted, 'prod/hot', 'cpu')).toEqual(median(plain, 'prod/hot', 'cpu'));
    });
  });

  describe('Method: runForecastCycle (failures)', () => {
    it('keeps going when one series has no data and another too little history', async () => {
      // Arrange
      const { deps, primary } = setup();
      const withBad: ForecastCycleConfig = {
        ...config,
        services: [
          ...config.services,
          { ref: { cluster: 'prod', service: 'empty' }, metrics: ['cpu'], trigger },
          { ref: { cluster: 'prod', service: 'short' }, metrics: ['cpu'] },
        ],
      };

      // Act
      const summary = await runForecastCycle(deps, withBad, { asOf: AS_OF });

      // Assert
      expect(summary).toMatchObject({ seriesTotal: 5, seriesForecast: 3, seriesFailed: 2 });
      expect(summary.series.find((s) => s.service === 'prod/empty')?.error).toMatch(
        /no datapoints/,
      );
      expect(summary.series.find((s) => s.service === 'prod/short')?.error).toMatch(
        /ForecastInputError/,
      );
      expect(primary.forecasts).toHaveLength(3);
      expect(summary.decisions.map((d) => d.service)).toEqual(['prod/hot', 'prod/calm']);
    });

    it('counts a failed staging copy without failing the series', async () => {
      // Arrange
      const { deps, staging, primary } = setup();
      staging.failWith = new Error('staging region unreachable');

      // Act
      const summary = await runForecastCycle(deps, config, { asOf: AS_OF });

      // Assert
      expect(summary).toMatchObject({
        seriesForecast: 3,
        stagingCopyFailures: 3,
        pipelinesStarted: 1,
      });
      expect(primary.forecasts).toHaveLength(3);
      expect(summary.series.every((s) => s.stagingCopied === false)).toBe(true);
    });

    it('still starts a fired pipeline when the decision cannot be recorded, and says so', async () => {
      // Arrange
      const { deps, primary, pipeline } = setup();
      const put = primary.put.bind(primary);
      primary.putDecision = async () => {
        throw new Error('table throttled');
      };
      primary.put = put;

      // Act
      const summary = await runForecastCycle(deps, config, { asOf: AS_OF });

      // Assert
      expect(summary).toMatchObject({ decisionRecordFailures: 2, decisionsRecorded: 0 });
      expect(pipeline.started.size).toBe(1);
    });

    it('reports a pipeline that could not start', async () => {
      const { deps } = setup({
        pipeline: {
          start: async () => {
            throw new Error('AccessDenied');
          },
        },
      });
      const summary = await runForecastCycle(deps, config, { asOf: AS_OF });
      expect(summary.pipelineStartFailures).toBe(1);
      expect(summary.decisions.find((d) => d.fired)?.startError).toMatch(/AccessDenied/);
    });

    it('fails the cycle when the one batched history read fails', async () => {
      const { deps } = setup({
        metrics: {
          getSeries: async () => {
            throw new Error('GetMetricData unavailable');
          },
        },
      });
      await expect(runForecastCycle(deps, config, { asOf: AS_OF })).rejects.toThrow(
        'GetMetricData unavailable',
      );
    });
  });
});
