// The AWS side of drills, call by call with aws-sdk-client-mock: the `drill --aws` follow loop
// (GetExecutionHistory + DescribeExecution), the ARN guard, and the drill platform adapter
// (ListServices filtered to ACTIVE, DeleteService force).
import {
  DeleteServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  checkDrillStateMachineArn,
  type DrillProgressLine,
  followExecution,
  summaryLines,
} from '../../bin/commands/drill-aws';
import { AwsDrillPlatform } from '../../functions/adapters/aws/drill-platform';
import { ValidationError } from '../../functions/core/errors';

const sfn = mockClient(SFNClient);
const ecs = mockClient(ECSClient);
const EXECUTION = 'arn:aws:states:eu-central-1:222222222222:execution:Workflow193EF7C1-Ab12:d-1';

afterEach(() => {
  sfn.reset();
  ecs.reset();
});

const entered = (name: string, id: number) => ({
  id,
  type: 'TaskStateEntered' as const,
  timestamp: new Date(Date.UTC(2026, 11, 2, 4, 0, id)),
  stateEnteredEventDetails: { name },
});

describe('Function: followExecution', () => {
  it('reports each state once, across polls and history pages, and returns the final output', async () => {
    // Arrange
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: [entered('Init', 1)] })
      .resolvesOnce({ events: [entered('Init', 1)], nextToken: 't1' })
      .resolvesOnce({ events: [entered('Prepare drill services', 2), entered('Teardown', 3)] })
      .resolves({ events: [entered('Init', 1), entered('Prepare drill services', 2)] });
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING' })
      .resolves({
        status: 'SUCCEEDED',
        output: JSON.stringify({ drill: { drillName: 'd-1', outcome: 'succeeded' } }),
      });
    const lines: DrillProgressLine[] = [];
    const sleeps: number[] = [];

    // Act
    const result = await followExecution(new SFNClient({ region: 'eu-central-1' }), EXECUTION, {
      pollMs: 5000,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      onProgress: (line) => lines.push(line),
    });

    // Assert
    expect(lines.map((l) => l.text)).toEqual([
      'entered Init',
      'entered Prepare drill services',
      'entered Teardown',
    ]);
    expect(sleeps).toEqual([5000]);
    expect(result).toEqual({
      status: 'SUCCEEDED',
      output: { drill: { drillName: 'd-1', outcome: 'succeeded' } },
    });
    expect(sfn).toHaveReceivedCommandWith(GetExecutionHistoryCommand, {
      executionArn: EXECUTION,
      nextToken: 't1',
      reverseOrder: false,
    });
  });

  it('returns the error and cause of a failed drill', async () => {
    // Arrange
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    sfn
      .on(DescribeExecutionCommand)
      .resolves({ status: 'FAILED', error: 'DrillAborted', cause: 'a real failover took it' });

    // Act
    const result = await followExecution(new SFNClient({ region: 'eu-central-1' }), EXECUTION, {
      pollMs: 1,
      sleep: async () => {},
      onProgress: () => {},
    });

    // Assert
    expect(result).toEqual({
      status: 'FAILED',
      error: 'DrillAborted',
      cause: 'a real failover took it',
    });
    expect(summaryLines(result)[0]).toBe('drill FAILED: DrillAborted');
  });
});

describe('Function: checkDrillStateMachineArn', () => {
  it('accepts the drill wrapper’s generated name', () => {
    // Act
    const checked = checkDrillStateMachineArn(
      'arn:aws:states:eu-central-1:222222222222:stateMachine:Workflow193EF7C1-AbCdEf012345',
    );
    // Assert
    expect(checked).toEqual({ region: 'eu-central-1', name: 'Workflow193EF7C1-AbCdEf012345' });
  });

  it.each([
    ['the production failover', 'WorkflowABC-x', 'FailoverWorkflow2D5E11C4-AbCdEf012345'],
    ['the drill’s own failover child', '', 'DrillFailoverWorkflowC2DC5C20-AbCdEf012345'],
  ])('refuses %s', (_what, _unused, name) => {
    // Act / Assert
    expect(() =>
      checkDrillStateMachineArn(`arn:aws:states:eu-central-1:222222222222:stateMachine:${name}`),
    ).toThrow(ValidationError);
  });

  it('refuses something that is not a state machine ARN', () => {
    // Act / Assert
    expect(() => checkDrillStateMachineArn('arn:aws:lambda:eu-central-1:1:function:x')).toThrow(
      /not a state machine ARN/,
    );
  });
});

describe('Class: AwsDrillPlatform', () => {
  const platform = () => new AwsDrillPlatform(new ECSClient({ region: 'eu-central-1' }));

  describe('Method: listServices', () => {
    it('lists one page and keeps only ACTIVE services (DeleteService leaves DRAINING ones)', async () => {
      // Arrange
      ecs.on(ListServicesCommand).resolves({
        serviceArns: ['arn:s/a', 'arn:s/b'],
        nextToken: 'n1',
      });
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          { serviceName: 'b', status: 'DRAINING' },
          { serviceName: 'a', status: 'ACTIVE' },
        ],
      });
      // Act
      const page = await platform().listServices('understudy-drill');
      // Assert
      expect(page).toEqual({ serviceNames: ['a'], nextCursor: 'n1' });
      expect(ecs).toHaveReceivedCommandWith(ListServicesCommand, {
        cluster: 'understudy-drill',
        maxResults: 100,
      });
    });
  });

  describe('Method: deleteService', () => {
    it('deletes with force', async () => {
      // Arrange
      ecs.on(DeleteServiceCommand).resolves({});
      // Act
      await platform().deleteService('understudy-drill', 'a');
      // Assert
      expect(ecs).toHaveReceivedCommandWith(DeleteServiceCommand, {
        cluster: 'understudy-drill',
        service: 'a',
        force: true,
      });
    });
  });
});
