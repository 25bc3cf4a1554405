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
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDbAuthorityLease } from '../../functions/adapters/aws/dynamodb-authority-lease';
import { createTableInput } from '../../functions/adapters/sandbox/dynalite';
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

beforeAll(async () => {
  moto = await startMoto(REGION);
  dynamo = new DynamoDBClient(moto.clientConfig);
  cloudwatch = new CloudWatchClient(moto.clientConfig);
  await dynamo.send(
    new CreateTableCommand(createTableInput(FAILOVER_TABLE, 'understudy-Failover-e2e')),
  );
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
      expect(run.stdout).toContain('$ understudy handback start --alarm-name');
    });
  });
});
