/**
 * Deterministic fault injection for the sandbox cloud: seeded per-operation probabilities of
 * throttling, server errors (5xx) and timeouts, plus region outages. Nothing here reads
 * `Math.random` or the wall clock, so the same seed and the same sequence of calls produce the
 * same faults every run.
 */
import type { Operation } from './operations';

/**
 * mulberry32: a small, fast 32-bit PRNG with a full 2^32 period — ample for fault draws and
 * jitter, and trivially reproducible from one integer seed.
 */
export class SeededRandom {
  private state: number;

  public constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next value in [0, 1). */
  public next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A derived generator, independent of this one's future draws (for a separate stream). */
  public fork(salt: number): SeededRandom {
    return new SeededRandom(Math.imul(this.state ^ salt, 0x9e3779b1) ^ salt);
  }
}

/** Probabilities (0–1) of each injected failure for one operation. */
export interface FaultRates {
  /** Fails with `ThrottlingError`, as if the bucket were empty. */
  readonly throttle?: number;
  /** Fails with `ServiceUnavailableError` (5xx) after the normal round trip. */
  readonly unavailable?: number;
  /** Hangs for the model's `callTimeoutMs`, then fails with `ServiceUnavailableError`. */
  readonly timeout?: number;
}

/** A window of virtual time during which a region is dark. */
export interface OutageWindow {
  /** Epoch ms (inclusive). */
  readonly fromMs: number;
  /** Epoch ms (exclusive); omit for "until switched back on". */
  readonly untilMs?: number;
}

/** Fault configuration of a sandbox cloud. */
export interface FaultPlan {
  /** Rates applied to every operation without its own entry. */
  readonly default?: FaultRates;
  /** Rates per operation, e.g. `{ 'ecs:UpdateService': { unavailable: 0.05 } }`. */
  readonly operations?: Partial<Record<Operation, FaultRates>>;
  /** Scheduled outages per region. */
  readonly outages?: Readonly<Record<string, readonly OutageWindow[]>>;
}

/** What the injector decided for one call. */
export type FaultDecision = 'none' | 'throttle' | 'unavailable' | 'timeout';

/** Draws faults from a seeded stream and tracks region outages. */
export class FaultInjector {
  private readonly random: SeededRandom;
  private readonly outages = new Map<string, OutageWindow[]>();

  public constructor(
    seed: number,
    private readonly plan: FaultPlan = {},
  ) {
    this.random = new SeededRandom(seed ^ 0x5eed_fa17);
    for (const [region, windows] of Object.entries(plan.outages ?? {})) {
      this.outages.set(region, [...windows]);
    }
  }

  /**
   * Decides the fault of one call. Draws exactly one number per call whether or not a fault is
   * configured, so adding a rate for one operation does not shift the faults of the others.
   */
  public decide(operation: Operation): FaultDecision {
    const draw = this.random.next();
    const rates = this.plan.operations?.[operation] ?? this.plan.default ?? {};
    let threshold = rates.throttle ?? 0;
    if (draw < threshold) return 'throttle';
    threshold += rates.unavailable ?? 0;
    if (draw < threshold) return 'unavailable';
    threshold += rates.timeout ?? 0;
    if (draw < threshold) return 'timeout';
    return 'none';
  }

  /** Schedules an outage of `region` over a window of virtual time. */
  public darkenRegion(region: string, window: OutageWindow): void {
    const windows = this.outages.get(region) ?? [];
    windows.push(window);
    this.outages.set(region, windows);
  }

  /**
   * Switches a region dark from `nowMs` on (open-ended), or lights it again at `nowMs` by
   * closing every open window.
   */
  public setRegionDark(region: string, dark: boolean, nowMs: number): void {
    const windows = this.outages.get(region) ?? [];
    if (dark) {
      if (!this.isDark(region, nowMs)) windows.push({ fromMs: nowMs });
    } else {
      for (let i = 0; i < windows.length; i += 1) {
        const window = windows[i];
        if (window && window.fromMs <= nowMs && (window.untilMs ?? Infinity) > nowMs) {
          windows[i] = { fromMs: window.fromMs, untilMs: nowMs };
        }
      }
    }
    this.outages.set(region, windows);
  }

  /** True when `region` is dark at `nowMs`. */
  public isDark(region: string, nowMs: number): boolean {
    return (this.outages.get(region) ?? []).some(
      (window) => window.fromMs <= nowMs && nowMs < (window.untilMs ?? Infinity),
    );
  }
}
