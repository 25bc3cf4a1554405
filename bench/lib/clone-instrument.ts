/**
 * Instruments for `npm run bench:clone`: counters around the Lambda bindings of the
 * clone-validate-store state machine, Step Functions' retry backoff replayed on the sandbox's
 * virtual clock, layer bytes copied versus skipped, and a DynamoDB middleware that counts writes.
 *
 * Nothing here changes what a handler does: wrappers only count, measure and (optionally) wait on
 * the virtual clock before a retry, as Step Functions itself would wait before re-invoking.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CLONE_FUNCTIONS } from '../../bin/local/clone-pipeline';
import { SeededRandom } from '../../functions/adapters/sandbox/faults';
import type { SandboxCloud } from '../../functions/adapters/sandbox/sandbox-cloud';
import type {
  LocalLambdaContext,
  StateMachineBindings,
} from '../../functions/adapters/sandbox/state-machine-runner';
import type { ImageReference, Location } from '../../functions/core/model';
import type { Clock } from '../../functions/core/ports';

/** One `Retry` entry of an ASL state, with the defaults Step Functions applies. */
export interface Retrier {
  readonly errorEquals: readonly string[];
  readonly intervalSeconds: number;
  readonly backoffRate: number;
  readonly maxAttempts: number;
  readonly maxDelaySeconds: number;
  readonly jitter: 'FULL' | 'NONE';
}

/** The Lambda Task states of the ASL: state name and retriers, keyed by bound function name. */
export type LambdaStates = ReadonlyMap<
  string,
  { readonly state: string; readonly retry: Retrier[] }
>;

interface AslState {
  readonly Type?: string;
  readonly Parameters?: { readonly FunctionName?: unknown };
  readonly Retry?: readonly {
    readonly ErrorEquals: readonly string[];
    readonly IntervalSeconds?: number;
    readonly BackoffRate?: number;
    readonly MaxAttempts?: number;
    readonly MaxDelaySeconds?: number;
    readonly JitterStrategy?: 'FULL' | 'NONE';
  }[];
  readonly ItemProcessor?: { readonly States: Record<string, AslState> };
  readonly Iterator?: { readonly States: Record<string, AslState> };
  readonly Branches?: readonly { readonly States: Record<string, AslState> }[];
}

/** Step Functions' `Retry` defaults (ASL spec): 1 s, rate 2, 3 attempts, no cap, no jitter. */
export function retrierOf(entry: NonNullable<AslState['Retry']>[number]): Retrier {
  return {
    errorEquals: entry.ErrorEquals,
    intervalSeconds: entry.IntervalSeconds ?? 1,
    backoffRate: entry.BackoffRate ?? 2,
    maxAttempts: entry.MaxAttempts ?? 3,
    maxDelaySeconds: entry.MaxDelaySeconds ?? Number.POSITIVE_INFINITY,
    jitter: entry.JitterStrategy ?? 'NONE',
  };
}

/**
 * The wait before retry `attempt` (1-based) without jitter: `min(MaxDelaySeconds,
 * IntervalSeconds × BackoffRate^(attempt − 1))` seconds. With `JitterStrategy: FULL` Step
 * Functions waits a uniform draw in [0, that], so its mean is half.
 */
export function retryCeilingSeconds(retrier: Retrier, attempt: number): number {
  return Math.min(
    retrier.maxDelaySeconds,
    retrier.intervalSeconds * retrier.backoffRate ** Math.max(0, attempt - 1),
  );
}

/** The mean wait before retry `attempt` (half the ceiling under full jitter). */
export function expectedRetryWaitSeconds(retrier: Retrier, attempt: number): number {
  const ceiling = retryCeilingSeconds(retrier, attempt);
  return retrier.jitter === 'FULL' ? ceiling / 2 : ceiling;
}

/** Reads every state of an ASL file, nested Map/Parallel states included. */
export function aslStates(file: string): Map<string, AslState> {
  const definition = JSON.parse(readFileSync(file, 'utf8')) as { States: Record<string, AslState> };
  const states = new Map<string, AslState>();
  const walk = (level: Record<string, AslState>): void => {
    for (const [name, state] of Object.entries(level)) {
      states.set(name, state);
      if (state.ItemProcessor) walk(state.ItemProcessor.States);
      if (state.Iterator) walk(state.Iterator.States);
      for (const branch of state.Branches ?? []) walk(branch.States);
    }
  };
  walk(definition.States);
  return states;
}

/**
 * The Lambda Task states of the clone ASL files (the parent and its clone-batch child), keyed by
 * the function name bound to each; select runs in both, under the parent's state name.
 */
