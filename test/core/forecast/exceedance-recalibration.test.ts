/**
 * The any-step exceedance recalibration: isotonic knots from outcomes, the piecewise-linear map
 * through them, and the joint probability never below the largest marginal.
 */
import {
  ANY_STEP_KNOTS,
  exceedance,
  fitReliabilityKnots,
  recalibrateAnyStep,
} from '../../../functions/core/forecast/exceedance';
import type { ForecastResult } from '../../../functions/core/forecast/types';

describe('Function: fitReliabilityKnots', () => {
  it('maps over-confident predictions onto their observed frequency, monotone, ends fixed', () => {
    // Arrange: predictions of 0.8 that come true half the time, 0.3 that come true a tenth.
    const pairs = [
      ...Array.from({ length: 40 }, (_, i) => ({ p: 0.8, hit: i % 2 === 0 })),
      ...Array.from({ length: 40 }, (_, i) => ({ p: 0.3, hit: i % 10 === 0 })),
    ];

    // Act
    const knots = fitReliabilityKnots(pairs);

    // Assert
    expect(knots[0]).toEqual([0, 0]);
    expect(knots[knots.length - 1]).toEqual([1, 1]);
    expect(recalibrateAnyStep(0.8, knots)).toBeCloseTo(0.5, 12);
    expect(recalibrateAnyStep(0.3, knots)).toBeCloseTo(0.1, 12);
    for (let i = 1; i < knots.length; i++) {
      expect(knots[i]?.[0]).toBeGreaterThanOrEqual(knots[i - 1]?.[0] ?? 1);
      expect(knots[i]?.[1]).toBeGreaterThanOrEqual(knots[i - 1]?.[1] ?? 1);
    }
  });
});

describe('Function: recalibrateAnyStep', () => {
  it('keeps certainty certain and lowers the shipped mid-high shares', () => {
    expect(recalibrateAnyStep(0)).toBe(0);
    expect(recalibrateAnyStep(1)).toBe(1);
    expect(recalibrateAnyStep(0.72)).toBeLessThan(0.72);
    for (let p = 0; p <= 1; p += 0.05) {
      expect(recalibrateAnyStep(p + 0.05)).toBeGreaterThanOrEqual(recalibrateAnyStep(p));
    }
    expect(ANY_STEP_KNOTS.length).toBeGreaterThan(2);
  });
});

describe('Function: exceedance (recalibrated any-step)', () => {
  it('reports the raw path share and never puts the joint below a marginal', () => {
    // Arrange: 10 paths over 2 steps; 8 exceed at step 0, and those same 8 at step 1.
    const paths = Array.from({ length: 10 }, (_, i) => Float64Array.from(i < 8 ? [5, 5] : [0, 0]));
    const result: ForecastResult = {
      timestamps: [0, 1],
      mean: [4, 4],
      quantiles: new Map(),
      paths,
      model: 'test',
      warnings: [],
    };

    // Act
    const ex = exceedance(result, 1);

    // Assert: the recalibrated 0.8 would sit below the step marginal 0.8, so the bound holds.
    expect(ex.anyStepRaw).toBe(0.8);
    expect(ex.perStep).toEqual([0.8, 0.8]);
    expect(ex.anyStep).toBe(0.8);
  });
});
