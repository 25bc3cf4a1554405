/**
 * The handback's gates: preparing the run (who holds the lease, at which epoch, which failover's
 * services), freezing adaptation, the quorum check before traffic moves and before release, and
 * the release itself — the lease to the primary at epoch + 1, conditional on the shadow still
 * holding the failover's epoch.
 *
 * A gate that finds the quorum back in ALARM answers `ok: false` with the reason: the workflow
 * then stops the handback (the lease stays with the shadow, traffic where it is serving). A
 * stale epoch is a StaleEpochError (the workflow records the run as fenced).
 */
import { ConflictError, StaleEpochError } from '../errors';
import type {
  AlarmReading,
  FailoverRecord,
  FailoverRecordStore,
  PlanSummary,
  QuorumAlarm,
} from '../failover/ports';
import type { AuthorityLease, Clock } from '../ports';
import type { AdaptationFreeze, HandbackServiceLine } from './ports';
import { type HandbackSettings, modeOf, standbyCountOf } from './settings';

/** What the gates need. */
export interface HandbackGateDeps {
  readonly lease: AuthorityLease;
  readonly alarm: QuorumAlarm;
  readonly records: FailoverRecordStore;
  readonly freeze: AdaptationFreeze;
  readonly clock: Clock;
  readonly settings: HandbackSettings;
}

/** The failover execution a shadow lease was granted to (`failover <name>`), or undefined. */
export function failoverOfLeaseReason(reason: string): string | undefined {
  const match = /^failover ([A-Za-z0-9_-]{1,80})$/.exec(reason);
  return match?.[1];
}

/** The lease reason of a handback's release (how a retried release recognises its own). */
export function handbackLeaseReason(executionName: string, approvedBy: string): string {
  return `handback ${executionName} approved by ${approvedBy}`;
}

/** Input of {@link prepareHandback}. */
export interface PrepareInput {
  readonly executionName: string;
  readonly executionArn: string;
  readonly alarmName: string;
  readonly mode: 'auto' | 'manual';
  /** The epoch the starter saw the shadow hold; a lease at another epoch refuses the run. */
  readonly expectedEpoch?: number;
  /** Who or what started it (`starter`, `cli:<actor>`). */
  readonly requestedBy: string;
}

/** What {@link prepareHandback} answers. */
export interface PrepareResult {
  readonly ok: boolean;
  readonly reasons: readonly string[];
  /** The reasons in one line (`ready` when there are none). */
  readonly reason: string;
  readonly epoch: number;
  readonly failoverExecutionName?: string;
  readonly services: number;
  readonly integrate: number;
  readonly replace: number;
  /** Since when the quorum is OK (ISO-8601 UTC). */
  readonly okSince: string;
  /** The approval step's summary (the failover approval Lambda's `planSummary` shape). */
  readonly planSummary: PlanSummary;
}

function quorumProblem(reading: AlarmReading): string | undefined {
  return reading.state === 'OK'
    ? undefined
    : `the detection quorum ${reading.name} is ${reading.state} since ${reading.stateChangeTime}: the primary is not back`;
}

/**
 * Opens the handback record and decides whether the handback may run: the shadow holds the lease
 * (at `expectedEpoch` when given) for a failover whose service lines are known, and the quorum is
 * OK. Copies each of the failover's service lines into the handback record with its mode and
 * standby count. Changes nothing else; a retry rewrites the same lines.
 */
export async function prepareHandback(
  deps: HandbackGateDeps,
  input: PrepareInput,
): Promise<PrepareResult> {
  const now = new Date(deps.clock.now()).toISOString();
  const reading = await deps.alarm.read(input.alarmName);
  await deps.records.begin({
    kind: 'handback',
    executionName: input.executionName,
    executionArn: input.executionArn,
    alarmName: input.alarmName,
    mode: input.mode,
    detectedAt: reading.stateChangeTime,
    startedAt: now,
  });
  const lease = await deps.lease.read();
  const reasons: string[] = [];
  const quorum = quorumProblem(reading);
  if (quorum) reasons.push(quorum);
  if (lease.holder !== 'shadow') {
    reasons.push(
      `the shadow does not hold authority: ${lease.holder} holds it at epoch ${lease.epoch}`,
    );
  }
  if (input.expectedEpoch !== undefined && input.expectedEpoch !== lease.epoch) {
    reasons.push(
      `epoch ${input.expectedEpoch} is stale: the lease is at epoch ${lease.epoch} (${lease.reason})`,
    );
  }
  const failoverExecutionName =
    lease.holder === 'shadow' ? failoverOfLeaseReason(lease.reason) : undefined;
  if (lease.holder === 'shadow' && !failoverExecutionName) {
    reasons.push(`the shadow's lease (${lease.reason}) names no failover execution`);
  }
  let lines: HandbackServiceLine[] = [];
  if (reasons.length === 0 && failoverExecutionName) {
    const failed = await deps.records.listServices(failoverExecutionName);
    lines = failed.map(({ deployedAt, steadyAt, trafficSwitchedAt, failure, ...line }) => ({
      ...line,
      status: 'deploying',
      warnings: [],
      handback: {
        mode: modeOf(deps.settings, line.service),
        phase: 'pending',
        standbyCount: standbyCountOf(deps.settings, line.service),
      },
    }));
    await deps.records.putServices(input.executionName, lines);
  }
  await deps.records.update(input.executionName, {
    epoch: lease.epoch,
    transitions: [
      {
        phase: 'prepare',
        at: now,
        detail:
          reasons.length === 0
            ? `epoch ${lease.epoch}, ${lines.length} services of ${failoverExecutionName}, requested by ${input.requestedBy}`
            : reasons.join('; '),
      },
    ],
  });
  const integrate = lines.filter((l) => l.handback.mode === 'integrate').length;
  return {
    ok: reasons.length === 0,
    reasons,
    reason: reasons.length === 0 ? 'ready' : reasons.join('; '),
    epoch: lease.epoch,
    ...(failoverExecutionName ? { failoverExecutionName } : {}),
    services: lines.length,
    integrate,
    replace: lines.length - integrate,
    okSince: reading.stateChangeTime,
    planSummary: {
      planId: `handback-of-${failoverExecutionName ?? 'none'}`,
      generatedAt: now,
      services: lines.length,
      tasks: lines.reduce((sum, l) => sum + l.desiredCount, 0),
      waves: [],
      warnings: [`${integrate} integrate, ${lines.length - integrate} replace`],
    },
  };
}

