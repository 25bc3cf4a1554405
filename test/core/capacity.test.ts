import fc from 'fast-check';
import {
  type DemandSignal,
  desiredCount,
  desiredCountFromForecasts,
  quantilePeak,
  taskCapacityOf,
} from '../../functions/core/capacity';
import { ValidationError } from '../../functions/core/errors';
import type { Forecast } from '../../functions/core/model';

const task = { cpuUnits: 512, memoryMiB: 1024, requestsPerTask: 600 };

describe('Function: desiredCount', () => {
  describe('Method: desiredCount (formula)', () => {
    it('turns service CPU % at the current task count into tasks at the target utilisation', () => {
      // Arrange: 90 % of 4 tasks = 3.6 tasks' worth of CPU; at 60 % each → 6 tasks.
      const signals: DemandSignal[] = [{ kind: 'cpu-percent', percent: 90, runningTasks: 4 }];

      // Act
      const result = desiredCount({
        signals,
        task,
        targetUtilization: 0.6,
        minCount: 1,
        maxCount: 20,
      });

      // Assert
      expect(result).toMatchObject({ desiredCount: 6, unbounded: 6, binding: 'cpu-percent' });
    });

    it('uses per-task CPU units, memory and request capacity', () => {
      // Act
      const result = desiredCount({
        signals: [
          { kind: 'cpu-units', units: 2048 }, // 2048 / (512 × 0.5) = 8
          { kind: 'memory-mib', mib: 3000 }, // 3000 / (1024 × 0.5) = 5.9 → 6
          { kind: 'requests', requests: 5400 }, // 5400 / (600 × 0.5) = 18
        ],
        task,
        targetUtilization: 0.5,
        minCount: 1,
        maxCount: 50,
      });

      // Assert
      expect(result.desiredCount).toBe(18);
      expect(result.binding).toBe('requests');
      expect(result.perSignal.map((s) => Math.ceil(s.tasks - 1e-9))).toEqual([8, 6, 18]);
    });

    it('clamps to min and max and says which bound applied', () => {
      const low = desiredCount({
        signals: [],
        task,
        targetUtilization: 0.6,
        minCount: 2,
        maxCount: 5,
      });
      const high = desiredCount({
        signals: [{ kind: 'cpu-percent', percent: 400, runningTasks: 10 }],
        task,
        targetUtilization: 0.6,
        minCount: 2,
        maxCount: 5,
      });
      expect(low).toMatchObject({ desiredCount: 2, clampedBy: 'min' });
      expect(high).toMatchObject({ desiredCount: 5, clampedBy: 'max', unbounded: 67 });
    });

    it('names every bad field', () => {
      // Act
      const act = () =>
        desiredCount({
          signals: [{ kind: 'memory-mib', mib: -1 }],
          task: {},
          targetUtilization: 1.5,
          minCount: 3,
          maxCount: 2,
        });

      // Assert
      expect(act).toThrow(ValidationError);
      expect(act).toThrow(/targetUtilization.*maxCount|maxCount.*targetUtilization/);
      expect(act).toThrow(/task\.memoryMiB/);
    });
  });

  describe('Method: desiredCount (properties)', () => {
    const bounds = fc
      .tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }))
      .map(([a, b]) => ({ minCount: Math.min(a, b), maxCount: Math.max(a, b) }));
    const target = fc.double({ min: 0.05, max: 1, noNaN: true });

    it('stays within [min, max]', () => {
      fc.assert(
        fc.property(
          fc.double({ min: 0, max: 1e6, noNaN: true }),
          fc.integer({ min: 0, max: 500 }),
          bounds,
          target,
          (percent, runningTasks, b, targetUtilization) => {
            const { desiredCount: n } = desiredCount({
              signals: [{ kind: 'cpu-percent', percent, runningTasks }],
              task,
              targetUtilization,
              ...b,
            });
            expect(Number.isInteger(n)).toBe(true);
            expect(n).toBeGreaterThanOrEqual(b.minCount);
            expect(n).toBeLessThanOrEqual(b.maxCount);
          },
        ),
      );
    });

    it('never decreases when demand grows', () => {
      fc.assert(
        fc.property(
          fc.double({ min: 0, max: 1e5, noNaN: true }),
          fc.double({ min: 0, max: 1e5, noNaN: true }),
          fc.double({ min: 0, max: 1e5, noNaN: true }),
          bounds,
          target,
          (units, extra, mib, b, targetUtilization) => {
            const count = (u: number) =>
              desiredCount({
                signals: [
                  { kind: 'cpu-units', units: u },
                  { kind: 'memory-mib', mib },
                ],
                task,
                targetUtilization,
                ...b,
              }).desiredCount;
            expect(count(units + extra)).toBeGreaterThanOrEqual(count(units));
          },
        ),
      );
    });

    it('serves the demand at the target when the bounds allow', () => {
      fc.assert(
        fc.property(fc.double({ min: 1e-3, max: 1e5, noNaN: true }), target, (units, t) => {
          const { desiredCount: n } = desiredCount({
            signals: [{ kind: 'cpu-units', units }],
            task,
            targetUtilization: t,
            minCount: 0,
            maxCount: 1e9,
          });
          expect(n * task.cpuUnits * t).toBeGreaterThanOrEqual(units * (1 - 1e-9));
        }),
      );
    });
  });
});

