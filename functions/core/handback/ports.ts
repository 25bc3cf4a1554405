/**
 * Ports and shapes of the handback workflow (`statemachines/handback.asl.json`). The handback
 * reuses the failover's ports wherever they fit: `AuthorityLease` (the fenced lease),
 * `QuorumAlarm`, `FailoverPlatform` (DescribeServices, TagResource, DescribeTargetHealth — one
 * over staging, one over the primary's region through the primary read role), `TrafficSwitch`
 * (direction `to-primary`), `ContainerPlatform` (UpdateService, scaling) and the
 * `FailoverRecordStore` (records of kind `handback`). What is new here is the freeze marker that
 * stops adaptation while authority is being handed back.
 */
import type { ServiceOutcome } from '../failover/ports';
import type { ScalingBounds } from '../model';

/** How one service is handed back. */
export type HandbackMode = 'integrate' | 'replace';

/** The modes, for flag and config validation. */
export const HANDBACK_MODES: readonly HandbackMode[] = ['integrate', 'replace'];

/**
 * The adaptation freeze of one epoch: while it stands, the adapt Lambda changes nothing (the
 * handback owns the staging services). Keyed by lease id, so a drill's lease has its own.
 */
export interface FreezeMarker {
  /** The shadow's epoch the freeze belongs to (a freeze of an older epoch means nothing). */
  readonly epoch: number;
  /** The handback execution that froze it. */
  readonly executionName: string;
  /** ISO-8601 UTC. */
  readonly frozenAt: string;
  /** ISO-8601 UTC, set when a stopped or declined handback lifted the freeze. */
  readonly thawedAt?: string;
}

/** True when `marker` freezes adaptation at `epoch`. */
export function isFrozen(marker: FreezeMarker | undefined, epoch: number): boolean {
  return marker !== undefined && marker.epoch === epoch && marker.thawedAt === undefined;
}

/** Reads the freeze (what the adapt run needs: a strongly consistent read, nothing more). */
export interface AdaptationFreezeReader {
  /** The marker as stored, or undefined when no handback ever froze this lease. */
  read(): Promise<FreezeMarker | undefined>;
}

/**
 * The freeze marker (one item beside the lease, in the lease table: the adapt Lambda already
 * reads that table strongly consistently). Every write is conditional, so a retried step changes
 * nothing and two handbacks cannot freeze one epoch.
 */
export interface AdaptationFreeze extends AdaptationFreezeReader {
  /**
   * Freezes `epoch` for `executionName`. Idempotent for the same execution (the stored marker is
   * returned); ConflictError when another execution froze this epoch and has not thawed it.
   */
  freeze(epoch: number, executionName: string, at: string): Promise<FreezeMarker>;
  /** Lifts the freeze `executionName` holds at `epoch`; a no-op when it holds none. */
  thaw(epoch: number, executionName: string, at: string): Promise<void>;
}

/** Where a handed-back service stands. */
export type HandbackPhase =
  | 'pending'
  | 'integrated'
  | 'primary-steady'
  | 'traffic-back'
  | 'standby'
  | 'failed';

/** One difference between what the plan cloned from the primary and what the shadow runs. */
export interface ShadowChange {
  readonly field: 'taskDefinition' | 'desiredCount' | 'minCapacity' | 'maxCapacity' | 'targetValue';
  /** The value the plan's clone came from (the primary's source revision / counts). */
  readonly source: string | number | null;
  /** The value the shadow runs now. */
  readonly shadow: string | number | null;
}

/** The handback part of a service line. */
export interface HandbackServiceDetail {
  readonly mode: HandbackMode;
  readonly phase: HandbackPhase;
  /** Tasks the staging service keeps after a replace (its standby tier). */
  readonly standbyCount: number;
  /** The primary's service (replace: what the handback waited for). */
  readonly primary?: {
    readonly cluster: string;
    readonly serviceName: string;
    readonly taskDefinitionArn?: string;
    readonly desiredCount?: number;
    readonly runningCount?: number;
    readonly steadyAt?: string;
    readonly waitingFor?: string;
  };
  /** Integrate: exactly what the shadow changed against the plan's source, for the primary's IaC. */
  readonly changes?: readonly ShadowChange[];
  /** The staging service's scaling bounds when it was handed back. */
  readonly scaling?: ScalingBounds;
  /** ISO-8601 UTC per step done. */
  readonly integratedAt?: string;
  readonly scaledDownAt?: string;
}

/**
 * A service line of a handback record: the failover's line shape (`ServiceOutcome`, so the same
 * record store keeps it) plus the handback detail.
 */
export interface HandbackServiceLine extends ServiceOutcome {
  readonly handback: HandbackServiceDetail;
}

/** True when a stored line is a handback line. */
export function isHandbackLine(line: ServiceOutcome): line is HandbackServiceLine {
  return typeof (line as Partial<HandbackServiceLine>).handback === 'object';
}
