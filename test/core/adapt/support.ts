// Shared builders for the adaptation tests: hourly bands, 5-minute actuals, a cheap forecaster.
import type { ForecastBands } from '../../../functions/core/adapt/bands';
import {
  type AdaptInput,
  type AdaptSettings,
  DEFAULT_ADAPT_SETTINGS,
} from '../../../functions/core/adapt/policy';
import { flatForecaster } from '../../support/adapt-forecaster';

export { flatForecaster };

export const HOUR = 3_600_000;
export const PERIOD = 300_000;
export const FAILOVER = Date.UTC(2026, 0, 5, 0);

/** Bands whose p50 is `p50[i]` and whose quantile q is p50 × (0.5 + q), hourly from `start`. */
export function bandsOf(p50: readonly number[], start = FAILOVER): ForecastBands {
  const quantiles: Record<string, number[]> = {};
  for (const q of DEFAULT_ADAPT_SETTINGS.quantiles)
    quantiles[String(q)] = p50.map((v) => v * (0.5 + q));
  return {
    start,
    intervalSeconds: 3600,
    quantiles,
    generatedAt: new Date(start).toISOString(),
    origin: 'primary-forecast',
    model: 'test',
  };
}

/** A service whose CPU demand is in CPU units, 1024 per task, planned at 100 % utilisation. */
export function inputOf(
  overrides: Partial<AdaptInput> & {
    readonly actual?: readonly (number | null)[];
    readonly bands?: ForecastBands;
  },
  settings: Partial<AdaptSettings> = {},
): AdaptInput {
  const { actual, bands, ...rest } = overrides;
  const values = actual ?? [];
  return {
    service: 'shop/web',
    nowMs: FAILOVER + values.length * PERIOD,
    signals: [
      {
        metric: 'cpu',
        bands: bands ?? bandsOf(Array.from({ length: 24 }, () => 4096)),
        actual: { start: FAILOVER, intervalSeconds: 300, values },
        // 2 days of flat hourly history before the failover, enough for the engine's minimum.
        primaryHistory: {
          start: FAILOVER - 48 * HOUR,
          intervalSeconds: 3600,
          values: Array.from({ length: 48 }, () => 4096),
        },
        basis: { kind: 'cpu-units' },
      },
    ],
    bounds: { minCapacity: 2, maxCapacity: 20 },
    currentMin: 5,
    task: { cpuUnits: 1024 },
    targetUtilization: 1,
    settings: { ...DEFAULT_ADAPT_SETTINGS, ...settings },
    forecaster: flatForecaster,
    ...rest,
  };
}
