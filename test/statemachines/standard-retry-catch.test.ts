// Every Lambda Task of every ASL file carries the standard Retry and Catch — "standard" being what
// the ASL does today, written down so a new Task (or an edited one) cannot quietly drop it:
//
// Retry: the transient errors AWS documents for Lambda invocations (Lambda.ServiceException,
// Lambda.AWSLambdaException, Lambda.SdkClientException, Lambda.TooManyRequestsException), the
// handlers' own transient errors (ThrottlingError, ServiceUnavailableError) and States.Timeout are
// all retried; each retrier backs off exponentially with full jitter, capped by MaxDelaySeconds;
// and no retrier matches States.ALL or States.TaskFailed, which would retry a permanent error
// (a validation failure) as if it were transient.
//
// Catch: States.ALL is caught into a state of the same workflow with a ResultPath that keeps the
// input (the failure is recorded next to what was being done), unless the Task is one of the
// named exceptions below, where failing the execution is the outcome wanted.
import {
  type AslDefinition,
  listStateMachines,
  loadDefinition,
} from '../../functions/adapters/sandbox/state-machine-definition';
import { collectTaskStates } from '../../functions/adapters/sandbox/state-machine-walk';

interface BindingsModule {
  readonly substitutions: Readonly<Record<string, string>>;
}

/** Errors every Lambda Task must retry. */
const TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'ThrottlingError',
  'ServiceUnavailableError',
  'States.Timeout',
];

/** Errors no Lambda retrier may match: they include permanent failures. */
const CATCH_ALL_ERRORS = ['States.ALL', 'States.TaskFailed'];

/** Lambda Tasks without a Catch on purpose, by `<file>/<state>`, with the reason. */
const UNCAUGHT_BY_DESIGN: Readonly<Record<string, string>> = {
  'clone-validate-store/Select services':
    'nothing has started yet: a bad request or selection fails the execution, with nothing to record per service',
  'clone-batch/Select batch':
    "nothing has started in the batch yet: a failed selection fails the child, which the parent's Catch reports as a failed batch",
  'failover-wave/Deploy page':
    "a wave child fails as a whole (a stale epoch must stop it); the parent's Catch on the wave records and notifies",
  'failover-wave/Check steady':
    "a wave child fails as a whole; the parent's Catch on the wave records and notifies",
  'failover-wave/Switch traffic':
    "a wave child fails as a whole (a stale epoch must stop it); the parent's Catch on the wave records and notifies",
  'clone-validate-store/Refresh plan':
    'runs after every service is recorded; a failed refresh must fail the execution so it is retried and alarmed, not hidden',
};

/** Transient errors a Lambda Task does not retry on purpose, by `<file>/<state>`, with the reason. */
const NOT_RETRIED_BY_DESIGN: Readonly<
  Record<string, { errors: readonly string[]; reason: string }>
> = {
  'failover/Request approval': {
    errors: ['States.Timeout'],
    reason:
      'a .waitForTaskToken timeout is the approval timing out: it leads to the configured outcome, never to asking again',
  },
  'handback/Request approval': {
    errors: ['States.Timeout'],
    reason:
      'a .waitForTaskToken timeout is the approval timing out: it leads to the configured outcome, never to asking again',
  },
};

interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly BackoffRate?: number;
  readonly MaxAttempts?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: string;
}

interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly ResultPath?: string | null;
  readonly Next: string;
}

/** Every state name of a definition, nested ones included. */
function stateNames(definition: AslDefinition): Set<string> {
  const names = new Set<string>();
  const walk = (states: Record<string, Record<string, unknown>>): void => {
    for (const [name, state] of Object.entries(states)) {
      names.add(name);
      const processor = (state.ItemProcessor ?? state.Iterator) as
        | { States: Record<string, Record<string, unknown>> }
        | undefined;
      if (processor) walk(processor.States);
      for (const branch of (state.Branches ?? []) as {
        States: Record<string, Record<string, unknown>>;
      }[])
        walk(branch.States);
    }
  };
  walk(definition.States as Record<string, Record<string, unknown>>);
  return names;
}

const lambdaTasks = listStateMachines().flatMap((file) => {
  const module = require(`./bindings/${file}`) as BindingsModule;
  const definition = loadDefinition(file, module.substitutions);
  const names = stateNames(definition);
  return collectTaskStates(definition)
    .filter(({ target }) => target.kind === 'lambda-invoke' || target.kind === 'lambda-direct')
    .map((task) => ({ id: `${file}/${task.name}`, state: task.state, names }));
});

describe('Structure: standard Retry and Catch on every Lambda Task', () => {
  it('finds the Lambda Tasks of every ASL file', () => {
    // Assert: the pipeline's steps and the probe, at least.
    expect(lambdaTasks.map(({ id }) => id)).toEqual(
      expect.arrayContaining([
        'clone-batch/Describe source',
        'clone-batch/Copy images',
        'clone-batch/Stage service',
        'clone-validate-store/Select services',
        'health-probe/Probe authority',
      ]),
    );
  });

  it('names only real Tasks as uncaught by design', () => {
    // Assert
    const ids = new Set(lambdaTasks.map(({ id }) => id));
    expect(Object.keys(UNCAUGHT_BY_DESIGN).filter((id) => !ids.has(id))).toEqual([]);
  });

  describe.each(lambdaTasks)('Task: $id', ({ id, state, names }) => {
    const retry = (state.Retry ?? []) as readonly Retrier[];
    const catchers = (state.Catch ?? []) as readonly Catcher[];

    it('retries every transient Lambda and handler error', () => {
      // Act
      const retried = new Set(retry.flatMap((retrier) => retrier.ErrorEquals));

      // Assert
      const exempt = NOT_RETRIED_BY_DESIGN[id]?.errors ?? [];
      expect(
        TRANSIENT_ERRORS.filter((error) => !retried.has(error) && !exempt.includes(error)),
      ).toEqual([]);
    });

    it('never retries a catch-all that would repeat a permanent error', () => {
      // Assert
      expect(
        retry.flatMap((retrier) =>
          retrier.ErrorEquals.filter((error) => CATCH_ALL_ERRORS.includes(error)),
        ),
      ).toEqual([]);
    });

    it('backs off exponentially with full jitter and a capped delay', () => {
      // Assert
      expect(retry.length).toBeGreaterThan(0);
      for (const retrier of retry) {
        expect(retrier).toEqual(
          expect.objectContaining({
            IntervalSeconds: expect.any(Number),
            BackoffRate: expect.any(Number),
            MaxAttempts: expect.any(Number),
            MaxDelaySeconds: expect.any(Number),
            JitterStrategy: 'FULL',
          }),
        );
        expect(retrier.BackoffRate).toBeGreaterThan(1);
        expect(retrier.MaxAttempts).toBeGreaterThanOrEqual(2);
        expect(retrier.MaxDelaySeconds).toBeGreaterThanOrEqual(retrier.IntervalSeconds ?? 0);
      }
    });

    it('catches every error into a state that keeps the input, unless failing is the design', () => {
      // Arrange
      const catchAll = catchers.find((catcher) => catcher.ErrorEquals.includes('States.ALL'));

      // Assert
      if (id in UNCAUGHT_BY_DESIGN) {
        expect(catchAll).toBeUndefined();
        return;
      }
      expect(catchAll).toBeDefined();
      expect(names.has(catchAll?.Next ?? '')).toBe(true);
      // "$" would replace the input with the error; null would drop the error.
      expect(catchAll?.ResultPath).toMatch(/^\$\.[A-Za-z]+$/);
    });
  });
});
