/**
 * The drill's line in the history, written by the teardown once it is done: how the drill's
 * failover ended (its RTO record's figures when it got that far), and what the teardown removed.
 */
import type { FailoverOutcome } from '../failover/ports';
import type { Clock } from '../ports';
import { DRILL_REFUSED_ERROR } from './guard';
import type { DrillHistory, DrillOutcome, DrillRecord } from './ports';

/** How the drill's failover child ended, as the wrapper saw it. */
export interface DrillFailoverResult {
  /** The failover's record result (`Completed` output), when it succeeded. */
  readonly record?: {
    readonly outcome?: FailoverOutcome;
    readonly allSteadySeconds?: number;
    readonly durationSeconds?: number;
    readonly totals?: { readonly services?: number; readonly steady?: number };
  };
  /** The Catch's error, when the child failed or was stopped. */
  readonly error?: { readonly Error?: string; readonly Cause?: string };
}

/** Input of {@link recordDrill}. */
export interface RecordDrillInput {
  readonly drillName: string;
  readonly failoverExecutionName: string;
  readonly startedAt: string;
  readonly result: DrillFailoverResult;
  readonly servicesDeleted: number;
  /** Set when a real failover took the drill lease (see `abort.ts`). */
  readonly abortedBy?: string;
}

/**
 * The message of a Step Functions Cause: a Lambda's is its error as JSON
 * (`{"errorType", "errorMessage", "trace"}`), anything else is taken as it is.
 */
export function causeMessage(cause: string | undefined): string {
  if (cause === undefined) return '';
  try {
    const parsed: unknown = JSON.parse(cause);
    if (typeof parsed === 'object' && parsed !== null && 'errorMessage' in parsed) {
      const message = (parsed as { errorMessage: unknown }).errorMessage;
      if (typeof message === 'string') return message;
    }
  } catch {
    // Not JSON: the Cause is the message itself.
  }
  return cause;
}

/**
 * Classifies the run: aborted (a real failover took the lease, or held authority when the drill
 * began: refused), succeeded (record says so) or failed.
 */
export function drillOutcomeOf(input: RecordDrillInput): DrillOutcome {
  if (input.abortedBy !== undefined) return 'aborted';
  if (input.result.error?.Error === DRILL_REFUSED_ERROR) return 'aborted';
  const outcome = input.result.record?.outcome;
  return input.result.error === undefined && (outcome === 'succeeded' || outcome === 'partial')
    ? 'succeeded'
    : 'failed';
}

/** Writes the drill's history line and returns it. */
export async function recordDrill(
  deps: { readonly history: DrillHistory; readonly clock: Clock },
  input: RecordDrillInput,
): Promise<DrillRecord> {
  const outcome = drillOutcomeOf(input);
  const record = input.result.record;
  const reason =
    input.abortedBy !== undefined
      ? `aborted: ${input.abortedBy}`
      : outcome === 'aborted'
        ? `refused: ${causeMessage(input.result.error?.Cause).slice(0, 500)}`
        : input.result.error
          ? `${input.result.error.Error ?? 'error'}: ${(input.result.error.Cause ?? '').slice(0, 500)}`
          : undefined;
  const line: DrillRecord = {
    drillName: input.drillName,
    failoverExecutionName: input.failoverExecutionName,
    drill: true,
    outcome,
    ...(record?.outcome ? { failoverOutcome: record.outcome } : {}),
    ...(typeof record?.allSteadySeconds === 'number'
      ? { allSteadySeconds: record.allSteadySeconds }
      : {}),
    ...(typeof record?.durationSeconds === 'number'
      ? { durationSeconds: record.durationSeconds }
      : {}),
    ...(typeof record?.totals?.services === 'number' ? { services: record.totals.services } : {}),
    ...(typeof record?.totals?.steady === 'number' ? { steady: record.totals.steady } : {}),
    startedAt: input.startedAt,
    tornDownAt: new Date(deps.clock.now()).toISOString(),
    servicesDeleted: input.servicesDeleted,
    ...(reason ? { reason } : {}),
  };
  await deps.history.put(line);
  return line;
}