export function cloneLambdaStates(repoRoot: string): LambdaStates {
  const placeholders = CLONE_FUNCTIONS as Readonly<Record<string, string>>;
  const result = new Map<string, { state: string; retry: Retrier[] }>();
  for (const file of ['clone-validate-store', 'clone-batch']) {
    for (const [name, state] of aslStates(join(repoRoot, 'statemachines', `${file}.asl.json`))) {
      const target = state.Parameters?.FunctionName;
      if (state.Type !== 'Task' || typeof target !== 'string') continue;
      const placeholder = /^\$\{(\w+)\}$/.exec(target)?.[1];
      const fn = placeholder === undefined ? target : placeholders[placeholder];
      if (fn !== undefined && !result.has(fn)) {
        result.set(fn, { state: name, retry: (state.Retry ?? []).map(retrierOf) });
      }
    }
  }
  return result;
}

/** What the wrapped bindings measured during one run. */
export interface BindingStats {
  /** Invocations per function name (retries included). */
  readonly invocations: Map<string, number>;
  /** Virtual ms slept to replay Step Functions' retry backoff, summed over branches. */
  backoffMs: number;
  /** Retries whose backoff was replayed. */
  backoffRetries: number;
  /** Layer and config bytes uploaded to staging. */
  bytesCopied: number;
  /** Bytes of blobs the copy found already in staging and skipped. */
  bytesSkipped: number;
  blobsCopied: number;
  blobsSkipped: number;
  manifestsPut: number;
  /** `Copy images` invocations that returned `done: false` (another round needed). */
  copyRoundsUnfinished: number;
}

/** Options of {@link instrumentBindings}. */
export interface InstrumentOptions {
  readonly cloud: SandboxCloud;
  readonly primary: Location;
  readonly staging: Location;
  readonly states: LambdaStates;
  /**
   * Replay Step Functions' retry backoff on the virtual clock: before re-invoking a function
   * whose previous invocation with the same payload failed with an error a retrier matches,
   * sleep `U(0, min(MaxDelaySeconds, IntervalSeconds × BackoffRate^(attempt−1)))` virtual
   * seconds (full jitter), drawn from a seeded stream.
   */
  readonly replayBackoff: boolean;
  readonly seed: number;
}

function matches(retrier: Retrier, errorName: string): boolean {
  return retrier.errorEquals.some(
    (name) => name === errorName || name === 'States.ALL' || name === 'States.TaskFailed',
  );
}

/** Sizes of every blob reachable from a source image, read from sandbox state (no API call). */
function sourceBlobs(
  cloud: SandboxCloud,
  primary: Location,
  image: ImageReference,
): { repository: string; digest: string; size: number }[] {
  const ecr = cloud.state(primary).ecr;
  const out: { repository: string; digest: string; size: number }[] = [];
  const visit = (digest: ImageReference['digest']): void => {
    const manifest = ecr.getManifest(image.repository, digest);
    for (const child of manifest.children) visit(child);
    for (const blob of manifest.blobs) {
      out.push({ repository: image.repository, digest: blob.digest, size: blob.size });
    }
  };
  visit(image.digest);
  return out;
}

/** Bytes of `blobs` already in the staging registry (a missing repository holds none). */
function presentBytes(
  cloud: SandboxCloud,
  staging: Location,
  blobs: readonly { repository: string; digest: string; size: number }[],
): number {
  const ecr = cloud.state(staging).ecr;
  let bytes = 0;
  for (const blob of blobs) {
    try {
      if (ecr.hasBlobs(blob.repository, [blob.digest as ImageReference['digest']]).size > 0) {
        bytes += blob.size;
      }
    } catch {
      // The repository does not exist yet: nothing of it is present.
    }
  }
  return bytes;
}

/**
 * Wraps every Lambda binding with counters (and, when asked, the retry backoff replay). SDK
 * integrations and per-state bindings pass through unchanged.
 */
