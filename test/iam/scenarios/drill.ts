/**
 * Scenario: one drill on AWS (`UnderstudyDrill`), every Lambda as its own drill role, over what
 * the clone and failover scenarios left in the world (the shop/web plan entry in the staging
 * inventory, the staging lease table with production's `LEASE#authority` taken): a first prepare
 * is refused, production being failed over; with production's lease handed back, prepare creates
 * the plan's twin in the drill cluster at 0 tasks; the drill's failover steps run with the drill
 * environment (drill cluster, `LEASE#drill`, the plan rewritten to the drill cluster, the
 * rehearsal alarm, no traffic route): pre-flight, approval, lease, deploy, steady check, traffic
 * (nothing to switch) and the RTO record; teardown deletes the twin, releases the drill lease and
 * writes the drill's history line.
 *
 * The drill deployment's starter Lambda is not run: nothing invokes it in the drill deployment
 * (no quorum rule; the drill wrapper starts the failover workflow itself), see over-grants.ts.
 */

import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateClusterCommand } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53RecoveryClusterClient } from '@aws-sdk/client-route53-recovery-cluster';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDbDrillHistory } from '../../../functions/adapters/aws/drill-history';
import { AwsDrillPlatform } from '../../../functions/adapters/aws/drill-platform';
import { DynamoDbApprovalStore } from '../../../functions/adapters/aws/dynamodb-approval-store';
import { DynamoDbAuthorityLease } from '../../../functions/adapters/aws/dynamodb-authority-lease';
import { DynamoDbInventoryRepository } from '../../../functions/adapters/aws/dynamodb-inventory-repository';
import { DynamoDbPlanPages } from '../../../functions/adapters/aws/dynamodb-plan-pages';
import { AwsFailoverPlatform } from '../../../functions/adapters/aws/failover-platform';
import { DynamoDbFailoverRecordStore } from '../../../functions/adapters/aws/failover-record-store';
import { AwsQuotaReader } from '../../../functions/adapters/aws/service-quotas-reader';
import { SnsApprovalNotifier } from '../../../functions/adapters/aws/sns-approval-notifier';
import { AwsTrafficSwitch } from '../../../functions/adapters/aws/traffic-switch';
import { createTableInput } from '../../../functions/adapters/sandbox/dynalite';
import { rehearsalAlarm } from '../../../functions/core/drill/alarm';
import { DrillRefusedError } from '../../../functions/core/drill/guard';
import { drillPlanPages } from '../../../functions/core/drill/plan';
import { parseFailoverSettings } from '../../../functions/core/failover/settings';
import { createDrillPrepareHandler } from '../../../functions/handlers/drill-prepare';
import { createDrillTeardownHandler } from '../../../functions/handlers/drill-teardown';
import { createFailoverAcquireLeaseHandler } from '../../../functions/handlers/failover-acquire-lease';
import { createFailoverDeployHandler } from '../../../functions/handlers/failover-deploy';
import { createFailoverPreflightHandler } from '../../../functions/handlers/failover-preflight';
import { createFailoverRecordHandler } from '../../../functions/handlers/failover-record';
import { createFailoverRequestApprovalHandler } from '../../../functions/handlers/failover-request-approval';
import { createFailoverSteadyCheckHandler } from '../../../functions/handlers/failover-steady-check';
import { createFailoverTrafficHandler } from '../../../functions/handlers/failover-traffic';
import { awsAdapters } from '../../../functions/shared/clients';
import { DRILL_ENV, PRODUCTION_LEASE_ID } from '../../../functions/shared/drill-env';
import { drillCluster as drillClusterOf } from '../../../functions/shared/failover-wiring';
import { FAILOVER_TABLE } from '../../../functions/shared/tables';
import { DRILL_ALARM_NAME } from '../../../lib/stacks/drill-stack';
import { answer, env, runTasksMotoWouldNot } from '../support/moto-gaps';
import type { AppFunction, ReplayWorld } from '../support/world';

const clock = { now: () => Date.now(), sleep: async () => {} };

