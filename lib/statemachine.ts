/**
 * Loads ASL files from `statemachines/` for CDK. The same files run locally in the
 * statemachines test tier, so CDK never rewrites their structure: it only substitutes
 * `${Placeholder}` values (ARNs, names) through `definitionSubstitutions`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';

/** Folder holding `<name>.asl.json` files. */
export const STATEMACHINES_DIR = path.join(__dirname, '..', 'statemachines');

/** Path of the ASL file called `name` (without `.asl.json`). */
export function aslPath(name: string): string {
  return path.join(STATEMACHINES_DIR, `${name}.asl.json`);
}

/** The `${...}` placeholder names an ASL file uses, sorted and without duplicates. */
export function placeholdersOf(name: string): string[] {
  const text = fs.readFileSync(aslPath(name), 'utf8');
  const names = new Set<string>();
  for (const match of text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)) {
    if (match[1]) names.add(match[1]);
  }
  return [...names].sort();
}

/** What {@link definitionFromAsl} returns: spread it into `sfn.StateMachineProps`. */
export interface AslDefinition {
  readonly definitionBody: sfn.DefinitionBody;
  readonly definitionSubstitutions: Record<string, string>;
}

/**
 * Definition body and substitutions for `statemachines/<name>.asl.json`.
 * @throws {Error} naming the placeholders that are missing a value or that the file lacks, so
 *   a renamed placeholder fails `cdk synth` instead of deploying a literal `${Name}`.
 */
export function definitionFromAsl(
  name: string,
  substitutions: Readonly<Record<string, string>>,
): AslDefinition {
  const used = placeholdersOf(name);
  const missing = used.filter((p) => !(p in substitutions));
  const unused = Object.keys(substitutions).filter((p) => !used.includes(p));
  if (missing.length > 0 || unused.length > 0) {
    const problems = [
      missing.length > 0 ? `no value for ${missing.map((p) => `\${${p}}`).join(', ')}` : '',
      unused.length > 0 ? `not used by the file: ${unused.join(', ')}` : '',
    ].filter(Boolean);
    throw new Error(`statemachines/${name}.asl.json: ${problems.join('; ')}`);
  }
  return {
    definitionBody: sfn.DefinitionBody.fromFile(aslPath(name)),
    definitionSubstitutions: { ...substitutions },
  };
}

/** SDK-integration service names whose IAM prefix differs from the name in the ARN. */
const IAM_PREFIX: Readonly<Record<string, string>> = {
  sfn: 'states',
  cloudwatchlogs: 'logs',
  elasticloadbalancingv2: 'elasticloadbalancing',
  applicationautoscaling: 'application-autoscaling',
  servicediscovery: 'servicediscovery',
};

/** Optimized integrations whose IAM action is not the capitalised ARN action. */
const OPTIMIZED_ACTIONS: Readonly<Record<string, string>> = {
  'lambda:invoke': 'lambda:InvokeFunction',
};

/** IAM action of one Task `Resource`, or `undefined` for non-AWS resources (activities). */
export function iamActionOf(resource: string): string | undefined {
  if (/^\$\{[A-Za-z0-9_]+\}$/.test(resource) || resource.startsWith('arn:aws:lambda:')) {
    return 'lambda:InvokeFunction';
  }
  const match = /^arn:[a-z-]+:states:::(aws-sdk:)?([a-z0-9-]+):([A-Za-z0-9]+)/.exec(resource);
  if (!match) return undefined;
  const [, sdk, service = '', action = ''] = match;
  const key = `${service}:${action}`;
  if (!sdk && OPTIMIZED_ACTIONS[key]) return OPTIMIZED_ACTIONS[key];
  const prefix = IAM_PREFIX[service] ?? service;
  return `${prefix}:${action.charAt(0).toUpperCase()}${action.slice(1)}`;
}

/** Collects every Task state of a states object, Map and Parallel bodies included. */
function taskStates(
  states: Record<string, unknown>,
  into: Record<string, unknown>[],
): Record<string, unknown>[] {
  for (const state of Object.values(states)) {
    if (typeof state !== 'object' || state === null) continue;
    const s = state as Record<string, unknown>;
    if (s.Type === 'Task') into.push(s);
    for (const body of [s.Iterator, s.ItemProcessor]) {
      const nested = (body as { States?: Record<string, unknown> } | undefined)?.States;
      if (nested) taskStates(nested, into);
    }
    for (const branch of (s.Branches as { States?: Record<string, unknown> }[] | undefined) ?? []) {
      if (branch.States) taskStates(branch.States, into);
    }
  }
  return into;
}

function readAsl(name: string): Record<string, unknown>[] {
  const asl = JSON.parse(fs.readFileSync(aslPath(name), 'utf8')) as {
    States: Record<string, unknown>;
  };
  return taskStates(asl.States, []);
}

/** Collects every Task `Resource` of a states object, Map and Parallel bodies included. */
function taskResources(states: Record<string, unknown>, into: string[]): string[] {
  for (const task of taskStates(states, [])) {
    if (typeof task.Resource === 'string') into.push(task.Resource);
  }
  return into;
}

/**
 * The placeholders naming the Lambda functions the Task states of `statemachines/<name>.asl.json`
 * invoke (`"FunctionName": "${XFunctionArn}"` or `"Resource": "${XFunctionArn}"`), sorted: the
 * workflow's invoke grant is derived from these, so a new step cannot go ungranted.
 * @throws {Error} for a Lambda Task whose function is not a placeholder (chosen at run time).
 */
export function invokedFunctionPlaceholders(name: string): string[] {
  const names = new Set<string>();
  for (const task of readAsl(name)) {
    const resource = String(task.Resource);
    const parameters = (task.Parameters ?? {}) as Record<string, unknown>;
    if (iamActionOf(resource) !== 'lambda:InvokeFunction') continue;
    const target = resource.startsWith('arn:aws:states:::') ? parameters.FunctionName : resource;
    const match = /^\$\{([A-Za-z0-9_]+)\}$/.exec(String(target));
    if (!match?.[1]) {
      throw new Error(
        `statemachines/${name}.asl.json: a Lambda Task's function (${String(target)}) is not a \${placeholder}`,
      );
    }
    names.add(match[1]);
  }
  return [...names].sort();
}

/**
 * The IAM actions the Task states of `statemachines/<name>.asl.json` call, sorted and unique:
 * what its role must be granted (a `.sync` integration needs more; grant that beside it).
 */
export function aslActions(name: string): string[] {
  const asl = JSON.parse(fs.readFileSync(aslPath(name), 'utf8')) as {
    States: Record<string, unknown>;
  };
  const actions = new Set<string>();
  for (const resource of taskResources(asl.States, [])) {
    const action = iamActionOf(resource);
    if (action) actions.add(action);
  }
  return [...actions].sort();
}
