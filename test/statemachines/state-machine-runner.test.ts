// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ASL placeholders are written ${Name}, exactly as CDK definitionSubstitutions expects
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createSdkDispatcher,
  SANDBOX_STAGING,
  SandboxCloud,
  SUPPORTED_SDK_INTEGRATIONS,
} from '../../functions/adapters/sandbox';
import {
  installPromiseWithResolvers,
  withResolvers,
} from '../../functions/adapters/sandbox/promise-with-resolvers';
import {
  type AslDefinition,
  loadDefinition,
  placeholdersOf,
  substitutePlaceholders,
  validateDefinition,
} from '../../functions/adapters/sandbox/state-machine-definition';
import {
  PlaceholderError,
  StateMachineDefinitionError,
  UnboundTaskStatesError,
  UntestedFieldsError,
} from '../../functions/adapters/sandbox/state-machine-errors';
import {
  findUnboundTaskStates,
  runStateMachine,
  type StateMachineEvent,
  sdkIntegrationDispatcher,
} from '../../functions/adapters/sandbox/state-machine-runner';
import {
  classifyResource,
  collectTaskStates,
  findUntestedFields,
  functionNameOf,
  walkStates,
} from '../../functions/adapters/sandbox/state-machine-walk';
import { ServiceUnavailableError, ThrottlingError } from '../../functions/core/errors';

const FN_ARN = 'arn:aws:lambda:eu-central-1:222222222222:function:worker';

/** Thrown by a handler; `name` is what Retry/Catch match. */
const named = (name: string, message: string): Error => {
  const error = new Error(message);
  error.name = name;
  return error;
};