/** What a gate answers. */
export interface GateResult {
  readonly ok: boolean;
  readonly reason: string;
  /** ISO-8601 UTC. */
  readonly at: string;
}

/**
 * The quorum check (before traffic moves, before release, after approval): the lease still the
 * shadow's at `epoch` (StaleEpochError otherwise) and the quorum OK.
 */
export async function checkQuorum(
  deps: Pick<HandbackGateDeps, 'lease' | 'alarm' | 'records' | 'clock'>,
  input: {
    readonly executionName: string;
    readonly alarmName: string;
    readonly epoch: number;
    readonly phase: string;
  },
): Promise<GateResult> {
  await deps.lease.assertHeld('shadow', input.epoch);
  const reading = await deps.alarm.read(input.alarmName);
  const at = new Date(deps.clock.now()).toISOString();
  const problem = quorumProblem(reading);
  await deps.records.update(input.executionName, {
    transitions: [{ phase: `quorum:${input.phase}`, at, detail: problem ?? 'OK' }],
  });
  return problem ? { ok: false, reason: problem, at } : { ok: true, reason: 'quorum OK', at };
}

/**
 * Freezes adaptation at `epoch` once approval is in and the quorum is still OK (an approval the
 * quorum contradicts is refused: `ok: false`). Fenced: the lease must still be the shadow's.
 */
export async function freezeAdaptation(
  deps: HandbackGateDeps,
  input: {
    readonly executionName: string;
    readonly alarmName: string;
    readonly epoch: number;
    readonly approval?: FailoverRecord['approval'];
  },
): Promise<GateResult> {
  if (input.approval) await deps.records.update(input.executionName, { approval: input.approval });
  const gate = await checkQuorum(deps, { ...input, phase: 'approval' });
  if (!gate.ok) return { ...gate, reason: `approval refused: ${gate.reason}` };
  await deps.lease.assertHeld('shadow', input.epoch);
  const marker = await deps.freeze.freeze(input.epoch, input.executionName, gate.at);
  await deps.records.update(input.executionName, {
    milestones: {
      frozen: marker.frozenAt,
      ...(input.approval?.decision === 'approved' ? { approved: input.approval.at } : {}),
    },
    transitions: [
      { phase: 'freeze', at: marker.frozenAt, detail: `adaptation frozen at epoch ${input.epoch}` },
    ],
  });
  return { ok: true, reason: `adaptation frozen at epoch ${input.epoch}`, at: marker.frozenAt };
}

/** What {@link releaseLease} answers. */
export interface ReleaseResult extends GateResult {
  /** The primary's epoch (the shadow's + 1) when released. */
  readonly epoch?: number;
}

/**
 * Gives authority back: the quorum checked once more, then the lease to the primary at epoch + 1,
 * conditional on the shadow still holding `epoch`. A retry whose transfer landed gets the same
 * answer; a lease moved by anyone else is a StaleEpochError (fenced).
 */
export async function releaseLease(
  deps: HandbackGateDeps,
  input: {
    readonly executionName: string;
    readonly alarmName: string;
    readonly epoch: number;
    readonly approvedBy: string;
  },
): Promise<ReleaseResult> {
  const reason = handbackLeaseReason(input.executionName, input.approvedBy);
  const current = await deps.lease.read();
  if (
    current.holder === 'primary' &&
    current.reason === reason &&
    current.epoch === input.epoch + 1
  ) {
    return { ok: true, reason: 'released (retry)', at: current.acquiredAt, epoch: current.epoch };
  }
  const gate = await checkQuorum(deps, { ...input, phase: 'release' });
  if (!gate.ok) return gate;
  let released: Awaited<ReturnType<AuthorityLease['transfer']>>;
  try {
    released = await deps.lease.transfer('primary', input.epoch, reason);
  } catch (error) {
    // Only a lost condition is a fence; throttling and outages go to the workflow's Retry.
    if (!(error instanceof ConflictError)) throw error;
    const after = await deps.lease.read();
    if (after.holder === 'primary' && after.reason === reason) {
      released = after;
    } else {
      throw new StaleEpochError(input.epoch, after.epoch);
    }
  }
  await deps.records.update(input.executionName, {
    epoch: released.epoch,
    milestones: { released: released.acquiredAt },
    transitions: [
      {
        phase: 'release',
        at: released.acquiredAt,
        detail: `lease to primary at epoch ${released.epoch}, approved by ${input.approvedBy}`,
      },
    ],
  });
  return {
    ok: true,
    reason: `lease released to the primary at epoch ${released.epoch}`,
    at: released.acquiredAt,
    epoch: released.epoch,
  };
}
