/**
 * `understudy handback` end to end: the real CLI process against a moto server holding the lease
 * and failover tables (DynamoDB), the quorum alarm (CloudWatch) and the handback state machine
 * (Step Functions).
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
import { DynamoDbAuthorityLease } from '../../functions/adapters/aws/dynamodb-authority-lease';
import { SnsApprovalNotifier } from '../../functions/adapters/aws/sns-approval-notifier';
import { createTableInput } from '../../functions/adapters/sandbox/dynalite';
import { createFailoverRequestApprovalHandler } from '../../functions/handlers/failover-request-approval';
import { systemClock } from '../../functions/shared/clock';
import { FAILOVER_TABLE, LEASE_TABLE } from '../../functions/shared/tables';
import { runCliProcess } from '../support/cli-process';
import { type MotoServer, startMoto } from '../support/moto-server';

jest.setTimeout(180_000);

const REGION = 'us-east-1';
const ALARM = 'understudy-quorum';
let moto: MotoServer;
let dynamo: DynamoDBClient;
let cloudwatch: CloudWatchClient;
let stateMachineArn: string;
let tableCounter = 0;

const cli = (args: readonly string[]) =>
  runCliProcess([...args, '--endpoint', moto.endpoint, '--region', REGION], {
    unsetEnv: [
      'UNDERSTUDY_FAILOVER_TABLE',
      'UNDERSTUDY_LEASE_TABLE',
      'UNDERSTUDY_HANDBACK_STATE_MACHINE',
      'AWS_REGION',
      'UNDERSTUDY_HEALTH_REGION',
    ],
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

/** A fresh lease table; `shadow`: the shadow holds it at epoch 2. */
async function leaseTable(shadow: boolean): Promise<string> {
  tableCounter += 1;
  const name = `understudy-Lease-e2e-${tableCounter}`;
  await dynamo.send(new CreateTableCommand(createTableInput(LEASE_TABLE, name)));
  if (shadow) await new DynamoDbAuthorityLease(dynamo, name).transfer('shadow', 1, 'failover f-1');
  return name;
}

const startArgs = (lease: string) => [
  'handback',
  'start',
  '--alarm-name',
  ALARM,
  '--state-machine',
  stateMachineArn,
  '--lease-table',
  lease,
  '--actor',
  'alice',
  '--format',
  'json',
];

const FAILOVER_TABLE_NAME = 'understudy-Failover-e2e';
let approvalCounter = 0;

/** Starts an execution and stores its approval request through the real approval handler. */
async function waitingHandback(): Promise<string> {
  approvalCounter += 1;
  const name = `handback-e2-20261202T04000${approvalCounter}Z`;
  const sfn = new SFNClient(moto.clientConfig);
  const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: '{}' }));
  sfn.destroy();
  const sns = new SNSClient(moto.clientConfig);
  const topic = await sns.send(new CreateTopicCommand({ Name: 'approvals' }));
  await createFailoverRequestApprovalHandler({
    store: new DynamoDbApprovalStore(dynamo, FAILOVER_TABLE_NAME),
    notifier: new SnsApprovalNotifier(sns, topic.TopicArn as string),
    clock: systemClock,
    alarmRegion: REGION,
  })({
    taskToken: `token-${name}`,
    executionArn: started.executionArn,
    executionName: name,
    alarm: { name: ALARM, stateChangeTime: '2026-12-02T04:00:00.000Z' },
    planSummary: {
      planId: 'handback-of-f-1',
      generatedAt: '2026-12-02T04:00:00.000Z',
      services: 3,
      tasks: 6,
      waves: [],
      warnings: [],
    },
    timeoutSeconds: 3600,
  });
  sns.destroy();
  return name;
}

