import { additive, additiveForecast } from '../../../functions/core/forecast/models/additive';
import { etsDaily, fitEts } from '../../../functions/core/forecast/models/ets';
import { etsDoubleSeasonal } from '../../../functions/core/forecast/models/ets-double';
import { logTransformed } from '../../../functions/core/forecast/models/log-transformed';
import { robustLevel, seasonalMedian } from '../../../functions/core/forecast/models/robust-level';
import { sarimaForecast } from '../../../functions/core/forecast/models/sarima';
import {
  seasonalNaive,
  seasonalNaiveDaily,
  seasonalNaiveWeekly,
} from '../../../functions/core/forecast/models/seasonal-naive';
import { prepareSeries } from '../../../functions/core/forecast/series';
import { dailySeries, HOUR } from './support';

const ones = (n: number): Float64Array => new Float64Array(n).fill(1);
const ctxOf = (values: number[]) => prepareSeries(values, HOUR, ones(values.length));
const mae = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return s / a.length;
};

describe('Function: seasonalNaive', () => {
  it('repeats the last season', () => {
    // Arrange
    const y = [1, 2, 3, 4, 5, 6];

    // Act
    const f = seasonalNaive(y, 6, 5, 3);

    // Assert
    expect(Array.from(f)).toEqual([4, 5, 6, 4, 5]);
  });

  it('uses the weekly lag when the history holds two weeks', () => {
    // Arrange
    const y = dailySeries(15);
    const ctx = ctxOf(y);

    // Act
    const [f] = seasonalNaiveWeekly.forecast(ctx, [y.length], 24);

    // Assert
    expect(seasonalNaiveWeekly.applicable(ctx, y.length)).toBe(true);
    expect(f?.[0]).toBeCloseTo(ctx.y[y.length - 168] ?? Number.NaN, 9);
    expect(seasonalNaiveDaily.applicable(ctxOf(dailySeries(3)), 24)).toBe(true);
  });
});

describe('Class: ETS (ets-daily)', () => {
  describe('Method: fitEts', () => {
    it('returns parameters inside the admissible region', () => {
      // Arrange
      const y = dailySeries(10);

      // Act
      const { params } = fitEts(y, 24, y.length);

      // Assert
      expect(params.alpha).toBeGreaterThan(0);
      expect(params.alpha).toBeLessThan(1);
      expect(params.gamma).toBeGreaterThan(0);
      expect(params.phi).toBeGreaterThanOrEqual(0.8);
      expect(params.phi).toBeLessThanOrEqual(0.98);
    });
  });

  describe('Method: forecast', () => {
    it('tracks a daily cycle within the noise', () => {
      // Arrange
      const y = dailySeries(12, 50, 20, 2);
      const truth = dailySeries(13, 50, 20, 0).slice(12 * 24);

      // Act
      const [f] = etsDaily.forecast(ctxOf(y), [y.length], 24);

      // Assert
      expect(mae(f ?? [], truth)).toBeLessThan(3);
    });

    it('forecasts from every backtest origin without seeing later data', () => {
      // Arrange
      // (The context is prepared from the whole history by design — profile, clipping — so
      // the later data is changed in the prepared context the model reads.)
      const ctx = ctxOf(dailySeries(10));
      const y = Float64Array.from(ctx.y);
      for (let i = 200; i < y.length; i++) y[i] = (y[i] ?? 0) + 1000;
      const changed = { ...ctx, y };

      // Act
      const [a] = etsDaily.forecast(ctx, [180], 24);
      const [b] = etsDaily.forecast(changed, [180], 24);

      // Assert
      expect(Array.from(b ?? [])).toEqual(Array.from(a ?? []));
    });
  });
});

