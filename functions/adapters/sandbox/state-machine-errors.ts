/**
 * Typed errors of the local Step Functions runner. Each one is raised before an execution
 * starts, so a refused run never calls a handler, a dispatcher or AWS.
 */
import { UnderstudyError, ValidationError } from '../../core/errors';

/** The ASL file could not be read or parsed, failed asl-validator, or uses JSONata. */
export class StateMachineDefinitionError extends ValidationError {
  public constructor(
    /** The state machine name (file stem) or `inline` for a definition passed as an object. */
    public readonly stateMachine: string,
    message: string,
    issues: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(`state machine ${stateMachine}: ${message}`, issues, options);
    this.name = 'StateMachineDefinitionError';
  }
}

/**
 * `${Placeholder}` substitutions do not match the file: some placeholders have no value
 * (`missing`), or some values name no placeholder (`unused`, usually a typo).
 */
export class PlaceholderError extends ValidationError {
  public constructor(
    public readonly stateMachine: string,
    /** Placeholders the definition uses but no substitution provides. */
    public readonly missing: readonly string[],
    /** Substitutions the definition never uses. */
    public readonly unused: readonly string[],
  ) {
    super(`state machine ${stateMachine}: placeholders do not match substitutions`, [
      ...missing.map((name) => `missing substitution for \${${name}}`),
      ...unused.map((name) => `substitution ${name} matches no placeholder`),
    ]);
    this.name = 'PlaceholderError';
  }
}

/** One Task state with nothing local to run it. */
export interface UnboundTaskState {
  /** State name (unique in the whole state machine). */
  readonly state: string;
  /** Its `Resource` after substitution. */
  readonly resource: string;
  /** Why no binding applies, e.g. `no handler bound for function probe`. */
  readonly reason: string;
}

/**
 * Some Task states have no local binding. Raised before the execution starts: an unbound Task
 * would otherwise make aws-local-stepfunctions call the real Lambda API.
 */
export class UnboundTaskStatesError extends UnderstudyError {
  public constructor(
    public readonly stateMachine: string,
    public readonly unbound: readonly UnboundTaskState[],
  ) {
    super(
      'UnboundTaskStates',
      `state machine ${stateMachine}: ${unbound.length} Task state(s) unbound: ${unbound
        .map((task) => `${task.state} (${task.resource}: ${task.reason})`)
        .join('; ')}`,
    );
    this.name = 'UnboundTaskStatesError';
  }
}

/** Where a field the local runner cannot honour appears. */
export interface UntestedFieldUse {
  /** The field as named in `knowinglyUntested` (`…Path` variants count as their base field). */
  readonly field: string;
  /** The state that uses it. */
  readonly state: string;
}

/**
 * The definition uses fields aws-local-stepfunctions silently ignores (`Credentials`,
 * `ItemReader`, …). A test passing over them would claim behaviour it never exercised, so the
 * caller must name each one in `knowinglyUntested`.
 */
export class UntestedFieldsError extends UnderstudyError {
  public constructor(
    public readonly stateMachine: string,
    public readonly uses: readonly UntestedFieldUse[],
  ) {
    super(
      'UntestedFields',
      `state machine ${stateMachine}: uses fields the local runner ignores (list them in knowinglyUntested to run anyway): ${uses
        .map((use) => `${use.field} in ${use.state}`)
        .join('; ')}`,
    );
    this.name = 'UntestedFieldsError';
  }
}