/** Runs the drill in `world`, recording every call. It needs the clone and failover scenarios' state. */
export async function drill(world: ReplayWorld): Promise<void> {
  const f = {
    prepare: world.fn('PrepareFunction'),
    approval: world.fn('DrillFailoverRequestApprovalFunction'),
    preflight: world.fn('DrillFailoverPreflightFunction'),
    lease: world.fn('DrillFailoverAcquireLeaseFunction'),
    deploy: world.fn('DrillFailoverDeployFunction'),
    steady: world.fn('DrillFailoverSteadyCheckFunction'),
    traffic: world.fn('DrillFailoverTrafficFunction'),
    record: world.fn('DrillFailoverRecordFunction'),
    teardown: world.fn('TeardownFunction'),
  };
  for (const fn of Object.values(f)) {
    if (fn.stackName !== 'UnderstudyDrill')
      throw new Error(`${fn.logicalId} is not a drill Lambda`);
    // The deps below mirror functions/shared/failover-wiring.ts in drill mode (rehearsal alarm,
    // plan redirected to the drill cluster, the drill lease): each Lambda's own environment
    // must put the real wiring in that mode too.
    if (drillClusterOf(fn.environment) === undefined) {
      throw new Error(
        `${fn.logicalId}: no ${DRILL_ENV.cluster}, its wiring would run as production`,
      );
    }
  }
  const settings = parseFailoverSettings(env(f.preflight, 'FAILOVER_SETTINGS'));
  const region = f.preflight.region;
  const account = f.preflight.account;
  const drillCluster = env(f.deploy, DRILL_ENV.cluster);
  const leaseId = env(f.lease, DRILL_ENV.leaseId);
  const tagOf = (fn: AppFunction, step: string) => ({
    principal: fn.principal,
    account: fn.account,
    step: `drill ${step}`,
  });
  const ddb = (fn: AppFunction, step: string) => world.dynamoDb(tagOf(fn, step), region);

  // ---- Seed (unrecorded): what the drill stack creates — its failover table (RTO records and
  // history), report bucket and the drill cluster; the ticket topic it notifies. The staging
  // lease and inventory tables are the failover and clone scenarios'.
  const failoverTable = env(f.preflight, 'FAILOVER_TABLE_NAME');
  const leaseTable = env(f.lease, 'LEASE_TABLE_NAME');
  const inventoryTable = env(f.preflight, 'INVENTORY_TABLE_NAME');
  if (env(f.teardown, DRILL_ENV.historyTable) !== failoverTable) {
    throw new Error(
      'drill scenario: the teardown writes history to another table than the RTO records',
    );
  }
  await world.dynalite.client.send(
    new CreateTableCommand(createTableInput(FAILOVER_TABLE, failoverTable)),
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
  await world
    .unrecordedClients(account, region)
    .ecs.send(new CreateClusterCommand({ clusterName: drillCluster }));

  // ---- Prepare: the plan's twins in the drill cluster, at 0 tasks.
  const drillName = 'drill-replay-0001';
  const plansOf = (fn: AppFunction, step: string) =>
    drillPlanPages(new DynamoDbPlanPages(ddb(fn, step), inventoryTable), drillCluster);
  const productionLeaseOf = (fn: AppFunction, step: string) =>
    new DynamoDbAuthorityLease(ddb(fn, step), leaseTable, { leaseId: PRODUCTION_LEASE_ID });
  const prepareHandler = () =>
    createDrillPrepareHandler({
      plans: plansOf(f.prepare, 'prepare'),
      platform: awsAdapters(world.sideClients(tagOf(f.prepare, 'prepare'), region), {
        account,
        region,
      }).platform,
      clock,
      productionLease: productionLeaseOf(f.prepare, 'prepare'),
    });
  // Production's lease is the failover scenario's, held by the shadow: a drill started now is
  // refused by its first prepare page (a GetItem of LEASE#authority), before it creates anything.
  const refused = await prepareHandler()({ drillName, pageSize: 50 }).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(refused instanceof DrillRefusedError)) {
    throw new Error(`drill scenario: prepare was not refused during a failover (${refused})`);
  }
  // The rest runs with production handed back (unrecorded); the item is put back as it was once
  // the drill's failover is recorded, for the handback scenario after this one.
  const productionKey = { pk: { S: `LEASE#${PRODUCTION_LEASE_ID}` } };
  const failedOver = await world.dynalite.client.send(
    new GetItemCommand({ TableName: leaseTable, Key: productionKey, ConsistentRead: true }),
  );
  if (failedOver.Item?.holder?.S !== 'shadow') {
    throw new Error('drill scenario: the failover scenario left production not failed over');
  }
  await world.dynalite.client.send(
    new PutItemCommand({
      TableName: leaseTable,
      Item: { ...failedOver.Item, holder: { S: 'primary' } },
    }),
  );
  let position: { waveIndex: number; cursor?: string } | null = null;
  let detectedAt = '';
  for (let page = 0; page < 10; page += 1) {
    const prepared = await prepareHandler()({ drillName, pageSize: 50, position });
    detectedAt = prepared.at;
    if (prepared.done) break;
    position = prepared.next;
  }

  // ---- The drill's failover: the same handlers, with the drill's wiring.
  const executionName = drillName;
  const executionArn = `arn:aws:states:${region}:${account}:execution:UnderstudyDrill-drill-failover:${executionName}`;
  const alarm = { name: DRILL_ALARM_NAME, stateChangeTime: detectedAt };
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
    alarm: rehearsalAlarm(clock),
    plans: plansOf(f.preflight, 'preflight'),
    inventory: new DynamoDbInventoryRepository(ddb(f.preflight, 'preflight'), inventoryTable),
    quota: new AwsQuotaReader(
      quotaClient,
      world.client(CloudWatchClient, tagOf(f.preflight, 'preflight'), region),
      clock,
    ),
    records: records(f.preflight, 'preflight'),
    clock,
    settings,
  })({ executionName, executionArn, alarm, mode: 'manual' });
  if (!preflight.ok) throw new Error(`drill scenario: pre-flight ${preflight.reasons.join('; ')}`);
  // The drill's approval mode is configurable (`drill.approvalMode`): the manual path is replayed.
  await createFailoverRequestApprovalHandler({
    store: new DynamoDbApprovalStore(ddb(f.approval, 'request-approval'), failoverTable),
    notifier: new SnsApprovalNotifier(
      world.client(SNSClient, tagOf(f.approval, 'request-approval'), region),
      topicArn,
    ),
    clock,
    alarmRegion: env(f.approval, 'HEALTH_REGION'),
  })({
    taskToken: 'replay-drill-task-token',
    executionArn,
    executionName,
    alarm,
    planSummary: preflight.planSummary,
    timeoutSeconds: 3600,
  });
  const approval = { decision: 'approved', actor: 'replay', reason: 'drill', at: detectedAt };
  const leaseOf = (fn: AppFunction, step: string) =>
    new DynamoDbAuthorityLease(ddb(fn, step), leaseTable, { leaseId });
  const { epoch } = await createFailoverAcquireLeaseHandler({
    lease: leaseOf(f.lease, 'acquire-lease'),
    records: records(f.lease, 'acquire-lease'),
    clock,
    productionLease: productionLeaseOf(f.lease, 'acquire-lease'),
  })({ executionName, approval });
  const deployClients = world.sideClients(tagOf(f.deploy, 'deploy'), region);
  await createFailoverDeployHandler({
    plans: plansOf(f.deploy, 'deploy'),
    platform: awsAdapters(deployClients, { account, region }).platform,
    fleet: new AwsFailoverPlatform(
      deployClients.ecs,
      world.client(ElasticLoadBalancingV2Client, tagOf(f.deploy, 'deploy'), region),
    ),
    lease: leaseOf(f.deploy, 'deploy'),
    records: records(f.deploy, 'deploy'),
    clock,
    settings,
  })({ executionName, epoch, wave: 0, pageSize: 50 });
  const steadyClients = world.sideClients(tagOf(f.steady, 'steady-check'), region);
  runTasksMotoWouldNot(steadyClients.ecs);
  const steady = await createFailoverSteadyCheckHandler({
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
  if (steady.steady !== preflight.planSummary.services) {
    throw new Error(`drill scenario: ${steady.steady} of ${preflight.planSummary.services} steady`);
  }
  // No traffic route in a drill: the step reads the lease and records, and switches nothing.
  await createFailoverTrafficHandler({
    traffic: new AwsTrafficSwitch(
      world.client(CloudWatchClient, tagOf(f.traffic, 'traffic'), region),
      (endpoint) =>
        world.client(Route53RecoveryClusterClient, tagOf(f.traffic, 'traffic'), endpoint.region),
    ),
    lease: leaseOf(f.traffic, 'traffic'),
    records: records(f.traffic, 'traffic'),
    clock,
    settings,
  })({ executionName, epoch, wave: 0 });
  const recorded = await createFailoverRecordHandler({
    records: records(f.record, 'record'),
    clock,
    metrics: { publish() {} },
  })({ executionName, result: 'completed', approval });
  await world.dynalite.client.send(
    new PutItemCommand({ TableName: leaseTable, Item: failedOver.Item }),
  );

  // ---- Teardown: page until a whole pass finds nothing, then the lease and the history line.
  const teardownClients = world.sideClients(tagOf(f.teardown, 'teardown'), region);
  let cursor: string | null = null;
  let deletedInPass = 0;
  let deletedTotal = 0;
  for (let page = 0; page < 10; page += 1) {
    const torn = await createDrillTeardownHandler({
      cluster: drillCluster,
      drill: new AwsDrillPlatform(teardownClients.ecs),
      platform: awsAdapters(teardownClients, { account, region }).platform,
      lease: new DynamoDbAuthorityLease(ddb(f.teardown, 'teardown'), leaseTable, { leaseId }),
      history: new DynamoDbDrillHistory(ddb(f.teardown, 'teardown'), failoverTable),
      clock,
    })({
      drillName,
      failoverExecutionName: executionName,
      startedAt: detectedAt,
      cursor,
      deletedInPass,
      deletedTotal,
      result: { record: recorded },
    });
    if (torn.done) {
      if (!torn.record) throw new Error('drill scenario: teardown wrote no history line');
      if (torn.deletedTotal < 1) throw new Error('drill scenario: teardown deleted no twin');
      return;
    }
    cursor = torn.cursor;
    deletedInPass = torn.deletedInPass;
    deletedTotal = torn.deletedTotal;
  }
  throw new Error('drill scenario: teardown did not finish in 10 pages');
}
