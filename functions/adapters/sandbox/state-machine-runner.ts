/**
 * Runs the very ASL files in `statemachines/` locally with aws-local-stepfunctions: Lambda tasks
 * call the real handlers, SDK-integration tasks go to a dispatcher (the sandbox cloud), and
 * nothing can reach AWS — every Task state must be bound before the execution starts.
 *
 * aws-local-stepfunctions binds local handlers by state name, matches `ErrorEquals` against the
 * thrown error's `name`, and silently ignores some fields; this module closes those gaps.
 */
import { randomUUID } from 'node:crypto';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { installPromiseWithResolvers } from './promise-with-resolvers';
import {
  type AslDefinition,
  type DefinitionOptions,
  type JsonValue,
  loadDefinition,
  prepareDefinition,
} from './state-machine-definition';
import {
  StateMachineDefinitionError,
  type UnboundTaskState,
  UnboundTaskStatesError,
  UntestedFieldsError,
} from './state-machine-errors';
import {
  collectTaskStates,
  findUntestedFields,
  functionNameOf,
  type IntegrationPattern,
  type TaskStateInfo,
  type UntestedField,
  walkStates,
} from './state-machine-walk';

/** The Lambda context a bound handler receives (what Powertools reads from it). */
export interface LocalLambdaContext {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

/**
 * A Lambda handler bound to a function. It receives the payload after a JSON round trip (as
 * Lambda delivers it) and a local context; what it throws becomes the task's error.
 */
// biome-ignore lint/suspicious/noExplicitAny: each handler declares its own event type and validates it at runtime, as in Lambda
export type LambdaHandlerBinding = (event: any, context: LocalLambdaContext) => unknown;

/** Which call an SDK-integration task makes, for dispatchers that care about more than the action. */
export interface SdkIntegrationCall {
  readonly stateName: string;
  readonly pattern: IntegrationPattern;
  /** True for `aws-sdk:` integrations, false for optimized ones (`:::dynamodb:putItem`). */
  readonly awsSdk: boolean;
}

/**
 * Runs one SDK-integration call locally: `service` and `action` as in the ARN
 * (`cloudwatch`, `putMetricData`), `params` the task's `Parameters` after path evaluation.
 * It must return exactly what Step Functions would (PascalCase SDK output) and throw errors
 * whose `name` is what a Retry/Catch `ErrorEquals` should match. For `.sync` patterns it returns
 * the finished result.
 */
export interface SdkIntegrationDispatcher {
  (
    service: string,
    action: string,
    params: Record<string, unknown>,
    call: SdkIntegrationCall,
  ): Promise<unknown>;
  /**
   * The `service:action` pairs (as in the Resource ARN: `cloudwatch:putMetricData`) this
   * dispatcher runs. A Task naming any other pair counts as unbound: being a dispatcher is not
   * the same as being able to run the call.
   */
  readonly implements: ReadonlySet<string>;
}

/** One SDK integration run locally: the task's `Parameters` in, the SDK output out. */
export type SdkIntegrationHandler = (
  params: Record<string, unknown>,
  call: SdkIntegrationCall,
) => Promise<unknown>;

/**
 * A dispatcher from a table of handlers keyed `service:action`: what it {@link
 * SdkIntegrationDispatcher.implements} is the table's keys, so the two cannot drift apart. A call
 * to any other pair throws (the coverage check reports it before a run ever gets there).
 */
export function sdkIntegrationDispatcher(
  handlers: Readonly<Record<string, SdkIntegrationHandler>>,
): SdkIntegrationDispatcher {
  const dispatch = async (
    service: string,
    action: string,
    params: Record<string, unknown>,
    call: SdkIntegrationCall,
  ): Promise<unknown> => {
    const handler = handlers[`${service}:${action}`];
    if (!handler) throw new Error(`no local binding for ${service}:${action}`);
    return handler(params, call);
  };
  return Object.assign(dispatch, { implements: new Set(Object.keys(handlers)) });
}

/** A handler for one Task state by name: its input is the state's effective input. */
export type TaskStateBinding = (input: JsonValue) => unknown;

/** What runs each Task state. A per-state binding wins over the other two. */
export interface StateMachineBindings {
  /** Lambda handlers by function name or ARN (qualifiers and ARN prefixes are matched). */
  readonly lambdas?: Readonly<Record<string, LambdaHandlerBinding>>;
  /** Every SDK-integration task (`aws-sdk:` and optimized) goes here. */
  readonly sdk?: SdkIntegrationDispatcher;
  /**
   * Per-state bindings, for what the other two cannot run: activities, `.waitForTaskToken`
   * callbacks, a `FunctionName.$` chosen at runtime.
   */
  readonly states?: Readonly<Record<string, TaskStateBinding>>;
}

/** One entry of the execution history (state entered/exited/failed/retried/caught, …). */
export type StateMachineEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer Event> ? Event : never;

/** How an execution ended. */
export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

/** The outcome of {@link runStateMachine}. */
export interface StateMachineRun {
  readonly status: ExecutionStatus;
  /** The execution output when it SUCCEEDED. */
  readonly output?: JsonValue;
  /** Step Functions error name when it FAILED (`States.TaskFailed`, `ThrottlingError`, …). */
  readonly error?: string;
  /** Step Functions cause when it FAILED. */
  readonly cause?: string;
  /** The execution history in order, nested (Map/Parallel) states included. */
  readonly events: readonly StateMachineEvent[];
}

/** Options of {@link runStateMachine}: exactly one of `name` and `definition`. */
export interface RunStateMachineOptions extends DefinitionOptions {
  /** The file `statemachines/<name>.asl.json` to run. */
  readonly name?: string;
  /** A parsed definition to run instead of a file (placeholders allowed). */
  readonly definition?: unknown;
  /** `${Placeholder}` values. @default {} */
  readonly substitutions?: Readonly<Record<string, string>>;
  /** Execution input. @default {} */
  readonly input?: unknown;
  readonly bindings: StateMachineBindings;
  /** Fields the caller accepts are ignored locally (see `UNTESTED_FIELDS`). @default [] */
  readonly knowinglyUntested?: readonly UntestedField[];
  /**
   * Local milliseconds per millisecond of ASL time for Wait states (`Seconds`) and retry
   * intervals (capped by `MaxDelaySeconds`); Waits given by a path or timestamp take no time.
   * Retries then wait this fixed interval: backoff and jitter are not simulated.
   * @default 0.001 (a 30 s Wait takes 30 ms)
   */
  readonly waitScale?: number;
  /** Aborts the execution (status ABORTED). */
  readonly signal?: AbortSignal;
  /** Mock `$$` context object fields (e.g. `Execution.Id`). */
  readonly context?: RunOptions['context'];
}

/** Makes a value exactly what JSON can carry, as between Step Functions and Lambda. */
function roundTrip(value: unknown): JsonValue {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as JsonValue);
}

