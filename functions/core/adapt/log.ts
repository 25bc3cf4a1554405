/**
 * What adaptation keeps between scheduled runs, and its port: per service, one state item (the
 * bands in use, the minimum it set, its last change, the cloned bounds, the primary's history)
 * and one decision record per period. Lives in core/adapt rather than `ports.ts` because only
 * adaptation uses it.
 */
import type { ResourceMetric, ServiceKey, TargetTrackingPolicy, TimeSeries } from '../model';
import type { ForecastBands } from './bands';
import type { AdaptDecision, LastChange } from './policy';

/** Adaptation's memory of one service, for the lease epoch it was written under. */
export interface AdaptState {
  readonly service: ServiceKey;
  /** The lease epoch of the failover this state belongs to; another epoch starts afresh. */
  readonly epoch: number;
  /** ISO-8601 UTC: when the shadow took authority (the lease's `acquiredAt`). */
  readonly failoverAt: string;
  /** The scaling bounds the clone brought: the minimum is never set outside them. */
  readonly clonedBounds: { readonly minCapacity: number; readonly maxCapacity: number };
  /** The cloned target-tracking policy, re-put unchanged with each new minimum. */
  readonly policy?: TargetTrackingPolicy;
  /** The minimum capacity in force (as this policy last set it). */
  readonly currentMin: number;
  readonly lastChange?: LastChange;
  /** Bands in use per metric. */
  readonly bands: Readonly<Partial<Record<ResourceMetric, ForecastBands>>>;
  /** The primary's series before the failover, read once (the primary may be dark later). */
  readonly primaryHistory: Readonly<Partial<Record<ResourceMetric, TimeSeries>>>;
  /** ISO-8601 UTC start of the last period decided. */
  readonly lastPeriod?: string;
}

/** One decision as stored: the period it decided, under which epoch, and the decision itself. */
export interface AdaptDecisionRecord {
  readonly service: ServiceKey;
  /** ISO-8601 UTC start of the period (the record's identity: one decision per period). */
  readonly period: string;
  readonly epoch: number;
  readonly decision: AdaptDecision;
  /** What the run read besides the decision's own inputs. */
  readonly context?: {
    /** ISO-8601 UTC: when the shadow took authority. */
    readonly failoverAt: string;
    /** Tasks running in staging, which rescaled utilisation and per-target figures. */
    readonly runningTasks: number;
    /** Whether a primary history was available for re-forecasts. */
    readonly primaryHistory: boolean;
  };
}

/** A state read with the revision a conditional write must name. */
export interface VersionedAdaptState {
  readonly state: AdaptState;
  readonly revision: number;
}

/** Adaptation's storage (staging region). */
export interface AdaptLog {
  /** The state of a service, or undefined before its first run. */
  getState(service: ServiceKey): Promise<VersionedAdaptState | undefined>;
  /**
   * Writes the state if its stored revision is still `expectedRevision` (undefined: none stored
   * yet) and returns the new revision; ConflictError when another run wrote first.
   */
  putState(state: AdaptState, expectedRevision: number | undefined): Promise<number>;
  /**
   * Records a decision once per service × period. When that period is already recorded (a
   * retried run), nothing is written and the stored record is returned instead.
   */
  recordDecision(
    record: AdaptDecisionRecord,
  ): Promise<{ readonly recorded: boolean; readonly record: AdaptDecisionRecord }>;
  /** The newest `limit` decisions of a service, newest first. */
  listDecisions(service: ServiceKey, limit: number): Promise<readonly AdaptDecisionRecord[]>;
}
