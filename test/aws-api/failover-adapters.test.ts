/**
 * The failover's AWS adapters end to end against moto: real protocols and responses for Step
 * Functions (start by name, describe, list), CloudWatch (the quorum alarm, the traffic signal),
 * DynamoDB + S3 with a KMS key (the RTO record and report) and ECS (describe, epoch tag). Not
 * here, covered call by call in the adapters tier: ARC's cluster data plane (no moto backend),
 * Service Quotas' GetAWSDefaultServiceQuota (moto answers an HTML page) and ELBv2 target health.
 */
import {
  CloudWatchClient,
  ListMetricsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  ListTagsForResourceCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CloudWatchQuorumAlarm } from '../../functions/adapters/aws/cloudwatch-quorum-alarm';
import { AwsFailoverPlatform } from '../../functions/adapters/aws/failover-platform';
import { DynamoDbFailoverRecordStore } from '../../functions/adapters/aws/failover-record-store';
import { SfnFailoverExecutions } from '../../functions/adapters/aws/sfn-failover-executions';
import { AwsTrafficSwitch } from '../../functions/adapters/aws/traffic-switch';
import { createTableInput } from '../../functions/adapters/sandbox/dynalite';
import { FAILOVER_TABLE } from '../../functions/shared/tables';
import { type MotoServer, startMoto } from '../support/moto-server';

jest.setTimeout(120_000);

let moto: MotoServer;

beforeAll(async () => {
  moto = await startMoto('eu-west-1');
});

afterAll(async () => {
  await moto?.stop();
});

afterEach(async () => {
  await moto.reset();
});

describe('Class: SfnFailoverExecutions', () => {
  it('starts a name once, reads its status and lists it as running', async () => {
    // Arrange
    const sfn = new SFNClient(moto.clientConfig);
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: 'UnderstudyFailover',
        roleArn: 'arn:aws:iam::123456789012:role/failover',
        definition: JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Pass', End: true } } }),
      }),
    );
    const executions = new SfnFailoverExecutions(sfn, machine.stateMachineArn as string);

    // Act
    const before = await executions.status('alarm-1');
    const started = await executions.start('alarm-1', { alarm: { name: 'q' } });
    const status = await executions.status('alarm-1');
    const running = await executions.running();

    // Assert
    expect(before).toBe('NOT_FOUND');
    expect(started.executionArn).toBe(executions.arnOf('alarm-1'));
    expect(['RUNNING', 'SUCCEEDED']).toContain(status);
    if (status === 'RUNNING') expect(running).toContain('alarm-1');
    sfn.destroy();
  });
});

describe('Class: CloudWatchQuorumAlarm and AwsTrafficSwitch', () => {
  it('reads the alarm state as set, and publishes the traffic signal metric', async () => {
    // Arrange
    const cloudwatch = new CloudWatchClient(moto.clientConfig);
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'understudy-detection-quorum',
        Namespace: 'Understudy/Health',
        MetricName: 'AuthorityHeartbeat',
        Statistic: 'Minimum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
      }),
    );
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: 'understudy-detection-quorum',
        StateValue: 'ALARM',
        StateReason: 'test',
      }),
    );
    const traffic = new AwsTrafficSwitch(cloudwatch, () => {
      throw new Error('no ARC in this test');
    });

    // Act
    const reading = await new CloudWatchQuorumAlarm(cloudwatch).read('understudy-detection-quorum');
    await traffic.shift(
      {
        kind: 'route53-failover-signal',
        namespace: 'Understudy/Traffic',
        metricName: 'PrimaryIn',
        dimensions: [{ name: 'Service', value: 'shop/web' }],
      },
      'to-staging',
    );
    const metrics = await cloudwatch.send(
      new ListMetricsCommand({ Namespace: 'Understudy/Traffic' }),
    );

    // Assert
    expect(reading).toMatchObject({ name: 'understudy-detection-quorum', state: 'ALARM' });
    expect(metrics.Metrics).toEqual([
      expect.objectContaining({
        MetricName: 'PrimaryIn',
        Dimensions: [{ Name: 'Service', Value: 'shop/web' }],
      }),
    ]);
    cloudwatch.destroy();
  });
});

describe('Class: DynamoDbFailoverRecordStore', () => {
  it('writes the record to DynamoDB and the SSE-KMS report to S3', async () => {
    // Arrange
    const dynamo = new DynamoDBClient(moto.clientConfig);
    const s3 = new S3Client({ ...moto.clientConfig, forcePathStyle: true });
    const kms = new KMSClient(moto.clientConfig);
    const key = await kms.send(new CreateKeyCommand({ Description: 'reports' }));
    await dynamo.send(new CreateTableCommand(createTableInput(FAILOVER_TABLE, 'failover')));
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'reports',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    const store = new DynamoDbFailoverRecordStore(dynamo, 'failover', s3, {
      bucketName: 'reports',
      kmsKeyId: key.KeyMetadata?.Arn as string,
    });

    // Act
    await store.begin({
      executionName: 'alarm-1',
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:F:alarm-1',
      alarmName: 'q',
      mode: 'auto',
      detectedAt: '2026-12-02T01:00:00.000Z',
      startedAt: '2026-12-02T01:00:01.000Z',
    });
    await store.update('alarm-1', {
      epoch: 3,
      milestones: { leaseAcquired: '2026-12-02T01:00:03.000Z' },
    });
    const record = await store.finish('alarm-1', {
      outcome: 'succeeded',
      reason: 'all steady',
      at: '2026-12-02T01:05:00.000Z',
      totals: { services: 0, steady: 0, failed: 0, trafficSwitched: 0 },
      durationSeconds: 300,
    });
    const object = await s3.send(
      new GetObjectCommand({ Bucket: 'reports', Key: 'failovers/alarm-1.json' }),
    );

    // Assert
    expect(record.reportUri).toBe('s3://reports/failovers/alarm-1.json');
    expect(object.ServerSideEncryption).toBe('aws:kms');
    const report = JSON.parse(
      await (object.Body as { transformToString(): Promise<string> }).transformToString(),
    );
    expect(report.record).toMatchObject({ epoch: 3, outcome: 'succeeded' });
    for (const client of [dynamo, s3, kms]) client.destroy();
  });
});

describe('Class: AwsFailoverPlatform', () => {
  it('describes a staging service and tags it with the epoch', async () => {
    // Arrange
    const ecs = new ECSClient(moto.clientConfig);
    await ecs.send(new CreateClusterCommand({ clusterName: 'shop-failover' }));
    const td = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web',
        containerDefinitions: [{ name: 'web', image: 'nginx', memory: 512 }],
      }),
    );
    const created = await ecs.send(
      new CreateServiceCommand({
        cluster: 'shop-failover',
        serviceName: 'web',
        taskDefinition: td.taskDefinition?.taskDefinitionArn,
        desiredCount: 0,
      }),
    );
    const platform = new AwsFailoverPlatform(
      ecs,
      new ElasticLoadBalancingV2Client(moto.clientConfig),
    );
    const serviceArn = created.service?.serviceArn as string;

    // Act
    const described = await platform.describeServices('shop-failover', ['web', 'absent']);
    await platform.tagService(serviceArn, [{ name: 'understudy:authority-epoch', value: '3' }]);
    const tags = await ecs.send(new ListTagsForResourceCommand({ resourceArn: serviceArn }));

    // Assert
    expect(described.services.map((s) => s.serviceName)).toEqual(['web']);
    expect(described.missing).toEqual(['absent']);
    expect(tags.tags).toEqual([{ key: 'understudy:authority-epoch', value: '3' }]);
    ecs.destroy();
  });
});
