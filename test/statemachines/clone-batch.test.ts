// clone-batch, the child workflow of clone-validate-store, run directly: a full batch of 50
// services within Step Functions' history and payload limits (also when every service needs the
// copy loop's 20 rounds), a Lambda timeout mid-blob looping back into the copy loop, and
// `Record failure` with a Cause that is missing or not JSON.
import { readFileSync } from 'node:fs';
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  CLONE_FUNCTIONS,
  type CloneBatchInput,
  cloneBatchSubstitutions,
  cloneBindings,
  createLocalCloneWorld,
  type LocalCloneWorld,
  runCloneBatch,
  seededServiceKey,
} from '../../bin/local/clone-pipeline';
import {
  executionLimits,
  MAX_HISTORY_EVENTS,
  MAX_PAYLOAD_BYTES,
} from '../../functions/adapters/sandbox/execution-history';
import { loadDefinition } from '../../functions/adapters/sandbox/state-machine-definition';
import {
  type LocalLambdaContext,
  runStateMachine,
  type StateMachineBindings,
} from '../../functions/adapters/sandbox/state-machine-runner';
import { RATE_LIMITS } from '../../functions/adapters/sandbox/token-bucket';
import { COPY_SAFETY_MARGIN_MS } from '../../functions/handlers/clone-copy-images';
import { CLONE_BATCH_SIZE } from '../../functions/handlers/clone-select';
import { aslPath } from '../../lib/statemachine';
import { useDynalite } from '../support/dynalite-per-file';

jest.setTimeout(120_000);

const dynalite = useDynalite();

function batchInput(index = 0, size = CLONE_BATCH_SIZE): CloneBatchInput {
  return {
    request: { trigger: 'manual', requestedBy: 'test' },
    batch: { index, size },
    trigger: 'manual',
    requestedBy: 'test',
    tierHint: 'none',
    expiresAt: 1_900_000_000,
    run: 'parent-run-1',
  };
}

/** Bindings whose copy step behaves as `copy(call, invoke)` says. */
function withCopy(
  w: LocalCloneWorld,
  copy: (
    call: number,
    invoke: (context: LocalLambdaContext) => unknown,
    context: LocalLambdaContext,
  ) => unknown,
): StateMachineBindings {
  const bindings = cloneBindings(w);
  const real = bindings.lambdas?.[CLONE_FUNCTIONS.CopyImagesFunctionArn];
  if (!real) throw new Error('copy step not bound');
  let calls = 0;
  return {
    ...bindings,
    lambdas: {
      ...bindings.lambdas,
      [CLONE_FUNCTIONS.CopyImagesFunctionArn]: (event: unknown, context: LocalLambdaContext) => {
        calls += 1;
        return copy(calls, (c) => real(event, c), context);
      },
    },
  };
}

async function batchItem(w: LocalCloneWorld, run: string, index: number) {
  const { Item } = await dynalite().client.send(
    new GetItemCommand({
      TableName: w.tables.inventory,
      Key: { pk: { S: `RUN#${run}` }, sk: { S: `BATCH#${index}` } },
    }),
  );
  return Item;
}

async function failureItems(w: LocalCloneWorld, service: string) {
  const result = await dynalite().client.send(
    new QueryCommand({
      TableName: w.tables.inventory,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :f)',
      ExpressionAttributeValues: { ':pk': { S: `SVC#${service}` }, ':f': { S: 'FAILURE#' } },
    }),
  );
  return result.Items ?? [];
}

const timedOut = (name: string) => {
  const error = new Error('Task timed out after 900.00 seconds');
  error.name = name;
  return error;
};

interface Timed {
  readonly Type: string;
  readonly TimeoutSeconds?: number;
  readonly Choices?: readonly { readonly NumericGreaterThanEquals?: number }[];
  readonly ItemProcessor?: { readonly States: Record<string, Timed> };
}

function asl(name: string): { TimeoutSeconds: number; States: Record<string, Timed> } {
  return JSON.parse(readFileSync(aslPath(name), 'utf8'));
}