/** Parallel (two branches) → Map (ItemProcessor) → Map (Iterator): tasks at every depth. */
const nested: AslDefinition = {
  StartAt: 'Fan out',
  States: {
    'Fan out': {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'Left task',
          States: {
            'Left task': { Type: 'Task', Resource: FN_ARN, End: true },
          },
        },
        {
          StartAt: 'Per item',
          States: {
            'Per item': {
              Type: 'Map',
              ItemsPath: '$.items',
              ItemProcessor: {
                ProcessorConfig: { Mode: 'INLINE' },
                StartAt: 'Inner map',
                States: {
                  'Inner map': {
                    Type: 'Map',
                    ItemsPath: '$.parts',
                    Iterator: {
                      StartAt: 'Deepest task',
                      States: {
                        'Deepest task': {
                          Type: 'Task',
                          Resource: 'arn:aws:states:::aws-sdk:ecs:describeServices',
                          Parameters: { 'Services.$': '$.services' },
                          End: true,
                        },
                      },
                    },
                    End: true,
                  },
                },
              },
              End: true,
            },
          },
        },
      ],
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

const single = (state: Record<string, unknown>): AslDefinition => ({
  StartAt: 'Only',
  States: { Only: { Type: 'Task', End: true, ...state } as AslDefinition['States'][string] },
});

describe('Module: state-machine-definition', () => {
  describe('Method: placeholdersOf', () => {
    it('finds placeholders in values and keys, once each, sorted', () => {
      // Arrange
      const definition = { a: '${Zeta}-${Alpha}', b: [{ '${Key}': '${Alpha}' }], c: 3 };

      // Act
      const names = placeholdersOf(definition);

      // Assert
      expect(names).toEqual(['Alpha', 'Key', 'Zeta']);
    });
  });

  describe('Method: substitutePlaceholders', () => {
    it('replaces every placeholder in nested values and keys and leaves JSONPath alone', () => {
      // Arrange
      const definition = {
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: '${Fn}', 'Payload.$': '$.input', List: ['${Table}/x'] },
        '${Key}': 1,
      };

      // Act
      const result = substitutePlaceholders(
        definition,
        { Fn: 'probe', Table: 'inventory', Key: 'Comment' },
        'test',
      );

      // Assert
      expect(result).toEqual({
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'probe', 'Payload.$': '$.input', List: ['inventory/x'] },
        Comment: 1,
      });
    });

    it('names every placeholder without a substitution', () => {
      // Arrange
      const definition = { a: '${ProbeFunctionArn}', b: '${MetricNamespace}' };

      // Act
      const act = () => substitutePlaceholders(definition, { MetricNamespace: 'x' }, 'test');

      // Assert
      expect(act).toThrow(PlaceholderError);
      expect(act).toThrow(/missing substitution for \$\{ProbeFunctionArn\}/);
    });

    it('names a substitution that matches no placeholder unless unused ones are allowed', () => {
      // Arrange
      const definition = { a: '${Fn}' };
      const substitutions = { Fn: 'probe', FN: 'typo' };

      // Act
      const strict = () => substitutePlaceholders(definition, substitutions, 'test');
      const lenient = substitutePlaceholders(definition, substitutions, 'test', {
        allowUnusedSubstitutions: true,
      });

      // Assert
      expect(strict).toThrow(/substitution FN matches no placeholder/);
      expect(lenient).toEqual({ a: 'probe' });
    });
  });

  describe('Method: loadDefinition', () => {
    it('refuses the health probe with its placeholders unsubstituted, naming each one', () => {
      // Arrange
      // Act
      const act = () => loadDefinition('health-probe', {});

      // Assert
      let thrown: unknown;
      try {
        act();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(PlaceholderError);
      expect((thrown as PlaceholderError).missing).toEqual(['MetricNamespace', 'ProbeFunctionArn']);
    });

    it('reports a file that does not exist or is not JSON', () => {
      // Arrange
      const directory = mkdtempSync(path.join(tmpdir(), 'asl-'));
      writeFileSync(path.join(directory, 'broken.asl.json'), '{ not json');

      try {
        // Act
        const missing = () => loadDefinition('absent', {}, { directory });
        const broken = () => loadDefinition('broken', {}, { directory });

        // Assert
        expect(missing).toThrow(StateMachineDefinitionError);
        expect(missing).toThrow(/cannot read/);
        expect(broken).toThrow(/is not JSON/);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    });
  });

  describe('Method: validateDefinition', () => {
    it('refuses JSONata at the top level or in a single state', () => {
      // Arrange
      const topLevel = {
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: { A: { Type: 'Succeed' } },
      };
      const inState = {
        StartAt: 'A',
        States: { A: { Type: 'Pass', QueryLanguage: 'JSONata', End: true } },
      };

      // Act
      const top = () => validateDefinition(topLevel, 'top');
      const state = () => validateDefinition(inState, 'state');

      // Assert
      expect(top).toThrow(/uses JSONata.*QueryLanguage JSONata at QueryLanguage/);
      expect(state).toThrow(/QueryLanguage JSONata at States\.A\.QueryLanguage/);
    });

    it('lists the asl-validator errors of an invalid definition', () => {
      // Arrange
      const definition = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } };

      // Act
      let thrown: unknown;
      try {
        validateDefinition(definition, 'bad');
      } catch (error) {
        thrown = error;
      }

      // Assert
      expect(thrown).toBeInstanceOf(StateMachineDefinitionError);
      expect((thrown as StateMachineDefinitionError).issues.join('\n')).toMatch(
        /MISSING_TRANSITION_TARGET/,
      );
    });

    it('does not let asl-validator write into the definition it returns', () => {
      // Arrange
      const definition = { StartAt: 'A', States: { A: { Type: 'Succeed' } } };

      // Act
      const validated = validateDefinition(definition, 'clean');

      // Assert
      expect(validated.States.A).toEqual({ Type: 'Succeed' });
    });
  });
});