export function instrumentBindings(
  bindings: StateMachineBindings,
  options: InstrumentOptions,
): { readonly bindings: StateMachineBindings; readonly stats: BindingStats } {
  const stats: BindingStats = {
    invocations: new Map(),
    backoffMs: 0,
    backoffRetries: 0,
    bytesCopied: 0,
    bytesSkipped: 0,
    blobsCopied: 0,
    blobsSkipped: 0,
    manifestsPut: 0,
    copyRoundsUnfinished: 0,
  };
  const clock: Clock = options.cloud.clock;
  const random = new SeededRandom(options.seed ^ 0x0bac_c0ff);
  /** Retry attempt due for a payload whose last invocation failed retryably (1-based). */
  const pendingRetry = new Map<string, { retrier: Retrier; attempt: number }>();
  const lambdas: Record<string, NonNullable<StateMachineBindings['lambdas']>[string]> = {};

  for (const [fn, handler] of Object.entries(bindings.lambdas ?? {})) {
    const retriers = options.states.get(fn)?.retry ?? [];
    const isCopy = fn === CLONE_FUNCTIONS.CopyImagesFunctionArn;
    // biome-ignore lint/suspicious/noExplicitAny: the wrapped handler validates its own event, as in Lambda
    lambdas[fn] = async (event: any, context: LocalLambdaContext) => {
      stats.invocations.set(fn, (stats.invocations.get(fn) ?? 0) + 1);
      const key = `${fn}|${createHash('sha1').update(JSON.stringify(event)).digest('hex')}`;
      const due = pendingRetry.get(key);
      if (due && options.replayBackoff) {
        const ceilingMs = retryCeilingSeconds(due.retrier, due.attempt) * 1000;
        const waitMs = due.retrier.jitter === 'FULL' ? random.next() * ceilingMs : ceilingMs;
        stats.backoffMs += waitMs;
        stats.backoffRetries += 1;
        await clock.sleep(waitMs);
      }
      let skippedBefore = 0;
      let blobs: ReturnType<typeof sourceBlobs> = [];
      if (isCopy) {
        const images = (event as { source?: { images?: Record<string, ImageReference> } }).source
          ?.images;
        blobs = Object.values(images ?? {}).flatMap((image) =>
          sourceBlobs(options.cloud, options.primary, image),
        );
        skippedBefore = presentBytes(options.cloud, options.staging, blobs);
      }
      try {
        const result = await handler(event, context);
        pendingRetry.delete(key);
        if (isCopy) {
          const progress = result as {
            done: boolean;
            bytesCopied: number;
            blobsCopied: number;
            blobsSkipped: number;
            manifestsPut: number;
          };
          stats.bytesCopied += progress.bytesCopied;
          stats.blobsCopied += progress.blobsCopied;
          stats.blobsSkipped += progress.blobsSkipped;
          stats.manifestsPut += progress.manifestsPut;
          // Blobs present before the call were skipped (a later round of the same service
          // counts them again only if it runs, i.e. when this round did not finish).
          if (progress.done) stats.bytesSkipped += skippedBefore;
          else stats.copyRoundsUnfinished += 1;
        }
        return result;
      } catch (error) {
        const name = error instanceof Error ? error.name : 'Error';
        const retrier = retriers.find((candidate) => matches(candidate, name));
        const attempt = (due?.retrier === retrier ? (due?.attempt ?? 0) : 0) + 1;
        if (retrier && attempt <= retrier.maxAttempts) pendingRetry.set(key, { retrier, attempt });
        else pendingRetry.delete(key);
        throw error;
      }
    };
  }
  return { bindings: { ...bindings, lambdas }, stats };
}

/** DynamoDB requests seen by {@link countDynamoRequests}, per command name. */
export interface DynamoCounts {
  /** Requests sent (SDK-level retries are not separate requests here). */
  readonly requests: Map<string, number>;
  /** Requests that failed, per `Command: ErrorName`. */
  readonly failures: Map<string, number>;
  /** Items written: 1 per PutItem/UpdateItem/DeleteItem, one per entry of a BatchWriteItem. */
  itemsWritten: number;
}

/**
 * Counts every DynamoDB request `client` sends, with a middleware at the `initialize` step
 * (it sees the command name and input before serialisation). Returns a live counter: snapshot
 * it before and after a run.
 */
export function countDynamoRequests(client: DynamoDBClient): DynamoCounts {
  const counts: DynamoCounts = { requests: new Map(), failures: new Map(), itemsWritten: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      counts.requests.set(command, (counts.requests.get(command) ?? 0) + 1);
      const input = args.input as { RequestItems?: Record<string, readonly unknown[]> };
      try {
        const output = await next(args);
        if (
          command === 'PutItemCommand' ||
          command === 'UpdateItemCommand' ||
          command === 'DeleteItemCommand'
        ) {
          counts.itemsWritten += 1;
        } else if (command === 'BatchWriteItemCommand') {
          const unprocessed = (output.output as { UnprocessedItems?: Record<string, unknown[]> })
            .UnprocessedItems;
          const sent = Object.values(input.RequestItems ?? {}).reduce((n, l) => n + l.length, 0);
          const left = Object.values(unprocessed ?? {}).reduce((n, l) => n + l.length, 0);
          counts.itemsWritten += sent - left;
        }
        return output;
      } catch (error) {
        const key = `${command}: ${error instanceof Error ? error.name : 'Error'}`;
        counts.failures.set(key, (counts.failures.get(key) ?? 0) + 1);
        throw error;
      }
    },
    { step: 'initialize', name: 'benchCloneCountRequests' },
  );
  return counts;
}

/** A copy of the counters now, to subtract later. */
export function snapshotDynamo(counts: DynamoCounts): {
  readonly requests: Map<string, number>;
  readonly failures: Map<string, number>;
  readonly itemsWritten: number;
} {
  return {
    requests: new Map(counts.requests),
    failures: new Map(counts.failures),
    itemsWritten: counts.itemsWritten,
  };
}