beforeAll(async () => {
  moto = await startMoto(REGION);
  dynamo = new DynamoDBClient(moto.clientConfig);
  cloudwatch = new CloudWatchClient(moto.clientConfig);
  await dynamo.send(new CreateTableCommand(createTableInput(FAILOVER_TABLE, FAILOVER_TABLE_NAME)));
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
      name: 'UnderstudyHandback',
      roleArn: 'arn:aws:iam::123456789012:role/handback',
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

describe('Command: understudy handback', () => {
  describe('Method: start', () => {
    it('starts a handback while the shadow holds the lease and the quorum is OK, under the same name when repeated', async () => {
      // Arrange
      await setQuorum('OK');
      const lease = await leaseTable(true);

      // Act
      const first = await cli(startArgs(lease));
      const second = await cli(startArgs(lease));

      // Assert
      expect(first.code).toBe(0);
      const started = JSON.parse(first.stdout) as { outcome: string; executionName: string };
      expect(started).toMatchObject({ outcome: 'started', epoch: 2 });
      expect(started.executionName).toMatch(/^handback-e2-\d{8}T\d{6}Z-manual-\d{8}T\d{4}$/);
      expect(second.code).toBe(0);
      // Same name: Step Functions refuses a used name (ExecutionAlreadyExists → already-started);
      // moto starts it again, so only the name is asserted here (the collapse is unit-tested).
      expect(JSON.parse(second.stdout)).toMatchObject({ executionName: started.executionName });
    });

    it('refuses (exit 3) when the primary holds the lease, and when the quorum is in ALARM', async () => {
      // Arrange
      await setQuorum('OK');
      const primary = await leaseTable(false);

      // Act
      const refusedLease = await cli(startArgs(primary));
      await setQuorum('ALARM');
      const refusedQuorum = await cli(startArgs(await leaseTable(true)));

      // Assert
      expect(refusedLease.code).toBe(3);
      expect(refusedLease.stderr).toMatch(
        /^understudy: handback refused: the shadow does not hold/,
      );
      expect(refusedQuorum.code).toBe(3);
      expect(refusedQuorum.stderr).toMatch(/is ALARM/);
    });

    it('exits 2 with one line when the state machine is missing', async () => {
      // Act
      const run = await cli(['handback', 'start', '--alarm-name', ALARM, '--lease-table', 'x']);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stderr.trim()).toBe(
        'understudy: no handback state machine: pass --state-machine ARN or set UNDERSTUDY_HANDBACK_STATE_MACHINE',
      );
    });
  });

  describe('Method: approve and decline', () => {
    const decide = (verb: string, name: string, reason: string) =>
      cli([
        'handback',
        verb,
        '--execution',
        name,
        '--reason',
        reason,
        '--actor',
        'ops@example.com',
        '--table',
        FAILOVER_TABLE_NAME,
        '--format',
        'json',
      ]);

    it('refuses an approval while the quorum is in ALARM (exit 3), and approves once it is OK', async () => {
      // Arrange
      const name = await waitingHandback();
      await setQuorum('ALARM');

      // Act
      const refused = await decide('approve', name, 'looks fine');
      await setQuorum('OK');
      const approved = await decide('approve', name, 'primary healthy');

      // Assert
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(
        /^understudy: approval refused: the detection quorum .* is ALARM/,
      );
      expect(approved.code).toBe(0);
      expect(JSON.parse(approved.stdout)).toMatchObject({
        executionName: name,
        decision: 'approved',
        actor: 'ops@example.com',
      });
    });

    it('declines whatever the quorum says, and needs a reason (exit 2 without)', async () => {
      // Arrange
      const name = await waitingHandback();
      await setQuorum('ALARM');

      // Act
      const noReason = await cli([
        'handback',
        'decline',
        '--execution',
        name,
        '--table',
        FAILOVER_TABLE_NAME,
      ]);
      const declined = await decide('decline', name, 'primary flapping');

      // Assert
      expect(noReason.code).toBe(2);
      expect(noReason.stderr).toMatch(/^understudy: decline needs --reason/);
      expect(declined.code).toBe(0);
      expect(JSON.parse(declined.stdout)).toMatchObject({ decision: 'declined' });
    });
  });

  describe('Method: status', () => {
    it('exits 2 for an execution with no handback record, and for a bad name', async () => {
      // Act
      const unknown = await cli([
        'handback',
        'status',
        '--execution',
        'handback-e9-20261202T000000Z',
        '--table',
        'understudy-Failover-e2e',
      ]);
      const bad = await cli([
        'handback',
        'status',
        '--execution',
        'not a name',
        '--table',
        'understudy-Failover-e2e',
      ]);

      // Assert
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(
        /^understudy: handback not found: handback-e9-20261202T000000Z/,
      );
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^understudy: --execution not a name is neither/);
    });
  });

  describe('Method: --help', () => {
    it('shows an example', async () => {
      // Act
      const run = await runCliProcess(['handback', 'start', '--help']);

      // Assert
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('$ understudy handback start --health-region');
    });
  });
});
