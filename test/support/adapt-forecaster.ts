/**
 * A stand-in for the forecast engine in adaptation tests: it predicts the history's last observed
 * value flat, with quantile q at last × (0.5 + q). Fast and predictable, for tests of the policy
 * and the handler rather than of the engine.
 */
import type { Forecaster } from '../../functions/core/adapt/reforecast';
import type { ForecastResult } from '../../functions/core/forecast/types';

/** The flat forecaster. */
export const flatForecaster: Forecaster = (input): ForecastResult => {
  let last = 0;
  for (const v of input.values) if (v !== null) last = v;
  const quantiles = new Map<number, number[]>();
  for (const q of input.quantiles ?? [])
    quantiles.set(
      q,
      Array.from({ length: input.horizon }, () => last * (0.5 + q)),
    );
  const step = input.intervalSeconds * 1000;
  const origin = input.start + input.values.length * step;
  return {
    timestamps: Array.from({ length: input.horizon }, (_, i) => origin + i * step),
    mean: Array.from({ length: input.horizon }, () => last),
    quantiles,
    paths: [],
    model: 'flat',
    warnings: [],
  };
};
