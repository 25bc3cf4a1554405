/**
 * Scenario: one failover, every Lambda of it as its own role, over what the clone scenario left
 * in the world (the shop/web clone, its staging service and plan entry): the starter admits the
 * quorum's ALARM and starts the workflow; approval is requested (task token stored, topic
 * notified); pre-flight reads the quorum alarm in the health region, the plan, the inventory and
 * the Fargate vCPU quota; the lease moves to the shadow; the wave's page is deployed (fenced,
 * UpdateService, scaling bounds, epoch tag); the steady check reads the services and target
 * health; traffic moves (a Route 53 signal metric and an ARC routing control, both configured in
 * the replayed app); the RTO record and its JSON report are written.
 *
 * moto implements neither Service Quotas' Fargate quota nor the ARC cluster API: those answers
 * are made up after the recorder has seen the call (the call is still evaluated).
 */
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53RecoveryClusterClient } from '@aws-sdk/client-route53-recovery-cluster';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CloudWatchQuorumAlarm } from '../../../functions/adapters/aws/cloudwatch-quorum-alarm';
import { DynamoDbApprovalStore } from '../../../functions/adapters/aws/dynamodb-approval-store';
import { DynamoDbAuthorityLease } from '../../../functions/adapters/aws/dynamodb-authority-lease';
import { DynamoDbFailoverAdmission } from '../../../functions/adapters/aws/dynamodb-failover-admission';
import { DynamoDbForecastRepository } from '../../../functions/adapters/aws/dynamodb-forecast-repository';
import { DynamoDbInventoryRepository } from '../../../functions/adapters/aws/dynamodb-inventory-repository';
import { DynamoDbPlanPages } from '../../../functions/adapters/aws/dynamodb-plan-pages';
import { AwsFailoverPlatform } from '../../../functions/adapters/aws/failover-platform';
import { DynamoDbFailoverRecordStore } from '../../../functions/adapters/aws/failover-record-store';
import { AwsQuotaReader } from '../../../functions/adapters/aws/service-quotas-reader';
import { SfnFailoverExecutions } from '../../../functions/adapters/aws/sfn-failover-executions';
import { SnsApprovalNotifier } from '../../../functions/adapters/aws/sns-approval-notifier';
import { AwsTrafficSwitch } from '../../../functions/adapters/aws/traffic-switch';
import { createTableInput } from '../../../functions/adapters/sandbox/dynalite';
import {
  parseFailoverSettings,
  trafficRouteSchema,
} from '../../../functions/core/failover/settings';
import { createFailoverAcquireLeaseHandler } from '../../../functions/handlers/failover-acquire-lease';
import { createFailoverDeployHandler } from '../../../functions/handlers/failover-deploy';
import { createFailoverPreflightHandler } from '../../../functions/handlers/failover-preflight';
import { createFailoverRecordHandler } from '../../../functions/handlers/failover-record';
import { createFailoverRequestApprovalHandler } from '../../../functions/handlers/failover-request-approval';
import { createFailoverStartHandler } from '../../../functions/handlers/failover-start';
import { createFailoverSteadyCheckHandler } from '../../../functions/handlers/failover-steady-check';
import { createFailoverTrafficHandler } from '../../../functions/handlers/failover-traffic';
import { awsAdapters } from '../../../functions/shared/clients';
import { FAILOVER_TABLE, LEASE_TABLE } from '../../../functions/shared/tables';
import { QUORUM_ALARM_NAME } from '../../../lib/stacks/health-stack';
import { answer, answerWith, env, runTasksMotoWouldNot } from '../support/moto-gaps';
import { REPLAY_TRAFFIC } from '../support/template';
import type { AppFunction, ReplayWorld } from '../support/world';

const clock = { now: () => Date.now(), sleep: async () => {} };
const parseTrafficRoute = (route: unknown) => trafficRouteSchema.parse(route);

