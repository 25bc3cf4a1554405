/**
 * A small neural candidate trained at forecast time across the fleet's own series: one MLP over
 * lagged windows, shared by every series because each window is scaled by its own recent level
 * and spread (so the net learns shapes, not units). No pretrained weights: it is fitted from
 * scratch on the histories of the cycle, with a fixed seed, and handed to the engine through
 * `ForecastInput.extraModels`, where it competes in the backtest like any built-in model.
 *
 * Layout, in steps of the series' period P (24 for hourly) and week W = 7P:
 * - inputs: the last L = 2P values; the values one week before the last day and the horizon
 *   (`y[o−W−P, o−W+H)`), or the last day repeated when the history is shorter than W + P (a flag
 *   input says which); and the window's spread relative to its level;
 * - one tanh hidden layer, plus a linear skip from inputs to outputs initialised to a seasonal-naive
 *   forecast, so training starts from a sound baseline and learns corrections;
 * - H = P direct outputs (one per horizon step), trained by L1 loss (the engine ranks candidates
 *   by MAE, so the net should target the median).
 *
 * Calendar features (hour of day, day of week) are absent on purpose: a `SeriesContext` carries
 * no timestamps, and the lag windows already fix the phase of the daily and weekly cycles.
 */
import { ValidationError } from '../../errors';
import { mulberry32, normal, type Uniform } from '../rng';
import { periodsFor, prepareSeries, type SeriesContext } from '../series';
import type { ForecastModel } from './model';

/** Options of {@link trainFleetMlp}. All counts are positive integers. */
export interface FleetMlpOptions {
  /** Step of every series, in seconds (default 3600); sets the period P and week W. */
  readonly intervalSeconds?: number;
  /** Hidden tanh units (default 12: 24 validated no better on the bench histories' held-out week). */
  readonly hidden?: number;
  /**
   * Adam steps (default 1500: on the held-out week of the bench histories, longer training
   * validated worse, the net fitting the training weeks' particulars).
   */
  readonly steps?: number;
  /** Windows per Adam step (default 64). */
  readonly batchSize?: number;
  /** Peak Adam learning rate, decayed by a cosine to 0 over `steps` (default 0.003). */
  readonly learningRate?: number;
  /** Decoupled weight decay on the hidden and output weights (default 1e-4). */
  readonly weightDecay?: number;
  /** Seed of the initialisation and the window sampling (default 1). */
  readonly seed?: number;
  /**
   * Wall-time cap on training, in seconds (default 60): a safety net for the Lambda budget.
   * Training stops early when it is reached, which makes the result depend on machine speed;
   * the step count is the budget meant to bind.
   */
  readonly maxSeconds?: number;
  /**
   * Steps at the end of each history whose targets training never uses (default W, the
   * engine's backtest window): the engine scores this model on rolling origins in the last
   * week of each history, and a net trained on those very targets would look better there
   * than it will on the future, and be picked for it.
   */
  readonly holdoutSteps?: number;
  /**
   * The forecast the linear skip starts from, before training moves it: `weekly` (the value a
   * week before each step), `daily` (a day before) or `blend` (the mean of the values one day,
   * two days and one week before). Default `daily`, which validated best on the
   * held-out week of the bench histories (see bench/results/forecast-neural.md), if narrowly.
   */
  readonly skipInit?: 'weekly' | 'daily' | 'blend';
}

/** What training did, for benchmarks and logs. */
export interface FleetMlpStats {
  /** Training windows available (series × origins with their targets before the holdout). */
  readonly windows: number;
  /** Windows in the holdout, scored after training. */
  readonly holdoutWindows: number;
  /** Adam steps run (fewer than asked when `maxSeconds` cut training short). */
  readonly steps: number;
  /** Wall time of training, seconds. */
  readonly seconds: number;
  /** Mean L1 loss (scaled units) over the last tenth of the steps. */
  readonly trainLoss: number;
  /**
   * MAE of the net over the holdout windows relative to the daily seasonal-naive forecast's
   * (NaN without holdout windows): an internal validation on the histories alone.
   */
  readonly holdoutRelMae: number;
}

/** The trained model: a {@link ForecastModel} named `fleet-mlp`, with its training record. */
export interface FleetMlpModel extends ForecastModel {
  readonly stats: FleetMlpStats;
}