describe('Module: state-machine-walk', () => {
  describe('Method: walkStates', () => {
    it('visits Parallel branches and Map ItemProcessor/Iterator states with their paths', () => {
      // Arrange
      // Act
      const entries = walkStates(nested).map((entry) => [entry.name, entry.path.join(' > ')]);

      // Assert
      expect(entries).toEqual([
        ['Fan out', ''],
        ['Left task', 'Fan out branch 0'],
        ['Per item', 'Fan out branch 1'],
        ['Inner map', 'Fan out branch 1 > Per item processor'],
        ['Deepest task', 'Fan out branch 1 > Per item processor > Inner map processor'],
        ['Done', ''],
      ]);
    });
  });

  describe('Method: collectTaskStates', () => {
    it('collects every Task state at every depth with its target', () => {
      // Arrange
      // Act
      const tasks = collectTaskStates(nested).map((task) => [task.name, task.target.kind]);

      // Assert
      expect(tasks).toEqual([
        ['Left task', 'lambda-direct'],
        ['Deepest task', 'sdk'],
      ]);
    });
  });

  describe('Method: classifyResource', () => {
    it.each([
      [
        'arn:aws:states:::lambda:invoke',
        { FunctionName: 'probe' },
        { kind: 'lambda-invoke', functionName: 'probe', pattern: 'requestResponse' },
      ],
      [
        'arn:aws:states:::lambda:invoke.waitForTaskToken',
        { FunctionName: 'probe' },
        { kind: 'lambda-invoke', functionName: 'probe', pattern: 'waitForTaskToken' },
      ],
      [
        'arn:aws:states:::lambda:invoke',
        { 'FunctionName.$': '$.fn' },
        { kind: 'lambda-invoke', pattern: 'requestResponse' },
      ],
      [FN_ARN, undefined, { kind: 'lambda-direct', functionName: FN_ARN }],
      [
        'arn:aws:states:::aws-sdk:cloudwatch:putMetricData',
        {},
        {
          kind: 'sdk',
          service: 'cloudwatch',
          action: 'putMetricData',
          pattern: 'requestResponse',
          awsSdk: true,
        },
      ],
      [
        'arn:aws:states:::dynamodb:putItem',
        {},
        {
          kind: 'sdk',
          service: 'dynamodb',
          action: 'putItem',
          pattern: 'requestResponse',
          awsSdk: false,
        },
      ],
      [
        'arn:aws:states:::states:startExecution.sync:2',
        {},
        {
          kind: 'sdk',
          service: 'states',
          action: 'startExecution',
          pattern: 'sync:2',
          awsSdk: false,
        },
      ],
      [
        'arn:aws:states:eu-west-1:111111111111:activity:approve',
        {},
        { kind: 'activity', arn: 'arn:aws:states:eu-west-1:111111111111:activity:approve' },
      ],
      ['https://example.invalid/hook', {}, { kind: 'unknown' }],
    ])('classifies %s', (resource, parameters, expected) => {
      // Arrange
      // Act
      const target = classifyResource(resource, parameters);

      // Assert
      expect(target).toEqual(expected);
    });
  });

  describe('Method: functionNameOf', () => {
    it.each([
      ['worker', 'worker'],
      ['worker:live', 'worker'],
      [FN_ARN, 'worker'],
      [`${FN_ARN}:7`, 'worker'],
      ['222222222222:function:worker', 'worker'],
    ])('reads the function name of %s', (input, expected) => {
      // Arrange
      // Act
      const name = functionNameOf(input);

      // Assert
      expect(name).toBe(expected);
    });
  });

  describe('Method: findUntestedFields', () => {
    it('finds ignored fields at any depth, Path variants under their base name', () => {
      // Arrange
      const definition: AslDefinition = {
        StartAt: 'Fan out',
        States: {
          'Fan out': {
            Type: 'Parallel',
            Branches: [
              {
                StartAt: 'Cross account',
                States: {
                  'Cross account': {
                    Type: 'Task',
                    Resource: 'arn:aws:states:::aws-sdk:ecs:listClusters',
                    Credentials: { RoleArn: 'arn:aws:iam::111111111111:role/read' },
                    End: true,
                  },
                },
              },
            ],
            Next: 'Distributed',
          },
          Distributed: {
            Type: 'Map',
            ItemReader: { Resource: 'arn:aws:states:::s3:getObject', Parameters: {} },
            ToleratedFailurePercentagePath: '$.tolerance',
            ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
            End: true,
          },
        },
      };

      // Act
      const uses = findUntestedFields(definition);

      // Assert
      expect(uses).toEqual([
        { field: 'Credentials', state: 'Cross account' },
        { field: 'ItemReader', state: 'Distributed' },
        { field: 'ToleratedFailurePercentage', state: 'Distributed' },
      ]);
    });
  });
});

