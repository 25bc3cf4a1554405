/**
 * What a local run's event log would be in Step Functions' execution history, for the limits AWS
 * enforces per execution: at most 25,000 history events, and at most 256 KiB in any one state's
 * input or output. aws-local-stepfunctions logs one event per state entered, exited, retried,
 * caught or failed and per Map iteration; Step Functions records more per Task (scheduled,
 * started, succeeded/failed), so each local event is mapped to the history events AWS writes for
 * it, as listed in the Step Functions developer guide's history event types.
 */
import type { StateMachineEvent } from './state-machine-runner';

/** Step Functions' history limit per execution (Standard workflows). */
export const MAX_HISTORY_EVENTS = 25_000;

/** Step Functions' payload limit for a state's input or output, bytes (UTF-8). */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** History events one local event stands for. */
function historyEventsOf(event: StateMachineEvent): number {
  switch (event.type) {
    case 'ExecutionStarted':
    case 'ExecutionSucceeded':
    case 'ExecutionFailed':
    case 'ExecutionAborted':
    case 'ExecutionTimeout':
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
    case 'ParallelBranchStarted':
    case 'ParallelBranchSucceeded':
    case 'ParallelBranchFailed':
      return 1;
    case 'StateEntered':
      // Task: TaskStateEntered, TaskScheduled, TaskStarted. Map/Parallel: *StateEntered,
      // *StateStarted. Pass/Choice/Wait/Succeed/Fail: *StateEntered.
      if (event.state.type === 'Task') return 3;
      return event.state.type === 'Map' || event.state.type === 'Parallel' ? 2 : 1;
    case 'StateExited':
      // Task: TaskSucceeded, TaskStateExited (a `.sync` Task adds TaskSubmitted, counted at the
      // caller). Map/Parallel: *StateSucceeded, *StateExited. Others: *StateExited.
      return ['Task', 'Map', 'Parallel'].includes(event.state.type) ? 2 : 1;
    case 'StateRetried':
      // The failed attempt's TaskFailed/TaskTimedOut, then TaskScheduled and TaskStarted again.
      return 3;
    case 'StateFailed':
      // TaskFailed (or MapStateFailed); a caught failure then exits the state (TaskStateExited).
      return 1;
    case 'StateCaught':
      return 1;
    default:
      return 1;
  }
}

/** Figures of one execution measured against Step Functions' per-execution limits. */
export interface ExecutionLimits {
  /** Estimated history events (see the module comment). */
  readonly historyEvents: number;
  /** The largest state input or output seen, bytes of its JSON. */
  readonly largestPayloadBytes: number;
  /** Where that payload was: state name and `input` or `output`. */
  readonly largestPayloadAt: string;
}

/** Bytes of a value as Step Functions measures payloads (its JSON, UTF-8). */
export function payloadBytes(value: unknown): number {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * The history-event estimate and largest payload of one execution's event log. `syncTasks`
 * names Task states that use a `.sync` integration, which record one more event (TaskSubmitted).
 */
export function executionLimits(
  events: readonly StateMachineEvent[],
  options: { readonly syncTasks?: readonly string[] } = {},
): ExecutionLimits {
  const sync = new Set(options.syncTasks ?? []);
  let historyEvents = 0;
  let largestPayloadBytes = 0;
  let largestPayloadAt = '-';
  for (const event of events) {
    historyEvents += historyEventsOf(event);
    if (!('state' in event)) continue;
    if (event.type === 'StateEntered' && sync.has(event.state.name)) historyEvents += 1;
    if (event.type !== 'StateEntered' && event.type !== 'StateExited') continue;
    const which = event.type === 'StateEntered' ? 'input' : 'output';
    const bytes = payloadBytes(which === 'input' ? event.state.input : event.state.output);
    if (bytes > largestPayloadBytes) {
      largestPayloadBytes = bytes;
      largestPayloadAt = `${event.state.name} ${which}`;
    }
  }
  return { historyEvents, largestPayloadBytes, largestPayloadAt };
}