/** Bound on scaled inputs and targets: one burst must not dominate a gradient step. */
const CLIP = 8;

interface Layout {
  readonly period: number;
  readonly week: number;
  readonly lags: number;
  readonly horizon: number;
  readonly inputs: number;
  /** Offset of the week window's horizon part in the input vector (the skip's identity). */
  readonly weekHorizonAt: number;
}

interface Net {
  readonly hidden: number;
  /** hidden × inputs */
  readonly w1: Float64Array;
  readonly b1: Float64Array;
  /** horizon × hidden */
  readonly w2: Float64Array;
  readonly b2: Float64Array;
  /** horizon × inputs: linear skip. */
  readonly s: Float64Array;
}

function layoutFor(period: number, week: number): Layout {
  const lags = 2 * period;
  const horizon = period;
  const weekLen = period + horizon;
  return {
    period,
    week,
    lags,
    horizon,
    inputs: lags + weekLen + 2,
    weekHorizonAt: lags + period,
  };
}

/**
 * Fills `x` with the scaled features at origin `o` of `y` (only `y[0, o)` is read) and returns
 * the level and scale that map the net's output back to the series' units.
 */
function features(
  y: ArrayLike<number>,
  o: number,
  L: Layout,
  x: Float64Array,
): { level: number; scale: number } {
  const P = L.period;
  let level = 0;
  for (let t = o - P; t < o; t++) level += y[t] ?? 0;
  level /= P;
  // Mean absolute deviation of the recent window: positive for any shape with a daily cycle,
  // unlike a seasonal-difference scale, which vanishes on a perfectly repeating series.
  let spread = 0;
  for (let t = o - L.lags; t < o; t++) spread += Math.abs((y[t] ?? 0) - level);
  spread /= L.lags;
  const scale = Math.max(spread, 1e-3 * Math.abs(level), 1e-9);
  const z = (v: number): number => Math.max(-CLIP, Math.min(CLIP, (v - level) / scale));
  let c = 0;
  for (let t = o - L.lags; t < o; t++) x[c++] = z(y[t] ?? 0);
  const hasWeek = o >= L.week + P;
  const weekLen = P + L.horizon;
  for (let j = 0; j < weekLen; j++) {
    // Without a week of history, the last day stands in for the week-ago day and horizon,
    // which makes the skip's starting point the daily seasonal-naive forecast.
    const t = hasWeek ? o - L.week - P + j : o - P + (j % P);
    x[c++] = z(y[t] ?? 0);
  }
  x[c++] = hasWeek ? 1 : 0;
  x[c++] = scale / (Math.abs(level) + scale);
  return { level, scale };
}

function initNet(
  L: Layout,
  hidden: number,
  rand: Uniform,
  skipInit: 'weekly' | 'daily' | 'blend',
): Net {
  const w1 = new Float64Array(hidden * L.inputs);
  const s1 = 1 / Math.sqrt(L.inputs);
  for (let i = 0; i < w1.length; i++) w1[i] = normal(rand) * s1;
  const w2 = new Float64Array(L.horizon * hidden);
  // Small output weights: the net starts as the seasonal-naive skip and grows away from it.
  const s2 = 0.1 / Math.sqrt(hidden);
  for (let i = 0; i < w2.length; i++) w2[i] = normal(rand) * s2;
  const s = new Float64Array(L.horizon * L.inputs);
  for (let k = 0; k < L.horizon; k++) {
    const row = k * L.inputs;
    // The recent window ends at o−1, so step k's value a day earlier sits at lags − P + (k mod P).
    const dayAgo = L.lags - L.period + (k % L.period);
    if (skipInit === 'weekly') s[row + L.weekHorizonAt + k] = 1;
    else if (skipInit === 'daily') s[row + dayAgo] = 1;
    else {
      s[row + L.weekHorizonAt + k] = 1 / 3;
      s[row + dayAgo] = 1 / 3;
      s[row + dayAgo - L.period] = (s[row + dayAgo - L.period] ?? 0) + 1 / 3;
    }
  }
  return {
    hidden,
    w1,
    b1: new Float64Array(hidden),
    w2,
    b2: new Float64Array(L.horizon),
    s,
  };
}

