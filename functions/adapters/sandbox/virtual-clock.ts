/**
 * A deterministic discrete-event clock for the sandbox cloud, tests, benchmarks and the local
 * drill.
 *
 * `sleep(ms)` registers a timer instead of waiting. When auto-advance is on (the default), the
 * clock jumps to the earliest timer only once the process is otherwise idle: the jump is
 * scheduled with `setImmediate`, so every pending microtask (promise continuation) settles
 * first and every caller that is about to sleep has registered its timer. Concurrent sleeps
 * therefore overlap as they would in real time: N parallel calls of 1 s take 1 s of virtual
 * time, not N s.
 *
 * Real I/O takes no virtual time. A request to dynalite over loopback HTTP is in flight for a
 * few real milliseconds, and the clock may jump past pending timers meanwhile (a `setImmediate`
 * runs before the socket answers). Code that mixes real I/O with virtual sleeps sees the I/O as
 * instantaneous in virtual time; it stays correct but its virtual timings ignore that I/O.
 */
import type { Clock } from '../../core/ports';

/** Options of a {@link VirtualClock}. */
export interface VirtualClockOptions {
  /**
   * Virtual epoch milliseconds at construction.
   * @default Date.UTC(2026, 0, 1) — a fixed instant, so runs are reproducible
   */
  readonly startMs?: number;
  /**
   * Jump to the next timer automatically when the process is idle. Turn off in tests that want
   * to move time by hand with {@link VirtualClock.advance} / {@link VirtualClock.runUntilIdle}.
   * @default true
   */
  readonly autoAdvance?: boolean;
}

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/** Yields to the event loop once, so microtasks and already-queued callbacks run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Deterministic virtual time: see the module comment for how and when it advances. */
export class VirtualClock implements Clock {
  private current: number;
  private readonly autoAdvance: boolean;
  /** Sorted by (at, seq): timers due at the same instant fire in registration order. */
  private readonly timers: Timer[] = [];
  private nextSeq = 0;
  private advanceScheduled = false;

  public constructor(options: VirtualClockOptions = {}) {
    this.current = options.startMs ?? Date.UTC(2026, 0, 1);
    this.autoAdvance = options.autoAdvance ?? true;
  }

  /** Current virtual time in epoch milliseconds. */
  public now(): number {
    return this.current;
  }

  /** Resolves when virtual time reaches now + `ms` (negative or NaN counts as 0). */
  public sleep(ms: number): Promise<void> {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    return new Promise<void>((resolve) => {
      this.insert({ at: this.current + delay, seq: this.nextSeq++, resolve });
      this.scheduleAdvance();
    });
  }

  /** Number of timers not yet fired (useful to assert that nothing is left waiting). */
  public get pendingTimers(): number {
    return this.timers.length;
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way in order and letting the
   * woken code run (and register new timers) before moving on.
   */
  public async advance(ms: number): Promise<void> {
    const target = this.current + Math.max(0, ms);
    await settle();
    for (;;) {
      const first = this.timers[0];
      if (first === undefined || first.at > target) break;
      this.fireEarliest();
      await settle();
    }
    this.current = Math.max(this.current, target);
  }

  /** Fires timers until none is left (time ends at the last one); returns the final time. */
  public async runUntilIdle(): Promise<number> {
    await settle();
    while (this.timers.length > 0) {
      this.fireEarliest();
      await settle();
    }
    return this.current;
  }

  private insert(timer: Timer): void {
    // Binary search keeps insertion O(log n) to find the slot; benchmarks hold ~1,000 timers.
    let low = 0;
    let high = this.timers.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const probe = this.timers[mid];
      if (
        probe !== undefined &&
        (probe.at < timer.at || (probe.at === timer.at && probe.seq < timer.seq))
      ) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    this.timers.splice(low, 0, timer);
  }

  /** Moves time to the earliest timer and resolves every timer due at that instant. */
  private fireEarliest(): void {
    const first = this.timers[0];
    if (first === undefined) return;
    this.current = Math.max(this.current, first.at);
    while (this.timers[0] !== undefined && this.timers[0].at <= this.current) {
      this.timers.shift()?.resolve();
    }
  }

  private scheduleAdvance(): void {
    if (!this.autoAdvance || this.advanceScheduled) return;
    this.advanceScheduled = true;
    setImmediate(() => {
      this.advanceScheduled = false;
      this.fireEarliest();
      if (this.timers.length > 0) this.scheduleAdvance();
    });
  }
}