/** SDK-integration parameters are a JSON object (Step Functions sends them as the API request). */
function sdkParams(input: unknown): Record<string, unknown> {
  const params = roundTrip(input);
  return typeof params === 'object' && params !== null && !Array.isArray(params) ? params : {};
}

/**
 * What a bound handler threw, shaped the way aws-local-stepfunctions reads errors: it matches
 * `ErrorEquals` against `name` and reports `Cause` as `cause ?? message`, so the original `cause`
 * must not travel on it (it would replace the message as Cause).
 */
class LocalTaskError extends Error {
  public constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Runs `call`, converting anything it throws into a {@link LocalTaskError}. */
async function asTask<T>(call: () => Promise<T> | T): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Error) {
      throw new LocalTaskError(error.name || 'Error', error.message);
    }
    throw new LocalTaskError('Error', String(error));
  }
}

/** Finds the handler of a function by exact key, then by function name (qualifiers ignored). */
function findLambda(
  lambdas: Readonly<Record<string, LambdaHandlerBinding>>,
  functionName: string,
): { key: string; handler: LambdaHandlerBinding } | undefined {
  const exact = lambdas[functionName];
  if (exact) return { key: functionName, handler: exact };
  const wanted = functionNameOf(functionName);
  const key = Object.keys(lambdas).find((candidate) => functionNameOf(candidate) === wanted);
  return key === undefined ? undefined : { key, handler: lambdas[key] as LambdaHandlerBinding };
}

