/**
 * Scenario: the handback of what the failover scenario failed over, every Lambda of it as its own
 * role (the shadow holds the lease at the failover's epoch). Two runs at that epoch:
 *
 * 1. the quorum goes back to OK; the starter's alarm-OK event finds it OK for less than N periods
 *    (waiting), the scheduled re-check N periods later starts the handback; the gate prepares it
 *    (the failover's service lines copied with their modes), approval is requested, and the run is
 *    declined: the record step thaws (a conditional no-op, nothing was frozen) and writes the
 *    report under `handbacks/`.
 * 2. an operator starts it by hand (`understudy handback start`): prepare, approval, freeze, the
 *    `integrate` service's ownership tags flip (shop/worker), the primary's own services of the
 *    `replace` ones (shop/web, shop/api) are polled through the primary read role in the
 *    primary's account and region until steady and healthy, the quorum is checked, traffic goes
 *    back through both configured REPLAY_TRAFFIC routes (Route 53 signal, ARC), the staging
 *    services go to their standby tier, the lease goes to the primary at epoch + 1 and the run is
 *    recorded (DynamoDB + S3 + KMS).
 *
 * The failover only ran shop/web: shop/api and shop/worker lines (and their staging services, and
 * shop/api's primary service) are seeded, unrecorded, as a larger failover would have left them.
 * moto runs no tasks and registers no targets: the second primary poll's DescribeServices and
 * DescribeTargetHealth answers (as recorded) get the running tasks and healthy targets ECS and ELB
 * report once the primary has redeployed. ARC's data plane is answered after the recorder, as in
 * the failover scenario.
 */
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53RecoveryClusterClient } from '@aws-sdk/client-route53-recovery-cluster';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CloudWatchQuorumAlarm } from '../../../functions/adapters/aws/cloudwatch-quorum-alarm';
import { DynamoDbApprovalStore } from '../../../functions/adapters/aws/dynamodb-approval-store';
import { DynamoDbAuthorityLease } from '../../../functions/adapters/aws/dynamodb-authority-lease';
import { DynamoDbInventoryRepository } from '../../../functions/adapters/aws/dynamodb-inventory-repository';
import { AwsFailoverPlatform } from '../../../functions/adapters/aws/failover-platform';
import { DynamoDbFailoverRecordStore } from '../../../functions/adapters/aws/failover-record-store';
import { DynamoDbAdaptationFreeze } from '../../../functions/adapters/aws/handback-freeze';
import { SfnFailoverExecutions } from '../../../functions/adapters/aws/sfn-failover-executions';
import { SnsApprovalNotifier } from '../../../functions/adapters/aws/sns-approval-notifier';
import { AwsTrafficSwitch } from '../../../functions/adapters/aws/traffic-switch';
import { failoverOfLeaseReason } from '../../../functions/core/handback/gate';
import { parseHandbackSettings } from '../../../functions/core/handback/settings';
import { createFailoverRequestApprovalHandler } from '../../../functions/handlers/failover-request-approval';
import { createHandbackGateHandler } from '../../../functions/handlers/handback-gate';
import { createHandbackPrimaryCheckHandler } from '../../../functions/handlers/handback-primary-check';
import { createHandbackRecordHandler } from '../../../functions/handlers/handback-record';
import { createHandbackServicesHandler } from '../../../functions/handlers/handback-services';
import { createHandbackStartHandler } from '../../../functions/handlers/handback-start';
import { awsAdapters, clientConfig } from '../../../functions/shared/clients';
import { answer, env } from '../support/moto-gaps';
import type { SdkClient } from '../support/recorder';
import type { AppFunction, ReplayWorld } from '../support/world';

function must<T>(what: string, value: T, ok: (v: T) => boolean): T {
  if (!ok(value)) throw new Error(`handback scenario: ${what}: ${JSON.stringify(value)}`);
  return value;
}

/**
 * The primary redeployed: moto's DescribeServices answer (as recorded) gets running tasks, one
 * completed PRIMARY deployment, and `targetGroups` bindings; DescribeTargetHealth gets one
 * healthy target per desired task. Only the primary read role's clients are patched.
 */
