/**
 * Failover admission: from the detection quorum's ALARM transition to at most one failover
 * execution. Three guards, in this order:
 *
 * 1. **The name.** The execution name is derived from the alarm's ARN and the time of its state
 *    change, which every duplicate delivery of one event carries unchanged: a redelivered event
 *    asks for the same name, and Step Functions starts a name once.
 * 2. **One at a time.** The last admitted execution is one item (the admission record), replaced
 *    only by a conditional write naming the record it read: of two starters racing from the same
 *    record exactly one wins, and the loser re-reads and is refused. An execution still running
 *    (or admitted but not yet started, within a grace period) refuses every other name.
 * 3. **The minimum delay.** A new name is admitted only `minDelayMs` after the previous admission
 *    (ARC keeps such a delay between Region switches too), so a flapping alarm causes one failover.
 *
 * Crash recovery: a starter that wrote the record and died before `StartExecution` is redriven by
 * its event's retry with the same name, which the record admits again; if every retry is lost the
 * record points at an execution that never existed, and after the grace period it no longer blocks
 * (nor starts the minimum delay). Step Functions' start is idempotent only for the same input, so
 * the input is built from the event and the stored record alone, never from the clock of a retry.
 */
import { createHash } from 'node:crypto';
import { ConflictError, ValidationError } from '../errors';
import type { Clock, LoggerLike } from '../ports';

/** The detection quorum's state change as the failover needs it (from the EventBridge event). */
export interface QuorumAlarm {
  /** Alarm name (`detail.alarmName`). */
  readonly name: string;
  /** Alarm ARN (`resources[0]`): the region and account of the health stack are in it. */
  readonly arn: string;
  /** When the alarm entered this state (`detail.state.timestamp`), ISO-8601 UTC. */
  readonly stateChangeTime: string;
  /** CloudWatch's reason text (`detail.state.reason`). */
  readonly reason: string;
}

/** What started the request: the quorum's alarm, an operator, or a drill. */
export type FailoverTrigger = 'alarm' | 'manual' | 'drill';

/** The triggers, for flag and event validation. */
export const FAILOVER_TRIGGERS: readonly FailoverTrigger[] = ['alarm', 'manual', 'drill'];

/** The last admitted failover: one item, replaced only conditionally. */
export interface AdmissionRecord {
  readonly executionName: string;
  /** When it was admitted, epoch milliseconds. */
  readonly admittedAt: number;
  readonly trigger: FailoverTrigger;
}

/** Where the admission record lives (one item, strongly consistent reads). */
export interface AdmissionStore {
  /** The current record, or `undefined` before the first failover. */
  read(): Promise<AdmissionRecord | undefined>;
  /**
   * Replaces the record with `next` only if it still names `expectedExecutionName` (absent when
   * `undefined`). Resolves `false` when another writer got there first.
   */
  replace(next: AdmissionRecord, expectedExecutionName: string | undefined): Promise<boolean>;
}

/** A Step Functions execution status, plus `NOT_FOUND` for a name never started. */
export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE'
  | 'NOT_FOUND';

/** The result of a start. */
export interface ExecutionStart {
  readonly executionArn: string;
  /** True when the name was already used: nothing new started. */
  readonly alreadyStarted: boolean;
}

/** The failover state machine's executions. */
export interface FailoverExecutions {
  /** Starts `executionName` with `input`; a used name reports `alreadyStarted`. */
  start(executionName: string, input: Readonly<Record<string, unknown>>): Promise<ExecutionStart>;
  /** The status of one execution by name (`NOT_FOUND` when it was never started). */
  status(executionName: string): Promise<ExecutionStatus>;
  /**
   * Names of running executions (eventually consistent: catches executions started outside the
   * admission, from the console; the conditional record guards the races between starters).
   */
  running(): Promise<readonly string[]>;
}

/** Settings of the admission. */
export interface AdmissionSettings {
  /** Minimum time between two admitted failovers, milliseconds. */
  readonly minDelayMs: number;
  /**
   * How long an admitted name that has not started yet keeps blocking others (its starter may
   * still be on its way to `StartExecution`), milliseconds.
   * @default 120_000
   */
  readonly startGraceMs?: number;
}

/** One request for a failover. */
export interface AdmissionRequest {
  readonly executionName: string;
  readonly trigger: FailoverTrigger;
  readonly alarm: QuorumAlarm;
  /** Who asked, for manual and drill starts. */
  readonly requestedBy?: string;
  /** Force the approval step (a manual start never skips it). */
  readonly forceApproval?: boolean;
}

