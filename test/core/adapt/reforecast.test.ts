import {
  intraStepPeakFactor,
  joinHistory,
  reforecastBands,
  resampleMean,
} from '../../../functions/core/adapt/reforecast';
import { ValidationError } from '../../../functions/core/errors';
import { ForecastInputError } from '../../../functions/core/forecast/errors';
import { bandsOf, FAILOVER, flatForecaster, HOUR, PERIOD } from './support';

describe('Function: resampleMean', () => {
  it('averages onto the hour grid, leaving an unobserved hour null', () => {
    // Arrange: 5-minute points over two hours, the second hour all gaps
    const values = [
      ...Array.from({ length: 12 }, (_, i) => i),
      ...Array.from({ length: 12 }, () => null),
    ];

    // Act
    const hourly = resampleMean(
      { start: FAILOVER, intervalSeconds: 300, values },
      3600,
      FAILOVER + 2 * HOUR,
    );

    // Assert
    expect(hourly).toEqual({ start: FAILOVER, intervalSeconds: 3600, values: [5.5, null] });
  });
});

describe('Function: joinHistory', () => {
  it('puts staging after the primary, with a gap between them', () => {
    // Arrange
    const primary = { start: FAILOVER - 3 * HOUR, intervalSeconds: 3600, values: [1, 2] };
    const staging = { start: FAILOVER, intervalSeconds: 300, values: [10, 20] };

    // Act
    const joined = joinHistory(primary, staging, 3600, FAILOVER + 2 * PERIOD);

    // Assert
    expect(joined).toEqual({
      start: FAILOVER - 3 * HOUR,
      intervalSeconds: 3600,
      values: [1, 2, null, 15],
    });
  });

  it('refuses a primary history whose step does not divide the forecast step', () => {
    // Arrange
    const primary = { start: FAILOVER - HOUR, intervalSeconds: 7 * 60, values: [1] };

    // Act
    const join = () =>
      joinHistory(primary, { start: FAILOVER, intervalSeconds: 300, values: [] }, 3600, FAILOVER);

    // Assert
    expect(join).toThrow(ValidationError);
  });
});

describe('Function: intraStepPeakFactor', () => {
  it('is the quantile of the within-hour peak over the hour mean', () => {
    // Arrange: 48 hours whose 12 points are 1 except one 13 (mean 2, peak 13 → 6.5)
    const values = Array.from({ length: 48 * 12 }, (_, i) => (i % 12 === 0 ? 13 : 1));

    // Act
    const factor = intraStepPeakFactor(
      [{ start: FAILOVER, intervalSeconds: 300, values }],
      3600,
      0.75,
    );

    // Assert
    expect(factor).toBeCloseTo(6.5);
  });

  it('is 1 with too few hours to say', () => {
    // Act
    const factor = intraStepPeakFactor(
      [{ start: FAILOVER, intervalSeconds: 300, values: [1, 9, 1] }],
      3600,
      0.75,
    );

    // Assert
    expect(factor).toBe(1);
  });
});

describe('Function: reforecastBands', () => {
  it('starts the bands at the current, partial hour so they cover now', () => {
    // Arrange: 48 h of primary history, 15 minutes of staging
    const primary = {
      start: FAILOVER - 48 * HOUR,
      intervalSeconds: 3600,
      values: Array.from({ length: 48 }, () => 10),
    };
    const staging = { start: FAILOVER, intervalSeconds: 300, values: [40, 40, 40] };

    // Act
    const { bands } = reforecastBands({
      primaryHistory: primary,
      staging,
      intervalSeconds: 3600,
      horizon: 4,
      quantiles: [0.1, 0.5, 0.9],
      nowMs: FAILOVER + 3 * PERIOD,
      current: bandsOf([10]),
      forecaster: flatForecaster,
    });

    // Assert
    expect(bands.start).toBe(FAILOVER);
    expect(bands.quantiles['0.5']).toEqual([40, 40, 40, 40, 40]);
    expect(bands.origin).toBe('reforecast');
  });
});

describe('Function: reforecastBands, when the engine refuses the history', () => {
  it('re-levels the bands in use instead, saying so', () => {
    // Arrange
    const primary = {
      start: FAILOVER - 48 * HOUR,
      intervalSeconds: 3600,
      values: Array.from({ length: 48 }, () => 10),
    };
    const refusing = () => {
      throw new ForecastInputError('Invalid forecast input', ['test refusal']);
    };

    // Act
    const outcome = reforecastBands({
      primaryHistory: primary,
      staging: { start: FAILOVER, intervalSeconds: 300, values: [8192, 8192, 8192] },
      intervalSeconds: 3600,
      horizon: 4,
      quantiles: [0.1, 0.5, 0.9],
      nowMs: FAILOVER + 3 * PERIOD,
      current: bandsOf([4096]),
      forecaster: refusing,
    });

    // Assert
    expect(outcome.bands.origin).toBe('relevelled');
    expect(outcome.relevelFactor).toBe(2);
    expect(outcome.warnings.join(' ')).toMatch(/engine refused the history.*test refusal/);
  });
});