function primaryRedeployed(
  ecs: SdkClient,
  elb: SdkClient,
  targetGroups: Readonly<Record<string, string>>,
  desired: () => number,
): void {
  const name = 'understudyReplayPrimaryBack';
  ecs.middlewareStack.remove(name);
  ecs.middlewareStack.add(
    // biome-ignore lint/suspicious/noExplicitAny: SDK middleware signature, any command
    (next: any, context: any) => async (args: any) => {
      const result = await next(args);
      if (context.commandName !== 'DescribeServicesCommand') return result;
      for (const service of result.output.services ?? []) {
        service.runningCount = service.desiredCount;
        service.pendingCount = 0;
        service.deployments = (service.deployments ?? [])
          .filter((d: { status?: string }) => d.status === 'PRIMARY')
          .map((d: Record<string, unknown>) => ({
            ...d,
            taskDefinition: service.taskDefinition,
            desiredCount: service.desiredCount,
            runningCount: service.desiredCount,
            rolloutState: 'COMPLETED',
          }));
        const targetGroupArn = targetGroups[String(service.serviceName)];
        if (targetGroupArn) {
          service.loadBalancers = [{ targetGroupArn, containerName: 'web', containerPort: 80 }];
        }
      }
      return result;
    },
    { step: 'initialize', name },
  );
  elb.middlewareStack.remove(name);
  elb.middlewareStack.add(
    // biome-ignore lint/suspicious/noExplicitAny: SDK middleware signature, any command
    (next: any, context: any) => async (args: any) => {
      const result = await next(args);
      if (context.commandName !== 'DescribeTargetHealthCommand') return result;
      result.output.TargetHealthDescriptions = Array.from({ length: desired() }, (_, i) => ({
        Target: { Id: `10.0.0.${i + 10}`, Port: 80 },
        TargetHealth: { State: 'healthy' },
      }));
      return result;
    },
    { step: 'initialize', name },
  );
}

