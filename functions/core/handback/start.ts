/**
 * When a handback starts. The quorum has to have been OK for N consecutive evaluation periods
 * while the shadow holds the lease. A composite alarm records only its last state change, and
 * it stays OK from that change until the next: the quorum has been OK for N consecutive periods
 * exactly when it is OK now and `now - StateUpdatedTimestamp ≥ N × period`. So no alarm history
 * is read. The starter runs on the alarm's OK transition (EventBridge) and again on a schedule
 * (every period). The OK transition is usually too early, so the scheduled re-check starts the
 * handback once the N periods have passed.
 *
 * The execution name is deterministic per shadow epoch and OK episode (`handback-e<epoch>-<ok
 * since>`), so duplicate events and re-checks collapse into one execution (Step Functions refuses
 * a used name). A handback that was declined is not started again for the same OK episode: an
 * operator starts another with `understudy handback start`.
 */
import type { ExecutionStart, FailoverExecutions } from '../failover/admission';
import type { QuorumAlarm } from '../failover/ports';
import type { Lease } from '../model';
import type { Clock } from '../ports';

/** What the starter needs. */
export interface HandbackStartDeps {
  /** The lease, read without writing. */
  readonly lease: { peek(): Promise<Lease | undefined> };
  readonly alarm: QuorumAlarm;
  readonly executions: Pick<FailoverExecutions, 'start' | 'running'>;
  readonly clock: Clock;
}

/** The starter's settings. */
export interface HandbackStartSettings {
  readonly alarmName: string;
  /** N: consecutive OK periods before a handback starts. */
  readonly okPeriods: number;
  /** The quorum alarm's evaluation period, seconds. */
  readonly periodSeconds: number;
}

/** What started the request. */
export interface HandbackStartRequest {
  readonly trigger: 'alarm-ok' | 'schedule' | 'manual';
  /** Who: `eventbridge`, `schedule`, or the operator's name. */
  readonly requestedBy: string;
  /** Manual starts only: forces the approval step even in auto mode. */
  readonly approvalMode?: 'manual';
}

/** What the starter did. */
export type HandbackStartOutcome =
  | { readonly outcome: 'ignored'; readonly reason: string }
  | {
      readonly outcome: 'waiting';
      readonly reason: string;
      readonly okForSeconds: number;
      readonly neededSeconds: number;
    }
  | {
      readonly outcome: 'started' | 'already-started';
      readonly executionName: string;
      readonly executionArn: string;
      readonly epoch: number;
    };

function compact(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/** The execution name of a handback of `epoch` for the OK episode that began at `okSince`. */
export function handbackExecutionName(
  epoch: number,
  okSince: string,
  trigger: HandbackStartRequest['trigger'] = 'alarm-ok',
  at?: string,
): string {
  const base = `handback-e${epoch}-${compact(new Date(Date.parse(okSince)).toISOString())}`;
  // A manual start is its own episode, per minute (a double-typed command collapses).
  return trigger === 'manual' && at ? `${base}-manual-${compact(at).slice(0, 13)}` : base;
}

/**
 * Decides and starts. Ignored unless the shadow holds the lease and the quorum is OK; waiting
 * until it has been OK for N periods (a manual start does not wait, the operator decided);
 * refused (ignored) while another handback runs.
 */
export async function startHandback(
  deps: HandbackStartDeps,
  settings: HandbackStartSettings,
  request: HandbackStartRequest,
): Promise<HandbackStartOutcome> {
  const lease = await deps.lease.peek();
  if (lease?.holder !== 'shadow') {
    return {
      outcome: 'ignored',
      reason: `the shadow does not hold authority (${lease ? `${lease.holder} at epoch ${lease.epoch}` : 'never transferred'}): nothing to hand back`,
    };
  }
  const reading = await deps.alarm.read(settings.alarmName);
  if (reading.state !== 'OK') {
    return {
      outcome: 'ignored',
      reason: `the quorum ${reading.name} is ${reading.state} since ${reading.stateChangeTime}`,
    };
  }
  const nowMs = deps.clock.now();
  const okForSeconds = Math.max(
    0,
    Math.floor((nowMs - Date.parse(reading.stateChangeTime)) / 1000),
  );
  const neededSeconds = settings.okPeriods * settings.periodSeconds;
  if (request.trigger !== 'manual' && okForSeconds < neededSeconds) {
    return {
      outcome: 'waiting',
      reason: `OK for ${okForSeconds} s of the ${neededSeconds} s (${settings.okPeriods} periods) a handback waits for`,
      okForSeconds,
      neededSeconds,
    };
  }
  const running = (await deps.executions.running()).filter((name) => name.startsWith('handback-'));
  const executionName = handbackExecutionName(
    lease.epoch,
    reading.stateChangeTime,
    request.trigger,
    new Date(nowMs).toISOString(),
  );
  const other = running.find((name) => name !== executionName);
  if (other) {
    return { outcome: 'ignored', reason: `handback ${other} is running: one handback at a time` };
  }
  const started: ExecutionStart = await deps.executions.start(executionName, {
    alarm: { name: settings.alarmName },
    expectedEpoch: lease.epoch,
    requestedBy: request.requestedBy,
    trigger: request.trigger,
    ...(request.approvalMode ? { approvalMode: request.approvalMode } : {}),
  });
  return {
    outcome: started.alreadyStarted ? 'already-started' : 'started',
    executionName,
    executionArn: started.executionArn,
    epoch: lease.epoch,
  };
}