/**
 * The execution input the failover state machine starts with (docs/failover-contract.md):
 * `alarm` carries only the name and state-change time the workflow reads; the rest is context
 * for the record and the operator.
 */
export interface FailoverExecutionInput {
  readonly alarm: { readonly name: string; readonly stateChangeTime: string };
  /** A drill: the workflow runs against the drill deployment and always tears down. */
  readonly drill: boolean;
  /** `manual` forces the approval step even when the deployment is in auto mode. */
  readonly approvalMode?: 'manual';
  readonly trigger: FailoverTrigger;
  /** The alarm's ARN and CloudWatch's reason for the transition. */
  readonly detection: { readonly alarmArn: string; readonly reason: string };
  /** When the admission was granted, ISO-8601 (from the stored record: the same on retries). */
  readonly admittedAt: string;
  readonly requestedBy?: string;
  /** Allows `Record<string, unknown>` callers; the fields above are the contract. */
  readonly [key: string]: unknown;
}

/** Why a request was not admitted. */
export type RefusalReason = 'running' | 'min-delay';

/** The admission's answer. */
export type AdmissionOutcome =
  | {
      readonly outcome: 'started';
      readonly executionName: string;
      readonly executionArn: string;
      /** A duplicate delivery or a retry: the execution already existed. */
      readonly alreadyStarted: boolean;
      readonly input: FailoverExecutionInput;
    }
  | {
      readonly outcome: 'refused';
      readonly executionName: string;
      readonly reason: RefusalReason;
      /** The execution that blocks this one. */
      readonly blockedBy: string;
      readonly message: string;
    };

/** What {@link admitFailover} needs. */
export interface AdmissionDependencies {
  readonly store: AdmissionStore;
  readonly executions: FailoverExecutions;
  readonly clock: Clock;
  readonly settings: AdmissionSettings;
  readonly logger?: LoggerLike;
}

/** Default of {@link AdmissionSettings.startGraceMs}. */
export const DEFAULT_START_GRACE_MS = 120_000;

/** Conditional-write rounds before giving up (each lost round means another starter won). */
const MAX_ROUNDS = 5;

