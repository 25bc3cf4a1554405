import fc from 'fast-check';
import type { ForecastBands } from '../../../functions/core/adapt/bands';
import {
  type AdaptInput,
  type AdaptOutcome,
  DEFAULT_ADAPT_SETTINGS,
  decideAdaptation,
  type LastChange,
} from '../../../functions/core/adapt/policy';
import type { Forecaster } from '../../../functions/core/adapt/reforecast';
import { ValidationError } from '../../../functions/core/errors';
import { bandsOf, FAILOVER, flatForecaster, HOUR, inputOf, PERIOD } from './support';

describe('Function: decideAdaptation', () => {
  describe('when actual demand stays inside the band', () => {
    it('holds a minimum that sits inside the hysteresis band', () => {
      // Arrange: p90 peak 5734 CPU units → 6 tasks to raise, 7 with 15 % headroom
      const input = inputOf({ actual: [4000, 4200, 3900], currentMin: 6 }, { hysteresis: 0.15 });

      // Act
      const { decision } = decideAdaptation(input);

      // Assert
      expect(decision.action).toBe('hold');
      expect(decision.newMin).toBe(6);
      expect(decision.raiseTarget).toBe(6);
      expect(decision.lowerTarget).toBe(7);
      expect(decision.signals[0]?.reforecast).toBeUndefined();
    });
  });

  describe('when demand is above the band for k periods', () => {
    it('re-forecasts and raises the minimum from the new quantile', () => {
      // Arrange: three periods at 12,000 units, far above the p90 edge of 5,734
      const input = inputOf({ actual: [12_000, 12_000, 12_000], currentMin: 6 });

      // Act
      const { decision, bands } = decideAdaptation(input);

      // Assert: flat re-forecast of the hour's mean, 12,000 → p90 16,800 → 17 tasks
      expect(decision.action).toBe('raise');
      expect(decision.newMin).toBe(17);
      expect(decision.signals[0]?.excursion).toMatchObject({ direction: 'above', periods: 3 });
      expect(decision.signals[0]?.reforecast).toMatchObject({
        reason: 'excursion',
        origin: 'reforecast',
        model: 'flat',
      });
      expect(bands.cpu?.origin).toBe('reforecast');
    });

    it('never raises past the cloned maximum', () => {
      // Arrange
      const input = inputOf({ actual: [90_000, 90_000, 90_000], currentMin: 6 });

      // Act
      const { decision } = decideAdaptation(input);

      // Assert
      expect(decision.newMin).toBe(20);
    });

    it('does not count a gap as evidence: a missing period breaks the run', () => {
      // Arrange
      const input = inputOf({ actual: [12_000, null, 12_000, 12_000], currentMin: 6 });

      // Act
      const { decision } = decideAdaptation(input);

      // Assert
      expect(decision.signals[0]?.excursion).toBeUndefined();
      expect(decision.action).toBe('hold');
    });
  });

  describe('when demand is below the band for k periods', () => {
    const low = [1000, 1000, 1000];

    it('holds the lowering while the scale-in cooldown runs', () => {
      // Arrange: the last change was 10 minutes ago
      const nowMs = FAILOVER + low.length * PERIOD;
      const input = inputOf({
        actual: low,
        currentMin: 6,
        lastChange: { atMs: nowMs - 10 * 60_000, direction: 'raise' },
      });

      // Act
      const { decision } = decideAdaptation(input);

      // Assert
      expect(decision.action).toBe('hold');
      expect(decision.reason).toMatch(/scale-in cooldown/);
      expect(decision.cooldownRemainingMs).toBe(50 * 60_000);
    });

    it('lowers the minimum once the cooldown has passed, keeping the headroom', () => {
      // Arrange
      const nowMs = FAILOVER + low.length * PERIOD;
      const input = inputOf({
        actual: low,
        currentMin: 6,
        lastChange: { atMs: nowMs - 2 * HOUR, direction: 'raise' },
      });

      // Act
      const { decision, lastChange } = decideAdaptation(input);

      // Assert: flat re-forecast of 1,000 → p90 1,400, × 1.15 = 1,610 → 2 tasks (the cloned min)
      expect(decision.action).toBe('lower');
      expect(decision.newMin).toBe(2);
      expect(lastChange).toEqual({ atMs: nowMs, direction: 'lower' });
    });
  });

  it('re-forecasts when the bands no longer cover now', () => {
    // Arrange: bands of one hour, now three hours after the failover
    const input = inputOf({
      actual: Array.from({ length: 36 }, () => 4000),
      bands: bandsOf([4096]),
      currentMin: 6,
    });

    // Act
    const { decision } = decideAdaptation(input);

    // Assert
    expect(decision.signals[0]?.reforecast?.reason).toBe('expired');
  });

  it('re-levels the bands when there is too little history to forecast', () => {
    // Arrange: no primary history, 15 minutes of staging at 3× the forecast median
    const base = inputOf({ actual: [12_288, 12_288, 12_288], currentMin: 6 });
    const [signal] = base.signals;
    if (!signal) throw new Error('fixture has a signal');
    const { primaryHistory: _dropped, ...withoutHistory } = signal;
    const input: AdaptInput = { ...base, signals: [withoutHistory] };

    // Act
    const { decision, bands } = decideAdaptation(input);

    // Assert: p90 5,734 × 3 = 17,203 → 17 tasks
    expect(decision.signals[0]?.reforecast).toMatchObject({
      origin: 'relevelled',
      relevelFactor: 3,
    });
    expect(bands.cpu?.origin).toBe('relevelled');
    expect(decision.newMin).toBe(17);
  });

  it('brings a minimum set outside the cloned bounds back inside at once', () => {
    // Arrange
    const input = inputOf({ actual: [4000], currentMin: 40 });

    // Act
    const { decision } = decideAdaptation(input);

    // Assert
    expect(decision).toMatchObject({ action: 'lower', newMin: 20 });
  });

  it('refuses bad settings and bad input, naming each problem', () => {
    // Arrange
    const badSettings = inputOf({ actual: [1] }, { consecutivePeriods: 0, bandLower: 0.95 });
    const badInput = inputOf({
      actual: [1],
      currentMin: 1.5,
      bounds: { minCapacity: 3, maxCapacity: 1 },
    });

    // Act
    const settingsCall = () => decideAdaptation(badSettings);
    const inputCall = () => decideAdaptation(badInput);

    // Assert
    expect(settingsCall).toThrow(ValidationError);
    expect(settingsCall).toThrow(/consecutivePeriods 0.*bandLower must be below bandUpper/);
    expect(inputCall).toThrow(
      /bounds.maxCapacity 1 must be an integer ≥ minCapacity.*currentMin 1.5/,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Invariants, over simulated runs of consecutive periods.

interface Run {
  readonly outcomes: readonly AdaptOutcome[];
  readonly changes: readonly LastChange[];
}

/** Runs `demand.length` periods, carrying bands, minimum and last change as the handler does. */
function simulate(
  start: AdaptInput,
  demand: readonly (number | null)[],
  forecaster: Forecaster,
): Run {
  const [signal] = start.signals;
  if (!signal) throw new Error('one signal expected');
  let bands: ForecastBands = signal.bands;
  let currentMin = start.currentMin;
  let lastChange = start.lastChange;
  const outcomes: AdaptOutcome[] = [];
  const changes: LastChange[] = [];
  for (let i = 1; i <= demand.length; i += 1) {
    const nowMs = FAILOVER + i * PERIOD;
    const outcome = decideAdaptation({
      ...start,
      nowMs,
      currentMin,
      ...(lastChange ? { lastChange } : {}),
      signals: [{ ...signal, bands, actual: { ...signal.actual, values: demand.slice(0, i) } }],
      forecaster,
    });
    outcomes.push(outcome);
    bands = outcome.bands.cpu ?? bands;
    currentMin = outcome.decision.newMin;
    if (outcome.decision.action !== 'hold' && outcome.lastChange) {
      changes.push(outcome.lastChange);
      lastChange = outcome.lastChange;
    }
  }
  return { outcomes, changes };
}

const bounds = fc
  .record({ min: fc.integer({ min: 0, max: 10 }), span: fc.integer({ min: 0, max: 30 }) })
  .map(({ min, span }) => ({ minCapacity: min, maxCapacity: min + span }));
const demandPoint = fc.option(fc.integer({ min: 0, max: 60_000 }), { freq: 8 });

describe('Invariants of decideAdaptation', () => {
  it('never sets a minimum outside the cloned bounds', () => {
    fc.assert(
      fc.property(
        bounds,
        fc.array(fc.integer({ min: 0, max: 50_000 }), { minLength: 1, maxLength: 24 }),
        fc.array(demandPoint, { minLength: 1, maxLength: 36 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (b, p50, actual, position) => {
          const currentMin = b.minCapacity + Math.round(position * (b.maxCapacity - b.minCapacity));
          const { decision } = decideAdaptation(
            inputOf({ actual, bands: bandsOf(p50), bounds: b, currentMin }),
          );
          expect(Number.isInteger(decision.newMin)).toBe(true);
          expect(decision.newMin).toBeGreaterThanOrEqual(b.minCapacity);
          expect(decision.newMin).toBeLessThanOrEqual(b.maxCapacity);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('makes no change inside the cooldown of the change before', () => {
    fc.assert(
      fc.property(
        bounds,
        fc.array(demandPoint, { minLength: 12, maxLength: 72 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 24 }),
        (b, demand, outPeriods, inPeriods) => {
          const settings = {
            scaleOutCooldownMs: outPeriods * PERIOD,
            scaleInCooldownMs: inPeriods * PERIOD,
          };
          const start = inputOf({ bounds: b, currentMin: b.minCapacity }, settings);
          const { changes } = simulate(start, demand, flatForecaster);
          for (let i = 1; i < changes.length; i += 1) {
            const [before, after] = [changes[i - 1], changes[i]];
            if (!before || !after) continue;
            const cooldown =
              after.direction === 'raise'
                ? settings.scaleOutCooldownMs
                : settings.scaleInCooldownMs;
            expect(after.atMs - before.atMs).toBeGreaterThanOrEqual(cooldown);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never reverses direction while every forecast peak stays inside one hysteresis band', () => {
    const h = DEFAULT_ADAPT_SETTINGS.hysteresis;
    fc.assert(
      fc.property(
        fc.integer({ min: 500, max: 30_000 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 24, maxLength: 24 }),
        fc.array(demandPoint, { minLength: 12, maxLength: 72 }),
        fc.integer({ min: 0, max: 20 }),
        (a, shape, demand, currentMin) => {
          // p90 rows anywhere in [a, a(1 + h)]; the other quantiles below and above it
          const p90 = shape.map((u) => a * (1 + h * u));
          const bands: ForecastBands = {
            ...bandsOf(p90),
            quantiles: {
              '0.1': p90.map((v) => v * 0.4),
              '0.5': p90.map((v) => v * 0.6),
              '0.9': p90,
              '0.975': p90.map((v) => v * 1.1),
            },
          };
          // Re-forecasts land in the same band, whatever the history says.
          const inBand: Forecaster = (input) => {
            const result = flatForecaster(input);
            const row = Array.from(
              { length: input.horizon },
              (_, i) => a * (1 + h * (shape[(i + input.values.length) % shape.length] ?? 0)),
            );
            return {
              ...result,
              quantiles: new Map([...result.quantiles.keys()].map((q) => [q, row])),
            };
          };
          const start = inputOf({
            bands,
            bounds: { minCapacity: 0, maxCapacity: 40 },
            currentMin,
          });
          const { changes } = simulate(start, demand, inBand);
          const reversals = changes.filter(
            (c, i) => i > 0 && c.direction !== changes[i - 1]?.direction,
          );
          expect(reversals).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