describe('Function: taskCapacityOf', () => {
  it('reads task-level CPU and memory, else sums the containers', () => {
    expect(
      taskCapacityOf({ family: 'web', cpu: '1024', memory: '2048', containerDefinitions: [] }),
    ).toEqual({ cpuUnits: 1024, memoryMiB: 2048 });
    expect(
      taskCapacityOf(
        {
          family: 'web',
          containerDefinitions: [
            { name: 'a', image: 'a', cpu: 256, memory: 512 },
            { name: 'b', image: 'b', cpu: 128, memoryReservation: 256 },
          ],
        },
        300,
      ),
    ).toEqual({ cpuUnits: 384, memoryMiB: 768, requestsPerTask: 300 });
  });
});

describe('Function: desiredCountFromForecasts', () => {
  const forecast = (metric: Forecast['metric'], p90: number[]): Forecast => ({
    service: 'shop/web',
    metric,
    generatedAt: '2024-05-01T10:00:00.000Z',
    timestamps: p90.map((_, i) => new Date(Date.UTC(2024, 4, 1, 10 + i)).toISOString()),
    intervalSeconds: 3600,
    mean: p90,
    quantiles: { '0.5': p90.map((v) => v / 2), '0.9': p90 },
    model: 'm',
    warnings: [],
  });

  it('plans for the 0.9 quantile peak of CPU, memory and request rate', () => {
    // Act
    const result = desiredCountFromForecasts({
      forecasts: [
        forecast('cpu', [40, 90, 60]), // 0.9 × 4 / 0.6 = 6
        forecast('memory', [50, 50]), // 0.5 × 4 / 0.6 = 3.3 → 4
        forecast('requestRate', [300, 450]), // 450 per target × 4 = 1800 / (600 × 0.6) = 5
        forecast('networkIn', [1e9]),
      ],
      runningTasks: 4,
      task,
      targetUtilization: 0.6,
      minCount: 1,
      maxCount: 10,
    });

    // Assert
    expect(result.desiredCount).toBe(6);
    expect(result.perSignal.map((s) => s.kind)).toEqual([
      'cpu-percent',
      'memory-percent',
      'requests',
    ]);
  });

  it('refuses a quantile level the forecast does not have', () => {
    expect(() => quantilePeak(forecast('cpu', [1]), 0.95)).toThrow(/no 0\.95 quantile/);
  });
});

