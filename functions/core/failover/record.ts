/**
 * The RTO record's last step: derives the outcome from how the run ended and the service ledger,
 * computes the timings from detection (the alarm's state change) and finishes the record (the
 * JSON report included). Every outcome ends here, so every outcome is recorded and notified.
 */
import type { Clock } from '../ports';
import type { FailoverFinish, FailoverOutcome, FailoverRecord, FailoverRecordStore } from './ports';

/** How the workflow reached the record step. */
export type RunEnding = 'completed' | 'declined' | 'preflight-failed' | 'failed';

/** Input of {@link recordOutcome}. */
export interface RecordInput {
  readonly executionName: string;
  readonly result: RunEnding;
  readonly approval?: FailoverRecord['approval'];
  /** The Step Functions error that ended the run (`Error`, `Cause`), for `failed`. */
  readonly error?: { readonly Error?: string; readonly Cause?: string };
  /** Pre-flight reasons, for `preflight-failed`. */
  readonly reasons?: readonly string[];
}

/** The record step's result (also the notification). */
export interface RecordResult extends FailoverFinish {
  readonly executionName: string;
  readonly epoch?: number;
  readonly reportUri?: string;
  /** The notification's text: this result as JSON without itself (SNS Message). */
  readonly notification: string;
}

const seconds = (fromIso: string | undefined, toMs: number | undefined): number | undefined =>
  fromIso === undefined || toMs === undefined
    ? undefined
    : Math.round((toMs - Date.parse(fromIso)) / 10) / 100;

/** The outcome of a run that got as far as `result`. */
function outcomeOf(
  input: RecordInput,
  failed: number,
): { outcome: FailoverOutcome; reason: string } {
  switch (input.result) {
    case 'declined':
      return {
        outcome: 'declined',
        reason:
          `declined by ${input.approval?.actor ?? 'unknown'}: ${input.approval?.reason ?? ''}`.trim(),
      };
    case 'preflight-failed':
      return {
        outcome: 'preflight-failed',
        reason: (input.reasons ?? []).join('; ') || 'pre-flight failed',
      };
    case 'failed': {
      const text = `${input.error?.Error ?? ''} ${input.error?.Cause ?? ''}`;
      if (text.includes('StaleEpochError')) {
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
    default:
      return failed === 0
        ? { outcome: 'succeeded', reason: 'every planned service is steady' }
        : { outcome: 'partial', reason: `${failed} services failed (below the threshold)` };
  }
}

/** Finishes the record. */
export async function recordOutcome(
  deps: { readonly records: FailoverRecordStore; readonly clock: Clock },
  input: RecordInput,
): Promise<RecordResult> {
  const { clock, records } = deps;
  const nowMs = clock.now();
  const at = new Date(nowMs).toISOString();
  const services = await records.listServices(input.executionName);
  const steady = services.filter((line) => line.status === 'steady');
  const failed = services.filter((line) => line.status === 'failed').length;
  const { outcome, reason } = outcomeOf(input, failed);
  const lastSteadyMs = steady.reduce(
    (latest, line) => Math.max(latest, Date.parse(line.steadyAt ?? '')),
    Number.NEGATIVE_INFINITY,
  );
  const allSteady = services.length > 0 && steady.length === services.length;
  const updated = await records.update(input.executionName, {
    milestones: {
      ...(allSteady ? { allSteady: new Date(lastSteadyMs).toISOString() } : {}),
      ...(input.approval?.decision === 'declined' ? { declined: input.approval.at } : {}),
      finished: at,
    },
    transitions: [{ phase: 'record', at, detail: outcome }],
    ...(input.approval ? { approval: input.approval } : {}),
  });
  const detected = updated.milestones.detected;
  const firstDeploy = updated.milestones.firstDeployCall;
  const allSteadySeconds = allSteady ? seconds(detected, lastSteadyMs) : undefined;
  const detectionToFirstDeploySeconds =
    firstDeploy === undefined ? undefined : seconds(detected, Date.parse(firstDeploy));
  const finish: FailoverFinish = {
    outcome,
    reason,
    at,
    totals: {
      services: services.length,
      steady: steady.length,
      failed,
      trafficSwitched: services.filter((line) => line.trafficSwitchedAt !== undefined).length,
    },
    ...(allSteadySeconds === undefined ? {} : { allSteadySeconds }),
    ...(detectionToFirstDeploySeconds === undefined ? {} : { detectionToFirstDeploySeconds }),
    durationSeconds: seconds(detected, nowMs) ?? 0,
  };
  const finished = await records.finish(input.executionName, finish);
  const result = {
    executionName: input.executionName,
    ...finish,
    ...(finished.epoch === undefined ? {} : { epoch: finished.epoch }),
    ...(finished.reportUri === undefined ? {} : { reportUri: finished.reportUri }),
  };
  return { ...result, notification: JSON.stringify(result) };
}
