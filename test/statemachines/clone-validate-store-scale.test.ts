// clone-validate-store at scale: the parent fans out one clone-batch child execution per page of
// 50 services. End to end (real parent, real children) over two batches; then the parent alone at
// 5,000 services — the real select and refresh steps, each child answered the way the
// startExecution.sync:2 integration answers — within Step Functions' per-execution limits.
import {
  allEvents,
  CLONE_BATCH_STATE_MACHINE_ARN,
  CLONE_FUNCTIONS,
  cloneBindings,
  cloneSubstitutions,
  createLocalCloneWorld,
  runClonePipeline,
  withBatchExecutions,
} from '../../bin/local/clone-pipeline';
import { DynamoDbCloneRunLog } from '../../functions/adapters/aws/dynamodb-clone-run-log';
import {
  executionLimits,
  MAX_HISTORY_EVENTS,
  MAX_PAYLOAD_BYTES,
} from '../../functions/adapters/sandbox/execution-history';
import type { JsonValue } from '../../functions/adapters/sandbox/state-machine-definition';
import {
  runStateMachine,
  type StateMachineBindings,
} from '../../functions/adapters/sandbox/state-machine-runner';
import { parsePipelineSettings } from '../../functions/core/prebake/settings';
import { createCloneRefreshPlanHandler } from '../../functions/handlers/clone-refresh-plan';
import { CLONE_BATCH_SIZE, createCloneSelectHandler } from '../../functions/handlers/clone-select';
import { MemoryInventory } from '../core/prebake/integrity-support';
import { useDynalite } from '../support/dynalite-per-file';
import { MemoryForecastRepository } from '../support/memory-forecast-repository';

jest.setTimeout(120_000);

const dynalite = useDynalite();

