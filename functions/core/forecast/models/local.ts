/**
 * Non-seasonal state-space candidates for smooth series whose day-over-day change is tiny
 * against their level (memory held, aggregate bytes): a local level (simple exponential
 * smoothing, ETS(A,N,N)) and a local damped trend (ETS(A,Ad,N)). Seasonal models fitted to such
 * a series mistake the drift for a cycle and put the median off the level; these follow it.
 */
import { bounded, nelderMead } from '../optimize';
import { etsNonSeasonal } from './ets';
import type { ForecastModel } from './model';

/** One-step SSE of simple exponential smoothing over `y[0, end)`, from level `y[0]`. */
function sesFilter(
  y: ArrayLike<number>,
  alpha: number,
  end: number,
  onStep?: (t: number, level: number) => void,
): number {
  let level = y[0] ?? 0;
  let sse = 0;
  for (let t = 0; t < end; t++) {
    const e = (y[t] ?? 0) - level;
    sse += e * e;
    level += alpha * e;
    onStep?.(t, level);
  }
  return sse;
}

/** Simple exponential smoothing with α fitted by one-step SSE on the first origin's data. */
export const localLevel: ForecastModel = {
  name: 'local-level',
  applicable: (_ctx, origin) => origin >= 8,
  forecast: (ctx, origins, h) => {
    const first = origins[0] ?? ctx.y.length;
    const decode = (x: Float64Array): number => bounded(x[0] ?? 0, 0.01, 0.999);
    const { x } = nelderMead((v) => sesFilter(ctx.y, decode(v), first), [0], {
      maxEvaluations: 60,
      step: 1,
    });
    const alpha = decode(x);
    const last = origins[origins.length - 1] ?? first;
    const wanted = new Map<number, number>(origins.map((o, i) => [o, i]));
    const out: Float64Array[] = new Array(origins.length);
    sesFilter(ctx.y, alpha, last, (t, level) => {
      const i = wanted.get(t + 1);
      if (i !== undefined) out[i] = new Float64Array(h).fill(level);
    });
    return out.map((f) => f ?? new Float64Array(h).fill(ctx.y[0] ?? 0));
  },
};

/** Damped Holt (ETS(A,Ad,N)) on the raw series, whatever its cycle. */
export const localTrend: ForecastModel = etsNonSeasonal('local-trend');