describe('Function: additiveForecast', () => {
  it('recovers a linear trend plus a daily cycle', () => {
    // Arrange
    const y = dailySeries(14, 50, 10, 0).map((v, t) => v + 0.05 * t);
    const truth = dailySeries(15, 50, 10, 0)
      .map((v, t) => v + 0.05 * t)
      .slice(14 * 24);

    // Act
    const f = additiveForecast(y, y.length, 24, 24, 168);

    // Assert
    expect(mae(f, truth)).toBeLessThan(1);
    expect(additive.applicable(ctxOf(y), y.length)).toBe(true);
  });
});

describe('Object: robust level models', () => {
  it('ignores a single burst in the last cycle', () => {
    // Arrange
    const y = new Array<number>(72).fill(10);
    y[70] = 10_000;

    // Act
    const [level] = robustLevel.forecast(ctxOf(y), [72], 6);
    const [seasonal] = seasonalMedian.forecast(ctxOf(y), [72], 24);

    // Assert
    expect(Array.from(level ?? [])).toEqual([10, 10, 10, 10, 10, 10]);
    expect(Math.max(...(seasonal ?? []))).toBeCloseTo(10, 6);
  });
});

describe('Function: sarimaForecast', () => {
  it('returns a finite mean and non-negative variance per step', () => {
    // Arrange
    const y = dailySeries(5);

    // Act
    const { mean, variance } = sarimaForecast(y, 24, 24);

    // Assert
    expect(mean).toHaveLength(24);
    expect(Array.from(mean).every(Number.isFinite)).toBe(true);
    expect(Array.from(variance).every((v) => v >= 0)).toBe(true);
    expect(mae(mean, dailySeries(6, 50, 20, 0).slice(120))).toBeLessThan(6);
  });
});

describe('Function: logTransformed', () => {
  it('fits a multiplicative cycle on the log scale and maps back', () => {
    // Arrange: the daily swing is proportional to a level that doubles over the history.
    const y = Array.from(
      { length: 240 },
      (_, t) => 2 ** (t / 240) * 100 * (1.5 + Math.sin((2 * Math.PI * t) / 24)),
    );
    const truth = Array.from(
      { length: 24 },
      (_, k) => 2 ** ((240 + k) / 240) * 100 * (1.5 + Math.sin((2 * Math.PI * (240 + k)) / 24)),
    );
    const model = logTransformed(etsDaily);

    // Act
    const [f] = model.forecast(ctxOf(y), [240], 24);
    const [plain] = etsDaily.forecast(ctxOf(y), [240], 24);

    // Assert
    expect(model.name).toBe('ets-daily-log');
    expect(mae(f ?? [], truth)).toBeLessThan(mae(plain ?? [], truth));
    expect(mae(f ?? [], truth)).toBeLessThan(0.1 * 300);
    expect(model.applicable(ctxOf(y.map((v) => v - 1000)), 240)).toBe(false);
  });
});

describe('Class: double-seasonal ETS (ets-double)', () => {
  describe('Method: forecast', () => {
    it('learns a weekend that the daily-only model cannot', () => {
      // Arrange: 5 busy weekdays, 2 quiet weekend days, 4 weeks.
      const weekShape = (t: number): number => {
        const day = Math.floor(t / 24) % 7;
        const daily = 10 * Math.sin((2 * Math.PI * t) / 24);
        return (day >= 5 ? 20 : 60) + daily;
      };
      const y = Array.from({ length: 4 * 168 - 24 * 2 }, (_, t) => weekShape(t));
      const truth = Array.from({ length: 24 }, (_, k) => weekShape(y.length + k));
      const ctx = ctxOf(y);

      // Act
      const [double] = etsDoubleSeasonal.forecast(ctx, [y.length], 24);
      const [daily] = etsDaily.forecast(ctx, [y.length], 24);

      // Assert
      expect(etsDoubleSeasonal.applicable(ctx, y.length)).toBe(true);
      expect(mae(double ?? [], truth)).toBeLessThan(mae(daily ?? [], truth));
      expect(mae(double ?? [], truth)).toBeLessThan(5);
    });
  });
});