/** Forward pass: fills `act` (hidden activations) and `out` (scaled forecast). */
function forward(net: Net, L: Layout, x: Float64Array, act: Float64Array, out: Float64Array): void {
  const D = L.inputs;
  for (let j = 0; j < net.hidden; j++) {
    let a = net.b1[j] ?? 0;
    const row = j * D;
    for (let i = 0; i < D; i++) a += (net.w1[row + i] ?? 0) * (x[i] ?? 0);
    act[j] = Math.tanh(a);
  }
  for (let k = 0; k < L.horizon; k++) {
    let f = net.b2[k] ?? 0;
    const rowH = k * net.hidden;
    for (let j = 0; j < net.hidden; j++) f += (net.w2[rowH + j] ?? 0) * (act[j] ?? 0);
    const rowS = k * D;
    for (let i = 0; i < D; i++) f += (net.s[rowS + i] ?? 0) * (x[i] ?? 0);
    out[k] = f;
  }
}

function validate(options: FleetMlpOptions): void {
  const issues: string[] = [];
  const posInt = (name: 'hidden' | 'steps' | 'batchSize' | 'intervalSeconds'): void => {
    const v = options[name];
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) {
      issues.push(`${name} must be a positive integer (got ${String(v)})`);
    }
  };
  posInt('hidden');
  posInt('steps');
  posInt('batchSize');
  posInt('intervalSeconds');
  const posNum = (
    name: 'learningRate' | 'weightDecay' | 'maxSeconds',
    allowZero: boolean,
  ): void => {
    const v = options[name];
    if (v !== undefined && !(Number.isFinite(v) && (allowZero ? v >= 0 : v > 0))) {
      issues.push(`${name} must be a finite ${allowZero ? 'non-negative' : 'positive'} number`);
    }
  };
  posNum('learningRate', false);
  posNum('weightDecay', true);
  posNum('maxSeconds', false);
  if (
    options.holdoutSteps !== undefined &&
    !(Number.isInteger(options.holdoutSteps) && options.holdoutSteps >= 0)
  ) {
    issues.push('holdoutSteps must be a non-negative integer');
  }
  if (
    options.skipInit !== undefined &&
    !['weekly', 'daily', 'blend'].includes(String(options.skipInit))
  ) {
    issues.push(`skipInit must be 'weekly', 'daily' or 'blend' (got ${String(options.skipInit)})`);
  }
  if (options.seed !== undefined && !Number.isFinite(options.seed)) {
    issues.push('seed must be a finite number');
  }
  if (options.intervalSeconds !== undefined && issues.length === 0) {
    const { daily, weekly } = periodsFor(options.intervalSeconds);
    if (!daily || !weekly) {
      issues.push(
        `intervalSeconds ${options.intervalSeconds} gives no whole daily and weekly period`,
      );
    }
  }
  if (issues.length) throw new ValidationError('invalid fleet-mlp options', issues);
}

/**
 * Window ids pack (series, origin) into one number so sampling is a single index draw; origins
 * stay below the stride because no history the trainer takes is that long.
 */
const WINDOW_STRIDE = 1_000_000;
const windowId = (series: number, origin: number): number => series * WINDOW_STRIDE + origin;
const windowOf = (id: number): [number, number] => {
  const series = Math.floor(id / WINDOW_STRIDE);
  return [series, id - series * WINDOW_STRIDE];
};

/**
 * Trains one MLP across all `series` (each oldest first, same step; NaN, null or missing for
 * gaps) and returns it as the `fleet-mlp` {@link ForecastModel}. Each series is cleaned as the
 * engine cleans it (`prepareSeries`, no events), so the net trains on what it will be applied
 * to. Training windows come only from these histories, and never from their last
 * `holdoutSteps`. Deterministic for a given seed unless `maxSeconds` cuts training short.
 *
 * @throws ValidationError when an option is out of range or the step has no daily and weekly
 *   period, or when the histories give no training window at all.
 */
