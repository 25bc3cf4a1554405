import { ValidationError } from '../../../functions/core/errors';
import { trainFleetMlp } from '../../../functions/core/forecast/models/fleet-mlp';
import { mulberry32, normal } from '../../../functions/core/forecast/rng';
import { prepareSeries, type SeriesContext } from '../../../functions/core/forecast/series';

/** Hourly daily sinusoids with their own level, amplitude and phase, plus a little noise. */
function sinusoidFleet(count: number, n: number, seed: number, noise = 0.05): Float64Array[] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const level = 10 + 90 * rand();
    const amp = level * (0.1 + 0.5 * rand());
    const phase = Math.floor(24 * rand());
    return Float64Array.from(
      { length: n },
      (_, t) =>
        level + amp * Math.sin((2 * Math.PI * (t + phase)) / 24) + noise * amp * normal(rand),
    );
  });
}

function contextOf(y: ArrayLike<number>): SeriesContext {
  return prepareSeries(Array.from(y), 3600, new Float64Array(y.length).fill(1));
}

describe('Function: trainFleetMlp', () => {
  it('gives the same forecasts for the same seed and different ones for another', () => {
    // Arrange
    const fleet = sinusoidFleet(6, 24 * 14, 3);
    const ctx = contextOf(fleet[0] as Float64Array);
    const origins = [24 * 13];

    // Act
    const a = trainFleetMlp(fleet, { steps: 200, seed: 5 }).forecast(ctx, origins, 24);
    const b = trainFleetMlp(fleet, { steps: 200, seed: 5 }).forecast(ctx, origins, 24);
    const c = trainFleetMlp(fleet, { steps: 200, seed: 6 }).forecast(ctx, origins, 24);

    // Assert
    expect(Array.from(a[0] ?? [])).toEqual(Array.from(b[0] ?? []));
    expect(Array.from(a[0] ?? [])).not.toEqual(Array.from(c[0] ?? []));
  });

  it('learns a daily sinusoid fleet better than seasonal naive on held-out series', () => {
    // Arrange: train on 30 series; score on 10 others the net never saw.
    const fleet = sinusoidFleet(30, 24 * 21, 11);
    const unseen = sinusoidFleet(10, 24 * 21, 12);

    // Act
    const model = trainFleetMlp(fleet, { steps: 1500 });
    let netAbs = 0;
    let naiveAbs = 0;
    for (const y of unseen) {
      const ctx = contextOf(y);
      const origins = [24 * 17, 24 * 18 + 5, 24 * 19 + 11];
      const out = model.forecast(ctx, origins, 24);
      origins.forEach((o, i) => {
        for (let k = 0; k < 24; k++) {
          const actual = y[o + k] ?? 0;
          netAbs += Math.abs(actual - (out[i]?.[k] ?? 0));
          naiveAbs += Math.abs(actual - (y[o - 24 + k] ?? 0));
        }
      });
    }

    // Assert: seasonal naive carries two draws of noise, a learned profile about one.
    expect(netAbs / naiveAbs).toBeLessThan(0.9);
    expect(model.stats.holdoutRelMae).toBeLessThan(0.9);
  });

  it('never reads ctx.y at or after the origin', () => {
    // Arrange
    const fleet = sinusoidFleet(4, 24 * 14, 21);
    const model = trainFleetMlp(fleet, { steps: 100 });
    const ctx = contextOf(fleet[1] as Float64Array);
    const o = 24 * 10 + 7;
    const tampered = Float64Array.from(ctx.y, (v, t) => (t >= o ? v * 50 + 1e6 : v));

    // Act: a horizon longer than the net's own, so the recursive path is covered too.
    const clean = model.forecast(ctx, [o], 60);
    const dirty = model.forecast({ ...ctx, y: tampered }, [o], 60);

    // Assert
    expect(Array.from(dirty[0] ?? [])).toEqual(Array.from(clean[0] ?? []));
    expect(clean[0]).toHaveLength(60);
    expect(clean[0]?.every(Number.isFinite)).toBe(true);
  });

  it('rejects bad options and fleets with nothing to train on, saying why', () => {
    // Arrange
    const fleet = sinusoidFleet(2, 24 * 14, 1);

    // Act / Assert
    expect(() => trainFleetMlp(fleet, { hidden: 0 })).toThrow(ValidationError);
    expect(() => trainFleetMlp(fleet, { steps: 1.5 })).toThrow(/steps must be a positive integer/);
    expect(() => trainFleetMlp(fleet, { learningRate: -1 })).toThrow(/learningRate/);
    expect(() => trainFleetMlp(fleet, { intervalSeconds: 7 })).toThrow(/daily and weekly period/);
    expect(() => trainFleetMlp([], {})).toThrow(/nothing to train on/);
    expect(() => trainFleetMlp(sinusoidFleet(3, 100, 1))).toThrow(/nothing to train on/);
    expect(() => trainFleetMlp([new Float64Array(1_000_000).fill(1)])).toThrow(
      /takes fewer than 1000000/,
    );
  });
});
