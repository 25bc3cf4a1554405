import { backtestOrigins, horizonMae } from '../../../functions/core/forecast/backtest';
import {
  calibrateFromDifferences,
  calibrateFromErrors,
  zQuantile,
} from '../../../functions/core/forecast/calibrate';
import { eventMultipliers } from '../../../functions/core/forecast/events';
import { isotonicIncreasing, quantileOf } from '../../../functions/core/forecast/stats';

describe('Function: calibrateFromErrors', () => {
  it('gives non-decreasing step scales and a conformally widened tail', () => {
    // Arrange: errors grow with the step; 10 origins × 4 steps.
    const h = 4;
    const errors = new Float64Array(10 * h);
    for (let i = 0; i < 10; i++) {
      for (let k = 0; k < h; k++) errors[i * h + k] = (i % 2 ? 1 : -1) * (k + 1) * (1 + i / 10);
    }

    // Act
    const cal = calibrateFromErrors(errors, 10, h, 1e-9);

    // Assert
    for (let k = 1; k < h; k++)
      expect(cal.scales[k]).toBeGreaterThanOrEqual(cal.scales[k - 1] ?? 0);
    expect(cal.effective).toBe(10);
    expect(zQuantile(cal, 0.975)).toBe(cal.z[cal.z.length - 1]);
    expect(zQuantile(cal, 0.1)).toBeLessThan(zQuantile(cal, 0.9));
  });

  it('ignores unknown (NaN) errors', () => {
    // Arrange
    const errors = Float64Array.from([1, Number.NaN, -1, Number.NaN]);

    // Act
    const cal = calibrateFromErrors(errors, 2, 2, 1e-9);

    // Assert
    expect(cal.z).toHaveLength(2);
  });
});

describe('Function: calibrateFromDifferences', () => {
  it('uses the seasonal differences at every step', () => {
    // Arrange
    const y = [1, 2, 3, 2, 3, 4];

    // Act
    const cal = calibrateFromDifferences(y, 3, 5, 1e-9);

    // Assert
    expect(Array.from(cal.scales)).toEqual([1, 1, 1, 1, 1]);
    expect(cal.source).toBe('seasonal-differences');
  });
});

describe('Function: backtestOrigins', () => {
  it('spreads origins over the last week and keeps two days to fit', () => {
    // Act
    const long = backtestOrigins(672, 24, 24, 24);
    const short = backtestOrigins(72, 24, 24, 24);

    // Assert
    expect(long[0]).toBe(672 - 168);
    expect(long.length).toBeLessThanOrEqual(24);
    expect(short[0]).toBe(48);
    expect(backtestOrigins(48, 24, 24, 24)).toEqual([]);
  });
});

describe('Function: horizonMae', () => {
  it('averages per step first, and honours the origin filter', () => {
    // Arrange: 2 origins × 2 steps; the second step is known for one origin only.
    const errors = Float64Array.from([1, 4, 3, Number.NaN]);

    // Act
    const all = horizonMae(errors, 2, 2);
    const firstOnly = horizonMae(errors, 2, 2, (i) => i === 0);

    // Assert
    expect(all).toBe((2 + 4) / 2);
    expect(firstOnly).toBe((1 + 4) / 2);
  });
});

describe('Function: eventMultipliers', () => {
  it('multiplies overlapping events over [start, end)', () => {
    // Arrange
    const start = Date.parse('2026-01-01T00:00:00Z');
    const events = [
      { name: 'a', start: '2026-01-01T01:00:00Z', end: '2026-01-01T03:00:00Z', multiplier: 2 },
      { name: 'b', start: '2026-01-01T02:00:00Z', end: '2026-01-01T04:00:00Z', multiplier: 1.5 },
    ];

    // Act
    const m = eventMultipliers(events, start, 3600, 5);

    // Assert
    expect(Array.from(m)).toEqual([1, 2, 3, 1.5, 1]);
  });
});

describe('Function: isotonicIncreasing', () => {
  it('pools adjacent violators', () => {
    // Act
    const out = isotonicIncreasing([1, 3, 2, 4]);

    // Assert
    expect(Array.from(out)).toEqual([1, 2.5, 2.5, 4]);
    expect(quantileOf([3, 1, 2, Number.NaN], 0.5)).toBe(2);
  });
});

describe('Function: calibrateFromErrors (dependence)', () => {
  it('finds a common factor when whole trajectories run high or low', () => {
    // Arrange: each origin's errors are one offset for the whole horizon.
    const h = 12;
    const origins = 20;
    const errors = new Float64Array(origins * h);
    for (let i = 0; i < origins; i++) for (let k = 0; k < h; k++) errors[i * h + k] = (i % 5) - 2;

    // Act
    const cal = calibrateFromErrors(errors, origins, h, 1e-9);

    // Assert
    expect(cal.rho).toBeGreaterThan(0.9);
    expect(cal.common).toBeGreaterThan(0.9);
    expect(cal.common).toBeLessThanOrEqual(cal.rho);
  });

  it('finds no common factor in alternating errors', () => {
    // Arrange
    const h = 12;
    const errors = Float64Array.from({ length: 10 * h }, (_, j) => (j % 2 ? 1 : -1));

    // Act
    const cal = calibrateFromErrors(errors, 10, h, 1e-9);

    // Assert
    expect(cal.rho).toBe(0);
    expect(cal.common).toBe(0);
  });
});

