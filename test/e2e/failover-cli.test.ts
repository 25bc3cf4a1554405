/**
 * `understudy failover` end to end: the real CLI process against a moto server holding the
 * failover table (DynamoDB), the quorum alarm (CloudWatch), the approval topic (SNS) and a
 * waiting execution (Step Functions). The approval request is stored by the real
 * failover-request-approval handler, as the workflow's `waitForTaskToken` step would.
 */
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDbApprovalStore } from '../../functions/adapters/aws/dynamodb-approval-store';
import { SnsApprovalNotifier } from '../../functions/adapters/aws/sns-approval-notifier';
import { createTableInput } from '../../functions/adapters/sandbox/dynalite';
import { createFailoverRequestApprovalHandler } from '../../functions/handlers/failover-request-approval';
import { systemClock } from '../../functions/shared/clock';
import { FAILOVER_TABLE } from '../../functions/shared/tables';
import { runCliProcess } from '../support/cli-process';
import { type MotoServer, startMoto } from '../support/moto-server';

jest.setTimeout(180_000);

const REGION = 'us-east-1';
const ALARM = 'understudy-quorum';
let moto: MotoServer;
let dynamo: DynamoDBClient;
let cloudwatch: CloudWatchClient;
let table: string;
let stateMachineArn: string;
let counter = 0;

const cli = (args: readonly string[]) =>
  runCliProcess([...args, '--endpoint', moto.endpoint, '--region', REGION, '--table', table], {
    unsetEnv: ['UNDERSTUDY_FAILOVER_TABLE', 'AWS_REGION', 'UNDERSTUDY_HEALTH_REGION'],
  });

async function setQuorum(state: 'ALARM' | 'OK'): Promise<void> {
  await cloudwatch.send(
    new SetAlarmStateCommand({
      AlarmName: ALARM,
      StateValue: state,
      StateReason: `test: ${state}`,
    }),
  );
}

/** Starts an execution and stores its approval request through the real handler. */
async function waitingExecution(): Promise<{ name: string; arn: string }> {
  counter += 1;
  const name = `alarm-20261202T0100${String(counter).padStart(2, '0')}Z-abcdef012345`;
  const sfn = new SFNClient(moto.clientConfig);
  const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: '{}' }));
  sfn.destroy();
  const sns = new SNSClient(moto.clientConfig);
  const topic = await sns.send(new CreateTopicCommand({ Name: 'approvals' }));
  const handler = createFailoverRequestApprovalHandler({
    store: new DynamoDbApprovalStore(dynamo, table),
    notifier: new SnsApprovalNotifier(sns, topic.TopicArn as string),
    clock: systemClock,
    alarmRegion: REGION,
  });
  await handler({
    taskToken: `token-${name}`,
    executionArn: started.executionArn,
    executionName: name,
    alarm: { name: ALARM, stateChangeTime: '2026-12-02T01:00:00.000Z' },
    planSummary: {
      planId: 'plan-1',
      generatedAt: '2026-12-02T00:00:00.000Z',
      services: 3,
      tasks: 9,
      waves: [{ wave: 0, services: 3 }],
      warnings: [],
    },
    timeoutSeconds: 3600,
  });
  return { name, arn: started.executionArn as string };
}

beforeAll(async () => {
  moto = await startMoto(REGION);
  dynamo = new DynamoDBClient(moto.clientConfig);
  cloudwatch = new CloudWatchClient(moto.clientConfig);
  table = 'understudy-Failover-e2e';
  await dynamo.send(new CreateTableCommand(createTableInput(FAILOVER_TABLE, table)));
  await cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: ALARM,
      Namespace: 'Understudy/Health',
      MetricName: 'AuthorityHeartbeat',
      Statistic: 'Minimum',
      Period: 60,
      EvaluationPeriods: 3,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
    }),
  );
  const sfn = new SFNClient(moto.clientConfig);
  const machine = await sfn.send(
    new CreateStateMachineCommand({
      name: 'UnderstudyFailover',
      roleArn: 'arn:aws:iam::123456789012:role/failover',
      definition: JSON.stringify({
        StartAt: 'Wait',
        States: { Wait: { Type: 'Pass', End: true } },
      }),
    }),
  );
  sfn.destroy();
  stateMachineArn = machine.stateMachineArn as string;
});