/** Runs the scenario in `world`, recording every call. It needs the failover scenario's state. */
export async function handback(world: ReplayWorld): Promise<void> {
  const f = {
    start: world.fn('HandbackStart'),
    approval: world.fn('HandbackRequestApproval'),
    gate: world.fn('HandbackGate'),
    services: world.fn('HandbackServices'),
    check: world.fn('HandbackPrimaryCheck'),
    record: world.fn('HandbackRecord'),
  };
  const region = f.gate.region;
  const account = f.gate.account;
  const healthRegion = env(f.gate, 'HEALTH_REGION');
  const leaseTable = env(f.gate, 'LEASE_TABLE_NAME');
  const failoverTable = env(f.gate, 'FAILOVER_TABLE_NAME');
  const reportBucket = env(f.record, 'FAILOVER_REPORT_BUCKET');
  const alarmName = env(f.start, 'QUORUM_ALARM_NAME');
  const settings = parseHandbackSettings(env(f.services, 'HANDBACK_SETTINGS'));
  for (const [key, mode] of [
    ['shop/web', 'replace'],
    ['shop/api', 'replace'],
    ['shop/worker', 'integrate'],
  ] as const) {
    const configured = settings.services[key]?.mode ?? settings.defaultMode;
    if (configured !== mode) {
      throw new Error(`handback scenario: ${key} is ${configured} in cdk.json, expected ${mode}`);
    }
  }
  const tagOf = (fn: AppFunction, step: string) => ({
    principal: fn.principal,
    account: fn.account,
    step,
  });
  const ddb = (fn: AppFunction, step: string) => world.dynamoDb(tagOf(fn, step), region);
  const records = (fn: AppFunction, step: string) =>
    new DynamoDbFailoverRecordStore(
      ddb(fn, step),
      failoverTable,
      world.client(S3Client, tagOf(fn, step), region),
      { bucketName: reportBucket, prefix: 'handbacks/' },
    );
  const alarmOf = (fn: AppFunction, step: string) =>
    new CloudWatchQuorumAlarm(world.client(CloudWatchClient, tagOf(fn, step), healthRegion));
  const leaseOf = (fn: AppFunction, step: string) =>
    new DynamoDbAuthorityLease(ddb(fn, step), leaseTable);
  const freezeOf = (fn: AppFunction, step: string) =>
    new DynamoDbAdaptationFreeze(ddb(fn, step), leaseTable);

  // ---- Seed (unrecorded): the handback state machine, the quorum back to OK, the services a
  // larger failover would have left (lines, staging services, shop/api's primary service), the
  // primary's target group.
  const lease = await new DynamoDbAuthorityLease(world.dynalite.client, leaseTable).read();
  const failoverName = failoverOfLeaseReason(lease.reason);
  if (lease.holder !== 'shadow' || !failoverName) {
    throw new Error(
      `handback scenario: run it after the failover (lease ${JSON.stringify(lease)})`,
    );
  }
  const stateMachineArn = env(f.start, 'HANDBACK_STATE_MACHINE_ARN');
  const sfnSeed = world.unrecordedSfn(account, region);
  await sfnSeed.send(
    new CreateStateMachineCommand({
      name: stateMachineArn.split(':').pop(),
      definition: '{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}',
      roleArn: `arn:aws:iam::${account}:role/replay-handback-workflow`,
    }),
  );
  const topicArn = env(f.approval, 'FAILOVER_APPROVAL_TOPIC_ARN');
  await world
    .unrecordedClient(SNSClient, account, region)
    .send(new CreateTopicCommand({ Name: topicArn.split(':').pop() }));
  const healthSeed = world.unrecordedClient(CloudWatchClient, account, healthRegion);
  await healthSeed.send(
    new SetAlarmStateCommand({
      AlarmName: alarmName,
      StateValue: 'OK',
      StateReason: 'replay: the primary is back',
    }),
  );
  const okAlarm = await healthSeed.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }));
  const okSince = okAlarm.MetricAlarms?.[0]?.StateUpdatedTimestamp?.getTime() ?? Date.now();

  const seedRecords = new DynamoDbFailoverRecordStore(
    world.dynalite.client,
    failoverTable,
    world.unrecordedClient(S3Client, account, region),
    { bucketName: reportBucket },
  );
  const [web] = await seedRecords.listServices(failoverName);
  if (!web) throw new Error('handback scenario: the failover left no service line');
  const stagingSeed = world.unrecordedClients(account, region);
  const primaryRegion = env(f.check, 'PRIMARY_REGION');
  const readRole = world.app.role(env(f.check, 'PRIMARY_READ_ROLE_ARN'));
  const primarySeed = world.unrecordedClients(readRole.account, primaryRegion);
  const taskDefinition = async (clients: typeof stagingSeed, family: string) =>
    (
      await clients.ecs.send(
        new RegisterTaskDefinitionCommand({
          family,
          containerDefinitions: [{ name: 'web', image: 'nginx', memory: 512 }],
        }),
      )
    ).taskDefinition?.taskDefinitionArn ?? '';
  const extra = [];
  for (const name of ['api', 'worker']) {
    const stagingTd = await taskDefinition(stagingSeed, `replay-handback-${name}`);
    const serviceName = web.serviceName.replace(/web/, name);
    const created = await stagingSeed.ecs.send(
      new CreateServiceCommand({
        cluster: web.cluster,
        serviceName,
        taskDefinition: stagingTd,
        desiredCount: 2,
      }),
    );
    extra.push({
      ...web,
      service: `shop/${name}`,
      serviceName,
      serviceArn: created.service?.serviceArn ?? '',
      taskDefinitionArn: stagingTd,
      desiredCount: 2,
      targetGroupArns: [],
    });
  }
  await seedRecords.putServices(failoverName, extra);
  await primarySeed.ecs.send(
    new CreateServiceCommand({
      cluster: 'shop',
      serviceName: 'api',
      taskDefinition: await taskDefinition(primarySeed, 'replay-primary-api'),
      desiredCount: 2,
    }),
  );
  const vpcs = await primarySeed.ec2.send(new DescribeVpcsCommand({}));
  const elbSeed = world.unrecordedClient(
    ElasticLoadBalancingV2Client,
    readRole.account,
    primaryRegion,
  );
  const targetGroup = await elbSeed.send(
    new CreateTargetGroupCommand({
      Name: 'shop-web',
      Protocol: 'HTTP',
      Port: 80,
      TargetType: 'ip',
      VpcId: vpcs.Vpcs?.[0]?.VpcId,
    }),
  );
  const webTargetGroup = targetGroup.TargetGroups?.[0]?.TargetGroupArn ?? '';
  const primaryWeb = await primarySeed.ecs.send(
    new DescribeServicesCommand({ cluster: 'shop', services: ['web'] }),
  );
  const webDesired = primaryWeb.services?.[0]?.desiredCount ?? 1;

  // ---- Run 1: the alarm-OK event (too early), the scheduled re-check N periods later.
  const neededMs =
    Number(env(f.start, 'HANDBACK_OK_PERIODS')) *
    Number(env(f.start, 'HANDBACK_PERIOD_SECONDS')) *
    1000;
  let nowMs = Date.now();
  const clock = { now: () => nowMs, sleep: async () => {} };
  const starter = createHandbackStartHandler({
    lease: leaseOf(f.start, 'handback-start'),
    alarm: alarmOf(f.start, 'handback-start'),
    executions: new SfnFailoverExecutions(
      world.client(SFNClient, tagOf(f.start, 'handback-start'), region),
      stateMachineArn,
    ),
    clock,
    settings: {
      alarmName,
      okPeriods: Number(env(f.start, 'HANDBACK_OK_PERIODS')),
      periodSeconds: Number(env(f.start, 'HANDBACK_PERIOD_SECONDS')),
    },
  });
  const okAt = new Date(okSince).toISOString();
  must(
    'the alarm-OK event',
    await starter({
      version: '0',
      id: 'replay-ok-event',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account,
      time: okAt,
      region: healthRegion,
      resources: [`arn:aws:cloudwatch:${healthRegion}:${account}:alarm:${alarmName}`],
      detail: {
        alarmName,
        state: { value: 'OK', reason: 'replay', timestamp: okAt.replace('Z', '+0000') },
      },
    }),
    (r) => r.outcome === 'waiting',
  );
  nowMs = okSince + neededMs + 1000;
  const first = must(
    'the scheduled re-check',
    await starter({ source: 'aws.events', 'detail-type': 'Scheduled Event' }),
    (r) => r.outcome === 'started',
  );
  if (first.outcome !== 'started') throw new Error('unreachable');

  const gate = createHandbackGateHandler({
    lease: leaseOf(f.gate, 'handback-gate'),
    alarm: alarmOf(f.gate, 'handback-gate'),
    records: records(f.gate, 'handback-gate'),
    freeze: freezeOf(f.gate, 'handback-gate'),
    clock,
    settings,
  });
  const requestApproval = createFailoverRequestApprovalHandler({
    store: new DynamoDbApprovalStore(ddb(f.approval, 'handback-request-approval'), failoverTable),
    notifier: new SnsApprovalNotifier(
      world.client(SNSClient, tagOf(f.approval, 'handback-request-approval'), region),
      topicArn,
    ),
    clock,
    alarmRegion: healthRegion,
  });
  const record = createHandbackRecordHandler({
    records: records(f.record, 'handback-record'),
    freeze: freezeOf(f.record, 'handback-record'),
    clock,
  });
  const prepareAndAsk = async (
    executionName: string,
    executionArn: string,
    requestedBy: string,
  ) => {
    const prepared = await gate({
      action: 'prepare',
      executionName,
      executionArn,
      alarmName,
      mode: 'manual',
      input: { expectedEpoch: lease.epoch, requestedBy },
    });
    const ready = must('prepare', prepared, (p) => p.ok && 'services' in p && p.services === 3);
    if (!('planSummary' in ready)) throw new Error('unreachable');
    await requestApproval({
      taskToken: `replay-handback-token-${executionName}`.slice(0, 1024),
      executionArn,
      executionName,
      alarm: { name: alarmName, stateChangeTime: ready.okSince },
      planSummary: ready.planSummary,
      timeoutSeconds: 3600,
    });
  };
  await prepareAndAsk(first.executionName, first.executionArn, 'schedule');
  const at = () => new Date(nowMs).toISOString();
  const declined = await record({
    executionName: first.executionName,
    ending: {
      result: 'declined',
      epoch: lease.epoch,
      approval: { decision: 'declined', actor: 'replay', reason: 'not yet', at: at() },
    },
  });
  must('the declined record', declined, (r) => r.outcome === 'declined');
  // The workflow of run 1 has ended (its record step ran); moto's stand-in would still run.
  await sfnSeed
    .send(new StopExecutionCommand({ executionArn: first.executionArn }))
    .catch(() => undefined);

  // ---- Run 2: by hand, approved, to the end.
  nowMs += 60_000;
  const second = must(
    'the manual start',
    await starter({ trigger: 'manual', requestedBy: 'replay-operator' }),
    (r) => r.outcome === 'started',
  );
  if (second.outcome !== 'started') throw new Error('unreachable');
  const { executionName } = second;
  await prepareAndAsk(executionName, second.executionArn, 'replay-operator');
  const approval = {
    decision: 'approved' as const,
    actor: 'replay',
    reason: 'primary back',
    at: at(),
  };
  must(
    'freeze',
    await gate({ action: 'freeze', executionName, alarmName, epoch: lease.epoch, approval }),
    (g) => g.ok,
  );

  const servicesClients = world.sideClients(tagOf(f.services, 'handback-services'), region);
  const servicesTag = tagOf(f.services, 'handback-services');
  const services = createHandbackServicesHandler({
    lease: leaseOf(f.services, 'handback-services'),
    records: records(f.services, 'handback-services'),
    fleet: new AwsFailoverPlatform(
      servicesClients.ecs,
      world.client(ElasticLoadBalancingV2Client, servicesTag, region),
    ),
    platform: awsAdapters(servicesClients, { account, region }).platform,
    traffic: new AwsTrafficSwitch(
      world.client(CloudWatchClient, servicesTag, region),
      (endpoint) => {
        const client = world.client(Route53RecoveryClusterClient, servicesTag, endpoint.region);
        answer(client, { UpdateRoutingControlStateCommand: {} });
        return client;
      },
    ),
    inventory: new DynamoDbInventoryRepository(
      ddb(f.services, 'handback-services'),
      env(f.services, 'INVENTORY_TABLE_NAME'),
    ),
    clock,
    settings,
  });
  const page = { executionName, epoch: lease.epoch, pageSize: 50 };
  must(
    'integrate',
    await services({ action: 'integrate', ...page }),
    (r) => r.handled === 1 && r.failed === 0,
  );

  // The primary check as the primary read role, in the primary's account and region.
  const checkTag = tagOf(f.check, 'handback-primary-check');
  const read = world.primaryRead(checkTag, readRole.arn, primaryRegion);
  const readElb = new ElasticLoadBalancingV2Client(
    clientConfig({
      endpoint: world.moto.endpoint,
      region: primaryRegion,
      maxAttempts: 1,
      // The read role's session, as the ECS client has it (an assumed role: it has a token).
      credentials: async () => {
        const c = await read.ecs.config.credentials();
        return {
          accessKeyId: c.accessKeyId,
          secretAccessKey: c.secretAccessKey,
          sessionToken: c.sessionToken ?? '',
          expiration: c.expiration ?? new Date(Date.now() + 3_600_000),
        };
      },
    }),
  );
  world.recorder.attach(readElb, {
    principal: readRole.id,
    account: readRole.account,
    step: checkTag.step,
  });
  const check = createHandbackPrimaryCheckHandler({
    records: records(f.check, 'handback-primary-check'),
    primary: new AwsFailoverPlatform(read.ecs, readElb),
    clock,
  });
  must('the first primary poll', await check({ executionName }), (r) => !r.allSteady);
  primaryRedeployed(read.ecs, readElb, { web: webTargetGroup }, () => webDesired);
  nowMs += 30_000;
  must(
    'the second primary poll',
    await check({ executionName, waitSeconds: 30 }),
    (r) => r.allSteady && r.steady === 2,
  );
  readElb.destroy();

  must(
    'the quorum before traffic',
    await gate({
      action: 'quorum',
      executionName,
      alarmName,
      epoch: lease.epoch,
      phase: 'traffic',
    }),
    (g) => g.ok,
  );
  must(
    'traffic',
    await services({ action: 'traffic', ...page }),
    (r) => r.handled === 2 && r.failed === 0,
  );
  must(
    'scale-down',
    await services({ action: 'scale-down', ...page }),
    (r) => r.handled === 2 && r.failed === 0,
  );
  must(
    'release',
    await gate({
      action: 'release',
      executionName,
      alarmName,
      epoch: lease.epoch,
      approvedBy: approval.actor,
    }),
    (r) => r.ok && 'epoch' in r && r.epoch === lease.epoch + 1,
  );
  must(
    'record',
    await record({
      executionName,
      ending: { result: 'completed', epoch: lease.epoch, approval },
    }),
    (r) => r.outcome === 'succeeded' && Boolean(r.reportUri?.includes('/handbacks/')),
  );
}
