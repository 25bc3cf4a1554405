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