describe('State machine: clone-validate-store (scale)', () => {
  describe('Path: more services than one batch', () => {
    it('clones every service once across two child executions and reports them all', async () => {
      // Arrange
      const w = await createLocalCloneWorld({ services: CLONE_BATCH_SIZE + 3, dynamo: dynalite() });

      // Act
      const run = await runClonePipeline(w, { trigger: 'manual' });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({
        stored: CLONE_BATCH_SIZE + 3,
        validated: CLONE_BATCH_SIZE + 3,
        failed: [],
        failedBatches: [],
        planEntries: CLONE_BATCH_SIZE + 3,
      });
      expect(run.batches.map((b) => b.run.output)).toEqual(
        expect.arrayContaining([
          { batch: 0, services: CLONE_BATCH_SIZE },
          { batch: 1, services: 3 },
        ]),
      );
      const keys = allEvents(run).flatMap((e) =>
        e.type === 'StateEntered' && e.state.name === 'Describe source'
          ? [(e.state.input as { service: { key: string } }).service.key]
          : [],
      );
      expect(new Set(keys).size).toBe(CLONE_BATCH_SIZE + 3);
      expect(keys).toHaveLength(CLONE_BATCH_SIZE + 3);
      // The children know their parent (Step Functions links them by this field).
      expect(run.batches[0]?.input.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID).toMatch(
        /:execution:clone-validate-store:/,
      );
      const records = await new DynamoDbCloneRunLog(
        w.dynamo.client,
        w.tables.inventory,
      ).listBatches(String(run.batches[0]?.input.run));
      expect(records.map((r) => r.batch)).toEqual([0, 1]);
    });

    it('reports a child execution that failed as a failed batch and still refreshes the plan', async () => {
      // Arrange: the second batch's select step fails for good (not retried)
      const w = await createLocalCloneWorld({ services: CLONE_BATCH_SIZE + 2, dynamo: dynalite() });
      const bindings = cloneBindings(w);
      const select = bindings.lambdas?.[CLONE_FUNCTIONS.SelectFunctionArn];
      if (!select) throw new Error('select not bound');
      const failing: StateMachineBindings = {
        ...bindings,
        lambdas: {
          ...bindings.lambdas,
          [CLONE_FUNCTIONS.SelectFunctionArn]: (event, context) => {
            if ((event as { batch?: { index: number } }).batch?.index === 1) {
              const error = new Error('settings layer unreadable');
              error.name = 'ConfigurationError';
              throw error;
            }
            return select(event, context);
          },
        },
      };

      // Act
      const run = await runClonePipeline(w, { trigger: 'manual' }, { bindings: failing });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({
        stored: CLONE_BATCH_SIZE,
        failedBatches: [{ batch: 1, error: 'States.TaskFailed' }],
      });
      expect((run.output as { warnings: string[] }).warnings[0]).toMatch(/^batch 1 did not finish/);
      expect(w.reports.at(-1)?.failedBatches).toHaveLength(1);
    });
  });

  describe('Path: 5,000 services in one trigger', () => {
    const SERVICES = 5_000;
    const seeded = () => createLocalCloneWorld({ services: 1, dynamo: dynalite() });

    /** The world's settings with 5,000 protected services. */
    function manyServices(w: Awaited<ReturnType<typeof seeded>>) {
      const [template] = w.settings.services;
      if (!template) throw new Error('no seeded service');
      return parsePipelineSettings({
        ...w.settings,
        services: Array.from({ length: SERVICES }, (_, i) => ({
          ...template,
          service: `svc-${String(i).padStart(4, '0')}`,
          dependsOn: [],
        })),
      });
    }

    it.each([
      ['every protected service', undefined],
      ['an explicit list of all 5,000', 'explicit'],
    ] as const)(
      'stays within the parent limits for %s, one child per 50 services',
      async (_label, mode) => {
        // Arrange
        const w = await seeded();
        const settings = manyServices(w);
        const keys = settings.services.map((s) => `${s.cluster}/${s.service}`);
        const pages: number[] = [];
        const children: Record<string, unknown>[] = [];
        const bindings = withBatchExecutions(
          {
            lambdas: {
              [CLONE_FUNCTIONS.SelectFunctionArn]: createCloneSelectHandler({ settings }),
              [CLONE_FUNCTIONS.RefreshPlanFunctionArn]: createCloneRefreshPlanHandler({
                ...cloneBindingsDeps(w),
                settings,
              }),
            },
          },
          w,
        );
        // Each child: the real select step for its page, then the outcomes it would record.
        const child: StateMachineBindings = {
          ...bindings,
          states: {
            'Clone batch': async (input) => {
              const params = input as { StateMachineArn: string; Input: Record<string, JsonValue> };
              expect(params.StateMachineArn).toBe(CLONE_BATCH_STATE_MACHINE_ARN);
              children.push(params.Input);
              const select = createCloneSelectHandler({ settings });
              const page = (await select({
                request: params.Input.request,
                batch: params.Input.batch,
              })) as unknown as { services: { key: string }[] };
              const index = (params.Input.batch as { index: number }).index;
              pages.push(index);
              await recordBatch(w, String(params.Input.run), index, page.services);
              return {
                Status: 'SUCCEEDED',
                Output: { batch: index, services: page.services.length },
              };
            },
          },
        };

        // Act
        const run = await runStateMachine({
          name: 'clone-validate-store',
          substitutions: cloneSubstitutions(),
          input: { trigger: 'manual', ...(mode ? { services: keys } : {}) },
          bindings: child,
          context: {
            Execution: {
              Id: 'arn:aws:states:eu-central-1:222222222222:execution:clone-validate-store:scale',
              Name: 'scale',
              StartTime: '2026-12-01T00:00:00Z',
            },
          },
        });

        // Assert
        expect(run.status).toBe('SUCCEEDED');
        expect(pages.sort((a, b) => a - b)).toEqual(
          Array.from({ length: SERVICES / CLONE_BATCH_SIZE }, (_, i) => i),
        );
        expect(run.output).toMatchObject({ stored: SERVICES, failed: [], failedBatches: [] });
        const limits = executionLimits(run.events, { syncTasks: ['Clone batch'] });
        expect(limits.historyEvents).toBeLessThan(MAX_HISTORY_EVENTS / 10);
        expect(limits.largestPayloadBytes).toBeLessThan(MAX_PAYLOAD_BYTES);
        for (const input of children) {
          expect(Buffer.byteLength(JSON.stringify(input))).toBeLessThan(MAX_PAYLOAD_BYTES);
        }
      },
    );
  });
});

/**
 * The refresh step's dependencies: the real run log on dynalite; in-memory inventory and
 * forecasts, as 10,000 loopback queries for clones no child made would only slow the test.
 */
function cloneBindingsDeps(w: Awaited<ReturnType<typeof createLocalCloneWorld>>) {
  return {
    inventory: new MemoryInventory(() => w.cloud.clock.now()),
    plans: w.plans,
    forecasts: new MemoryForecastRepository(),
    runs: new DynamoDbCloneRunLog(w.dynamo.client, w.tables.inventory),
    clock: w.cloud.clock,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    metrics: { publish: () => undefined },
  };
}

/** What a child's `Record batch outcomes` state writes, for a batch whose services all stored. */
async function recordBatch(
  w: Awaited<ReturnType<typeof createLocalCloneWorld>>,
  run: string,
  index: number,
  services: readonly { key: string }[],
): Promise<void> {
  const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
  const outcomes = services.map((s) => ({
    service: s.key,
    outcome: 'stored',
    version: 1,
    created: true,
    status: 'validated',
    primaryDesiredCount: 2,
  }));
  await w.dynamo.client.send(
    new PutItemCommand({
      TableName: w.tables.inventory,
      Item: {
        pk: { S: `RUN#${run}` },
        sk: { S: `BATCH#${index}` },
        kind: { S: 'clone-run-batch' },
        outcomes: { S: JSON.stringify(outcomes) },
      },
    }),
  );
}
