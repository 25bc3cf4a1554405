import fc from 'fast-check';
import { ValidationError } from '../../../functions/core/errors';
import { forecast } from '../../../functions/core/forecast/engine';
import { ForecastInputError } from '../../../functions/core/forecast/errors';
import { exceedance } from '../../../functions/core/forecast/exceedance';
import { DEFAULT_QUANTILES, type ForecastInput } from '../../../functions/core/forecast/types';
import { minimumHistory } from '../../../functions/core/forecast/validate';
import { dailySeries, HOUR, START } from './support';

const input = (values: (number | null)[], extra: Partial<ForecastInput> = {}): ForecastInput => ({
  start: START,
  intervalSeconds: HOUR,
  values,
  horizon: 24,
  samplePaths: 200,
  ...extra,
});

const expectNonCrossing = (q: ReadonlyMap<number, readonly number[]>, h: number): void => {
  const levels = [...q.keys()].sort((a, b) => a - b);
  for (let k = 0; k < h; k++) {
    for (let i = 1; i < levels.length; i++) {
      expect(q.get(levels[i] ?? 0)?.[k]).toBeGreaterThanOrEqual(
        q.get(levels[i - 1] ?? 0)?.[k] ?? Number.NaN,
      );
    }
  }
};

describe('Function: forecast', () => {
  describe('Method: forecast (shape and calibration)', () => {
    it('returns every quantile level, timestamps after the history, and joint paths', () => {
      // Arrange
      const values = dailySeries(14);

      // Act
      const r = forecast(input(values));

      // Assert
      expect([...r.quantiles.keys()]).toEqual([...DEFAULT_QUANTILES]);
      expect(r.timestamps[0]).toBe(START + values.length * HOUR * 1000);
      expect(r.timestamps).toHaveLength(24);
      expect(r.mean).toHaveLength(24);
      expect(r.paths).toHaveLength(200);
      expect(r.paths[0]).toHaveLength(24);
      expectNonCrossing(r.quantiles, 24);
      expect(r.model.length).toBeGreaterThan(0);
    });

    it('covers the true continuation of a noisy daily cycle with its 95% interval', () => {
      // Arrange
      const all = dailySeries(15, 50, 20, 3, 11);
      const history = all.slice(0, 14 * 24);
      const truth = all.slice(14 * 24);

      // Act
      const r = forecast(input(history));

      // Assert
      const lo = r.quantiles.get(0.025) ?? [];
      const hi = r.quantiles.get(0.975) ?? [];
      const inside = truth.filter((v, k) => v >= (lo[k] ?? 0) && v <= (hi[k] ?? 0)).length;
      expect(inside).toBeGreaterThanOrEqual(20);
      const med = r.quantiles.get(0.5) ?? [];
      expect(Math.abs((med[6] ?? 0) - 70)).toBeLessThan(6);
    });

    it('uses only the recent five weeks of a long history, with timestamps after all of it', () => {
      // Arrange
      const values = dailySeries(50);

      // Act
      const r = forecast(input(values));

      // Assert
      expect(r.timestamps[0]).toBe(START + values.length * HOUR * 1000);
      expect(r.warnings).toContain(`only the last ${35 * 24} of ${values.length} points used`);
    });

    it('is deterministic for a seed', () => {
      // Arrange
      const values = dailySeries(7);

      // Act
      const a = forecast(input(values, { seed: 42 }));
      const b = forecast(input(values, { seed: 42 }));

      // Assert
      expect(Array.from(a.paths[3] ?? [])).toEqual(Array.from(b.paths[3] ?? []));
      expect(a.quantiles.get(0.9)).toEqual(b.quantiles.get(0.9));
    });
  });

  describe('Method: forecast (robustness)', () => {
    it('forecasts a constant series as that constant with zero width', () => {
      // Arrange
      const values = new Array<number>(72).fill(5);

      // Act
      const r = forecast(input(values));

      // Assert
      expect(r.quantiles.get(0.025)?.every((v) => Math.abs(v - 5) < 1e-6)).toBe(true);
      expect(r.quantiles.get(0.975)?.every((v) => Math.abs(v - 5) < 1e-6)).toBe(true);
    });

    it.each([1e200, 1e-200])('stays finite for values of magnitude %p', (scale) => {
      // Arrange
      const values = dailySeries(5).map((v) => v * scale);

      // Act
      const r = forecast(input(values));

      // Assert
      for (const row of r.quantiles.values()) expect(row.every(Number.isFinite)).toBe(true);
      expect(r.mean.every(Number.isFinite)).toBe(true);
      expect(r.model.split('+').length).toBeLessThanOrEqual(3);
    });

    it('fills gaps and says so', () => {
      // Arrange
      const values: (number | null)[] = dailySeries(10);
      for (let i = 100; i < 130; i++) values[i] = null;

      // Act
      const r = forecast(input(values));

      // Assert
      expect(r.warnings.some((w) => w.includes('30 missing points'))).toBe(true);
      expect(r.quantiles.get(0.5)?.every(Number.isFinite)).toBe(true);
    });

    it('never goes negative for a near-zero series unless allowed', () => {
      // Arrange: a utilisation near zero, never below it (as CloudWatch reports one).
      const values = dailySeries(7, 0.5, 0.4, 0.3).map((v) => (v === null ? v : Math.max(0, v)));

      // Act
      const clamped = forecast(input(values));
      const free = forecast(input(values, { nonNegative: false }));

      // Assert
      expect(clamped.quantiles.get(0.025)?.every((v) => v >= 0)).toBe(true);
      expect(clamped.paths.every((p) => p.every((v) => v >= 0))).toBe(true);
      expect(free.quantiles.get(0.025)?.some((v) => v < 0)).toBe(true);
    });

    it('does not clamp a history that has negative values, and says so', () => {
      // Arrange: a delta swinging around zero is no demand metric.
      const values = dailySeries(7, 0, 5, 0.5);

      // Act
      const r = forecast(input(values));

      // Assert
      expect(r.quantiles.get(0.025)?.some((v) => v < 0)).toBe(true);
      expect(r.warnings.some((w) => /negative value\(s\).*not clamped at 0/.test(w))).toBe(true);
    });

    it('clamps a history with negative values when told to, and says so', () => {
      // Act
      const r = forecast(input(dailySeries(7, 0, 5, 0.5), { nonNegative: true }));

      // Assert
      expect(r.quantiles.get(0.025)?.every((v) => v >= 0)).toBe(true);
      expect(r.warnings.some((w) => /clamped at 0 as asked/.test(w))).toBe(true);
    });

    it('warns that a constant history gives zero-width intervals', () => {
      // Act
      const r = forecast(input(new Array<number>(24 * 7).fill(7)));

      // Assert
      expect(r.warnings.some((w) => /history is constant \(7\)/.test(w))).toBe(true);
    });

    it('follows a level shift in the last hours instead of treating it as outliers', () => {
      // Arrange
      const values = dailySeries(10, 30, 0.5, 0.5);
      for (let i = values.length - 10; i < values.length; i++) values[i] = (values[i] ?? 0) + 60;

      // Act
      const r = forecast(input(values));

      // Assert
      expect(r.quantiles.get(0.5)?.[0]).toBeGreaterThan(80);
      expect(r.warnings.some((w) => w.includes('level shift'))).toBe(true);
    });

    it('falls back to seasonal differences when the history is too short to backtest', () => {
      // Arrange
      const values = dailySeries(2);

      // Act
      const r = forecast(input(values));

      // Assert
      expect(r.warnings.some((w) => w.includes('too short to backtest'))).toBe(true);
      expectNonCrossing(r.quantiles, 24);
    });
  });

  describe('Method: forecast (scheduled events)', () => {
    it('lifts the forecast inside the event window and not outside it', () => {
      // Arrange
      const values = dailySeries(14);
      const horizonStart = START + values.length * HOUR * 1000;
      const event = {
        name: 'launch',
        start: new Date(horizonStart + 6 * HOUR * 1000).toISOString(),
        end: new Date(horizonStart + 12 * HOUR * 1000).toISOString(),
        multiplier: 2,
      };

      // Act
      const base = forecast(input(values));
      const lifted = forecast(input(values, { events: [event] }));

      // Assert
      const b = base.quantiles.get(0.5) ?? [];
      const l = lifted.quantiles.get(0.5) ?? [];
      for (let k = 6; k < 12; k++) expect(l[k]).toBeCloseTo(2 * (b[k] ?? 0), 6);
      for (const k of [0, 5, 12, 23]) expect(l[k]).toBeCloseTo(b[k] ?? 0, 6);
      expect(lifted.warnings.some((w) => w.includes('scheduled events scale 6'))).toBe(true);
    });
  });

  describe('Method: forecast (invalid input)', () => {
    it.each([
      ['too little history', input(dailySeries(1))],
      ['a non-finite value', input([...dailySeries(3).slice(0, 71), Number.NaN])],
      ['horizon below 1', input(dailySeries(3), { horizon: 0 })],
      ['a quantile outside (0, 1)', input(dailySeries(3), { quantiles: [0.5, 1] })],
      ['an unknown model', input(dailySeries(3), { models: ['nope' as never] })],
      [
        'a non-positive event multiplier',
        input(dailySeries(3), {
          events: [
            {
              name: 'x',
              start: '2026-01-01T00:00:00Z',
              end: '2026-01-02T00:00:00Z',
              multiplier: 0,
            },
          ],
        }),
      ],
    ])('throws ForecastInputError for %s', (_label, bad) => {
      // Act
      const act = (): unknown => forecast(bad);

      // Assert
      expect(act).toThrow(ForecastInputError);
      expect(act).toThrow(ValidationError);
    });

    it('names the minimum history in the error', () => {
      // Act
      const act = (): unknown => forecast(input(dailySeries(1)));

      // Assert
      expect(act).toThrow(/at least 48 are needed/);
      expect(minimumHistory(HOUR)).toBe(48);
    });
  });

  describe('Method: forecast (properties)', () => {
    it('gives finite, non-crossing quantiles of the right shape for any finite input', () => {
      fc.assert(
        fc.property(
          fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant(null)), {
            minLength: 48,
            maxLength: 200,
          }),
          fc.integer({ min: 1, max: 30 }),
          fc.boolean(),
          (raw, horizon, nonNegative) => {
            // Arrange: every even index observed, so any length >= 48 keeps the 24 observed
            // points the engine requires (every third left as few as 16: a rare but real failure).
            const values = raw.map((v, i) => (i % 2 === 0 ? (v ?? 1) : v));
            // Act
            const r = forecast(input(values, { horizon, nonNegative, samplePaths: 20 }));
            // Assert
            expect(r.timestamps).toHaveLength(horizon);
            for (const row of r.quantiles.values()) {
              expect(row).toHaveLength(horizon);
              expect(row.every(Number.isFinite)).toBe(true);
              if (nonNegative) expect(row.every((v) => v >= 0)).toBe(true);
            }
            expectNonCrossing(r.quantiles, horizon);
          },
        ),
        { numRuns: 25 },
      );
    });

    it('throws only ForecastInputError for arbitrary bad input, never a crash', () => {
      fc.assert(
        fc.property(
          fc.record({
            values: fc.array(fc.oneof(fc.double(), fc.constant(null)), { maxLength: 60 }),
            horizon: fc.integer({ min: -5, max: 30 }),
            quantiles: fc.option(fc.array(fc.double(), { maxLength: 4 }), { nil: undefined }),
            intervalSeconds: fc.oneof(fc.constant(3600), fc.double()),
          }),
          (rec) => {
            // Act
            let thrown: unknown;
            try {
              forecast({ start: START, samplePaths: 10, ...rec });
            } catch (error) {
              thrown = error;
            }
            // Assert
            if (thrown !== undefined) expect(thrown).toBeInstanceOf(ForecastInputError);
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});

describe('Function: exceedance', () => {
  it('gives per-step and anywhere-in-horizon probabilities consistent with the paths', () => {
    // Arrange
    const values = dailySeries(10, 50, 20, 4);
    const r = forecast(input(values, { samplePaths: 500 }));
    const q90 = r.quantiles.get(0.9) ?? [];

    // Act
    const low = exceedance(r, -1);
    const high = exceedance(r, 1e9);
    const mid = exceedance(r, q90[6] ?? 0);

    // Assert
    expect(low.anyStep).toBe(1);
    expect(high.anyStep).toBe(0);
    expect(mid.perStep[6]).toBeGreaterThan(0.03);
    expect(mid.perStep[6]).toBeLessThan(0.2);
    expect(mid.anyStep).toBeGreaterThanOrEqual(Math.max(...mid.perStep));
  });

  it('reads the marginal from the quantiles when there are no paths', () => {
    // Arrange
    const r = forecast(input(dailySeries(7)));
    const noPaths = { ...r, paths: [] };
    const median = r.quantiles.get(0.5)?.[0] ?? 0;

    // Act
    const ex = exceedance(noPaths, median);

    // Assert
    expect(ex.perStep[0]).toBeCloseTo(0.5, 6);
  });
});
