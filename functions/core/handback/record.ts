/**
 * The end of every handback run: the outcome on the record (kind `handback`, the failover record
 * store's shape: a DynamoDB header + service lines and a JSON report to S3) and the notification
 * text. A run that did not release the lease lifts its adaptation freeze, so the shadow goes on
 * adapting the services it still serves.
 */
import type {
  FailoverFinish,
  FailoverOutcome,
  FailoverRecord,
  FailoverRecordStore,
} from '../failover/ports';
import type { Clock } from '../ports';
import { type AdaptationFreeze, isHandbackLine } from './ports';

/** How the workflow ended. */
export type HandbackEnding = 'completed' | 'declined' | 'refused' | 'stopped' | 'failed';

/** Input of {@link recordHandback}. */
export interface HandbackRecordInput {
  readonly executionName: string;
  readonly result: HandbackEnding;
  /** The shadow's epoch the run worked under (absent when prepare never answered). */
  readonly epoch?: number;
  readonly reason?: string;
  readonly approval?: FailoverRecord['approval'];
  /** The Catch's error (`failed`). */
  readonly error?: { readonly Error?: string; readonly Cause?: string };
}

/** What the record step returns (and notifies). */
export interface HandbackRecordResult extends FailoverFinish {
  readonly executionName: string;
  readonly epoch?: number;
  readonly reportUri?: string;
  /** The notification text (JSON of the rest). */
  readonly notification: string;
}

function outcomeOf(input: HandbackRecordInput): { outcome: FailoverOutcome; reason: string } {
  switch (input.result) {
    case 'completed':
      return {
        outcome: 'succeeded',
        reason: input.reason ?? 'authority handed back to the primary',
      };
    case 'declined':
      return {
        outcome: 'declined',
        reason:
          input.reason ??
          `declined by ${input.approval?.actor ?? 'unknown'}: ${input.approval?.reason ?? ''}`.trim(),
      };
    case 'refused':
      return { outcome: 'refused', reason: input.reason ?? 'the handback could not start' };
    case 'stopped':
      return {
        outcome: 'stopped',
        reason: `stopped, the lease stays with the shadow: ${input.reason ?? 'the primary failed again'}`,
      };
    case 'failed': {
      const text = `${input.error?.Error ?? ''} ${input.error?.Cause ?? ''}`;
      if (text.includes('StaleEpoch')) {
        return {
          outcome: 'fenced',
          reason: `the lease moved on: ${input.error?.Cause ?? ''}`.trim(),
        };
      }
      return {
        outcome: 'failed',
        reason: `${input.error?.Error ?? 'error'}: ${input.error?.Cause ?? ''}`.slice(0, 2000),
      };
    }
  }
}

/** Finishes the handback record (idempotent: a retry rewrites the same report). */
export async function recordHandback(
  deps: {
    readonly records: FailoverRecordStore;
    readonly freeze: AdaptationFreeze;
    readonly clock: Clock;
  },
  input: HandbackRecordInput,
): Promise<HandbackRecordResult> {
  const nowMs = deps.clock.now();
  const at = new Date(nowMs).toISOString();
  const { outcome, reason } = outcomeOf(input);
  if (outcome !== 'succeeded' && input.epoch !== undefined) {
    await deps.freeze.thaw(input.epoch, input.executionName, at);
  }
  const lines = (await deps.records.listServices(input.executionName)).filter(isHandbackLine);
  const handedBack = lines.filter(
    (l) => l.handback.phase === 'integrated' || l.handback.phase === 'standby',
  );
  const updated = await deps.records.update(input.executionName, {
    milestones: {
      ...(input.approval?.decision === 'declined' ? { declined: input.approval.at } : {}),
      ...(lines.some((l) => l.trafficSwitchedAt) ? { trafficBack: at } : {}),
      ...(lines.some((l) => l.handback.scaledDownAt) ? { scaledDown: at } : {}),
      finished: at,
    },
    transitions: [{ phase: 'record', at, detail: outcome }],
    ...(input.approval ? { approval: input.approval } : {}),
  });
  const started = Date.parse(updated.milestones.started ?? at);
  const finish: FailoverFinish = {
    outcome,
    reason,
    at,
    totals: {
      services: lines.length,
      steady: handedBack.length,
      failed: lines.filter((l) => l.status === 'failed').length,
      trafficSwitched: lines.filter((l) => l.trafficSwitchedAt !== undefined).length,
    },
    durationSeconds: Math.max(0, Math.round((nowMs - started) / 1000)),
  };
  const finished = await deps.records.finish(input.executionName, finish);
  const result = {
    executionName: input.executionName,
    ...finish,
    ...(finished.epoch === undefined ? {} : { epoch: finished.epoch }),
    ...(finished.reportUri === undefined ? {} : { reportUri: finished.reportUri }),
  };
  return { ...result, notification: JSON.stringify(result) };
}
