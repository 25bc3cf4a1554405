/**
 * Figures of one clone-validate-store run for `npm run bench:clone`, gathered from the
 * execution history, the sandbox call log, the instrumented bindings and the DynamoDB counter,
 * and rendered as markdown tables with one column per run.
 */
import type { PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import { executionLimits } from '../../functions/adapters/sandbox/execution-history';
import { OPERATIONS, type Operation } from '../../functions/adapters/sandbox/operations';
import type { ApiCallRecord, CallOutcome } from '../../functions/adapters/sandbox/sandbox-cloud';
import type {
  StateMachineEvent,
  StateMachineRun,
} from '../../functions/adapters/sandbox/state-machine-runner';
import { RATE_LIMITS } from '../../functions/adapters/sandbox/token-bucket';
import {
  type BindingStats,
  expectedRetryWaitSeconds,
  type LambdaStates,
  retrierOf,
  type snapshotDynamo,
} from './clone-instrument';

/** Step Functions Standard price, USD per state transition (eu-west-1/eu-central-1/us-east-1). */
export const USD_PER_TRANSITION = 0.025 / 1000;

type DynamoSnapshot = ReturnType<typeof snapshotDynamo>;

/** A service that ended in `Record failure`. */
export interface ServiceFailure {
  readonly service: string;
  /** The state whose Catch sent the branch to `Record failure` ('?' when not in the history). */
  readonly state: string;
  readonly error: string;
  readonly cause: string;
}

/** Everything the tables show about one run. */
export interface RunFigures {
  readonly label: string;
  readonly services: number;
  readonly status: string;
  readonly executionError?: string;
  readonly stored: number;
  readonly created: number;
  readonly validated: number;
  readonly failures: readonly ServiceFailure[];
  readonly notValidated: number;
  readonly planEntries: number;
  readonly virtualSeconds: number;
  readonly realSeconds: number;
  readonly backoffReplayed: boolean;
  /** Virtual seconds slept replaying retry backoff, summed over Map branches. */
  readonly backoffReplayedSeconds: number;
  /** Σ over retries of the mean full-jitter wait the ASL's retrier prescribes. */
  readonly backoffExpectedSeconds: number;
  /** The slowest bucket's lower bound on virtual time: (successful calls − burst) / refill. */
  readonly floor: { readonly bucket: string; readonly calls: number; readonly seconds: number };
  /** Calls per operation and outcome. */
  readonly calls: ReadonlyMap<Operation, ReadonlyMap<CallOutcome | 'pending', number>>;
  readonly invocations: ReadonlyMap<string, number>;
  readonly stateEntered: number;
  readonly stateRetried: number;
  readonly retriesByState: ReadonlyMap<string, number>;
  readonly failedByState: ReadonlyMap<string, number>;
  readonly caughtByState: ReadonlyMap<string, number>;
  readonly dynamoRequests: ReadonlyMap<string, number>;
  readonly dynamoFailures: ReadonlyMap<string, number>;
  readonly itemsWritten: number;
  readonly bytesCopied: number;
  readonly bytesSkipped: number;
  readonly blobsCopied: number;
  readonly blobsSkipped: number;
  readonly manifestsPut: number;
  readonly copyRoundsUnfinished: number;
  readonly vcpuShortfall: number;
  /** Estimated history events of the parent and of the largest child (limit 25,000 each). */
  readonly history: {
    readonly parent: number;
    readonly largestChild: number;
    readonly children: number;
  };
  /** The largest state input or output of any execution (limit 256 KiB). */
  readonly largestPayload: { readonly bytes: number; readonly at: string };
}

/** What {@link runFigures} reads. */
export interface RunInputs {
  readonly label: string;
  readonly services: number;
  /** The parent execution (its children are already in `tally`). */
  readonly run: StateMachineRun;
  /** Every child execution's events, added as each ended. */
  readonly tally: EventTally;
  readonly calls: readonly ApiCallRecord[];
  readonly stats: BindingStats;
  readonly states: LambdaStates;
  readonly virtualMs: number;
  readonly realMs: number;
  readonly backoffReplayed: boolean;
  readonly dynamoBefore: DynamoSnapshot;
  readonly dynamoAfter: DynamoSnapshot;
  readonly failureItems: readonly PutItemCommandInput[];
}

function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

function diff(after: ReadonlyMap<string, number>, before: ReadonlyMap<string, number>) {
  const out = new Map<string, number>();
  for (const [key, value] of after) {
    const delta = value - (before.get(key) ?? 0);
    if (delta !== 0) out.set(key, delta);
  }
  return out;
}

interface Report {
  stored?: number;
  created?: number;
  validated?: number;
  notValidated?: readonly unknown[];
  planEntries?: number;
  vcpuShortfall?: number;
}

/** Lower bound on virtual time set by each rate-limit bucket; the largest is returned. */
function bucketFloor(calls: readonly ApiCallRecord[]): RunFigures['floor'] {
  const ok = new Map<string, number>();
  for (const call of calls) {
    // Only calls that passed the bucket took a token: throttled ones did not.
    if (call.outcome === 'throttled' || call.outcome === 'dark') continue;
    const bucket = OPERATIONS[call.operation].bucket;
    bump(ok, `${call.account}/${call.region}/${bucket}`);
  }
  let best: RunFigures['floor'] = { bucket: '-', calls: 0, seconds: 0 };
  for (const [key, count] of ok) {
    const [, region = '?', bucket = ''] = key.split('/');
    const limit = RATE_LIMITS[bucket as keyof typeof RATE_LIMITS];
    const seconds = Math.max(0, (count - limit.burst) / limit.refillPerSecond);
    if (seconds > best.seconds) best = { bucket: `${bucket} @ ${region}`, calls: count, seconds };
  }
  return best;
}

/**
 * Counts over execution histories, one execution at a time, so a run of thousands of services
 * need not keep every child's event log: the parent's and each child's are added as they end.
 */
export class EventTally {
  public stateEntered = 0;
  public stateRetried = 0;
  public backoffExpectedSeconds = 0;
  public readonly retriesByState = new Map<string, number>();
  public readonly caughtStateOf = new Map<string, string>();
  public readonly failedByState = new Map<string, number>();
  public readonly caughtByState = new Map<string, number>();
  /** Estimated Step Functions history events of the parent execution. */
  public parentHistory = 0;
  /** The largest child's estimate, and how many children there were. */
  public largestChildHistory = 0;
  public children = 0;
  /** The largest state input or output of any execution, bytes, and where. */
  public largestPayload = { bytes: 0, at: '-' };

  /** Adds one execution's events (`child` for a clone-batch execution). */
  public add(events: readonly StateMachineEvent[], child: boolean): void {
    // Map iteration indexes restart in every execution.
    const serviceOfIndex = new Map<number, string>();
    for (const event of events) {
      if (event.type === 'StateEntered') this.stateEntered += 1;
      else if (event.type === 'StateRetried') {
        this.stateRetried += 1;
        bump(this.retriesByState, event.state.name);
        this.backoffExpectedSeconds += expectedRetryWaitSeconds(
          retrierOf(event.retry.retrier),
          event.retry.attempt,
        );
      } else if (event.type === 'StateFailed') {
        bump(this.failedByState, `${event.state.name}: ${event.Error}`);
      } else if (event.type === 'StateCaught') {
        bump(this.caughtByState, event.state.name);
        const service = event.index === undefined ? undefined : serviceOfIndex.get(event.index);
        if (service !== undefined) this.caughtStateOf.set(service, event.state.name);
      } else if (event.type === 'MapIterationStarted') {
        // The iteration's ExecutionStarted event is spread into this one, input included.
        const { input } = event as unknown as { input?: { service?: { key?: unknown } } };
        const key = input?.service?.key;
        if (typeof key === 'string') serviceOfIndex.set(event.index, key);
      }
    }
    const limits = executionLimits(events, { syncTasks: child ? [] : ['Clone batch'] });
    if (child) {
      this.children += 1;
      this.largestChildHistory = Math.max(this.largestChildHistory, limits.historyEvents);
    } else this.parentHistory = limits.historyEvents;
    if (limits.largestPayloadBytes > this.largestPayload.bytes) {
      this.largestPayload = {
        bytes: limits.largestPayloadBytes,
        at: `${child ? 'child' : 'parent'}: ${limits.largestPayloadAt}`,
      };
    }
  }
}

/** Collects the figures of one run. */
export function runFigures(inputs: RunInputs): RunFigures {
  const { run, stats, tally } = inputs;
  const report = (run.output ?? {}) as Report;
  tally.add(run.events, false);
  const {
    stateEntered,
    stateRetried,
    backoffExpectedSeconds,
    retriesByState,
    caughtStateOf,
    failedByState,
    caughtByState,
  } = tally;

  const calls = new Map<Operation, Map<CallOutcome | 'pending', number>>();
  for (const call of inputs.calls) {
    let byOutcome = calls.get(call.operation);
    if (!byOutcome) {
      byOutcome = new Map();
      calls.set(call.operation, byOutcome);
    }
    bump(byOutcome, call.outcome);
  }

  const failures = inputs.failureItems.map((item) => ({
    service: item.Item?.service?.S ?? '?',
    state: caughtStateOf.get(item.Item?.service?.S ?? '') ?? '?',
    error: item.Item?.error?.S ?? '?',
    cause: item.Item?.cause?.S ?? '?',
  }));

  return {
    label: inputs.label,
    services: inputs.services,
    status: run.status,
    ...(run.error ? { executionError: `${run.error}: ${run.cause ?? ''}` } : {}),
    stored: report.stored ?? 0,
    created: report.created ?? 0,
    validated: report.validated ?? 0,
    failures,
    notValidated: report.notValidated?.length ?? 0,
    planEntries: report.planEntries ?? 0,
    vcpuShortfall: report.vcpuShortfall ?? 0,
    virtualSeconds: inputs.virtualMs / 1000,
    realSeconds: inputs.realMs / 1000,
    backoffReplayed: inputs.backoffReplayed,
    backoffReplayedSeconds: stats.backoffMs / 1000,
    backoffExpectedSeconds,
    floor: bucketFloor(inputs.calls),
    calls,
    invocations: new Map(stats.invocations),
    stateEntered,
    stateRetried,
    retriesByState,
    failedByState,
    caughtByState,
    dynamoRequests: diff(inputs.dynamoAfter.requests, inputs.dynamoBefore.requests),
    dynamoFailures: diff(inputs.dynamoAfter.failures, inputs.dynamoBefore.failures),
    itemsWritten: inputs.dynamoAfter.itemsWritten - inputs.dynamoBefore.itemsWritten,
    bytesCopied: stats.bytesCopied,
    bytesSkipped: stats.bytesSkipped,
    blobsCopied: stats.blobsCopied,
    blobsSkipped: stats.blobsSkipped,
    manifestsPut: stats.manifestsPut,
    copyRoundsUnfinished: stats.copyRoundsUnfinished,
    history: {
      parent: tally.parentHistory,
      largestChild: tally.largestChildHistory,
      children: tally.children,
    },
    largestPayload: tally.largestPayload,
  };
}

// ---------------------------------------------------------------------------------------------
// Markdown

const fmt = (value: number, digits = 2): string =>
  Number.isInteger(value) ? String(value) : value.toFixed(digits);
const perService = (value: number, run: RunFigures): string =>
  run.services > 0 ? fmt(value / run.services) : '-';
const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
const usd = (value: number): string => `$${value.toFixed(value < 0.01 ? 5 : 4)}`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function billable(run: RunFigures): number {
  return run.stateEntered + run.stateRetried;
}

/** Operations' calls that were not throttled (ok, service errors, 5xx, timeouts). */
function notThrottled(byOutcome: ReadonlyMap<string, number> | undefined): number {
  let total = 0;
  for (const [outcome, count] of byOutcome ?? []) if (outcome !== 'throttled') total += count;
  return total;
}

/** The summary table: one row per figure, one column per run. */
export function summaryTable(runs: readonly RunFigures[]): string {
  const rows: [string, (run: RunFigures) => string][] = [
    ['execution status', (r) => r.status + (r.executionError ? ` (${r.executionError})` : '')],
    ['services requested', (r) => String(r.services)],
    ['stored (clone current in inventory)', (r) => String(r.stored)],
    ['new clone versions created', (r) => String(r.created)],
    ['validated', (r) => String(r.validated)],
    ['failed (recorded by `Record failure`)', (r) => String(r.failures.length)],
    ['stored but not validated', (r) => String(r.notValidated)],
    ['plan entries', (r) => String(r.planEntries)],
    ['**virtual wall time** (sandbox clock)', (r) => `**${fmt(r.virtualSeconds, 1)} s**`],
    [
      'rate-limit floor (slowest bucket)',
      (r) =>
        r.floor.seconds > 0
          ? `${fmt(r.floor.seconds, 1)} s (${r.floor.bucket}, ${r.floor.calls} calls)`
          : '0 s',
    ],
    [
      'virtual time / floor',
      (r) => (r.floor.seconds > 0 ? `${fmt(r.virtualSeconds / r.floor.seconds)}×` : '-'),
    ],
    [
      'retry backoff replayed on the virtual clock (Σ over branches)',
      (r) => (r.backoffReplayed ? `${fmt(r.backoffReplayedSeconds, 1)} s` : 'not replayed'),
    ],
    [
      'retry backoff AWS would add, estimate (Σ over branches)',
      (r) => `${fmt(r.backoffExpectedSeconds, 1)} s`,
    ],
    [
      '… spread over 10 concurrent branches (≥)',
      (r) => `${fmt(r.backoffExpectedSeconds / 10, 1)} s`,
    ],
    ['real wall time', (r) => `${fmt(r.realSeconds, 1)} s`],
    ['history events, parent execution (estimate; limit 25,000)', (r) => String(r.history.parent)],
    [
      'history events, largest child execution (estimate; limit 25,000)',
      (r) => `${r.history.largestChild} (of ${r.history.children} children)`,
    ],
    [
      'largest state input/output (limit 262,144 bytes)',
      (r) => `${r.largestPayload.bytes} bytes (${r.largestPayload.at})`,
    ],
    ['state transitions (StateEntered)', (r) => String(r.stateEntered)],
    ['retries (StateRetried, billed as transitions)', (r) => String(r.stateRetried)],
    ['billable transitions', (r) => String(billable(r))],
    ['… per service', (r) => perService(billable(r), r)],
    ['Step Functions cost per run', (r) => usd(billable(r) * USD_PER_TRANSITION)],
    ['… per service', (r) => usd((billable(r) * USD_PER_TRANSITION) / Math.max(1, r.services))],
    [
      'Lambda invocations (retries included)',
      (r) => String([...r.invocations.values()].reduce((a, b) => a + b, 0)),
    ],
    [
      '… per service',
      (r) =>
        perService(
          [...r.invocations.values()].reduce((a, b) => a + b, 0),
          r,
        ),
    ],
    [
      'AWS API calls, not throttled (ECS/ECR/EC2)',
      (r) => String([...r.calls.values()].reduce((n, m) => n + notThrottled(m), 0)),
    ],
    [
      '… per service',
      (r) =>
        perService(
          [...r.calls.values()].reduce((n, m) => n + notThrottled(m), 0),
          r,
        ),
    ],
    [
      'AWS API calls throttled',
      (r) => String([...r.calls.values()].reduce((n, m) => n + (m.get('throttled') ?? 0), 0)),
    ],
    ['DynamoDB items written', (r) => String(r.itemsWritten)],
    ['… per service', (r) => perService(r.itemsWritten, r)],
    ['layer bytes copied', (r) => `${gib(r.bytesCopied)} (${r.blobsCopied} blobs)`],
    [
      'layer bytes skipped (already in staging)',
      (r) => `${gib(r.bytesSkipped)} (${r.blobsSkipped} blobs)`,
    ],
    ['manifests put (PutImage)', (r) => String(r.manifestsPut)],
    ['copy rounds that hit the Lambda deadline', (r) => String(r.copyRoundsUnfinished)],
    ['plan vCPU shortfall vs staging quota', (r) => String(r.vcpuShortfall)],
  ];
  return table(
    ['figure', ...runs.map((r) => r.label)],
    rows.map(([name, cell]) => [name, ...runs.map(cell)]),
  );
}

/** API calls per service by operation; throttled attempts shown separately in each cell. */
export function callsTable(runs: readonly RunFigures[]): string {
  const operations = [...new Set(runs.flatMap((r) => [...r.calls.keys()]))].sort();
  const rows = operations.map((op) => [
    `\`${op}\``,
    ...runs.map((r) => {
      const calls = perService(notThrottled(r.calls.get(op)), r);
      const throttled = r.calls.get(op)?.get('throttled') ?? 0;
      return throttled > 0 ? `${calls} (+${perService(throttled, r)} throttled)` : calls;
    }),
  ]);
  return table(['operation', ...runs.map((r) => r.label)], rows);
}

/** Calls that ended other than ok, by operation and outcome (absolute counts). */
export function outcomesTable(runs: readonly RunFigures[]): string {
  const keys = new Set<string>();
  for (const run of runs) {
    for (const [op, byOutcome] of run.calls) {
      for (const outcome of byOutcome.keys()) if (outcome !== 'ok') keys.add(`${op} ${outcome}`);
    }
  }
  const rows = [...keys].sort().map((key) => {
    const [op, outcome] = key.split(' ') as [Operation, CallOutcome];
    return [`\`${op}\` ${outcome}`, ...runs.map((r) => String(r.calls.get(op)?.get(outcome) ?? 0))];
  });
  if (rows.length === 0) return '_none_';
  return table(['operation, outcome', ...runs.map((r) => r.label)], rows);
}

/** Lambda invocations per service by function. */
export function invocationsTable(runs: readonly RunFigures[], states: LambdaStates): string {
  const functions = [...states.keys()];
  return table(
    ['state (function)', ...runs.map((r) => r.label)],
    functions.map((fn) => [
      `${states.get(fn)?.state} (\`${fn}\`)`,
      ...runs.map((r) => perService(r.invocations.get(fn) ?? 0, r)),
    ]),
  );
}

/** Retries, failed attempts and catches by state (absolute counts). */
export function retriesTable(runs: readonly RunFigures[]): string {
  const keys = new Set<string>();
  for (const run of runs) {
    for (const state of run.retriesByState.keys()) keys.add(`retried|${state}`);
    for (const key of run.failedByState.keys()) keys.add(`failed|${key}`);
    for (const state of run.caughtByState.keys()) keys.add(`caught|${state}`);
  }
  if (keys.size === 0) return '_no retries, no failed attempts_';
  const order = { retried: 0, failed: 1, caught: 2 } as const;
  const rows = [...keys]
    .sort((a, b) => {
      const [ka = '', sa = ''] = a.split('|');
      const [kb = '', sb = ''] = b.split('|');
      return (
        order[ka as keyof typeof order] - order[kb as keyof typeof order] || sa.localeCompare(sb)
      );
    })
    .map((key) => {
      const [kind = '', name = ''] = key.split('|');
      const source = (r: RunFigures) =>
        kind === 'retried'
          ? r.retriesByState
          : kind === 'failed'
            ? r.failedByState
            : r.caughtByState;
      const label =
        kind === 'retried'
          ? `retried: ${name}`
          : kind === 'failed'
            ? `attempt failed: ${name}`
            : `caught → Record failure: ${name}`;
      return [label, ...runs.map((r) => String(source(r).get(name) ?? 0))];
    });
  return table(['state', ...runs.map((r) => r.label)], rows);
}

/** DynamoDB requests by command (absolute counts). */
export function dynamoTable(runs: readonly RunFigures[]): string {
  const commands = [
    ...new Set(runs.flatMap((r) => [...r.dynamoRequests.keys(), ...r.dynamoFailures.keys()])),
  ].sort();
  return table(
    ['DynamoDB request', ...runs.map((r) => r.label)],
    commands.map((command) => [
      `\`${command.replace(/Command/g, '')}\``,
      ...runs.map((r) =>
        String(
          command.includes(': ')
            ? (r.dynamoFailures.get(command) ?? 0)
            : (r.dynamoRequests.get(command) ?? 0),
        ),
      ),
    ]),
  );
}

/** Failed services per run, grouped by error and cause. */
export function failuresSection(runs: readonly RunFigures[]): string {
  const parts: string[] = [];
  for (const run of runs) {
    if (run.failures.length === 0) {
      parts.push(`- **${run.label}**: every requested service stored.`);
      continue;
    }
    const groups = new Map<string, string[]>();
    for (const failure of run.failures) {
      const key = `${failure.state} → ${failure.error}: ${failure.cause}`;
      groups.set(key, [...(groups.get(key) ?? []), failure.service]);
    }
    parts.push(`- **${run.label}**: ${run.failures.length} failed`);
    for (const [reason, services] of groups) {
      const list = services.sort();
      const shown = list.slice(0, 12).join(', ') + (list.length > 12 ? `, … (${list.length})` : '');
      parts.push(`  - \`${reason}\` — ${shown}`);
    }
  }
  return parts.join('\n');
}