describe('Function: calibrateFromErrors (horizon and isotonic step)', () => {
  /** `origins` trajectories whose error at step k is ±abs[k], alternating sign by origin. */
  function alternating(abs: readonly number[], origins: number): Float64Array {
    const h = abs.length;
    const errors = new Float64Array(origins * h);
    for (let i = 0; i < origins; i++) {
      for (let k = 0; k < h; k++) errors[i * h + k] = (i % 2 ? 1 : -1) * (abs[k] ?? Number.NaN);
    }
    return errors;
  }

  /** The central interval's width at each step, as the engine builds it: scale × z spread. */
  function widths(cal: ReturnType<typeof calibrateFromErrors>, lo: number, hi: number): number[] {
    const spread = zQuantile(cal, hi) - zQuantile(cal, lo);
    return Array.from(cal.scales, (scale) => scale * spread);
  }

  it('widens the intervals with the horizon when errors grow with the step', () => {
    // Arrange: 12 origins, |error| 1, 2, 3, 4, 5 at steps 1..5.
    const cal = calibrateFromErrors(alternating([1, 2, 3, 4, 5], 12), 12, 5, 1e-9);

    // Act
    const w80 = widths(cal, 0.1, 0.9);

    // Assert: strictly wider at every further step, for a non-degenerate interval.
    expect(w80[0]).toBeGreaterThan(0);
    for (let k = 1; k < w80.length; k++) {
      expect(w80[k]).toBeGreaterThan(w80[k - 1] ?? Number.POSITIVE_INFINITY);
    }
    // Each step's scale is its MAE shrunk toward the growth curve a·(k+1)^b fitted to all
    // steps, which these MAEs (k+1) fit exactly (a = 1, b = 1): so the MAEs themselves, where
    // shrinking toward the pooled MAE (3) would widen step 1 by half and narrow step 5.
    expect(Array.from(cal.scales)).toEqual([1, 2, 3, 4, 5].map((v) => expect.closeTo(v, 12)));
  });

  it('keeps widening beyond the backtest reach by the square root of the step', () => {
    // Arrange: errors known for steps 1 and 2 only; steps 3 and 4 never observed.
    const errors = alternating([1, 2, Number.NaN, Number.NaN], 8);

    // Act
    const cal = calibrateFromErrors(errors, 8, 4, 1e-9);

    // Assert
    const last = cal.scales[1] ?? 0;
    expect(last).toBeGreaterThan(cal.scales[0] ?? 0);
    expect(cal.scales[2]).toBeCloseTo(last * Math.sqrt(3 / 2), 12);
    expect(cal.scales[3]).toBeCloseTo(last * Math.sqrt(4 / 2), 12);
    expect(cal.z).toHaveLength(16);
  });

  it('pools a step whose errors dip below the one before it (isotonic), so intervals never narrow', () => {
    // Arrange: |error| 1, 3, 2 at steps 1..3 over 4 origins. The growth curve fitted to the
    // log MAEs is (k+1)^0.7337 · 1.1724 = 1.1724, 1.9496, 2.6250; shrunk per-step scales
    // (4·mae + 4·curve) / 8 = 1.0862, 2.4748, 2.3125 — a dip the isotonic step pools to 2.3936.
    const cal = calibrateFromErrors(alternating([1, 3, 2], 4), 4, 3, 1e-9);
    const pooled = (2.474783164461529 + 2.312500492324866) / 2;

    // Act
    const scales = Array.from(cal.scales);
    const w = widths(cal, 0.25, 0.75);

    // Assert
    expect(scales).toEqual([1.0862107368245217, pooled, pooled].map((v) => expect.closeTo(v, 12)));
    expect(w[2]).toBeCloseTo(w[1] ?? Number.NaN, 12);
    expect(w[1]).toBeGreaterThan(w[0] ?? Number.POSITIVE_INFINITY);
    // The standardised errors are divided by the pooled scales, not the raw ones.
    const z = [1 / 1.0862107368245217, 3 / pooled, 2 / pooled]
      .flatMap((v) => [-v, -v, v, v])
      .sort((a, b) => a - b);
    expect(Array.from(cal.z)).toEqual(z.map((v) => expect.closeTo(v, 12)));
  });

  it('never lets a scale fall below the floor', () => {
    // Act
    const cal = calibrateFromErrors(alternating([0, 0, 0], 6), 6, 3, 0.5);

    // Assert
    expect(Array.from(cal.scales)).toEqual([0.5, 0.5, 0.5]);
    expect(cal.rho).toBe(0);
    expect(cal.common).toBe(0);
  });

  it('falls back to the floor as the pooled scale when no error is known', () => {
    // Act
    const cal = calibrateFromErrors(new Float64Array(6).fill(Number.NaN), 2, 3, 0.25);

    // Assert
    expect(Array.from(cal.scales)).toEqual([0.25, 0.25, 0.25]);
    expect(cal.z).toHaveLength(0);
    expect(zQuantile(cal, 0.9)).toBe(0);
  });
});

describe('Function: zQuantile', () => {
  it('widens the level by (n + 1) / n around the median, clamped to [0, 1]', () => {
    // Arrange: 4 origins → n = 4, z = -2, -1, 1, 2 (two of each per step would repeat them).
    const cal = {
      ...calibrateFromErrors(Float64Array.from([-2, -1, 1, 2]), 4, 1, 1e-9),
      z: Float64Array.from([-2, -1, 1, 2]),
    };

    // Act / Assert: τ 0.75 → 0.5 + 0.25 · 5/4 = 0.8125 → position 2.4375 between 1 and 2.
    expect(cal.effective).toBe(4);
    expect(zQuantile(cal, 0.75)).toBeCloseTo(1 + 0.4375, 12);
    expect(zQuantile(cal, 0.25)).toBeCloseTo(-(1 + 0.4375), 12);
    expect(zQuantile(cal, 0.5)).toBeCloseTo(0, 12);
    expect(zQuantile(cal, 0.9)).toBe(2);
    expect(zQuantile(cal, 0.1)).toBe(-2);
  });
});
