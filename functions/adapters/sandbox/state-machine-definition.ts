/**
 * Loading an ASL file the way the CDK deploys it: read `statemachines/<name>.asl.json`, replace
 * every `${Placeholder}` (CDK `definitionSubstitutions`), then validate with asl-validator and
 * refuse JSONata, which aws-local-stepfunctions does not evaluate.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import aslValidator from 'asl-validator';
import { PlaceholderError, StateMachineDefinitionError } from './state-machine-errors';

/** A JSON value as Step Functions passes it between states. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** One state of a definition; fields beyond `Type` are read by name where needed. */
export interface AslState {
  readonly Type: string;
  readonly [field: string]: unknown;
}

/** A state machine (or a Parallel branch / Map processor) in Amazon States Language. */
export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
  readonly QueryLanguage?: string;
  readonly TimeoutSeconds?: number;
  readonly Comment?: string;
  readonly [field: string]: unknown;
}

/** `${Name}` as CDK `definitionSubstitutions` writes it. */
const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/** The folder holding the ASL files (`<repo>/statemachines`). */
export const STATE_MACHINES_DIRECTORY = path.resolve(__dirname, '../../../statemachines');

/** Options of {@link loadDefinition} and {@link prepareDefinition}. */
export interface DefinitionOptions {
  /** Where the ASL files are. @default {@link STATE_MACHINES_DIRECTORY} */
  readonly directory?: string;
  /**
   * Accept substitutions the definition never uses (for callers sharing one map between
   * several files). @default false — an unused substitution is most often a misspelt name.
   */
  readonly allowUnusedSubstitutions?: boolean;
}

/** Names of the state machines in `directory`: each `<name>.asl.json` file, sorted. */
export function listStateMachines(directory: string = STATE_MACHINES_DIRECTORY): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.asl.json'))
    .map((file) => file.slice(0, -'.asl.json'.length))
    .sort();
}

/** Every placeholder name used anywhere in `value` (string values and object keys), sorted. */
export function placeholdersOf(value: unknown): string[] {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (typeof node === 'string') {
      for (const match of node.matchAll(PLACEHOLDER)) names.add(match[1] as string);
    } else if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) {
        visit(key);
        visit(child);
      }
    }
  };
  visit(value);
  return [...names].sort();
}

/**
 * Replaces every `${Name}` in string values and keys of a parsed definition. Substituting inside
 * parsed strings (rather than in the file text, as CDK does) gives the same result for every
 * value CDK accepts and cannot break the JSON when a value holds a quote.
 *
 * @throws PlaceholderError naming each placeholder without a value (and each unused value
 *   unless `allowUnusedSubstitutions`).
 */
export function substitutePlaceholders(
  definition: unknown,
  substitutions: Readonly<Record<string, string>>,
  stateMachine: string,
  options: Pick<DefinitionOptions, 'allowUnusedSubstitutions'> = {},
): unknown {
  const used = placeholdersOf(definition);
  const missing = used.filter((name) => !Object.hasOwn(substitutions, name));
  const unused = options.allowUnusedSubstitutions
    ? []
    : Object.keys(substitutions)
        .filter((name) => !used.includes(name))
        .sort();
  if (missing.length > 0 || unused.length > 0) {
    throw new PlaceholderError(stateMachine, missing, unused);
  }
  const replace = (text: string): string =>
    text.replace(PLACEHOLDER, (_whole, name: string) => substitutions[name] as string);
  const visit = (node: unknown): unknown => {
    if (typeof node === 'string') return replace(node);
    if (Array.isArray(node)) return node.map(visit);
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(
        Object.entries(node).map(([key, child]) => [replace(key), visit(child)]),
      );
    }
    return node;
  };
  return visit(definition);
}

/** Paths (`States.Probe.QueryLanguage`) where JSONata is selected, top level included. */
function jsonataUses(definition: unknown, where = ''): string[] {
  if (Array.isArray(definition)) {
    return definition.flatMap((child, index) => jsonataUses(child, `${where}[${index}]`));
  }
  if (typeof definition !== 'object' || definition === null) return [];
  return Object.entries(definition).flatMap(([key, child]) => {
    const here = where ? `${where}.${key}` : key;
    if (key === 'QueryLanguage' && child === 'JSONata') return [here];
    return jsonataUses(child, here);
  });
}

/**
 * Validates a substituted definition: JSONPath only, then asl-validator (ARNs and paths checked).
 *
 * @throws StateMachineDefinitionError listing every problem found.
 */
export function validateDefinition(definition: unknown, stateMachine: string): AslDefinition {
  const jsonata = jsonataUses(definition);
  if (jsonata.length > 0) {
    throw new StateMachineDefinitionError(
      stateMachine,
      'uses JSONata, which aws-local-stepfunctions does not evaluate; write it in JSONPath',
      jsonata.map((where) => `QueryLanguage JSONata at ${where}`),
    );
  }
  // asl-validator writes QueryLanguage into every state it visits: give it a copy.
  const result = aslValidator(structuredClone(definition), { checkArn: true, checkPaths: true });
  if (!result.isValid) {
    throw new StateMachineDefinitionError(
      stateMachine,
      'fails asl-validator',
      result.errors.map((error) => `${error['Error code']}: ${error.Message}`),
    );
  }
  return definition as AslDefinition;
}

/** Substitutes placeholders in a parsed definition, then validates it. */
export function prepareDefinition(
  definition: unknown,
  substitutions: Readonly<Record<string, string>>,
  stateMachine: string,
  options: DefinitionOptions = {},
): AslDefinition {
  const substituted = substitutePlaceholders(definition, substitutions, stateMachine, options);
  return validateDefinition(substituted, stateMachine);
}

/**
 * Reads `statemachines/<name>.asl.json`, substitutes every `${Placeholder}` and validates it.
 *
 * @throws StateMachineDefinitionError when the file is missing, not JSON, invalid ASL or JSONata.
 * @throws PlaceholderError naming each placeholder without a substitution (or unused value).
 */
export function loadDefinition(
  name: string,
  substitutions: Readonly<Record<string, string>> = {},
  options: DefinitionOptions = {},
): AslDefinition {
  const file = path.join(options.directory ?? STATE_MACHINES_DIRECTORY, `${name}.asl.json`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new StateMachineDefinitionError(name, `cannot read ${file}`, [], { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StateMachineDefinitionError(name, `${file} is not JSON`, [String(error)], {
      cause: error,
    });
  }
  return prepareDefinition(parsed, substitutions, name, options);
}
