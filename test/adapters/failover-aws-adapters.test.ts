import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient, TagResourceCommand } from '@aws-sdk/client-ecs';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchQuorumAlarm } from '../../functions/adapters/aws/cloudwatch-quorum-alarm';
import { AwsFailoverPlatform } from '../../functions/adapters/aws/failover-platform';
import { AwsQuotaReader } from '../../functions/adapters/aws/service-quotas-reader';
import { SfnFailoverExecutions } from '../../functions/adapters/aws/sfn-failover-executions';
import { SfnTaskTokens } from '../../functions/adapters/aws/sfn-task-tokens';
import { SnsApprovalNotifier } from '../../functions/adapters/aws/sns-approval-notifier';
import { TaskGoneError } from '../../functions/core/approval';
import {
  NotFoundError,
  ServiceUnavailableError,
  ThrottlingError,
  ValidationError,
} from '../../functions/core/errors';
import { awsError } from './support/aws-error';

const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:UnderstudyFailover';
const NAME = 'alarm-20261202T010000Z-abcdef012345';
const clock = { now: () => Date.UTC(2026, 11, 2, 1, 0, 0), sleep: async () => {} };

// One mock per client class for the whole file: a second mockClient of a class replaces the first.
const sfn = mockClient(SFNClient);
const cloudwatch = mockClient(CloudWatchClient);
afterEach(() => {
  sfn.reset();
  cloudwatch.reset();
});

describe('Class: SfnFailoverExecutions', () => {
  const executions = () =>
    new SfnFailoverExecutions(new SFNClient({ region: 'eu-west-1' }), MACHINE);

  describe('Method: start', () => {
    it('starts by name with the input as JSON, and reports a used name as already started', async () => {
      // Arrange
      sfn
        .on(StartExecutionCommand)
        .resolvesOnce({ executionArn: `${MACHINE}:x`, startDate: new Date() })
        .rejects(awsError('ExecutionAlreadyExists', 'used'));

      // Act
      const first = await executions().start(NAME, { alarm: { name: 'q' } });
      const second = await executions().start(NAME, { alarm: { name: 'q' } });

      // Assert
      expect(first).toEqual({ executionArn: `${MACHINE}:x`, alreadyStarted: false });
      expect(second).toEqual({
        executionArn: `arn:aws:states:eu-west-1:111122223333:execution:UnderstudyFailover:${NAME}`,
        alreadyStarted: true,
      });
      expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
        stateMachineArn: MACHINE,
        name: NAME,
        input: '{"alarm":{"name":"q"}}',
      });
    });

    it('translates throttling', async () => {
      // Arrange
      sfn.on(StartExecutionCommand).rejects(awsError('ThrottlingException', 'slow', 400));

      // Act / Assert
      await expect(executions().start(NAME, {})).rejects.toBeInstanceOf(ThrottlingError);
    });
  });

  describe('Method: status and running', () => {
    it('reads the status by ARN, NOT_FOUND for a name never started', async () => {
      // Arrange
      sfn
        .on(DescribeExecutionCommand)
        .resolvesOnce({ status: 'RUNNING' } as never)
        .rejects(awsError('ExecutionDoesNotExist', 'no'));

      // Act
      const running = await executions().status(NAME);
      const missing = await executions().status('other');

      // Assert
      expect([running, missing]).toEqual(['RUNNING', 'NOT_FOUND']);
      expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, {
        executionArn: `arn:aws:states:eu-west-1:111122223333:execution:UnderstudyFailover:${NAME}`,
      });
    });

    it('lists the names of RUNNING executions', async () => {
      // Arrange
      sfn
        .on(ListExecutionsCommand)
        .resolves({ executions: [{ name: 'a' }, { name: 'b' }] as never });

      // Act
      const names = await executions().running();

      // Assert
      expect(names).toEqual(['a', 'b']);
      expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, {
        stateMachineArn: MACHINE,
        statusFilter: 'RUNNING',
        maxResults: 10,
      });
    });

    it('refuses an ARN that is not a state machine', () => {
      // Act / Assert
      expect(
        () => new SfnFailoverExecutions(new SFNClient({}), 'arn:aws:sns:eu-west-1:1:x'),
      ).toThrow(ValidationError);
    });
  });
});

describe('Class: SfnTaskTokens', () => {
  it('sends the decision as JSON output', async () => {
    // Arrange
    sfn.on(SendTaskSuccessCommand).resolves({});

    // Act
    await new SfnTaskTokens(new SFNClient({})).succeed('token', { decision: 'approved' });

    // Assert
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: 'token',
      output: '{"decision":"approved"}',
    });
  });

  it.each(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'])(
    'reports %s as TaskGoneError',
    async (code) => {
      // Arrange
      sfn.on(SendTaskSuccessCommand).rejects(awsError(code, 'gone'));

      // Act / Assert
      await expect(new SfnTaskTokens(new SFNClient({})).succeed('t', {})).rejects.toBeInstanceOf(
        TaskGoneError,
      );
    },
  );
});

describe('Class: SnsApprovalNotifier', () => {
  const sns = mockClient(SNSClient);
  afterEach(() => sns.reset());

  it('publishes with a subject of at most 100 characters', async () => {
    // Arrange
    sns.on(PublishCommand).resolves({ MessageId: '1' });

    // Act
    await new SnsApprovalNotifier(new SNSClient({}), 'arn:aws:sns:eu-west-1:1:page').publish(
      's'.repeat(150),
      'body',
    );

    // Assert
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: 'arn:aws:sns:eu-west-1:1:page',
      Subject: 's'.repeat(100),
      Message: 'body',
    });
  });
});