describe('Function: desiredCount (input errors and boundaries)', () => {
  const base = {
    signals: [{ kind: 'cpu-percent', percent: 90, runningTasks: 4 }] as DemandSignal[],
    task,
    targetUtilization: 0.6,
    minCount: 1,
    maxCount: 20,
  };

  /** The issues of the ValidationError `act` throws, or a failure when it throws nothing. */
  function issuesOf(act: () => unknown): readonly string[] {
    try {
      act();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).issues;
    }
    throw new Error('expected a ValidationError');
  }

  it.each<[string, Partial<typeof base>, string]>([
    ['a negative minCount', { minCount: -1 }, 'minCount -1 must be an integer ≥ 0'],
    ['a fractional minCount', { minCount: 1.5, maxCount: 20 }, 'minCount 1.5 must be an integer'],
    ['a maxCount below minCount', { minCount: 3, maxCount: 2 }, 'maxCount 2 must be an integer'],
    ['a zero target', { targetUtilization: 0 }, 'targetUtilization 0 must be in (0, 1]'],
    ['a target above 1', { targetUtilization: 1.01 }, 'targetUtilization 1.01 must be in (0, 1]'],
    ['a NaN target', { targetUtilization: Number.NaN }, 'targetUtilization NaN must be in'],
  ])('names %s', (_label, change, issue) => {
    // Act
    const issues = issuesOf(() => desiredCount({ ...base, ...change }));

    // Assert
    expect(issues).toEqual([expect.stringContaining(issue)]);
  });

  it('accepts a target of exactly 1 and a minCount of 0', () => {
    // Act
    const result = desiredCount({ ...base, targetUtilization: 1, minCount: 0 });

    // Assert: 0.9 × 4 / 1 = 3.6 → 4
    expect(result.desiredCount).toBe(4);
  });

  it.each<[string, DemandSignal, Partial<typeof task>, string]>([
    [
      'CPU units without task CPU',
      { kind: 'cpu-units', units: 10 },
      { cpuUnits: undefined },
      'task.cpuUnits must be a positive number (got undefined)',
    ],
    [
      'memory without task memory',
      { kind: 'memory-mib', mib: 10 },
      { memoryMiB: 0 },
      'task.memoryMiB must be a positive number (got 0)',
    ],
    [
      'requests without a per-task capacity',
      { kind: 'requests', requests: 10 },
      { requestsPerTask: -5 },
      'task.requestsPerTask must be a positive number (got -5)',
    ],
    [
      'negative CPU units',
      { kind: 'cpu-units', units: -1 },
      {},
      'cpu-units: units must be a finite number ≥ 0 (got -1)',
    ],
    [
      'infinite memory',
      { kind: 'memory-mib', mib: Number.POSITIVE_INFINITY },
      {},
      'memory-mib: mib must be a finite number ≥ 0 (got Infinity)',
    ],
    [
      'negative requests',
      { kind: 'requests', requests: -3 },
      {},
      'requests: requests must be a finite number ≥ 0 (got -3)',
    ],
    [
      'a NaN percentage',
      { kind: 'memory-percent', percent: Number.NaN, runningTasks: 2 },
      {},
      'memory-percent: percent must be a finite number ≥ 0 (got NaN)',
    ],
    [
      'negative running tasks',
      { kind: 'cpu-percent', percent: 50, runningTasks: -2 },
      {},
      'cpu-percent: runningTasks must be a finite number ≥ 0 (got -2)',
    ],
  ])('names the field for %s', (_label, signal, taskChange, issue) => {
    // Act
    const issues = issuesOf(() =>
      desiredCount({ ...base, signals: [signal], task: { ...task, ...taskChange } }),
    );

    // Assert
    expect(issues).toEqual([issue]);
  });

  it('accepts zero demand and gives the minimum', () => {
    // Act
    const result = desiredCount({
      ...base,
      minCount: 2,
      signals: [
        { kind: 'cpu-units', units: 0 },
        { kind: 'memory-percent', percent: 0, runningTasks: 0 },
      ],
    });

    // Assert
    expect(result).toMatchObject({ desiredCount: 2, unbounded: 0, clampedBy: 'min' });
  });

  it('reports no clamp when the demand lands exactly on min or max', () => {
    // Act: 0.9 × 4 / 0.6 = 6 tasks
    const onMin = desiredCount({ ...base, minCount: 6, maxCount: 10 });
    const onMax = desiredCount({ ...base, minCount: 1, maxCount: 6 });
    const overMax = desiredCount({ ...base, minCount: 1, maxCount: 5 });

    // Assert
    expect(onMin).toEqual(expect.objectContaining({ desiredCount: 6, unbounded: 6 }));
    expect(onMin).not.toHaveProperty('clampedBy');
    expect(onMax).not.toHaveProperty('clampedBy');
    expect(overMax).toMatchObject({ desiredCount: 5, clampedBy: 'max' });
  });

  it('names the first of two signals that need the same count as binding', () => {
    // Act: both need 8 tasks (2048 / (512 × 0.5) and 4096 / (1024 × 0.5)).
    const result = desiredCount({
      ...base,
      targetUtilization: 0.5,
      signals: [
        { kind: 'memory-mib', mib: 4096 },
        { kind: 'cpu-units', units: 2048 },
      ],
    });

    // Assert
    expect(result).toMatchObject({ desiredCount: 8, binding: 'memory-mib' });
  });
});