describe('State machine: clone-batch', () => {
  describe('Definition: time budgets', () => {
    const child = asl('clone-batch');
    const parent = asl('clone-validate-store');
    const perService = child.States['Clone each service']?.ItemProcessor?.States ?? {};

    it('gives one child execution at least the copy loop budget plus every other step', () => {
      // Arrange: rounds from the loop's own Choice, round length from the Task's timeout
      const rounds = perService['Too many copy rounds?']?.Choices?.[0]?.NumericGreaterThanEquals;
      const copy = perService['Copy images']?.TimeoutSeconds;
      const others = Object.entries({ ...child.States, ...perService })
        .filter(([name, state]) => state.Type === 'Task' && name !== 'Copy images')
        .map(([, state]) => state.TimeoutSeconds ?? 60);

      // Act
      const budget = (rounds ?? Number.NaN) * (copy ?? Number.NaN) + others.reduce((a, b) => a + b);

      // Assert
      expect(rounds).toBe(20);
      expect(copy).toBe(900);
      expect(child.TimeoutSeconds).toBeGreaterThanOrEqual(budget);
    });

    it("gives the parent at least one child's timeout plus its own steps", () => {
      // Arrange
      const task = parent.States['Clone each batch']?.ItemProcessor?.States['Clone batch'];
      const own = ['Select services', 'Refresh plan'].map(
        (name) => parent.States[name]?.TimeoutSeconds ?? Number.NaN,
      );

      // Assert
      expect(task?.TimeoutSeconds).toBeGreaterThanOrEqual(child.TimeoutSeconds);
      expect(parent.TimeoutSeconds).toBeGreaterThanOrEqual(
        (task?.TimeoutSeconds ?? Number.NaN) + own.reduce((a, b) => a + b),
      );
    });
  });

  describe('Path: a full batch', () => {
    it('clones 50 services within the history and payload limits and records their outcomes', async () => {
      // Arrange
      const w = await createLocalCloneWorld({ services: CLONE_BATCH_SIZE, dynamo: dynalite() });

      // Act
      const run = await runCloneBatch(w, batchInput());

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toEqual({ batch: 0, services: CLONE_BATCH_SIZE });
      const item = await batchItem(w, 'parent-run-1', 0);
      expect(item?.kind?.S).toBe('clone-run-batch');
      expect(item?.expiresAt?.N).toBe('1900000000');
      const outcomes = JSON.parse(item?.outcomes?.S ?? '[]') as { service: string }[];
      expect(outcomes.map((o) => o.service)).toEqual(
        Array.from({ length: CLONE_BATCH_SIZE }, (_, i) => seededServiceKey(i)),
      );
      expect(outcomes[0]).toEqual({
        service: seededServiceKey(0),
        outcome: 'stored',
        version: 1,
        created: true,
        status: 'validated',
        primaryDesiredCount: 2,
      });
      const limits = executionLimits(run.events);
      expect(limits.historyEvents).toBeGreaterThan(40 * CLONE_BATCH_SIZE);
      expect(limits.historyEvents).toBeLessThan(MAX_HISTORY_EVENTS / 5);
      expect(limits.largestPayloadBytes).toBeLessThan(MAX_PAYLOAD_BYTES / 4);
    });

    it('stays within the history limit when every service needs all 20 copy rounds', async () => {
      // Arrange: every copy invocation has only its safety margin left, so it never finishes.
      // The local runner retries within one virtual instant, so 1,000 rounds would drain the
      // sandbox's token buckets, which this test is not about: lift them.
      const unlimited = Object.fromEntries(
        Object.keys(RATE_LIMITS).map((bucket) => [bucket, { burst: 1e9, refillPerSecond: 1e9 }]),
      );
      const w = await createLocalCloneWorld({
        services: CLONE_BATCH_SIZE,
        dynamo: dynalite(),
        cloud: { rateLimits: unlimited },
      });
      const bindings = withCopy(w, (_call, invoke, context) =>
        invoke({ ...context, getRemainingTimeInMillis: () => COPY_SAFETY_MARGIN_MS }),
      );

      // Act
      const run = await runCloneBatch(w, batchInput(), { bindings });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      const outcomes = JSON.parse((await batchItem(w, 'parent-run-1', 0))?.outcomes?.S ?? '[]');
      expect(outcomes).toHaveLength(CLONE_BATCH_SIZE);
      expect(new Set(outcomes.map((o: { error?: string }) => o.error))).toEqual(
        new Set(['ImageCopyIncomplete']),
      );
      const copies = run.events.filter(
        (e) => e.type === 'StateEntered' && e.state.name === 'Copy images',
      );
      expect(copies).toHaveLength(20 * CLONE_BATCH_SIZE);
      expect(executionLimits(run.events).historyEvents).toBeLessThan(MAX_HISTORY_EVENTS);
    });

    it('selects the page it is given: the second batch of 60 services holds the last 10', async () => {
      // Arrange
      const w = await createLocalCloneWorld({ services: 60, dynamo: dynalite() });

      // Act
      const run = await runCloneBatch(w, batchInput(1));

      // Assert
      expect(run.output).toEqual({ batch: 1, services: 10 });
      const outcomes = JSON.parse((await batchItem(w, 'parent-run-1', 1))?.outcomes?.S ?? '[]');
      expect(outcomes.map((o: { service: string }) => o.service)).toEqual(
        Array.from({ length: 10 }, (_, i) => seededServiceKey(50 + i)),
      );
    });
  });

  describe('Path: the copy step runs out of Lambda time mid-blob', () => {
    it.each(['Sandbox.Timedout', 'Lambda.Unknown', 'States.Timeout'])(
      'loops back into the copy loop on %s and clones the service',
      async (name) => {
        // Arrange: every invocation but the last times out (States.Timeout is retried 6 times first)
        const w = await createLocalCloneWorld({ services: 1, dynamo: dynalite() });
        const failures = name === 'States.Timeout' ? 7 : 2;
        const bindings = withCopy(w, (call, invoke, context) => {
          if (call <= failures) throw timedOut(name);
          return invoke(context);
        });

        // Act
        const run = await runCloneBatch(w, batchInput(), { bindings });

        // Assert
        expect(run.status).toBe('SUCCEEDED');
        const entered = run.events.flatMap((e) =>
          e.type === 'StateEntered' ? [e.state.name] : [],
        );
        expect(entered.filter((s) => s === 'Count copy rounds')).toHaveLength(
          name === 'States.Timeout' ? 1 : 2,
        );
        expect(entered).not.toContain('Record failure');
        expect(await w.inventory.listVersions(seededServiceKey(0))).toHaveLength(1);
      },
    );

    it('records ImageCopyIncomplete when it times out in every one of the 20 rounds', async () => {
      // Arrange
      const w = await createLocalCloneWorld({ services: 1, dynamo: dynalite() });
      const bindings = withCopy(w, () => {
        throw timedOut('Sandbox.Timedout');
      });

      // Act
      const run = await runCloneBatch(w, batchInput(), { bindings });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      const [item] = await failureItems(w, seededServiceKey(0));
      expect(item?.error?.S).toBe('ImageCopyIncomplete');
      expect(item?.sk?.S).toBe('FAILURE#parent-run-1');
      expect(item?.run?.S).toBe('parent-run-1');
    });
  });

  describe('Path: Record failure', () => {
    /** The batch's own states, entered at `Record failure` with `failure` as the Catch gave it. */
    async function recordFailure(w: LocalCloneWorld, failure: Record<string, unknown>) {
      const definition = loadDefinition(
        'clone-batch',
        cloneBatchSubstitutions(w.tables.inventory),
      ) as unknown as { States: Record<string, { ItemProcessor: { States: unknown } }> };
      const processor = definition.States['Clone each service']?.ItemProcessor.States as Record<
        string,
        unknown
      >;
      const recording = ['Record failure', 'No cause given', 'Write failure record', 'Failed'];
      return runStateMachine({
        definition: {
          StartAt: 'Record failure',
          States: Object.fromEntries(recording.map((name) => [name, processor[name]])),
        },
        substitutions: {},
        input: {
          service: { key: seededServiceKey(0) },
          trigger: 'manual',
          requestedBy: 'test',
          run: 'parent-run-2',
          failure,
        },
        bindings: cloneBindings(w),
        context: {
          Execution: { Id: 'arn:test', Name: 'child', StartTime: '2026-12-01T00:00:00Z' },
        },
      });
    }

    it('records a failure whose Catch result has no Cause', async () => {
      // Arrange
      const w = await createLocalCloneWorld({ services: 1, dynamo: dynalite() });

      // Act
      const run = await recordFailure(w, { Error: 'States.TaskFailed' });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toEqual({
        service: seededServiceKey(0),
        outcome: 'failed',
        error: 'States.TaskFailed',
      });
      const [item] = await failureItems(w, seededServiceKey(0));
      expect(item?.error?.S).toBe('States.TaskFailed');
      expect(item?.cause?.S).toBe('no cause given');
    });

    it('records a Cause that is not JSON verbatim', async () => {
      // Arrange
      const w = await createLocalCloneWorld({ services: 1, dynamo: dynalite() });
      const cause = 'upstream said: {not json';

      // Act
      const run = await recordFailure(w, { Error: 'Lambda.Unknown', Cause: cause });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      const [item] = await failureItems(w, seededServiceKey(0));
      expect(item?.cause?.S).toBe(cause);
    });
  });
});