export function trainFleetMlp(
  series: readonly Float64Array[] | readonly ArrayLike<number | null>[],
  options: FleetMlpOptions = {},
): FleetMlpModel {
  validate(options);
  const interval = options.intervalSeconds ?? 3600;
  const { daily, weekly } = periodsFor(interval);
  if (!daily || !weekly) {
    throw new ValidationError('invalid fleet-mlp options', [
      `intervalSeconds ${interval} gives no whole daily and weekly period`,
    ]);
  }
  const L = layoutFor(daily, weekly);
  const hidden = options.hidden ?? 12;
  const steps = options.steps ?? 1500;
  const batch = options.batchSize ?? 64;
  const lr = options.learningRate ?? 0.003;
  const decay = options.weightDecay ?? 1e-4;
  const holdout = options.holdoutSteps ?? weekly;
  const maxMs = (options.maxSeconds ?? 60) * 1000;
  const rand = mulberry32(options.seed ?? 1);
  const t0 = performance.now();

  // Clean every series as the engine would, and list its windows: an origin needs the last two
  // days before it and its whole horizon observed inside the history.
  const ys: Float64Array[] = [];
  const masks: Uint8Array[] = [];
  const train: number[] = [];
  const held: number[] = [];
  for (const raw of series) {
    const values: (number | null)[] = Array.from({ length: raw.length }, (_, i) => {
      const v = raw[i];
      return v === null || v === undefined || !Number.isFinite(v) ? null : v;
    });
    const n = values.length;
    if (n >= WINDOW_STRIDE) {
      throw new ValidationError('invalid fleet-mlp fleet', [
        `a series has ${n} points; the trainer takes fewer than ${WINDOW_STRIDE}`,
      ]);
    }
    if (n < L.lags + L.horizon || values.every((v) => v === null)) continue;
    const ctx = prepareSeries(values, interval, new Float64Array(n).fill(1));
    const s = ys.length;
    ys.push(ctx.y);
    const mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) mask[i] = Number.isFinite(ctx.actual[i] ?? Number.NaN) ? 1 : 0;
    masks.push(mask);
    for (let o = L.lags; o + L.horizon <= n; o++) {
      (o + L.horizon <= n - holdout ? train : held).push(windowId(s, o));
    }
  }
  if (!train.length) {
    throw new ValidationError('fleet-mlp has nothing to train on', [
      `no series has ${L.lags + L.horizon + holdout} points (two days, a horizon and the holdout)`,
    ]);
  }

  const net = initNet(L, hidden, rand, options.skipInit ?? 'daily');
  const params = [net.w1, net.b1, net.w2, net.b2, net.s];
  const decayed = new Set<Float64Array>([net.w1, net.w2]);
  const grads = params.map((p) => new Float64Array(p.length));
  const m1 = params.map((p) => new Float64Array(p.length));
  const m2 = params.map((p) => new Float64Array(p.length));
  const [gw1, gb1, gw2, gb2, gs] = grads as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  const x = new Float64Array(L.inputs);
  const act = new Float64Array(hidden);
  const out = new Float64Array(L.horizon);
  const g = new Float64Array(L.horizon);
  const dh = new Float64Array(hidden);
  const D = L.inputs;
  const beta1 = 0.9;
  const beta2 = 0.999;
  const tail = Math.max(1, Math.floor(steps / 10));
  let tailLoss = 0;
  let tailCount = 0;
  let done = 0;
  for (let step = 0; step < steps; step++) {
    if (performance.now() - t0 > maxMs) break;
    for (const gr of grads) gr.fill(0);
    let loss = 0;
    let count = 0;
    for (let b = 0; b < batch; b++) {
      const id = train[Math.floor(rand() * train.length)] ?? 0;
      const [s, o] = windowOf(id);
      const y = ys[s] as Float64Array;
      const mask = masks[s] as Uint8Array;
      const { level, scale } = features(y, o, L, x);
      forward(net, L, x, act, out);
      for (let k = 0; k < L.horizon; k++) {
        if (!mask[o + k]) {
          g[k] = 0;
          continue;
        }
        const t = Math.max(-CLIP, Math.min(CLIP, ((y[o + k] ?? 0) - level) / scale));
        const e = (out[k] ?? 0) - t;
        loss += Math.abs(e);
        count++;
        g[k] = Math.sign(e);
      }
      dh.fill(0);
      for (let k = 0; k < L.horizon; k++) {
        const gk = g[k] ?? 0;
        if (gk === 0) continue;
        gb2[k] = (gb2[k] ?? 0) + gk;
        const rowH = k * hidden;
        for (let j = 0; j < hidden; j++) {
          gw2[rowH + j] = (gw2[rowH + j] ?? 0) + gk * (act[j] ?? 0);
          dh[j] = (dh[j] ?? 0) + gk * (net.w2[rowH + j] ?? 0);
        }
        const rowS = k * D;
        for (let i = 0; i < D; i++) gs[rowS + i] = (gs[rowS + i] ?? 0) + gk * (x[i] ?? 0);
      }
      for (let j = 0; j < hidden; j++) {
        const a = act[j] ?? 0;
        const d = (dh[j] ?? 0) * (1 - a * a);
        if (d === 0) continue;
        gb1[j] = (gb1[j] ?? 0) + d;
        const row = j * D;
        for (let i = 0; i < D; i++) gw1[row + i] = (gw1[row + i] ?? 0) + d * (x[i] ?? 0);
      }
    }
    const norm = 1 / Math.max(count, 1);
    const rate = 0.5 * lr * (1 + Math.cos((Math.PI * step) / steps));
    const c1 = 1 - beta1 ** (step + 1);
    const c2 = 1 - beta2 ** (step + 1);
    for (let p = 0; p < params.length; p++) {
      const w = params[p] as Float64Array;
      const gr = grads[p] as Float64Array;
      const a = m1[p] as Float64Array;
      const v = m2[p] as Float64Array;
      const wd = decayed.has(w) ? decay : 0;
      for (let i = 0; i < w.length; i++) {
        const gi = (gr[i] ?? 0) * norm;
        a[i] = beta1 * (a[i] ?? 0) + (1 - beta1) * gi;
        v[i] = beta2 * (v[i] ?? 0) + (1 - beta2) * gi * gi;
        w[i] =
          (w[i] ?? 0) -
          rate * ((a[i] ?? 0) / c1 / (Math.sqrt((v[i] ?? 0) / c2) + 1e-8) + wd * (w[i] ?? 0));
      }
    }
    if (step >= steps - tail) {
      tailLoss += loss * norm;
      tailCount++;
    }
    done++;
  }
  const seconds = (performance.now() - t0) / 1000;

  // Internal validation on the held-out ends of the histories: net vs daily seasonal naive.
  let netAbs = 0;
  let naiveAbs = 0;
  for (const id of held) {
    const [s, o] = windowOf(id);
    const y = ys[s] as Float64Array;
    const mask = masks[s] as Uint8Array;
    const { level, scale } = features(y, o, L, x);
    forward(net, L, x, act, out);
    for (let k = 0; k < L.horizon; k++) {
      if (!mask[o + k]) continue;
      const a = y[o + k] ?? 0;
      netAbs += Math.abs(a - (level + scale * (out[k] ?? 0)));
      naiveAbs += Math.abs(a - (y[o - L.period + (k % L.period)] ?? 0));
    }
  }

  const stats: FleetMlpStats = {
    windows: train.length,
    holdoutWindows: held.length,
    steps: done,
    seconds,
    trainLoss: tailCount ? tailLoss / tailCount : Number.NaN,
    holdoutRelMae: held.length && naiveAbs > 0 ? netAbs / naiveAbs : Number.NaN,
  };
  return {
    name: 'fleet-mlp',
    stats,
    applicable: (ctx: SeriesContext, origin: number) => ctx.period === L.period && origin >= L.lags,
    forecast: (ctx: SeriesContext, origins: readonly number[], h: number) =>
      origins.map((o) => forecastAt(net, L, ctx.y, o, h)),
  };
}

/**
 * The net's forecast of `o … o+h−1` from `y[0, o)`. Horizons longer than the net's are run
 * recursively on a private copy extended with its own forecasts, so nothing at or after `o`
 * in `y` is ever read.
 */
function forecastAt(net: Net, L: Layout, y: ArrayLike<number>, o: number, h: number): Float64Array {
  const buf = new Float64Array(o + h + L.horizon);
  for (let t = 0; t < o; t++) buf[t] = y[t] ?? 0;
  const x = new Float64Array(L.inputs);
  const act = new Float64Array(net.hidden);
  const out = new Float64Array(L.horizon);
  for (let at = o; at < o + h; at += L.horizon) {
    const { level, scale } = features(buf, at, L, x);
    forward(net, L, x, act, out);
    for (let k = 0; k < L.horizon; k++) buf[at + k] = level + scale * (out[k] ?? 0);
  }
  return buf.slice(o, o + h);
}
