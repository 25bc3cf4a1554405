/**
 * Scenario: one clone of shop/web through every Lambda step of clone-validate-store, each step's
 * real handler (its `create…Handler` with the production adapters over recorded clients) as its
 * own execution role, in the order the workflow's Map iteration runs them; then the run's plan
 * refresh, a re-run (the staging service exists by then: the update path), the integrity check,
 * retention and clone-on-deploy, which read what the clone left behind.
 */

import {
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeregisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { CreateStateMachineCommand } from '@aws-sdk/client-sfn';
import { AwsDependencyProbe } from '../../../functions/adapters/aws/dependency-probe';
import { DynamoDbCloneRunLog } from '../../../functions/adapters/aws/dynamodb-clone-run-log';
import { DynamoDbForecastRepository } from '../../../functions/adapters/aws/dynamodb-forecast-repository';
import { DynamoDbInventoryRepository } from '../../../functions/adapters/aws/dynamodb-inventory-repository';
import { DynamoDbPlanRepository } from '../../../functions/adapters/aws/dynamodb-plan-repository';
import { SfnPipelineStarter } from '../../../functions/adapters/aws/sfn-pipeline-starter';
import { createTableInput } from '../../../functions/adapters/sandbox/dynalite';
import type { LoggerLike } from '../../../functions/core/ports';
import type { SideAdapters } from '../../../functions/core/prebake/clone-steps';
import {
  type PipelineSettings,
  parsePipelineSettings,
} from '../../../functions/core/prebake/settings';
import { createCloneCopyImagesHandler } from '../../../functions/handlers/clone-copy-images';
import { createCloneDescribeHandler } from '../../../functions/handlers/clone-describe';
import { createCloneOnDeployHandler } from '../../../functions/handlers/clone-on-deploy';
import { createClonePrepareHandler } from '../../../functions/handlers/clone-prepare-service';
import { createCloneRefreshPlanHandler } from '../../../functions/handlers/clone-refresh-plan';
import { createCloneRetentionHandler } from '../../../functions/handlers/clone-retention';
import { createCloneSelectHandler } from '../../../functions/handlers/clone-select';
import { createCloneStageServiceHandler } from '../../../functions/handlers/clone-stage-service';
import { createCloneStageHandler } from '../../../functions/handlers/clone-stage-task-definition';
import { createCloneStoreHandler } from '../../../functions/handlers/clone-store';
import { createCloneSyncNetworkHandler } from '../../../functions/handlers/clone-sync-network';
import { createIntegrityCheckHandler } from '../../../functions/handlers/integrity-check';
import { awsAdapters, clientConfig } from '../../../functions/shared/clients';
import { FORECAST_TABLE, INVENTORY_TABLE } from '../../../functions/shared/tables';
import { seedImage, seedPrimaryService, seedStagingLandingZone } from '../../support/clone-seed';
import { env } from '../support/moto-gaps';
import type { AppFunction, ReplayWorld } from '../support/world';

const quiet: LoggerLike = { debug() {}, info() {}, warn() {}, error() {} };
const clock = { now: () => Date.now(), sleep: async () => {} };

/** The pipeline settings a function of the app was synthesized with. */
export function settingsOf(fn: AppFunction): PipelineSettings {
  const json = fn.environment.UNDERSTUDY_PIPELINE_SETTINGS;
  if (!json) throw new Error(`${fn.logicalId}: no UNDERSTUDY_PIPELINE_SETTINGS`);
  return parsePipelineSettings(json);
}

/**
 * Runs the scenario in `world`, recording every call. `afterClones` runs once the service is
 * staged and validated (before retention and drift take that away): the failover scenario.
 */
export async function cloneValidateStore(
  world: ReplayWorld,
  options: { readonly afterClones?: (world: ReplayWorld) => Promise<void> } = {},
): Promise<void> {
  const f = {
    select: world.fn('ShadowManagerSelectFunction'),
    describe: world.fn('ShadowManagerDescribeFunction'),
    copy: world.fn('ShadowManagerCopyImagesFunction'),
    stageTd: world.fn('ShadowManagerStageTaskDefinitionFunction'),
    sync: world.fn('ShadowManagerSyncNetworkFunction'),
    prepare: world.fn('ShadowManagerPrepareServiceFunction'),
    store: world.fn('ShadowManagerStoreFunction'),
    stageService: world.fn('ShadowManagerStageServiceFunction'),
    refresh: world.fn('ShadowManagerRefreshPlanFunction'),
    onDeploy: world.fn('ShadowManagerOnDeployFunction'),
    integrity: world.fn('ShadowManagerIntegrityCheckFunction'),
    retention: world.fn('ShadowManagerRetentionFunction'),
  };
  const configured = settingsOf(f.select);
  const { source, staging } = configured;

  // ---- Seed (unrecorded): the primary service and the staging landing zone, as each account.
  const primarySeed = world.unrecordedClients(source.account, source.region);
  const image = seedImage(true);
  const registry = world.registry(primarySeed, source.account, source.region);
  for (const blob of image.blobs) {
    world.layers.put(source.account, source.region, 'shop/web', blob.digest, blob.bytes);
  }
  const primary = awsAdapters(primarySeed, source);
  const seeded = await seedPrimaryService(
    { ...primary, registry, ecs: primarySeed.ecs, ec2: primarySeed.ec2 },
    {
      region: source.region,
      cluster: 'shop',
      service: 'web',
      repository: 'shop/web',
      executionRoleArn: `arn:aws:iam::${source.account}:role/ecsTaskExecutionRole`,
      logGroup: '/ecs/shop',
      image,
    },
  );
  const stagingSeed = world.unrecordedClients(staging.account, staging.region);
  const landing = await seedStagingLandingZone(
    { ...stagingSeed, ...world.unrecordedProbeClients(staging.account, staging.region) },
    {
      cluster: staging.cluster,
      logGroup: '/ecs/shop-staging',
      executionRoleName: 'ecsTaskExecutionRole',
    },
  );
  // moto makes up VPC and subnet ids: run with them, evaluate with the configured ones.
  world.renames.set(landing.vpcId, staging.vpcId);
  world.renames.set(landing.subnetId, staging.subnets[0] ?? '');
  const settings: PipelineSettings = {
    ...configured,
    staging: { ...staging, vpcId: landing.vpcId, subnets: [landing.subnetId] },
  };
  const inventoryTable = env(f.store, 'INVENTORY_TABLE_NAME');
  const forecastTable = env(f.refresh, 'FORECASTS_TABLE_NAME');
  await world.dynalite.client.send(
    new CreateTableCommand(createTableInput(INVENTORY_TABLE, inventoryTable)),
  );
  await world.dynalite.client.send(
    new CreateTableCommand(createTableInput(FORECAST_TABLE, forecastTable)),
  );
  const cloneStateMachineArn = env(f.onDeploy, 'CLONE_STATE_MACHINE_ARN');
  await world.unrecordedSfn(staging.account, staging.region).send(
    new CreateStateMachineCommand({
      name: cloneStateMachineArn.split(':').pop(),
      definition: '{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}',
      roleArn: `arn:aws:iam::${staging.account}:role/replay-workflow`,
    }),
  );

  // ---- Helpers: each step's clients, recorded as that step's role.
  const tagOf = (fn: AppFunction, step: string) => ({
    principal: fn.principal,
    account: fn.account,
    step,
  });
  const stagingSideOf = (fn: AppFunction, step: string): SideAdapters => {
    const clients = world.sideClients(tagOf(fn, step), staging.region);
    return {
      ...awsAdapters(clients, staging),
      registry: world.registry(clients, staging.account, staging.region),
    };
  };
  const primarySideOf = (fn: AppFunction, step: string): SideAdapters => {
    const clients = world.primaryRead(
      tagOf(fn, step),
      env(fn, 'PRIMARY_READ_ROLE_ARN'),
      source.region,
    );
    return {
      ...awsAdapters(clients, source),
      registry: world.registry(clients, source.account, source.region),
    };
  };
  const probeOf = (fn: AppFunction, step: string) =>
    new AwsDependencyProbe(world.probeClients(tagOf(fn, step), staging.region));
  const inventoryOf = (fn: AppFunction, step: string) =>
    new DynamoDbInventoryRepository(
      world.dynamoDb(tagOf(fn, step), staging.region),
      env(fn, 'INVENTORY_TABLE_NAME'),
    );

  // ---- The parent's select, then the one clone-batch child's select for its batch (both the
  // same function), then the child's per-service steps for shop/web.
  const select = createCloneSelectHandler({ settings });
  const selection = await select({ services: ['shop/web'], trigger: 'manual' });
  if (!('batches' in selection)) throw new Error('select returned no batches');
  const [batch] = selection.batches;
  if (!batch) throw new Error('select returned no batch');
  const batchSelection = await select({ request: selection.request, batch });
  if (!('services' in batchSelection)) throw new Error('batch select returned no services');
  const [item] = batchSelection.services;
  if (!item) throw new Error('select returned no service');
  // The child's "Record batch outcomes" PutItem is the batch state machine's own call (checked
  // in the state-machines scenario); here it only seeds what the refresh step reads.
  const outcomes = new DynamoDBClient({
    ...clientConfig({ endpoint: world.dynalite.endpoint, region: staging.region, maxAttempts: 1 }),
    credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
  });
  let runs = 0;
  const run = async (label: string) => {
    const state: Record<string, unknown> = {
      service: item,
      trigger: selection.trigger,
      requestedBy: selection.requestedBy,
      tierHint: selection.tierHint,
    };
    state.source = await createCloneDescribeHandler({
      primary: primarySideOf(f.describe, `describe${label}`),
    })(state);
    const copy = createCloneCopyImagesHandler({
      primaryRegistry: primarySideOf(f.copy, `copy-images${label}`).registry,
      stagingRegistry: stagingSideOf(f.copy, `copy-images${label}`).registry,
      clock,
      kmsKeyArn: env(f.copy, 'STAGED_IMAGES_KMS_KEY_ARN'),
    });
    let images = await copy(state);
    for (let round = 0; !images.done && round < 5; round += 1) images = await copy(state);
    state.images = images;
    state.taskDefinition = await createCloneStageHandler({
      stagingPlatform: stagingSideOf(f.stageTd, `stage-task-definition${label}`).platform,
      settings,
    })(state);
    state.network = await createCloneSyncNetworkHandler({
      stagingNetwork: stagingSideOf(f.sync, `sync-network${label}`).network,
      settings,
    })(state);
    state.prepared = await createClonePrepareHandler({
      probe: probeOf(f.prepare, `prepare-service${label}`),
      settings,
    })(state);
    const stored = await createCloneStoreHandler({
      staging: stagingSideOf(f.store, `store${label}`),
      probe: probeOf(f.store, `store${label}`),
      inventory: inventoryOf(f.store, `store${label}`),
      logger: quiet,
    })(state);
    await createCloneStageServiceHandler({
      stagingPlatform: stagingSideOf(f.stageService, `stage-service${label}`).platform,
      settings,
    })(state);
    runs += 1;
    const runId = `replay-run-${runs}`;
    await outcomes.send(
      new PutItemCommand({
        TableName: env(f.refresh, 'INVENTORY_TABLE_NAME'),
        Item: {
          pk: { S: `RUN#${runId}` },
          sk: { S: `BATCH#${batch.index}` },
          kind: { S: 'clone-run-batch' },
          outcomes: { S: JSON.stringify([stored]) },
          execution: { S: `replay-batch-${runs}` },
          expiresAt: { N: String(selection.expiresAt) },
        },
      }),
    );
    const refreshDdb = world.dynamoDb(tagOf(f.refresh, `refresh-plan${label}`), staging.region);
    const inventoryTable = env(f.refresh, 'INVENTORY_TABLE_NAME');
    await createCloneRefreshPlanHandler({
      inventory: new DynamoDbInventoryRepository(refreshDdb, inventoryTable),
      runs: new DynamoDbCloneRunLog(refreshDdb, inventoryTable),
      plans: new DynamoDbPlanRepository(refreshDdb, inventoryTable),
      forecasts: new DynamoDbForecastRepository(refreshDdb, forecastTable),
      clock,
      settings,
      logger: quiet,
      metrics: { publish() {} },
    })({ trigger: selection.trigger, run: runId, batches: [{ batch: batch.index, services: 1 }] });
  };
  await run('');

  // Between runs the primary changes: a new build deployed as a new revision, ingress moved to 8443 and
  // an egress rule added, and both services get auto scaling. The re-run then takes every
  // update path: a new digest and revision, rules added and revoked, the staging service
  // updated (its scaling described), a second clone version for retention to work on.
  const rebuilt = seedImage(true, 2);
  for (const blob of rebuilt.blobs) {
    world.layers.put(source.account, source.region, 'shop/web', blob.digest, blob.bytes);
  }
  await registry.putManifest(
    'shop/web',
    {
      digest: rebuilt.digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      bytes: rebuilt.manifest,
    },
    'v2',
  );
  // Deployed as the primary's pipeline would: a new revision on :v2, the service moved to it.
  const {
    taskDefinitionArn: _arn,
    revision: _rev,
    status: _status,
    registeredAt: _at,
    tags: _tags,
    ...spec
  } = await primary.platform.describeTaskDefinition(seeded.taskDefinitionArn);
  const redeployed = await primary.platform.registerTaskDefinition(
    {
      ...spec,
      containerDefinitions: spec.containerDefinitions.map((c) => ({
        ...c,
        image: c.image.replace(/:v1$/, ':v2'),
      })),
    },
    [],
  );
  await primarySeed.ecs.send(
    new UpdateServiceCommand({
      cluster: 'shop',
      service: 'web',
      taskDefinition: redeployed.taskDefinitionArn,
    }),
  );
  await primary.network.syncRules(seeded.groupId, {
    ingress: [{ protocol: 'tcp', fromPort: 8443, toPort: 8443, cidrIpv4: '10.1.0.0/16' }],
    egress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' }],
  });
  // Only the primary is seeded: the re-run's stage-service step puts the cloned bounds and
  // policy on the staging service itself (applyScaling), as its role.
  for (const [clients, cluster] of [[primarySeed, 'shop']] as const) {
    const resourceId = `service/${cluster}/web`;
    await clients.autoScaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'ecs',
        ResourceId: resourceId,
        ScalableDimension: 'ecs:service:DesiredCount',
        MinCapacity: 2,
        MaxCapacity: 20,
      }),
    );
    await clients.autoScaling.send(
      new PutScalingPolicyCommand({
        PolicyName: 'cpu60',
        ServiceNamespace: 'ecs',
        ResourceId: resourceId,
        ScalableDimension: 'ecs:service:DesiredCount',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 60,
          PredefinedMetricSpecification: {
            PredefinedMetricType: 'ECSServiceAverageCPUUtilization',
          },
        },
      }),
    );
  }
  await run(' (re-run)');
  // And the most common run of all: nothing changed, the staging service already scales, so
  // describing it reads its scaling policy too.
  await run(' (unchanged)');
  await options.afterClones?.(world);

  // ---- Retention with one version kept: version 1 goes, with the image and revision only it used.
  const retentionStaging = stagingSideOf(f.retention, 'retention');
  await createCloneRetentionHandler({
    settings: { ...settings, retention: { keepVersions: 1, minAgeDays: 0 } },
    inventory: inventoryOf(f.retention, 'retention'),
    stagingRegistry: retentionStaging.registry,
    stagingPlatform: retentionStaging.platform,
    clock: { now: () => Date.now() + 1_000 },
    logger: quiet,
  })({ source: 'aws.events', 'detail-type': 'Scheduled Event' });

  // ---- Integrity check after drift: the staged revision was deregistered behind our back, so
  // the check marks the clone invalid and starts a re-clone.
  const latest = await new DynamoDbInventoryRepository(
    world.dynalite.client,
    inventoryTable,
  ).listVersions('shop/web');
  const newest = latest.at(-1);
  if (newest) {
    await stagingSeed.ecs.send(
      new DeregisterTaskDefinitionCommand({
        taskDefinition: newest.content.stagedTaskDefinitionArn,
      }),
    );
  }
  const integrityStaging = stagingSideOf(f.integrity, 'integrity-check');
  await createIntegrityCheckHandler({
    primary: primarySideOf(f.integrity, 'integrity-check'),
    staging: integrityStaging,
    probe: probeOf(f.integrity, 'integrity-check'),
    inventory: inventoryOf(f.integrity, 'integrity-check'),
    starter: new SfnPipelineStarter({
      stateMachineArn: env(f.integrity, 'CLONE_STATE_MACHINE_ARN'),
      client: world.sfn(tagOf(f.integrity, 'integrity-check'), staging.region),
    }),
    settings,
    clock,
    logger: quiet,
    metrics: { publish() {} },
  })({ time: new Date().toISOString(), source: 'aws.events', 'detail-type': 'Scheduled Event' });

  // ---- A primary deployment event re-clones shop/web.
  await createCloneOnDeployHandler({
    settings,
    inventory: inventoryOf(f.onDeploy, 'clone-on-deploy'),
    starter: new SfnPipelineStarter({
      stateMachineArn: cloneStateMachineArn,
      client: world.sfn(tagOf(f.onDeploy, 'clone-on-deploy'), staging.region),
    }),
    logger: quiet,
  })({
    version: '0',
    id: 'replay-deploy-event',
    'detail-type': 'ECS Deployment State Change',
    source: 'aws.ecs',
    account: source.account,
    time: new Date().toISOString(),
    region: source.region,
    resources: [`arn:aws:ecs:${source.region}:${source.account}:service/shop/web`],
    detail: {
      eventType: 'INFO',
      eventName: 'SERVICE_DEPLOYMENT_COMPLETED',
      deploymentId: 'ecs-svc/1',
    },
  });
}