describe('Class: CloudWatchQuorumAlarm', () => {
  it('reads a composite alarm state and its transition time', async () => {
    // Arrange
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      CompositeAlarms: [
        {
          AlarmName: 'q',
          StateValue: 'ALARM',
          StateTransitionedTimestamp: new Date('2026-12-02T01:00:00Z'),
        },
      ],
    });

    // Act
    const reading = await new CloudWatchQuorumAlarm(new CloudWatchClient({})).read('q');

    // Assert
    expect(reading).toEqual({
      name: 'q',
      state: 'ALARM',
      stateChangeTime: '2026-12-02T01:00:00.000Z',
    });
    expect(cloudwatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
      AlarmNames: ['q'],
      AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
    });
  });

  it('fails NotFound for an alarm that does not exist', async () => {
    // Arrange
    cloudwatch.on(DescribeAlarmsCommand).resolves({ CompositeAlarms: [], MetricAlarms: [] });

    // Act / Assert
    await expect(
      new CloudWatchQuorumAlarm(new CloudWatchClient({})).read('q'),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('Class: AwsQuotaReader', () => {
  const quotas = mockClient(ServiceQuotasClient);
  afterEach(() => quotas.reset());

  it('reads the applied Fargate vCPU quota and the maximum usage of the last five minutes', async () => {
    // Arrange
    quotas.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 4000 } });
    cloudwatch
      .on(GetMetricDataCommand)
      .resolves({ MetricDataResults: [{ Id: 'vcpu', Values: [12, 40, 30] }] });

    // Act
    const quota = await new AwsQuotaReader(
      new ServiceQuotasClient({}),
      new CloudWatchClient({}),
      clock,
    ).fargateVcpu();

    // Assert
    expect(quota).toEqual({ quota: 4000, inUse: 40 });
    expect(quotas).toHaveReceivedCommandWith(GetServiceQuotaCommand, {
      ServiceCode: 'fargate',
      QuotaCode: 'L-3032A538',
    });
    const query = cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(Number(query?.EndTime) - Number(query?.StartTime)).toBe(300_000);
  });

  it('falls back to the AWS default when no value was applied, and leaves usage unknown without CloudWatch', async () => {
    // Arrange
    quotas.on(GetServiceQuotaCommand).rejects(awsError('NoSuchResourceException', 'none'));
    quotas.on(GetAWSDefaultServiceQuotaCommand).resolves({ Quota: { Value: 6 } });

    // Act
    const quota = await new AwsQuotaReader(
      new ServiceQuotasClient({}),
      undefined,
      clock,
    ).fargateVcpu();

    // Assert
    expect(quota).toEqual({ quota: 6 });
  });
});

describe('Class: AwsFailoverPlatform', () => {
  const ecs = mockClient(ECSClient);
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  afterEach(() => {
    ecs.reset();
    elbv2.reset();
  });
  const platform = () =>
    new AwsFailoverPlatform(new ECSClient({}), new ElasticLoadBalancingV2Client({}));

  it('describes up to ten services and lists missing and INACTIVE ones', async () => {
    // Arrange
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: 'web',
          serviceArn: 'arn:aws:ecs:eu-west-1:1:service/c/web',
          clusterArn: 'arn:aws:ecs:eu-west-1:1:cluster/c',
          status: 'ACTIVE',
          desiredCount: 2,
          runningCount: 2,
          pendingCount: 0,
          taskDefinition: 'arn:aws:ecs:eu-west-1:1:task-definition/web:3',
          deployments: [],
        },
        {
          serviceName: 'old',
          serviceArn: 'arn:aws:ecs:eu-west-1:1:service/c/old',
          status: 'INACTIVE',
        },
      ],
      failures: [{ arn: 'arn:aws:ecs:eu-west-1:1:service/c/gone', reason: 'MISSING' }],
    });

    // Act
    const result = await platform().describeServices('c', ['web', 'old', 'gone']);

    // Assert
    expect(result.services.map((s) => s.serviceName)).toEqual(['web']);
    expect(result.missing).toEqual(['old', 'gone']);
  });

  it('refuses more than ten services, calling nothing', async () => {
    // Act / Assert
    await expect(
      platform().describeServices(
        'c',
        Array.from({ length: 11 }, (_, i) => `s${i}`),
      ),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 0);
  });

  it('tags a service with the epoch', async () => {
    // Arrange
    ecs.on(TagResourceCommand).resolves({});

    // Act
    await platform().tagService('arn:aws:ecs:eu-west-1:1:service/c/web', [
      { name: 'understudy:authority-epoch', value: '7' },
    ]);

    // Assert
    expect(ecs).toHaveReceivedCommandWith(TagResourceCommand, {
      resourceArn: 'arn:aws:ecs:eu-west-1:1:service/c/web',
      tags: [{ key: 'understudy:authority-epoch', value: '7' }],
    });
  });

  it('counts healthy and other targets, and fails NotFound for a missing target group', async () => {
    // Arrange
    elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: 'tg-1' }).resolves({
      TargetHealthDescriptions: [
        { TargetHealth: { State: 'healthy' } },
        { TargetHealth: { State: 'initial' } },
        { TargetHealth: { State: 'healthy' } },
      ],
    });
    elbv2
      .on(DescribeTargetHealthCommand, { TargetGroupArn: 'tg-2' })
      .rejects(awsError('TargetGroupNotFoundException', 'no'));
    elbv2
      .on(DescribeTargetHealthCommand, { TargetGroupArn: 'tg-3' })
      .rejects(awsError('InternalFailure', 'down', 500));

    // Act / Assert
    await expect(platform().targetHealth('tg-1')).resolves.toEqual({
      targetGroupArn: 'tg-1',
      healthy: 2,
      other: 1,
    });
    await expect(platform().targetHealth('tg-2')).rejects.toBeInstanceOf(NotFoundError);
    await expect(platform().targetHealth('tg-3')).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