describe('Function: taskCapacityOf (absent capacity)', () => {
  it('leaves out CPU and memory nobody declared, and a request capacity not given', () => {
    // Act
    const capacity = taskCapacityOf({
      family: 'web',
      containerDefinitions: [{ name: 'a', image: 'a' }],
    });

    // Assert
    expect(capacity).toEqual({});
  });
});

describe('Function: desiredCountFromForecasts (request rate)', () => {
  const forecast = (metric: Forecast['metric'], p90: number[]): Forecast => ({
    service: 'shop/web',
    metric,
    generatedAt: '2024-05-01T10:00:00.000Z',
    timestamps: p90.map((_, i) => new Date(Date.UTC(2024, 4, 1, 10 + i)).toISOString()),
    intervalSeconds: 3600,
    mean: p90,
    quantiles: { '0.5': p90.map((v) => v / 2), '0.9': p90 },
    model: 'm',
    warnings: [],
  });
  const input = {
    runningTasks: 4,
    task,
    targetUtilization: 0.5,
    minCount: 1,
    maxCount: 50,
  };

  it('multiplies a per-target request rate by the running tasks by default', () => {
    // Act: 600 per target × 4 = 2400 / (600 × 0.5) = 8
    const result = desiredCountFromForecasts({
      ...input,
      forecasts: [forecast('requestRate', [600])],
    });

    // Assert
    expect(result).toMatchObject({ desiredCount: 8, binding: 'requests' });
  });

  it('takes a total request rate as it is when it is not per target', () => {
    // Act: 600 total / (600 × 0.5) = 2
    const result = desiredCountFromForecasts({
      ...input,
      forecasts: [forecast('requestRate', [600])],
      requestRatePerTarget: false,
    });

    // Assert
    expect(result.desiredCount).toBe(2);
  });

  it('ignores the request rate when the task declares no request capacity', () => {
    // Act
    const result = desiredCountFromForecasts({
      ...input,
      task: { cpuUnits: 512, memoryMiB: 1024 },
      forecasts: [forecast('requestRate', [1e6])],
    });

    // Assert
    expect(result).toMatchObject({ desiredCount: 1, perSignal: [] });
  });

  it('lists the levels a forecast has when the planned one is missing', () => {
    // Act
    let issues: readonly string[] = [];
    try {
      quantilePeak(forecast('cpu', [1]), 0.95);
    } catch (error) {
      issues = (error as ValidationError).issues;
    }

    // Assert
    expect(issues).toEqual(['levels present: 0.5, 0.9']);
  });
});