function lambdaContext(functionName: string, timeoutMs: number): LocalLambdaContext {
  const name = functionNameOf(functionName);
  const started = Date.now();
  return {
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionName.startsWith('arn:')
      ? functionName
      : `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    memoryLimitInMB: '128',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `local/${randomUUID()}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
  };
}

async function invokeLambda(
  handler: LambdaHandlerBinding,
  functionName: string,
  payload: unknown,
  timeoutSeconds: number,
): Promise<JsonValue> {
  const event = roundTrip(payload ?? {});
  const result = await asTask(() =>
    handler(event, lambdaContext(functionName, timeoutSeconds * 1000)),
  );
  return roundTrip(result);
}

/** The local function that runs one Task state, or why there is none. */
function bindTask(
  task: TaskStateInfo,
  bindings: StateMachineBindings,
): { run: TaskStateBinding } | { reason: string } {
  const perState = bindings.states?.[task.name];
  if (perState) return { run: (input) => asTask(() => perState(input)).then(roundTrip) };
  const { target } = task;
  const timeoutSeconds =
    typeof task.state.TimeoutSeconds === 'number' ? task.state.TimeoutSeconds : 60;
  switch (target.kind) {
    case 'lambda-invoke': {
      if (target.pattern === 'waitForTaskToken') {
        return { reason: '.waitForTaskToken needs a per-state binding' };
      }
      if (target.functionName === undefined) {
        return { reason: 'FunctionName is chosen at runtime; bind the state by name' };
      }
      const found = findLambda(bindings.lambdas ?? {}, target.functionName);
      if (!found) return { reason: `no Lambda handler bound for ${target.functionName}` };
      return {
        run: async (input) => {
          const params = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
          const name = typeof params.FunctionName === 'string' ? params.FunctionName : found.key;
          const payload = await invokeLambda(found.handler, name, params.Payload, timeoutSeconds);
          // The optimized integration wraps the function's result as the Invoke API returns it.
          return { ExecutedVersion: '$LATEST', Payload: payload, StatusCode: 200 };
        },
      };
    }
    case 'lambda-direct': {
      const found = findLambda(bindings.lambdas ?? {}, target.functionName);
      if (!found) return { reason: `no Lambda handler bound for ${target.functionName}` };
      return {
        run: (input) => invokeLambda(found.handler, target.functionName, input, timeoutSeconds),
      };
    }
    case 'sdk': {
      if (target.pattern === 'waitForTaskToken') {
        return { reason: '.waitForTaskToken needs a per-state binding' };
      }
      const dispatch = bindings.sdk;
      const pair = `${target.service}:${target.action}`;
      if (!dispatch) return { reason: `no SDK dispatcher bound for ${pair}` };
      if (!dispatch.implements.has(pair)) {
        return { reason: `the SDK dispatcher does not implement ${pair}` };
      }
      const call: SdkIntegrationCall = {
        stateName: task.name,
        pattern: target.pattern,
        awsSdk: target.awsSdk,
      };
      return {
        run: (input) =>
          asTask(() => dispatch(target.service, target.action, sdkParams(input), call)).then(
            roundTrip,
          ),
      };
    }
    case 'activity':
      return { reason: 'activities need a per-state binding' };
    default:
      return { reason: 'unrecognised Resource' };
  }
}

/** Task states of `definition` that `bindings` leave without a local function. */
export function findUnboundTaskStates(
  definition: AslDefinition,
  bindings: StateMachineBindings,
): UnboundTaskState[] {
  return collectTaskStates(definition).flatMap((task) => {
    const bound = bindTask(task, bindings);
    return 'reason' in bound
      ? [{ state: task.name, resource: task.resource, reason: bound.reason }]
      : [];
  });
}