const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** `2026-12-02T00:40:49.123Z` → `20261202T004049Z`. */
function compactTime(iso: string): string {
  return `${iso.slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/**
 * Normalises a CloudWatch state timestamp (`2019-10-02T17:04:40.985+0000`) to ISO-8601 UTC.
 * @throws ValidationError when it is not a time.
 */
export function normaliseStateTime(timestamp: string): string {
  const ms = Date.parse(timestamp);
  if (!Number.isFinite(ms)) {
    throw new ValidationError('invalid alarm state timestamp', [`${timestamp} is not a time`]);
  }
  return new Date(ms).toISOString();
}

/**
 * The execution name of a failover requested by `alarm`: the trigger, the state-change time and
 * a hash of the alarm ARN with that time (and `requestId` for manual or drill starts), within the
 * 80 characters of `[A-Za-z0-9_-]` every Step Functions feature accepts. Duplicate deliveries of
 * one alarm event give the same name; two transitions of the alarm give two names.
 */
export function executionNameFor(
  alarm: Pick<QuorumAlarm, 'arn' | 'stateChangeTime'>,
  trigger: FailoverTrigger = 'alarm',
  requestId = '',
): string {
  const time = normaliseStateTime(alarm.stateChangeTime);
  const hash = createHash('sha256')
    .update(`${trigger}\n${alarm.arn}\n${time}\n${requestId}`, 'utf8')
    .digest('hex')
    .slice(0, 12);
  return `${trigger}-${compactTime(time)}-${hash}`;
}

/** The execution input for `request`, admitted at `admittedAt` (the stored record's). */
export function executionInputFor(
  request: AdmissionRequest,
  admittedAt: number,
): FailoverExecutionInput {
  return {
    alarm: {
      name: request.alarm.name,
      stateChangeTime: normaliseStateTime(request.alarm.stateChangeTime),
    },
    drill: request.trigger === 'drill',
    ...(request.forceApproval ? { approvalMode: 'manual' as const } : {}),
    trigger: request.trigger,
    detection: { alarmArn: request.alarm.arn, reason: request.alarm.reason },
    admittedAt: new Date(admittedAt).toISOString(),
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
  };
}

function refused(
  request: AdmissionRequest,
  reason: RefusalReason,
  blockedBy: string,
  message: string,
): AdmissionOutcome {
  return { outcome: 'refused', executionName: request.executionName, reason, blockedBy, message };
}

/**
 * Why the previous admission blocks a new name now, or `undefined` when it does not. An admitted
 * execution that never started stops blocking after the grace period and then counts for nothing.
 */
async function blockOf(
  previous: AdmissionRecord,
  request: AdmissionRequest,
  now: number,
  deps: AdmissionDependencies,
): Promise<AdmissionOutcome | undefined> {
  const grace = deps.settings.startGraceMs ?? DEFAULT_START_GRACE_MS;
  const status = await deps.executions.status(previous.executionName);
  const age = now - previous.admittedAt;
  if (status === 'RUNNING' || status === 'PENDING_REDRIVE') {
    return refused(
      request,
      'running',
      previous.executionName,
      `failover ${previous.executionName} is ${status === 'RUNNING' ? 'running' : 'awaiting a redrive'}: only one failover runs at a time`,
    );
  }
  if (status === 'NOT_FOUND') {
    if (age < grace) {
      return refused(
        request,
        'running',
        previous.executionName,
        `failover ${previous.executionName} was admitted ${Math.round(age / 1000)} s ago and is starting`,
      );
    }
    // Admitted, never started, and its starter has given up: void.
    deps.logger?.warn('previous failover admission never started; it no longer blocks', {
      previous: previous.executionName,
      admittedAt: new Date(previous.admittedAt).toISOString(),
    });
    return undefined;
  }
  if (age < deps.settings.minDelayMs) {
    return refused(
      request,
      'min-delay',
      previous.executionName,
      `failover ${previous.executionName} was admitted ${Math.round(age / 1000)} s ago; the minimum delay between failovers is ${Math.round(deps.settings.minDelayMs / 1000)} s`,
    );
  }
  return undefined;
}

/**
 * Admits `request` and starts its execution, or refuses it (another failover runs, or the
 * previous one was admitted less than the minimum delay ago). Safe to call again with the same
 * request at any point: it starts at most one execution per name, and at most one name at a time.
 *
 * @throws ValidationError for a name Step Functions would refuse; ConflictError when the record
 *   kept changing under it (more than a few starters racing); the ports' errors otherwise.
 */
export async function admitFailover(
  request: AdmissionRequest,
  deps: AdmissionDependencies,
): Promise<AdmissionOutcome> {
  if (!EXECUTION_NAME.test(request.executionName)) {
    throw new ValidationError('execution name must be 1–80 characters of [A-Za-z0-9_-]', [
      request.executionName,
    ]);
  }
  if (!Number.isFinite(deps.settings.minDelayMs) || deps.settings.minDelayMs < 0) {
    throw new ValidationError('invalid admission settings', [
      `minDelayMs ${deps.settings.minDelayMs} is not a duration ≥ 0`,
    ]);
  }
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const previous = await deps.store.read();
    if (previous?.executionName === request.executionName) {
      // A duplicate delivery, or the retry of a starter that died after admitting it.
      return startAdmitted(request, previous.admittedAt, deps);
    }
    const now = deps.clock.now();
    if (previous) {
      const block = await blockOf(previous, request, now, deps);
      if (block) return block;
    }
    const others = (await deps.executions.running()).filter((n) => n !== request.executionName);
    const [other] = others;
    if (other !== undefined) {
      return refused(
        request,
        'running',
        other,
        `failover ${other} is running (started outside the admission): only one failover runs at a time`,
      );
    }
    const record: AdmissionRecord = {
      executionName: request.executionName,
      admittedAt: now,
      trigger: request.trigger,
    };
    if (await deps.store.replace(record, previous?.executionName)) {
      return startAdmitted(request, now, deps);
    }
    deps.logger?.info('lost the admission race; re-reading', { name: request.executionName });
  }
  throw new ConflictError(
    `failover admission of ${request.executionName} lost ${MAX_ROUNDS} conditional writes in a row`,
  );
}

async function startAdmitted(
  request: AdmissionRequest,
  admittedAt: number,
  deps: AdmissionDependencies,
): Promise<AdmissionOutcome> {
  const input = executionInputFor(request, admittedAt);
  const started = await deps.executions.start(request.executionName, input);
  return {
    outcome: 'started',
    executionName: request.executionName,
    executionArn: started.executionArn,
    alreadyStarted: started.alreadyStarted,
    input,
  };
}
