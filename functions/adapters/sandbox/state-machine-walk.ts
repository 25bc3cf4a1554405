/**
 * Walking a definition: every state at every depth (Parallel branches, Map `Iterator` /
 * `ItemProcessor`), what each Task state calls, and which fields the local runner cannot honour.
 * Pure functions over the parsed definition.
 */
import type { AslDefinition, AslState } from './state-machine-definition';
import type { UntestedFieldUse } from './state-machine-errors';

/** One state found by {@link walkStates}. */
export interface StateEntry {
  /** State name (asl-validator enforces uniqueness across the whole state machine). */
  readonly name: string;
  readonly state: AslState;
  /** Enclosing states from the top, e.g. `['Fan out', 'branch 1']`; empty at top level. */
  readonly path: readonly string[];
}

/** How a Task state integrates: `.sync`, `.sync:2`, `.waitForTaskToken` or plain request. */
export type IntegrationPattern = 'requestResponse' | 'sync' | 'sync:2' | 'waitForTaskToken';

/** What a Task state's `Resource` calls. */
export type TaskTarget =
  /** `arn:aws:states:::lambda:invoke`; `functionName` undefined when given by `FunctionName.$`. */
  | {
      readonly kind: 'lambda-invoke';
      readonly functionName?: string;
      readonly pattern: IntegrationPattern;
    }
  /** A function ARN as `Resource`: the result is the function's return value, unwrapped. */
  | { readonly kind: 'lambda-direct'; readonly functionName: string }
  /** `arn:aws:states:::aws-sdk:<service>:<action>` or an optimized `:::<service>:<action>`. */
  | {
      readonly kind: 'sdk';
      readonly service: string;
      readonly action: string;
      readonly pattern: IntegrationPattern;
      /** True for `aws-sdk:` integrations, false for optimized ones. */
      readonly awsSdk: boolean;
    }
  /** A Step Functions activity: only a per-state binding can run it locally. */
  | { readonly kind: 'activity'; readonly arn: string }
  /** Anything else. */
  | { readonly kind: 'unknown' };

/** A Task state with its resolved target. */
export interface TaskStateInfo extends StateEntry {
  readonly resource: string;
  readonly target: TaskTarget;
}

/** Nested state machines of a state: Parallel branches, then a Map's processor. */
function childMachines(entry: StateEntry): { label: string; machine: AslDefinition }[] {
  const { state, name } = entry;
  const children: { label: string; machine: AslDefinition }[] = [];
  if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
    state.Branches.forEach((branch: AslDefinition, index) => {
      children.push({ label: `${name} branch ${index}`, machine: branch });
    });
  }
  if (state.Type === 'Map') {
    const processor = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
    if (processor) children.push({ label: `${name} processor`, machine: processor });
  }
  return children;
}

/** Every state of `definition`, depth first, nested ones right after their parent. */
export function walkStates(definition: AslDefinition, path: readonly string[] = []): StateEntry[] {
  return Object.entries(definition.States ?? {}).flatMap(([name, state]) => {
    const entry: StateEntry = { name, state, path };
    return [
      entry,
      ...childMachines(entry).flatMap(({ label, machine }) =>
        walkStates(machine, [...path, label]),
      ),
    ];
  });
}

/** Splits `action.sync:2` into the action and its integration pattern. */
function splitPattern(actionWithSuffix: string): { action: string; pattern: IntegrationPattern } {
  const [action = '', suffix] = actionWithSuffix.split(/\.(?=sync|waitForTaskToken)/);
  const pattern: IntegrationPattern =
    suffix === 'sync' || suffix === 'sync:2' || suffix === 'waitForTaskToken'
      ? suffix
      : 'requestResponse';
  return { action, pattern };
}

/** Function name from a name, a partial ARN or a full ARN, without qualifier (version/alias). */
export function functionNameOf(nameOrArn: string): string {
  const arn = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/.exec(nameOrArn);
  if (arn) return arn[1] as string;
  const partial = /^(?:\d{12}:)?function:([^:]+)(?::[^:]+)?$/.exec(nameOrArn);
  if (partial) return partial[1] as string;
  const qualified = /^([^:]+):[^:]+$/.exec(nameOrArn);
  return qualified ? (qualified[1] as string) : nameOrArn;
}

/** Resolves what a Task `Resource` (after substitution) calls. */
export function classifyResource(resource: string, parameters: unknown): TaskTarget {
  const lambdaFunction = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+(?::[^:]+)?$/;
  if (lambdaFunction.test(resource)) return { kind: 'lambda-direct', functionName: resource };
  if (/^arn:[^:]+:states:[^:]*:[^:]*:activity:/.test(resource)) {
    return { kind: 'activity', arn: resource };
  }
  const integration = /^arn:[^:]+:states:::(.+)$/.exec(resource);
  if (!integration) return { kind: 'unknown' };
  const segments = (integration[1] as string).split(':');
  if (segments[0] === 'aws-sdk' && segments.length >= 3) {
    const { action, pattern } = splitPattern(segments.slice(2).join(':'));
    return { kind: 'sdk', service: segments[1] as string, action, pattern, awsSdk: true };
  }
  const [service = '', ...rest] = segments;
  const { action, pattern } = splitPattern(rest.join(':'));
  if (!service || !action) return { kind: 'unknown' };
  if (service === 'lambda' && action === 'invoke') {
    const params = (parameters ?? {}) as Record<string, unknown>;
    const functionName = typeof params.FunctionName === 'string' ? params.FunctionName : undefined;
    return functionName === undefined
      ? { kind: 'lambda-invoke', pattern }
      : { kind: 'lambda-invoke', functionName, pattern };
  }
  return { kind: 'sdk', service, action, pattern, awsSdk: false };
}

/** Every Task state at every depth with what it calls. */
export function collectTaskStates(definition: AslDefinition): TaskStateInfo[] {
  return walkStates(definition)
    .filter((entry) => entry.state.Type === 'Task')
    .map((entry) => {
      const resource = typeof entry.state.Resource === 'string' ? entry.state.Resource : '';
      return { ...entry, resource, target: classifyResource(resource, entry.state.Parameters) };
    });
}

/**
 * Fields aws-local-stepfunctions 3 accepts but silently ignores. A `…Path` variant is reported
 * under its base name, which is what `knowinglyUntested` takes.
 */
export const UNTESTED_FIELDS = [
  'Credentials',
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'ToleratedFailurePercentage',
  'ToleratedFailureCount',
] as const;

/** One of {@link UNTESTED_FIELDS}. */
export type UntestedField = (typeof UNTESTED_FIELDS)[number];

/** Every use of an {@link UNTESTED_FIELDS} field by any state at any depth. */
export function findUntestedFields(definition: AslDefinition): UntestedFieldUse[] {
  return walkStates(definition).flatMap(({ name, state }) =>
    UNTESTED_FIELDS.filter(
      (field) => Object.hasOwn(state, field) || Object.hasOwn(state, `${field}Path`),
    ).map((field) => ({ field, state: name })),
  );
}