/** Runs the scenario in `world`, recording every call. It needs the clone scenario's state. */
export async function failover(world: ReplayWorld): Promise<void> {
  const f = {
    start: world.fn('FailoverStartFunction'),
    approval: world.fn('FailoverRequestApprovalFunction'),
    preflight: world.fn('FailoverPreflightFunction'),
    lease: world.fn('FailoverAcquireLeaseFunction'),
    deploy: world.fn('FailoverDeployFunction'),
    steady: world.fn('FailoverSteadyCheckFunction'),
    traffic: world.fn('FailoverTrafficFunction'),
    record: world.fn('FailoverRecordFunction'),
  };
  const settings = parseFailoverSettings(env(f.preflight, 'FAILOVER_SETTINGS'));
  const healthRegion = env(f.preflight, 'HEALTH_REGION');
  const region = f.preflight.region;
  const account = f.preflight.account;
  const tagOf = (fn: AppFunction, step: string) => ({
    principal: fn.principal,
    account: fn.account,
    step,
  });
  const ddb = (fn: AppFunction, step: string) => world.dynamoDb(tagOf(fn, step), region);

  // ---- Seed (unrecorded): the failover and lease tables, the report bucket, the approval
  // topic, the failover state machine, and the quorum alarm in ALARM in the health region.
  const failoverTable = env(f.preflight, 'FAILOVER_TABLE_NAME');
  const leaseTable = env(f.lease, 'LEASE_TABLE_NAME');
  await world.dynalite.client.send(
    new CreateTableCommand(createTableInput(FAILOVER_TABLE, failoverTable)),
  );
  await world.dynalite.client.send(
    new CreateTableCommand(createTableInput(LEASE_TABLE, leaseTable)),
  );
  const reportBucket = env(f.record, 'FAILOVER_REPORT_BUCKET');
  await world.unrecordedClient(S3Client, account, region).send(
    new CreateBucketCommand({
      Bucket: reportBucket,
      CreateBucketConfiguration: { LocationConstraint: region as never },
    }),
  );
  const topicArn = env(f.approval, 'FAILOVER_APPROVAL_TOPIC_ARN');
  await world
    .unrecordedClient(SNSClient, account, region)
    .send(new CreateTopicCommand({ Name: topicArn.split(':').pop() }));
  const stateMachineArn = env(f.start, 'FAILOVER_STATE_MACHINE_ARN');
  await world.unrecordedSfn(account, region).send(
    new CreateStateMachineCommand({
      name: stateMachineArn.split(':').pop(),
      definition: '{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}',
      roleArn: `arn:aws:iam::${account}:role/replay-failover-workflow`,
    }),
  );
  // moto has no composite alarms: a metric alarm of the quorum's name stands in (the reader
  // asks for both types).
  const healthSeed = world.unrecordedClient(CloudWatchClient, account, healthRegion);
  await healthSeed.send(
    new PutMetricAlarmCommand({
      AlarmName: QUORUM_ALARM_NAME,
      MetricName: 'ProbeHeartbeat',
      Namespace: 'Understudy',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
    }),
  );
  await healthSeed.send(
    new SetAlarmStateCommand({
      AlarmName: QUORUM_ALARM_NAME,
      StateValue: 'ALARM',
      StateReason: 'replay: the primary went dark',
    }),
  );
  const detectedAt = new Date().toISOString();
  const alarm = { name: QUORUM_ALARM_NAME, stateChangeTime: detectedAt };

  // ---- The starter admits the alarm and starts the workflow.
  const started = await createFailoverStartHandler({
    store: new DynamoDbFailoverAdmission(ddb(f.start, 'failover-start'), leaseTable),
    executions: new SfnFailoverExecutions(
      world.client(SFNClient, tagOf(f.start, 'failover-start'), region),
      stateMachineArn,
    ),
    clock,
    settings: { minDelayMs: 0 },
  })({
    version: '0',
    id: 'replay-alarm-event',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account,
    time: detectedAt,
    region: healthRegion,
    resources: [`arn:aws:cloudwatch:${healthRegion}:${account}:alarm:${alarm.name}`],
    detail: {
      alarmName: alarm.name,
      state: { value: 'ALARM', reason: 'replay', timestamp: detectedAt.replace('Z', '+0000') },
    },
  });
  if (started.outcome !== 'started') throw new Error(`failover scenario: ${started.outcome}`);
  const executionName = started.executionName;
  const executionArn = started.executionArn;

  // ---- Pre-flight, then the approval request.
  const records = (fn: AppFunction, step: string) =>
    new DynamoDbFailoverRecordStore(
      ddb(fn, step),
      failoverTable,
      world.client(S3Client, tagOf(fn, step), region),
      { bucketName: reportBucket },
    );
  const quotaClient = world.client(ServiceQuotasClient, tagOf(f.preflight, 'preflight'), region);
  answer(quotaClient, { GetServiceQuotaCommand: { Quota: { Value: 40 } } });
  const preflight = await createFailoverPreflightHandler({
    alarm: new CloudWatchQuorumAlarm(
      world.client(CloudWatchClient, tagOf(f.preflight, 'preflight'), healthRegion),
    ),
    plans: new DynamoDbPlanPages(
      ddb(f.preflight, 'preflight'),
      env(f.preflight, 'INVENTORY_TABLE_NAME'),
    ),
    inventory: new DynamoDbInventoryRepository(
      ddb(f.preflight, 'preflight'),
      env(f.preflight, 'INVENTORY_TABLE_NAME'),
    ),
    quota: new AwsQuotaReader(
      quotaClient,
      world.client(CloudWatchClient, tagOf(f.preflight, 'preflight'), region),
      clock,
    ),
    records: records(f.preflight, 'preflight'),
    clock,
    settings,
  })({ executionName, executionArn, alarm, mode: 'manual' });
  if (!preflight.ok)
    throw new Error(`failover scenario: pre-flight ${preflight.reasons.join('; ')}`);
  await createFailoverRequestApprovalHandler({
    store: new DynamoDbApprovalStore(ddb(f.approval, 'request-approval'), failoverTable),
    notifier: new SnsApprovalNotifier(
      world.client(SNSClient, tagOf(f.approval, 'request-approval'), region),
      topicArn,
    ),
    clock,
    alarmRegion: healthRegion,
  })({
    taskToken: 'replay-task-token',
    executionArn,
    executionName,
    alarm,
    planSummary: preflight.planSummary,
    timeoutSeconds: 3600,
  });
  const approval = { decision: 'approved', actor: 'replay', reason: 'drill', at: detectedAt };

  // ---- The lease, the wave's deploy page, the steady check, traffic, the record.
  const leaseOf = (fn: AppFunction, step: string) =>
    new DynamoDbAuthorityLease(ddb(fn, step), leaseTable);
  const { epoch } = await createFailoverAcquireLeaseHandler({
    lease: leaseOf(f.lease, 'acquire-lease'),
    records: records(f.lease, 'acquire-lease'),
    clock,
  })({ executionName, approval });
  const stagingSide = (fn: AppFunction, step: string) => world.sideClients(tagOf(fn, step), region);
  const deployClients = stagingSide(f.deploy, 'deploy');
  await createFailoverDeployHandler({
    plans: new DynamoDbPlanPages(ddb(f.deploy, 'deploy'), env(f.deploy, 'INVENTORY_TABLE_NAME')),
    platform: awsAdapters(deployClients, { account, region }).platform,
    fleet: new AwsFailoverPlatform(
      deployClients.ecs,
      world.client(ElasticLoadBalancingV2Client, tagOf(f.deploy, 'deploy'), region),
    ),
    lease: leaseOf(f.deploy, 'deploy'),
    records: records(f.deploy, 'deploy'),
    // The latest forecasts (Query on the staging forecast table, for the sized services).
    forecasts: new DynamoDbForecastRepository(
      ddb(f.deploy, 'deploy'),
      env(f.deploy, 'FORECAST_TABLE_NAME'),
    ),
    clock,
    settings,
  })({ executionName, epoch, wave: 0, pageSize: 50 });
  const steadyClients = stagingSide(f.steady, 'steady-check');
  runTasksMotoWouldNot(steadyClients.ecs);
  const steadyResult = await createFailoverSteadyCheckHandler({
    fleet: new AwsFailoverPlatform(
      steadyClients.ecs,
      world.client(ElasticLoadBalancingV2Client, tagOf(f.steady, 'steady-check'), region),
    ),
    records: records(f.steady, 'steady-check'),
    clock,
  })({
    executionName,
    epoch,
    wave: 0,
    attempt: 0,
    waitSeconds: 5,
    serviceTimeoutSeconds: 900,
    partialFailureThreshold: 0.5,
    totalServices: preflight.planSummary.services,
  });
  await createFailoverTrafficHandler({
    traffic: new AwsTrafficSwitch(
      world.client(CloudWatchClient, tagOf(f.traffic, 'traffic'), region),
      (endpoint) => {
        const client = world.client(
          Route53RecoveryClusterClient,
          tagOf(f.traffic, 'traffic'),
          endpoint.region,
        );
        answer(client, { UpdateRoutingControlStateCommand: {} });
        return client;
      },
    ),
    lease: leaseOf(f.traffic, 'traffic'),
    records: records(f.traffic, 'traffic'),
    clock,
    settings,
  })({ executionName, epoch, wave: 0 });
  if (steadyResult.steady !== 1) throw new Error('failover scenario: shop/web did not turn steady');
  // The configured ARC routing control, moved by the same adapter as the traffic role (a wave's
  // service is switched once, so the handler above has already moved shop/web): to staging and
  // back, the first cluster endpoint failing so the next one is tried.
  const arcTag = tagOf(f.traffic, 'traffic (ARC)');
  let dialled = 0;
  const arc = new AwsTrafficSwitch(world.client(CloudWatchClient, arcTag, region), (endpoint) => {
    const client = world.client(Route53RecoveryClusterClient, arcTag, endpoint.region);
    dialled += 1;
    if (dialled === 1) {
      answerWith(client, 'UpdateRoutingControlStateCommand', () => {
        throw Object.assign(new Error('replay: endpoint unavailable'), {
          name: 'EndpointTemporarilyUnavailableException',
          $metadata: { httpStatusCode: 503 },
        });
      });
    } else {
      answer(client, { UpdateRoutingControlStateCommand: {} });
    }
    return client;
  });
  const arcRoute = parseTrafficRoute(REPLAY_TRAFFIC['shop/api']);
  await arc.shift(arcRoute, 'to-staging');
  await arc.shift(arcRoute, 'to-primary');
  await createFailoverRecordHandler({
    records: records(f.record, 'record'),
    clock,
    metrics: { publish() {} },
  })({ executionName, result: 'completed', approval });
}