describe('Function: runStateMachine', () => {
  describe('Method: binding checks', () => {
    it('fails before the execution starts when a Task state is unbound, and runs no handler', async () => {
      // Arrange
      const leftTask = jest.fn(async () => ({ ok: true }));

      // Act
      const run = runStateMachine({
        definition: nested,
        input: { items: [] },
        bindings: { lambdas: { worker: leftTask } },
      });

      // Assert
      await expect(run).rejects.toThrow(UnboundTaskStatesError);
      await expect(run).rejects.toThrow(
        /Deepest task \(arn:aws:states:::aws-sdk:ecs:describeServices/,
      );
      expect(leftTask).not.toHaveBeenCalled();
    });

    it('lists each unbound state with the reason', () => {
      // Arrange
      const definition: AslDefinition = {
        StartAt: 'Dynamic',
        States: {
          Dynamic: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { 'FunctionName.$': '$.fn', 'Payload.$': '$' },
            Next: 'Callback',
          },
          Callback: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
            Parameters: { QueueUrl: 'q', 'MessageBody.$': '$$.Task.Token' },
            Next: 'Missing',
          },
          Missing: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: 'nobody', 'Payload.$': '$' },
            End: true,
          },
        },
      };

      // Act
      const unbound = findUnboundTaskStates(definition, { sdk: sdkIntegrationDispatcher({}) });

      // Assert
      expect(unbound.map((task) => [task.state, task.reason])).toEqual([
        ['Dynamic', 'FunctionName is chosen at runtime; bind the state by name'],
        ['Callback', '.waitForTaskToken needs a per-state binding'],
        ['Missing', 'no Lambda handler bound for nobody'],
      ]);
    });

    it('runs a state bound by name when nothing else can run it', async () => {
      // Arrange
      const definition = single({
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { 'FunctionName.$': '$.fn', 'Payload.$': '$' },
      });

      // Act
      const run = await runStateMachine({
        definition,
        input: { fn: 'chosen-later' },
        bindings: { states: { Only: async (input) => ({ echoed: input }) } },
      });

      // Assert
      expect(run.output).toEqual({
        echoed: { FunctionName: 'chosen-later', Payload: { fn: 'chosen-later' } },
      });
    });

    it('counts an SDK task as unbound when the dispatcher does not implement its action', () => {
      // Arrange: a dispatcher exists, but it runs only putMetricData.
      const definition: AslDefinition = {
        StartAt: 'Publish',
        States: {
          Publish: {
            Type: 'Task',
            Resource: 'arn:aws:states:::aws-sdk:cloudwatch:putMetricData',
            Parameters: { Namespace: 'n', MetricData: [] },
            Next: 'Record',
          },
          Record: {
            Type: 'Task',
            Resource: 'arn:aws:states:::dynamodb:putItem',
            Parameters: { TableName: 't', Item: {} },
            End: true,
          },
        },
      };
      const sdk = sdkIntegrationDispatcher({ 'cloudwatch:putMetricData': async () => ({}) });

      // Act
      const unbound = findUnboundTaskStates(definition, { sdk });

      // Assert
      expect(unbound).toEqual([
        {
          state: 'Record',
          resource: 'arn:aws:states:::dynamodb:putItem',
          reason: 'the SDK dispatcher does not implement dynamodb:putItem',
        },
      ]);
      expect([...sdk.implements]).toEqual(['cloudwatch:putMetricData']);
    });
  });

  describe('Method: untested fields', () => {
    const withItemReader: AslDefinition = {
      StartAt: 'Distributed',
      States: {
        Distributed: {
          Type: 'Map',
          ItemReader: {
            Resource: 'arn:aws:states:::s3:listObjectsV2',
            Parameters: { Bucket: 'b' },
          },
          ItemsPath: '$.items',
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    };
    const withCredentials = single({
      Resource: 'arn:aws:states:::aws-sdk:ecs:listClusters',
      Credentials: { RoleArn: 'arn:aws:iam::111111111111:role/read' },
      Parameters: {},
    });

    it('refuses ItemReader and Credentials unless named in knowinglyUntested', async () => {
      // Arrange
      const sdk = Object.assign(
        jest.fn(async () => ({ ClusterArns: [] })),
        { implements: new Set(['ecs:listClusters']) },
      );

      // Act
      const reader = runStateMachine({
        definition: withItemReader,
        input: { items: [] },
        bindings: {},
      });
      const credentials = runStateMachine({ definition: withCredentials, bindings: { sdk } });

      // Assert
      await expect(reader).rejects.toThrow(UntestedFieldsError);
      await expect(reader).rejects.toThrow(/ItemReader in Distributed/);
      await expect(credentials).rejects.toThrow(/Credentials in Only/);
      expect(sdk).not.toHaveBeenCalled();
    });

    it('runs them when the caller names them in knowinglyUntested', async () => {
      // Arrange
      const sdk = Object.assign(
        jest.fn(async () => ({ ClusterArns: [] })),
        { implements: new Set(['ecs:listClusters']) },
      );

      // Act
      const reader = await runStateMachine({
        definition: withItemReader,
        input: { items: [1, 2] },
        bindings: {},
        knowinglyUntested: ['ItemReader'],
      });
      const credentials = await runStateMachine({
        definition: withCredentials,
        bindings: { sdk },
        knowinglyUntested: ['Credentials'],
      });

      // Assert
      expect(reader.output).toEqual([1, 2]);
      expect(credentials.output).toEqual({ ClusterArns: [] });
      expect(sdk).toHaveBeenCalledWith(
        'ecs',
        'listClusters',
        {},
        {
          stateName: 'Only',
          pattern: 'requestResponse',
          awsSdk: true,
        },
      );
    });
  });

  describe('Method: Lambda bindings', () => {
    it('wraps a lambda:invoke result as the Invoke API returns it', async () => {
      // Arrange
      const handler = jest.fn(async (event: { n: number }) => ({ doubled: event.n * 2 }));
      const definition = single({
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: '${Fn}', 'Payload.$': '$' },
      });

      // Act
      const run = await runStateMachine({
        definition,
        substitutions: { Fn: `${FN_ARN}:live` },
        input: { n: 21 },
        bindings: { lambdas: { worker: handler } },
      });

      // Assert
      expect(run.output).toEqual({
        ExecutedVersion: '$LATEST',
        Payload: { doubled: 42 },
        StatusCode: 200,
      });
      expect(handler).toHaveBeenCalledWith(
        { n: 21 },
        expect.objectContaining({ functionName: 'worker', invokedFunctionArn: `${FN_ARN}:live` }),
      );
    });

    it('returns a function-ARN Resource result unwrapped, after a JSON round trip', async () => {
      // Arrange
      const definition = single({ Resource: FN_ARN });

      // Act
      const run = await runStateMachine({
        definition,
        input: { at: 1 },
        bindings: { lambdas: { [FN_ARN]: async () => ({ when: new Date(0), gone: undefined }) } },
      });

      // Assert
      expect(run.output).toEqual({ when: '1970-01-01T00:00:00.000Z' });
    });
  });

  describe('Method: sandbox SDK dispatcher', () => {
    it('runs aws-sdk tasks on the sandbox cloud and lets its error names reach Catch', async () => {
      // Arrange
      const cloud = new SandboxCloud({ seed: 3 });
      cloud.createCluster(SANDBOX_STAGING, 'shop');
      const describe = (cluster: string, next: Record<string, unknown>) => ({
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:ecs:describeServices',
        Parameters: { Cluster: cluster, Services: ['web'] },
        ...next,
      });
      const definition = {
        StartAt: 'Known cluster',
        States: {
          'Known cluster': describe('shop', { ResultPath: '$.known', Next: 'Unknown cluster' }),
          'Unknown cluster': describe('gone', {
            Catch: [
              {
                ErrorEquals: ['Ecs.ClusterNotFoundException'],
                ResultPath: '$.error',
                Next: 'Done',
              },
            ],
            End: true,
          }),
          Done: { Type: 'Succeed' },
        },
      };

      // Act
      const run = await runStateMachine({
        definition,
        bindings: { sdk: createSdkDispatcher(cloud, SANDBOX_STAGING) },
      });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({
        known: { Services: [], Failures: [{ Reason: 'MISSING' }] },
        error: { Error: 'Ecs.ClusterNotFoundException' },
      });
    });

    it('declares exactly the integrations it implements', () => {
      // Act
      const sdk = createSdkDispatcher(new SandboxCloud({ seed: 3 }), SANDBOX_STAGING);

      // Assert
      expect([...sdk.implements].sort()).toEqual([...SUPPORTED_SDK_INTEGRATIONS].sort());
    });
  });

  describe('Method: errors', () => {
    const definition: AslDefinition = {
      StartAt: 'Only',
      States: {
        Only: {
          Type: 'Task',
          Resource: FN_ARN,
          Retry: [
            {
              ErrorEquals: ['ThrottlingError'],
              IntervalSeconds: 30,
              MaxAttempts: 2,
              BackoffRate: 2,
              JitterStrategy: 'FULL',
            },
          ],
          Catch: [
            { ErrorEquals: ['ServiceUnavailableError'], ResultPath: '$.failure', Next: 'Caught' },
          ],
          Next: 'Done',
        },
        Caught: { Type: 'Pass', End: true },
        Done: { Type: 'Succeed' },
      },
    };

    it('matches Retry on the thrown error name and Catch with Cause = message', async () => {
      // Arrange
      const errors = [
        new ThrottlingError('ecs:ListClusters'),
        new ServiceUnavailableError('ecs:ListClusters', 'region unreachable', {
          cause: new Error('socket hang up'),
        }),
      ];
      const handler = jest.fn(async () => {
        throw errors.shift();
      });

      // Act
      const run = await runStateMachine({
        definition,
        input: {},
        bindings: { lambdas: { worker: handler } },
      });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toEqual({
        failure: {
          Error: 'ServiceUnavailableError',
          Cause: 'ecs:ListClusters failed: region unreachable',
        },
      });
      expect(handler).toHaveBeenCalledTimes(2);
      expect(run.events.filter((event) => event.type === 'StateRetried')).toHaveLength(1);
    });

    it('fails the execution with the error name and message when nothing catches it', async () => {
      // Arrange
      const handler = async () => {
        throw named('ConflictError', 'lease moved to epoch 8');
      };

      // Act
      const run = await runStateMachine({ definition, bindings: { lambdas: { worker: handler } } });

      // Assert
      expect(run).toMatchObject({
        status: 'FAILED',
        error: 'ConflictError',
        cause: 'lease moved to epoch 8',
      });
      expect(run.output).toBeUndefined();
    });

    it('names a thrown non-Error value Error', async () => {
      // Arrange
      const handler = async () => {
        throw 'plain string';
      };

      // Act
      const run = await runStateMachine({ definition, bindings: { lambdas: { worker: handler } } });

      // Assert
      expect(run).toMatchObject({ status: 'FAILED', error: 'Error', cause: 'plain string' });
    });

    it('reports a Fail state error and cause', async () => {
      // Arrange
      const failing = {
        StartAt: 'Stop',
        States: { Stop: { Type: 'Fail', Error: 'LeaseHeld', Cause: 'primary holds epoch 3' } },
      };

      // Act
      const run = await runStateMachine({ definition: failing, bindings: {} });

      // Assert
      expect(run).toMatchObject({
        status: 'FAILED',
        error: 'LeaseHeld',
        cause: 'primary holds epoch 3',
      });
    });
  });

  describe('Method: time', () => {
    it('shortens Wait states and retry intervals, nested ones included', async () => {
      // Arrange
      let calls = 0;
      const definition: AslDefinition = {
        StartAt: 'Long wait',
        States: {
          'Long wait': { Type: 'Wait', Seconds: 3600, Next: 'Each' },
          Each: {
            Type: 'Map',
            ItemsPath: '$.items',
            ItemProcessor: {
              StartAt: 'Inner wait',
              States: {
                'Inner wait': { Type: 'Wait', Seconds: 900, Next: 'Flaky' },
                Flaky: {
                  Type: 'Task',
                  Resource: FN_ARN,
                  Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 600, MaxAttempts: 1 }],
                  End: true,
                },
              },
            },
            End: true,
          },
        },
      };
      const handler = async (item: number) => {
        calls += 1;
        if (calls === 1) throw named('ServiceUnavailableError', 'blip');
        return item * 10;
      };

      // Act
      const run = await runStateMachine({
        definition,
        input: { items: [1] },
        bindings: { lambdas: { worker: handler } },
        waitScale: 0,
      });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toEqual([10]);
      const retried = run.events.find(
        (event): event is Extract<StateMachineEvent, { type: 'StateRetried' }> =>
          event.type === 'StateRetried',
      );
      expect(retried?.state.name).toBe('Flaky');
      expect(retried?.index).toBe(0);
    });
  });

  describe('Method: abort', () => {
    it('ends ABORTED when the signal fires', async () => {
      // Arrange
      const controller = new AbortController();
      const definition = single({ Resource: FN_ARN });
      // The handler settles after the abort so the library's task timer is cleared.
      const handler = () => {
        controller.abort();
        return new Promise((resolve) => setImmediate(() => resolve({})));
      };

      // Act
      const run = await runStateMachine({
        definition,
        bindings: { lambdas: { worker: handler } },
        signal: controller.signal,
      });

      // Assert
      expect(run.status).toBe('ABORTED');
    });
  });

  describe('Method: timeout', () => {
    it('ends TIMED_OUT when the execution outlives TimeoutSeconds', async () => {
      // Arrange
      const definition = { ...single({ Resource: FN_ARN }), TimeoutSeconds: 1 };
      const handler = () => new Promise((resolve) => setTimeout(() => resolve({}), 1_200));

      // Act
      const run = await runStateMachine({ definition, bindings: { lambdas: { worker: handler } } });

      // Assert
      expect(run).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
      expect(run.events.map((event) => event.type)).toContain('ExecutionTimeout');
    });
  });

  describe('Method: input', () => {
    it('refuses both or neither of name and definition', async () => {
      // Arrange
      // Act
      const both = runStateMachine({ name: 'health-probe', definition: nested, bindings: {} });
      const neither = runStateMachine({ bindings: {} });

      // Assert
      await expect(both).rejects.toThrow(/exactly one of name and definition/);
      await expect(neither).rejects.toThrow(/exactly one of name and definition/);
    });
  });
});

describe('Module: promise-with-resolvers', () => {
  describe('Method: withResolvers', () => {
    it('returns a promise settled by the returned functions', async () => {
      // Arrange
      const { promise, resolve } = withResolvers<number>();

      // Act
      resolve(7);

      // Assert
      await expect(promise).resolves.toBe(7);
    });
  });

  describe('Method: installPromiseWithResolvers', () => {
    it('installs nothing when Promise.withResolvers already exists', () => {
      // Arrange
      const before = (Promise as unknown as { withResolvers?: unknown }).withResolvers;

      // Act
      const installed = installPromiseWithResolvers();

      // Assert
      expect(installed).toBe(false);
      expect((Promise as unknown as { withResolvers?: unknown }).withResolvers).toBe(before);
      expect(typeof before).toBe('function');
    });
  });
});