afterAll(async () => {
  dynamo?.destroy();
  cloudwatch?.destroy();
  await moto?.stop();
});

describe('Command: understudy failover', () => {
  describe('Method: approve', () => {
    it('approves a waiting execution while the quorum is in ALARM, and re-sends on a retry', async () => {
      // Arrange
      await setQuorum('ALARM');
      const { name } = await waitingExecution();

      // Act
      const run = await cli([
        'failover',
        'approve',
        '--execution',
        name,
        '--reason',
        'region down',
        '--actor',
        'ops@example.com',
        '--format',
        'json',
      ]);
      const again = await cli([
        'failover',
        'approve',
        '--execution',
        name,
        '--actor',
        'ops@example.com',
        '--format',
        'json',
      ]);
      const declineAfter = await cli([
        'failover',
        'decline',
        '--execution',
        name,
        '--reason',
        'too late',
      ]);

      // Assert
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        executionName: name,
        decision: 'approved',
        actor: 'ops@example.com',
        reason: 'region down',
        resumed: false,
      });
      expect(JSON.parse(again.stdout)).toMatchObject({ decision: 'approved', resumed: true });
      expect(declineAfter.code).toBe(3);
      expect(declineAfter.stderr).toMatch(
        /^understudy: execution .+ was already approved by ops@example.com at /,
      );
      expect(await new DynamoDbApprovalStore(dynamo, table).get(name)).toMatchObject({
        status: 'approved',
      });
    });

    it('refuses an approval once the quorum has cleared (exit 3), and still accepts a decline', async () => {
      // Arrange
      await setQuorum('ALARM');
      const { name } = await waitingExecution();
      await setQuorum('OK');

      // Act
      const approve = await cli(['failover', 'approve', '--execution', name, '--actor', 'ops']);
      const decline = await cli([
        'failover',
        'decline',
        '--execution',
        name,
        '--actor',
        'ops',
        '--reason',
        'authority is back',
      ]);

      // Assert
      expect(approve.code).toBe(3);
      expect(approve.stderr).toMatch(
        /^understudy: approval refused: the detection quorum understudy-quorum is OK since /,
      );
      expect(decline.code).toBe(0);
      expect(decline.stdout).toMatch(new RegExp(`^${name}: declined by ops at `));
    });

    it('exits 2 for an unknown execution and for a decline without a reason', async () => {
      // Act
      const unknown = await cli(['failover', 'approve', '--execution', 'alarm-nothing-here']);
      const noReason = await cli(['failover', 'decline', '--execution', 'alarm-nothing-here']);

      // Assert
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toBe(
        'understudy: approval request of execution not found: alarm-nothing-here\n',
      );
      expect(noReason.code).toBe(2);
      expect(noReason.stderr).toMatch(/^understudy: decline needs --reason/);
    });
  });

  describe('Method: status and list', () => {
    it('shows the execution with its approval, and lists it', async () => {
      // Arrange
      await setQuorum('ALARM');
      const { name, arn } = await waitingExecution();

      // Act
      const status = await cli(['failover', 'status', '--execution', arn, '--format', 'json']);
      const list = await cli([
        'failover',
        'list',
        '--state-machine',
        stateMachineArn,
        '--format',
        'json',
      ]);

      // Assert
      expect(status.code).toBe(0);
      const shown = JSON.parse(status.stdout);
      expect(shown).toMatchObject({
        executionName: name,
        executionArn: arn,
        approval: { status: 'pending', alarmName: ALARM },
      });
      expect(shown.approval.taskToken).toBeUndefined();
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ executionName: name, approval: 'pending' }),
        ]),
      );
    });
  });
});
