/**
 * The TBATS-class candidate: trigonometric daily and weekly states, a Box-Cox power chosen by
 * Guerrero's method, a trend only when it earns its parameters, and no look-ahead.
 */
import { forecast } from '../../../functions/core/forecast/engine';
import {
  boxCox,
  guerreroLambda,
  inverseBoxCox,
  tbats,
  tbatsForecasts,
} from '../../../functions/core/forecast/models/tbats';
import { prepareSeries } from '../../../functions/core/forecast/series';
import { HOUR, lcg, START } from './support';

const DAY = 24;
const WEEK = 168;
const ones = (n: number): Float64Array => new Float64Array(n).fill(1);
const ctxOf = (values: number[]) => prepareSeries(values, HOUR, ones(values.length));

/** Hourly demand with a daily peak and quieter weekends (days 5 and 6 of each week). */
function weekdayWeekend(steps: number, seed: number, level = 100): number[] {
  const rand = lcg(seed);
  return Array.from({ length: steps }, (_, t) => {
    const weekend = Math.floor(t / DAY) % 7 >= 5;
    const daily = 30 * Math.sin((2 * Math.PI * t) / DAY) + 10 * Math.cos((4 * Math.PI * t) / DAY);
    return (weekend ? 0.6 : 1) * (level + daily) + (rand() - 0.5) * 6;
  });
}

const meanAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return s / a.length;
};

describe('Function: tbatsForecasts', () => {
  it('forecasts the day after a weekday-to-weekend change, which a daily-only model would miss', () => {
    // Arrange: four weeks, the origin at the start of a Saturday (day 5 of week 4)
    const origin = 3 * WEEK + 5 * DAY;
    const y = weekdayWeekend(origin + DAY, 11);
    const truth = y.slice(origin, origin + DAY);
    const yesterday = y.slice(origin - DAY, origin);

    // Act
    const { forecasts, fit } = tbatsForecasts(y, DAY, WEEK, [origin], DAY);

    // Assert: weekly terms kept, and far closer than repeating Friday
    expect(fit.harmonics).toBeGreaterThan(2);
    const error = meanAbs(forecasts[0] ?? [], truth);
    expect(error).toBeLessThan(0.35 * meanAbs(yesterday, truth));
    expect(error).toBeLessThan(8);
  });

  it('never looks past an origin: later values change nothing at that origin', () => {
    // Arrange
    const origins = [2 * WEEK + 10, 2 * WEEK + 34];
    const y = weekdayWeekend(3 * WEEK, 13);
    const tampered = y.map((v, t) => (t >= (origins[1] ?? 0) ? v * 5 : v));

    // Act
    const a = tbatsForecasts(y, DAY, WEEK, origins, DAY).forecasts;
    const b = tbatsForecasts(tampered, DAY, WEEK, origins, DAY).forecasts;

    // Assert
    expect(Array.from(b[0] ?? [])).toEqual(Array.from(a[0] ?? []));
    expect(Array.from(b[1] ?? [])).toEqual(Array.from(a[1] ?? []));
  });

  it('keeps a trend for a steady ramp and none for a flat cycle', () => {
    // Arrange
    const rand = lcg(14);
    const ramp = Array.from(
      { length: 3 * WEEK },
      (_, t) => 200 + 0.8 * t + 20 * Math.sin((2 * Math.PI * t) / DAY) + (rand() - 0.5) * 4,
    );
    const flat = weekdayWeekend(3 * WEEK, 15);

    // Act
    const rising = tbatsForecasts(ramp, DAY, 0, [3 * WEEK], DAY);
    const level = tbatsForecasts(flat, DAY, WEEK, [3 * WEEK], DAY);

    // Assert: the ramp's forecast keeps climbing; the cycle's does not drift
    expect(rising.fit.trend).toBe(true);
    expect(rising.forecasts[0]?.[23] ?? 0).toBeGreaterThan(200 + 0.8 * 3 * WEEK);
    expect(level.fit.trend).toBe(false);
  });
});

describe('Object: tbats (the pool candidate)', () => {
  it('needs two days of a daily cycle and forecasts the cleaned series as tbatsForecasts does', () => {
    // Arrange
    const y = weekdayWeekend(3 * WEEK, 17);
    const ctx = ctxOf(y);

    // Act
    const [f] = tbats.forecast(ctx, [3 * WEEK], DAY);

    // Assert
    expect(tbats.applicable(ctx, 2 * DAY - 1)).toBe(false);
    expect(tbats.applicable(ctx, 2 * DAY)).toBe(true);
    expect(Array.from(f ?? [])).toEqual(
      Array.from(tbatsForecasts(ctx.y, DAY, WEEK, [3 * WEEK], DAY).forecasts[0] ?? []),
    );
  });

  it('is a model the engine backtests, combines and calibrates when asked for', () => {
    // Arrange
    const values = weekdayWeekend(4 * WEEK, 18);

    // Act
    const result = forecast({
      start: START,
      intervalSeconds: HOUR,
      values,
      horizon: DAY,
      models: ['tbats'],
    });

    // Assert
    expect(result.model).toBe('tbats');
    const p10 = result.quantiles.get(0.1) ?? [];
    const p90 = result.quantiles.get(0.9) ?? [];
    for (let k = 0; k < DAY; k++) expect(p90[k] ?? 0).toBeGreaterThan(p10[k] ?? 0);
  });
});

describe('Function: guerreroLambda', () => {
  it('chooses a strong transform when the daily swing grows with the level', () => {
    // Arrange: the level triples over two weeks, the swing stays 40 % of it
    const y = Array.from({ length: 2 * WEEK }, (_, t) => {
      const level = 100 * 3 ** (t / (2 * WEEK));
      return level * (1 + 0.4 * Math.sin((2 * Math.PI * t) / DAY));
    });

    // Act
    const lambda = guerreroLambda(y, y.length, DAY);

    // Assert
    expect(lambda).toBeLessThanOrEqual(0.25);
  });

  it('leaves a series with a constant swing untransformed', () => {
    // Arrange
    const y = Array.from(
      { length: 2 * WEEK },
      (_, t) => 100 * 3 ** (t / (2 * WEEK)) + 40 * Math.sin((2 * Math.PI * t) / DAY),
    );

    // Act / Assert
    expect(guerreroLambda(y, y.length, DAY)).toBeGreaterThanOrEqual(0.75);
  });

  it('leaves a series with zeros untransformed (Box-Cox needs positive values)', () => {
    // Arrange
    const y = weekdayWeekend(WEEK, 16);
    y[30] = 0;

    // Act / Assert
    expect(guerreroLambda(y, y.length, DAY)).toBe(1);
  });
});

describe('Function: boxCox', () => {
  it.each([0, 0.25, 0.5, 1])('round-trips through its inverse at λ = %p', (lambda) => {
    // Arrange
    const values = [0.01, 1, 37, 12_000];

    // Act
    const back = values.map((v) => inverseBoxCox(boxCox(v, lambda), lambda));

    // Assert
    for (const [i, v] of back.entries()) expect(v).toBeCloseTo(values[i] ?? 0, 6);
  });

  it('maps a forecast below the power’s domain to 0, not NaN', () => {
    // Act / Assert
    expect(inverseBoxCox(-10, 0.5)).toBe(0);
  });
});
