/** The interface every point-forecasting model implements, so the engine can backtest any of them. */
import type { SeriesContext } from '../series';

/**
 * A point-forecasting model. `forecast` must use only `ctx.y[0, o)` for origin `o`: the engine
 * relies on that to score models on rolling origins inside the history without leakage.
 */
export interface ForecastModel {
  /** Stable name, shown in `ForecastResult.model`. */
  readonly name: string;
  /** Whether the model can run on this series (enough history for its seasonality). */
  applicable(ctx: SeriesContext, origin: number): boolean;
  /**
   * For each origin `o` (ascending, ≤ `ctx.y.length`), the forecast of steps `o … o+h−1` from
   * `ctx.y[0, o)`. Models that fit parameters may fit once on the first origin's data and filter
   * forward, as a production model re-used between refits would.
   */
  forecast(ctx: SeriesContext, origins: readonly number[], h: number): Float64Array[];
}
