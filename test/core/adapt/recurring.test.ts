import type { AdaptInput } from '../../../functions/core/adapt/policy';
import {
  DEFAULT_ADAPT_SETTINGS,
  decideAdaptation,
  recurringPeak,
  validateAdaptSettings,
} from '../../../functions/core/adapt/policy';
import { ValidationError } from '../../../functions/core/errors';
import type { TimeSeries } from '../../../functions/core/model';
import { FAILOVER, HOUR, inputOf } from './support';

const DAY = 24 * HOUR;
const FIVE_MINUTES = 300_000;

/**
 * `days` days of 5-minute demand before the failover at `base`, with a one-point burst of `burst`
 * at `burstHour`:00 (plus `driftMinutes × day index`) on the days listed in `burstDays` (1 = the
 * day before the failover).
 */
function history(options: {
  readonly days: number;
  readonly base: number;
  readonly burst: number;
  readonly burstHour: number;
  readonly burstDays: readonly number[];
  readonly driftMinutes?: number;
}): TimeSeries {
  const start = FAILOVER - options.days * DAY;
  const values = Array.from({ length: (options.days * DAY) / FIVE_MINUTES }, () => options.base);
  for (const day of options.burstDays) {
    const at =
      FAILOVER - day * DAY + options.burstHour * HOUR + day * (options.driftMinutes ?? 0) * 60_000;
    const index = Math.round((at - start) / FIVE_MINUTES);
    if (index >= 0 && index < values.length) values[index] = options.burst;
  }
  return { start, intervalSeconds: 300, values };
}

const window = {
  aheadMs: 2 * HOUR,
  slackMs: HOUR,
  days: 7,
  level: 0.5,
  forecastIntervalSeconds: 3600,
};

describe('Function: recurringPeak', () => {
  it('finds a burst that recurs at the same time every day', () => {
    // Arrange: a burst of 100 at 03:00 on each of the last 7 days
    const series = history({
      days: 8,
      base: 1,
      burst: 100,
      burstHour: 3,
      burstDays: [1, 2, 3, 4, 5, 6, 7],
    });

    // Act
    const peak = recurringPeak([series], { ...window, nowMs: FAILOVER + 2 * HOUR });

    // Assert
    expect(peak).toBe(100);
  });

  it('ignores a one-off burst: most days must have it', () => {
    // Arrange: the burst came once, the day before
    const series = history({ days: 8, base: 1, burst: 100, burstHour: 3, burstDays: [1] });

    // Act
    const peak = recurringPeak([series], { ...window, nowMs: FAILOVER + 2 * HOUR });

    // Assert
    expect(peak).toBe(1);
  });

  it('follows a burst that drifts within the slack', () => {
    // Arrange: the burst moves 10 minutes earlier each day back
    const series = history({
      days: 8,
      base: 1,
      burst: 100,
      burstHour: 3,
      burstDays: [1, 2, 3, 4, 5, 6, 7],
      driftMinutes: -10,
    });

    // Act
    const peak = recurringPeak([series], { ...window, nowMs: FAILOVER + 2 * HOUR + 30 * 60_000 });

    // Assert
    expect(peak).toBe(100);
  });

  it('says nothing away from the burst’s time of day', () => {
    // Arrange
    const series = history({
      days: 8,
      base: 1,
      burst: 100,
      burstHour: 3,
      burstDays: [1, 2, 3, 4, 5, 6, 7],
    });

    // Act
    const peak = recurringPeak([series], { ...window, nowMs: FAILOVER + 12 * HOUR });

    // Assert
    expect(peak).toBe(1);
  });

  it('is undefined with fewer than three days of fine-grained history, or hourly history only', () => {
    // Arrange
    const short = history({ days: 2, base: 1, burst: 100, burstHour: 3, burstDays: [1, 2] });
    const hourly: TimeSeries = {
      start: FAILOVER - 8 * DAY,
      intervalSeconds: 3600,
      values: Array.from({ length: 192 }, () => 5),
    };

    // Act / Assert
    expect(recurringPeak([short], { ...window, nowMs: FAILOVER + 2 * HOUR })).toBeUndefined();
    expect(recurringPeak([hourly], { ...window, nowMs: FAILOVER + 2 * HOUR })).toBeUndefined();
  });
});

describe('Function: decideAdaptation, with a recurring burst', () => {
  /** CPU units; 1,024 a task at 100 %; a burst of 10 tasks at 03:00 daily over a base of 1. */
  function burstInput(nowMs: number, overrides: Partial<AdaptInput> = {}): AdaptInput {
    const base = inputOf({ actual: [], currentMin: 2 });
    const signal = base.signals[0];
    if (!signal) throw new Error('no signal');
    return {
      ...base,
      nowMs,
      signals: [
        {
          ...signal,
          primaryHistory: history({
            days: 8,
            base: 1024,
            burst: 10 * 1024,
            burstHour: 3,
            burstDays: [1, 2, 3, 4, 5, 6, 7],
          }),
          actual: { start: FAILOVER, intervalSeconds: 300, values: [] },
        },
      ],
      ...overrides,
    };
  }

  it('raises the minimum to serve the burst ahead of its hour, within the bounds', () => {
    // Act: 01:00, the burst at 03:00 is inside the 2-hour lookahead
    const { decision } = decideAdaptation(burstInput(FAILOVER + HOUR));

    // Assert
    expect(decision.action).toBe('raise');
    expect(decision.newMin).toBe(10);
    expect(decision.signals[0]?.recurringPeak).toBe(10 * 1024);
  });

  it('never raises past the cloned maximum for a burst', () => {
    // Act
    const { decision } = decideAdaptation(
      burstInput(FAILOVER + HOUR, { bounds: { minCapacity: 2, maxCapacity: 6 } }),
    );

    // Assert
    expect(decision.newMin).toBe(6);
  });

  it('lowers again once the burst’s window has passed and the cooldown is over', () => {
    // Act: 08:00, the burst was at 03:00; last raise at 01:00
    const { decision } = decideAdaptation(
      burstInput(FAILOVER + 8 * HOUR, {
        currentMin: 10,
        lastChange: { atMs: FAILOVER + HOUR, direction: 'raise' },
      }),
    );

    // Assert
    expect(decision.action).toBe('lower');
    expect(decision.newMin).toBeLessThan(10);
  });

  it('adds nothing when the check is off (recurringDays 0)', () => {
    // Act
    const input = burstInput(FAILOVER + HOUR);
    const { decision } = decideAdaptation({
      ...input,
      settings: { ...input.settings, recurringDays: 0 },
    });

    // Assert
    expect(decision.signals[0]?.recurringPeak).toBeUndefined();
    expect(decision.newMin).toBeLessThan(10);
  });
});

describe('Function: validateAdaptSettings, recurring settings', () => {
  it('names each bad recurring setting', () => {
    // Act
    const attempt = () =>
      validateAdaptSettings({
        ...DEFAULT_ADAPT_SETTINGS,
        recurringDays: -1,
        recurringLevel: 2,
        recurringSlackMs: DAY,
      });

    // Assert
    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ValidationError).issues).toEqual(
        expect.arrayContaining([
          expect.stringContaining('recurringDays'),
          expect.stringContaining('recurringLevel'),
          expect.stringContaining('recurringSlackMs'),
        ]),
      );
    }
  });
});
