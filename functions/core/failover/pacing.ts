/**
 * Client-side pacing of the failover's deploy calls at ECS's published limits, so a large plan
 * spends its time waiting for tokens rather than collecting ThrottlingExceptions: the "service
 * modify" bucket (UpdateService: burst 50, 5/s) and the Fargate task launch bucket (burst 100,
 * 20 tasks/s), see LATENCY.md §1 and §4. The state travels between deploy pages (Lambda
 * invocations) in the execution payload, so consecutive pages share one bucket. Throttling that
 * still happens (other callers share the account's buckets) is retried with jittered backoff.
 */
import { isRetryable } from '../errors';
import { ECS_SERVICE_API_RATE, ECS_TASK_LAUNCH_RATE, type TokenBucket } from '../plan/quota';
import type { Clock } from '../ports';

/** Bucket levels at an instant (JSON-safe: it is part of the execution payload). */
export interface PaceState {
  readonly serviceTokens: number;
  readonly launchTokens: number;
  /** Epoch ms the levels were taken at. */
  readonly atMs: number;
}

/** The buckets a {@link Pacer} models. */
export interface PaceLimits {
  readonly service: TokenBucket;
  readonly launch: TokenBucket;
}

/** ECS's published limits. */
export const ECS_PACE_LIMITS: PaceLimits = {
  service: ECS_SERVICE_API_RATE,
  launch: ECS_TASK_LAUNCH_RATE,
};

/**
 * Two token buckets. A service call takes one service token and, when it starts tasks, as many
 * launch tokens as tasks: the launch bucket may go into debt (one service can ask for more tasks
 * than the burst, and ECS launches them over time), and the next call waits until the debt is
 * paid, which paces task launches across services.
 */
export class Pacer {
  private serviceTokens: number;
  private launchTokens: number;
  private atMs: number;

  public constructor(
    private readonly clock: Clock,
    state?: PaceState,
    private readonly limits: PaceLimits = ECS_PACE_LIMITS,
  ) {
    this.atMs = state?.atMs ?? clock.now();
    this.serviceTokens = state?.serviceTokens ?? limits.service.burst;
    this.launchTokens = state?.launchTokens ?? limits.launch.burst;
    this.refill();
  }

  /** Waits (on the clock) until a service call starting `tasks` tasks may go, then takes its tokens. */
  public async beforeServiceCall(tasks: number): Promise<void> {
    this.refill();
    const serviceWaitMs =
      this.serviceTokens >= 1
        ? 0
        : ((1 - this.serviceTokens) / this.limits.service.ratePerSecond) * 1000;
    const launchWaitMs =
      tasks === 0 || this.launchTokens >= 1
        ? 0
        : ((1 - this.launchTokens) / this.limits.launch.ratePerSecond) * 1000;
    const waitMs = Math.ceil(Math.max(serviceWaitMs, launchWaitMs));
    if (waitMs > 0) {
      await this.clock.sleep(waitMs);
      this.refill();
    }
    this.serviceTokens -= 1;
    this.launchTokens -= tasks;
  }

  /** The levels now, for the next page. */
  public state(): PaceState {
    this.refill();
    return { serviceTokens: this.serviceTokens, launchTokens: this.launchTokens, atMs: this.atMs };
  }

  private refill(): void {
    const now = this.clock.now();
    const seconds = Math.max(0, now - this.atMs) / 1000;
    this.serviceTokens = Math.min(
      this.limits.service.burst,
      this.serviceTokens + seconds * this.limits.service.ratePerSecond,
    );
    this.launchTokens = Math.min(
      this.limits.launch.burst,
      this.launchTokens + seconds * this.limits.launch.ratePerSecond,
    );
    this.atMs = Math.max(this.atMs, now);
  }
}

/** Options of {@link withRetry}. */
export interface RetryOptions {
  /** Attempts in all (the first included). @default 6 */
  readonly maxAttempts?: number;
  /** Backoff base. @default 200 */
  readonly baseMs?: number;
  /** Backoff cap. @default 5000 */
  readonly capMs?: number;
}

/**
 * Runs `call`, retrying ThrottlingError and ServiceUnavailableError with full-jitter exponential
 * backoff (`U(0, min(cap, base × 2^attempt))`, AWS's recommended strategy); other errors and the
 * last attempt's error are thrown. `random` is injected so runs replay exactly.
 */
export async function withRetry<T>(
  clock: Clock,
  random: () => number,
  call: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 6;
  const baseMs = options.baseMs ?? 200;
  const capMs = options.capMs ?? 5_000;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (!isRetryable(error) || attempt >= maxAttempts) throw error;
      await clock.sleep(Math.round(random() * Math.min(capMs, baseMs * 2 ** attempt)));
    }
  }
}

/**
 * A small seeded PRNG (mulberry32) for retry jitter: deterministic per seed, so a failover's
 * backoff replays exactly in the sandbox; in Lambda the seed comes from the request id.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from any string (FNV-1a), e.g. an execution name plus a page cursor. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
