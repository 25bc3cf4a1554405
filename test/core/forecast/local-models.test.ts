/**
 * The non-seasonal candidates and the drift-aware preparation of issue 11: a local level and a
 * local damped trend follow what they should, a smooth drift is not read as a level shift, and
 * a ramp at the end of the history is neither re-levelled nor clipped.
 */
import { localLevel, localTrend } from '../../../functions/core/forecast/models/local';
import { prepareSeries } from '../../../functions/core/forecast/series';
import { HOUR, lcg } from './support';

const ones = (n: number): Float64Array => new Float64Array(n).fill(1);
const ctxOf = (values: number[]) => prepareSeries(values, HOUR, ones(values.length));

describe('Object: local models', () => {
  it('local-level forecasts the current level of a noisy flat series', () => {
    // Arrange
    const rand = lcg(2);
    const y = Array.from({ length: 240 }, () => 500 + (rand() - 0.5) * 4);

    // Act
    const [f] = localLevel.forecast(ctxOf(y), [240], 24);

    // Assert
    expect(f).toHaveLength(24);
    for (const v of f ?? []) expect(Math.abs(v - 500)).toBeLessThan(2);
  });

  it('local-trend carries a linear drift forward, damped but most of the way', () => {
    // Arrange: +10 per hour from 1e6, tiny noise.
    const rand = lcg(3);
    const y = Array.from({ length: 336 }, (_, t) => 1e6 + 10 * t + (rand() - 0.5));

    // Act
    const [f] = localTrend.forecast(ctxOf(y), [336], 24);

    // Assert: a flat forecast would be 240 short at step 24; the damped trend is far closer.
    const truth = 1e6 + 10 * (336 + 23);
    expect(Math.abs((f?.[23] ?? 0) - truth)).toBeLessThan(80);
    expect(f?.[23]).toBeGreaterThan(f?.[0] ?? Number.POSITIVE_INFINITY);
  });
});

describe('Function: prepareSeries (drift and ramps)', () => {
  it('finds no level shift in a smooth drift with a faint daily cycle', () => {
    // Arrange
    const y = Array.from(
      { length: 336 },
      (_, t) => 1e6 + 40 * t + 30 * Math.sin((2 * Math.PI * t) / 24),
    );

    // Act
    const ctx = ctxOf(y);

    // Assert
    expect(ctx.levelShift).toBeUndefined();
    expect(ctx.clipped).toBe(0);
  });

  it('keeps a ramp that starts in the last day as it is: no re-levelling, no clipping', () => {
    // Arrange: a daily cycle around 100, climbing 3 per hour over the last 24 hours.
    const rand = lcg(5);
    const y = Array.from({ length: 336 }, (_, t) => {
      const growth = t >= 312 ? (t - 312) * 3 : 0;
      return 100 + 20 * Math.sin((2 * Math.PI * t) / 24) + growth + (rand() - 0.5) * 6;
    });

    // Act
    const ctx = ctxOf(y);

    // Assert
    expect(ctx.levelShift).toBeUndefined();
    for (let i = 312; i < 336; i++) expect(ctx.y[i]).toBeCloseTo(y[i] ?? Number.NaN, 9);
  });

  it('still re-levels a step change in the last day', () => {
    // Arrange: a flat cycle that steps up by 50 for the last 10 hours.
    const rand = lcg(6);
    const y = Array.from(
      { length: 336 },
      (_, t) => 100 + 10 * Math.sin((2 * Math.PI * t) / 24) + (t >= 326 ? 50 : 0) + rand() - 0.5,
    );

    // Act
    const ctx = ctxOf(y);

    // Assert
    expect(ctx.levelShift?.at).toBe(326);
    expect(ctx.levelShift?.size).toBeGreaterThan(45);
  });
});