/** Shortened Wait and Retry durations for every state, nested ones included. */
function timeOverrides(
  definition: AslDefinition,
  waitScale: number,
): Pick<NonNullable<RunOptions['overrides']>, 'waitTimeOverrides' | 'retryIntervalOverrides'> {
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number[]> = {};
  for (const { name, state } of walkStates(definition)) {
    if (state.Type === 'Wait') {
      const seconds = typeof state.Seconds === 'number' ? state.Seconds : 0;
      waitTimeOverrides[name] = seconds * 1000 * waitScale;
    }
    if (Array.isArray(state.Retry)) {
      retryIntervalOverrides[name] = state.Retry.map(
        (retrier: { IntervalSeconds?: number; MaxDelaySeconds?: number }) =>
          Math.min(
            retrier.IntervalSeconds ?? 1,
            retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY,
          ) *
          1000 *
          waitScale,
      );
    }
  }
  return { waitTimeOverrides, retryIntervalOverrides };
}

/** Resolves the definition to run from `name` or `definition`. */
function definitionOf(options: RunStateMachineOptions): {
  label: string;
  definition: AslDefinition;
} {
  const substitutions = options.substitutions ?? {};
  if ((options.name === undefined) === (options.definition === undefined)) {
    throw new StateMachineDefinitionError(
      options.name ?? 'inline',
      'pass exactly one of name and definition',
    );
  }
  if (options.name !== undefined) {
    return {
      label: options.name,
      definition: loadDefinition(options.name, substitutions, options),
    };
  }
  return {
    label: 'inline',
    definition: prepareDefinition(options.definition, substitutions, 'inline', options),
  };
}

function errorOf(error: unknown): { error: string; cause: string } {
  const failure = error instanceof ExecutionError ? error.cause : error;
  // A Fail state and a bound handler's failure both carry Step Functions' Cause as the message.
  if (failure instanceof Error) return { error: failure.name, cause: failure.message };
  return { error: 'Error', cause: String(failure) };
}

/**
 * Loads (or takes), substitutes and validates a definition, checks that every Task state is
 * bound and that no ignored field is used unknowingly, then runs it locally.
 *
 * @throws StateMachineDefinitionError / PlaceholderError for a bad definition,
 *   UnboundTaskStatesError when a Task state has no binding, UntestedFieldsError when an ignored
 *   field is not named in `knowinglyUntested` — all before any handler runs.
 */
export async function runStateMachine(options: RunStateMachineOptions): Promise<StateMachineRun> {
  installPromiseWithResolvers();
  const { label, definition } = definitionOf(options);

  const accepted = new Set<string>(options.knowinglyUntested ?? []);
  const untested = findUntestedFields(definition).filter((use) => !accepted.has(use.field));
  if (untested.length > 0) throw new UntestedFieldsError(label, untested);

  const taskHandlers: Record<string, TaskStateBinding> = {};
  const unbound: UnboundTaskState[] = [];
  for (const task of collectTaskStates(definition)) {
    const bound = bindTask(task, options.bindings);
    if ('reason' in bound) {
      unbound.push({ state: task.name, resource: task.resource, reason: bound.reason });
    } else {
      taskHandlers[task.name] = bound.run;
    }
  }
  if (unbound.length > 0) throw new UnboundTaskStatesError(label, unbound);

  // Validation already ran (asl-validator 4); the library's bundled validator is older.
  const machine = new StateMachine(definition as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  const execution = machine.run(roundTrip(options.input ?? {}) as never, {
    overrides: {
      taskResourceLocalHandlers: taskHandlers as NonNullable<
        RunOptions['overrides']
      >['taskResourceLocalHandlers'],
      ...timeOverrides(definition, options.waitScale ?? 0.001),
    },
    ...(options.context ? { context: options.context } : {}),
  });

  const events: StateMachineEvent[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) events.push(event);
  })();
  const onAbort = () => execution.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) execution.abort();

  try {
    const output = (await execution.result) as JsonValue;
    await collecting;
    return { status: 'SUCCEEDED', output, events };
  } catch (error) {
    await collecting;
    if (error instanceof ExecutionAbortedError) return { status: 'ABORTED', events };
    if (error instanceof ExecutionTimeoutError) {
      return {
        status: 'TIMED_OUT',
        error: 'States.Timeout',
        cause: 'execution exceeded TimeoutSeconds',
        events,
      };
    }
    if (error instanceof ExecutionError) return { status: 'FAILED', ...errorOf(error), events };
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
