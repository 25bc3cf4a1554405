/**
 * The clone-validate-store state machine on a laptop: the real ASL file, run by
 * aws-local-stepfunctions, with every Lambda task bound to the real handler over sandbox ports
 * (ECS/ECR/EC2 of a primary and a staging location) and the real DynamoDB repositories on
 * dynalite. Tests, `npm run bench:clone` and the local drill all build on this.
 */
import {
  type DynamoDBClient,
  PutItemCommand,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { DynamoDbCloneRunLog } from '../../functions/adapters/aws/dynamodb-clone-run-log';
import { DynamoDbForecastRepository } from '../../functions/adapters/aws/dynamodb-forecast-repository';
import { DynamoDbInventoryRepository } from '../../functions/adapters/aws/dynamodb-inventory-repository';
import { DynamoDbPlanRepository } from '../../functions/adapters/aws/dynamodb-plan-repository';
import {
  SANDBOX_PRIMARY,
  SANDBOX_STAGING,
  SandboxCloud,
  type SandboxCloudOptions,
} from '../../functions/adapters/sandbox';
import { SandboxDependencyProbe } from '../../functions/adapters/sandbox/dependency-probe';
import {
  type DynaliteHandle,
  type DynaliteTableNames,
  startDynalite,
} from '../../functions/adapters/sandbox/dynalite';
import {
  runStateMachine,
  type SdkIntegrationCall,
  type StateMachineBindings,
  type StateMachineRun,
  sdkIntegrationDispatcher,
} from '../../functions/adapters/sandbox/state-machine-runner';
import type { Location, ServiceKey } from '../../functions/core/model';
import type { LoggerLike } from '../../functions/core/ports';
import type { SideAdapters } from '../../functions/core/prebake/clone-steps';
import {
  ecrRegistryHost,
  imageSourcesOf,
  type PipelineSettings,
  parsePipelineSettings,
  stagingRegistry,
} from '../../functions/core/prebake/settings';
import { createCloneCopyImagesHandler } from '../../functions/handlers/clone-copy-images';
import { createCloneDescribeHandler } from '../../functions/handlers/clone-describe';
import { createClonePrepareHandler } from '../../functions/handlers/clone-prepare-service';
import {
  type CloneRunReport,
  createCloneRefreshPlanHandler,
} from '../../functions/handlers/clone-refresh-plan';
import { createCloneSelectHandler } from '../../functions/handlers/clone-select';
import { createCloneStageServiceHandler } from '../../functions/handlers/clone-stage-service';
import { createCloneStageHandler } from '../../functions/handlers/clone-stage-task-definition';
import { createCloneStoreHandler } from '../../functions/handlers/clone-store';
import { createCloneSyncNetworkHandler } from '../../functions/handlers/clone-sync-network';

/** The name of the ASL file. */
export const CLONE_STATE_MACHINE = 'clone-validate-store';

/** The name of the child workflow's ASL file (one execution per batch of services). */
export const CLONE_BATCH_STATE_MACHINE = 'clone-batch';

/** The child workflow's ARN the CDK would substitute (`${CloneBatchStateMachineArn}`). */
export const CLONE_BATCH_STATE_MACHINE_ARN = `arn:aws:states:${SANDBOX_STAGING.region}:${SANDBOX_STAGING.account}:stateMachine:understudy-clone-batch`;

/** Function ARNs the CDK would substitute, one per Lambda task. */
export const CLONE_FUNCTIONS = {
  SelectFunctionArn: 'understudy-clone-select',
  DescribeFunctionArn: 'understudy-clone-describe',
  CopyImagesFunctionArn: 'understudy-clone-copy-images',
  StageTaskDefinitionFunctionArn: 'understudy-clone-stage-task-definition',
  SyncNetworkFunctionArn: 'understudy-clone-sync-network',
  PrepareServiceFunctionArn: 'understudy-clone-prepare-service',
  StoreFunctionArn: 'understudy-clone-store',
  RefreshPlanFunctionArn: 'understudy-clone-refresh-plan',
  StageServiceFunctionArn: 'understudy-clone-stage-service',
} as const;

/** Every `${Placeholder}` of the parent ASL file. */
export function cloneSubstitutions(): Record<string, string> {
  return {
    SelectFunctionArn: CLONE_FUNCTIONS.SelectFunctionArn,
    RefreshPlanFunctionArn: CLONE_FUNCTIONS.RefreshPlanFunctionArn,
    CloneBatchStateMachineArn: CLONE_BATCH_STATE_MACHINE_ARN,
  };
}

/** Every `${Placeholder}` of the child (batch) ASL file. */
export function cloneBatchSubstitutions(inventoryTableName: string): Record<string, string> {
  const { RefreshPlanFunctionArn: _, ...steps } = CLONE_FUNCTIONS;
  return { ...steps, InventoryTableName: inventoryTableName };
}

/** A sandbox world to clone from and into. */
export interface LocalCloneWorld {
  readonly cloud: SandboxCloud;
  readonly primary: Location;
  readonly staging: Location;
  readonly probe: SandboxDependencyProbe;
  readonly dynamo: DynaliteHandle;
  readonly tables: DynaliteTableNames;
  readonly inventory: DynamoDbInventoryRepository;
  readonly plans: DynamoDbPlanRepository;
  readonly forecasts: DynamoDbForecastRepository;
  readonly settings: PipelineSettings;
  /** Every run report the refresh-plan step published. */
  readonly reports: CloneRunReport[];
  /** Items the `Record failure` SDK task wrote. */
  readonly failureItems: PutItemCommandInput[];
}

/** The sandbox half of a {@link LocalCloneWorld}: seeded clouds, dependencies and settings. */
export type SeededCloneWorld = Pick<
  LocalCloneWorld,
  'cloud' | 'primary' | 'staging' | 'probe' | 'settings'
>;

/** Options of {@link createLocalCloneWorld}. */
export interface LocalCloneWorldOptions {
  /** How many protected services to seed in the primary. @default 3 */
  readonly services?: number;
  readonly seed?: number;
  readonly cloud?: Omit<SandboxCloudOptions, 'seed'>;
  /** Layers per image (virtual sizes in bytes). @default [40 MiB, 8 MiB] */
  readonly layerSizes?: readonly number[];
  /** An already running dynalite (fresh tables are made in it). */
  readonly dynamo?: DynaliteHandle;
}

const MIB = 1024 * 1024;

/** Name of the i-th seeded service (`shop/svc-000`, …). */
export function seededServiceKey(index: number): ServiceKey {
  return `shop/svc-${String(index).padStart(3, '0')}`;
}

/**
 * Seeds a primary with `services` ECS services on Fargate (each with its own image, task
 * definition with a secret and awslogs, a security group referencing a shared ALB group, a
 * target group) and a staging location with a cluster, VPC, subnets and every dependency the
 * clones need; starts dynalite and wires the real repositories.
 */
export function seedCloneWorld(options: LocalCloneWorldOptions = {}): SeededCloneWorld {
  const count = options.services ?? 3;
  const cloud = new SandboxCloud({ seed: options.seed ?? 7, ...options.cloud });
  const primary = SANDBOX_PRIMARY;
  const staging = SANDBOX_STAGING;
  const probe = new SandboxDependencyProbe({
    platform: cloud.containerPlatform(staging),
    network: cloud.networkRules(staging),
  });

  cloud.createCluster(primary, 'shop');
  const primaryVpc = cloud.createVpc(primary, { cidr: '10.1.0.0/16', subnetCount: 2 });
  const albGroup = cloud.createSecurityGroup(primary, {
    vpcId: primaryVpc.vpcId,
    groupName: 'shop-alb',
    ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' }],
  });
  cloud.createCluster(staging, 'understudy');
  const stagingVpc = cloud.createVpc(staging, { cidr: '10.2.0.0/16', subnetCount: 2 });
  const stagingAlbGroup = cloud.createSecurityGroup(staging, {
    vpcId: stagingVpc.vpcId,
    groupName: 'understudy-alb',
  });

  const p = (service: string, resource: string) =>
    `arn:aws:${service}:${primary.region}:${primary.account}:${resource}`;
  const s = (service: string, resource: string) =>
    `arn:aws:${service}:${staging.region}:${staging.account}:${resource}`;
  const roles: Record<string, string> = {
    [`arn:aws:iam::${primary.account}:role/shop-execution`]: `arn:aws:iam::${staging.account}:role/understudy-shop-execution`,
    [`arn:aws:iam::${primary.account}:role/shop-task`]: `arn:aws:iam::${staging.account}:role/understudy-shop-task`,
  };
  const secrets: Record<string, string> = {};
  const targetGroups: Record<string, string> = {};
  const logGroups: Record<string, string> = { '/ecs/shop': '/understudy/shop' };
  for (const role of Object.values(roles)) probe.declare({ kind: 'role', id: role });
  probe.declare({ kind: 'log-group', id: '/understudy/shop' });
  for (const subnet of stagingVpc.subnetIds) probe.declare({ kind: 'subnet', id: subnet });

  const services: PipelineSettings['services'] = [];
  for (let index = 0; index < count; index += 1) {
    const key = seededServiceKey(index);
    const name = key.split('/')[1] as string;
    const image = cloud.pushImage(primary, {
      repository: `shop/${name}`,
      tag: 'v1',
      layers: (options.layerSizes ?? [40 * MIB, 8 * MIB]).map((sizeBytes) => ({ sizeBytes })),
    });
    const secret = p('secretsmanager', `secret:shop/${name}/db-AbCdEf`);
    secrets[secret] = s('secretsmanager', `secret:shop/${name}/db-XyZ123`);
    probe.declare({ kind: 'secret', id: secrets[secret] as string });
    const targetGroup = p('elasticloadbalancing', `targetgroup/${name}/0123456789abcdef`);
    targetGroups[targetGroup] = s(
      'elasticloadbalancing',
      `targetgroup/us-${name}/fedcba9876543210`,
    );
    probe.declare({ kind: 'target-group', id: targetGroups[targetGroup] as string });

    const group = cloud.createSecurityGroup(primary, {
      vpcId: primaryVpc.vpcId,
      groupName: `shop-${name}`,
      ingress: [
        { protocol: 'tcp', fromPort: 8080, toPort: 8080, referencedGroupId: albGroup },
        { protocol: 'tcp', fromPort: 9090, toPort: 9090, cidrIpv4: '10.1.0.0/16' },
      ],
      egress: [{ protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
    });
    const taskDefinition = cloud.registerTaskDefinition(primary, {
      family: `shop-${name}`,
      cpu: '512',
      memory: '1024',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      executionRoleArn: `arn:aws:iam::${primary.account}:role/shop-execution`,
      taskRoleArn: `arn:aws:iam::${primary.account}:role/shop-task`,
      containerDefinitions: [
        {
          name: 'app',
          image: `${image.reference.registry}/${image.reference.repository}:v1`,
          essential: true,
          portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
          environment: [{ name: 'MODE', value: 'production' }],
          secrets: [{ name: 'DB_PASSWORD', valueFrom: secret }],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': '/ecs/shop',
              'awslogs-region': primary.region,
              'awslogs-stream-prefix': name,
            },
          },
        },
      ],
    });
    cloud.createService(primary, {
      cluster: 'shop',
      serviceName: name,
      taskDefinition: taskDefinition.taskDefinitionArn,
      desiredCount: 2,
      launchType: 'FARGATE',
      networkConfiguration: {
        subnets: [...primaryVpc.subnetIds],
        securityGroups: [group],
        assignPublicIp: 'DISABLED',
      },
      loadBalancers: [{ targetGroupArn: targetGroup, containerName: 'app', containerPort: 8080 }],
      healthCheckGracePeriodSeconds: 30,
    });
    services.push({
      cluster: 'shop',
      service: name,
      dependsOn: index > 0 && index % 10 !== 0 ? [seededServiceKey(index - (index % 10))] : [],
      minTasks: 1,
      maxTasks: 10,
      targetUtilization: 0.6,
      capacityQuantile: 0.9,
      kmsKeys: [],
      stagingTier: 'config-only',
    });
  }

  const settings = parsePipelineSettings({
    source: primary,
    staging: {
      ...staging,
      registry: cloud.imageRegistry(staging).registry,
      cluster: 'understudy',
      vpcId: stagingVpc.vpcId,
      subnets: stagingVpc.subnetIds,
    },
    mappings: {
      roles,
      secrets,
      logGroups,
      targetGroups,
      securityGroups: { [albGroup]: stagingAlbGroup },
    },
    services,
  });

  return { cloud, primary, staging, probe, settings };
}

/** The repositories of a world, on one DynamoDB endpoint. */
export function cloneRepositories(
  client: DynamoDBClient,
  tables: DynaliteTableNames,
  clock: SandboxCloud['clock'],
): Pick<LocalCloneWorld, 'inventory' | 'plans' | 'forecasts'> {
  return {
    inventory: new DynamoDbInventoryRepository(client, tables.inventory, { clock }),
    plans: new DynamoDbPlanRepository(client, tables.inventory, { clock }),
    forecasts: new DynamoDbForecastRepository(client, tables.forecasts),
  };
}

/** {@link seedCloneWorld}, then dynalite (started, or fresh tables in `options.dynamo`) and the repositories. */
export async function createLocalCloneWorld(
  options: LocalCloneWorldOptions = {},
): Promise<LocalCloneWorld> {
  const seeded = seedCloneWorld(options);
  const dynamo = options.dynamo ?? (await startDynalite());
  const tables = options.dynamo ? await dynamo.createTables() : dynamo.tableNames;
  return {
    ...seeded,
    dynamo,
    tables,
    ...cloneRepositories(dynamo.client, tables, seeded.cloud.clock),
    reports: [],
    failureItems: [],
  };
}

/** Adapters of one side of the world. */
export function sideOf(world: Pick<LocalCloneWorld, 'cloud'>, location: Location): SideAdapters {
  return {
    platform: world.cloud.containerPlatform(location),
    registry: world.cloud.imageRegistry(location),
    network: world.cloud.networkRules(location),
  };
}

const quietLogger: LoggerLike = { debug() {}, info() {}, warn() {}, error() {} };

/** Binds every Task state of the ASL file to the real handlers over the world. */
export function cloneBindings(
  world: Pick<
    LocalCloneWorld,
    | 'cloud'
    | 'primary'
    | 'staging'
    | 'probe'
    | 'settings'
    | 'inventory'
    | 'plans'
    | 'forecasts'
    | 'reports'
    | 'failureItems'
    | 'tables'
  > & { readonly dynamo: { readonly client: DynamoDBClient } },
  options: { readonly logger?: LoggerLike } = {},
): StateMachineBindings {
  const logger = options.logger ?? quietLogger;
  const primary = sideOf(world, world.primary);
  const staging = sideOf(world, world.staging);
  const { settings, cloud } = world;
  if (stagingRegistry(settings) !== staging.registry.registry) {
    throw new Error('settings.staging.registry must be the sandbox staging registry');
  }
  return {
    lambdas: {
      [CLONE_FUNCTIONS.SelectFunctionArn]: createCloneSelectHandler({ settings }),
      [CLONE_FUNCTIONS.DescribeFunctionArn]: createCloneDescribeHandler({
        primary,
        images: imageSourcesOf(settings),
      }),
      [CLONE_FUNCTIONS.CopyImagesFunctionArn]: createCloneCopyImagesHandler({
        primaryRegistry: primary.registry,
        stagingRegistry: staging.registry,
        clock: cloud.clock,
        sources: {
          settings: imageSourcesOf(settings),
          // Central registries are sandbox locations; the copy reads them as staging would.
          central: Object.fromEntries(
            settings.images.centralRegistries.map((registry) => [
              ecrRegistryHost(registry),
              cloud.imageRegistry(registry),
            ]),
          ),
        },
      }),
      [CLONE_FUNCTIONS.StageTaskDefinitionFunctionArn]: createCloneStageHandler({
        stagingPlatform: staging.platform,
        settings,
      }),
      [CLONE_FUNCTIONS.SyncNetworkFunctionArn]: createCloneSyncNetworkHandler({
        stagingNetwork: staging.network,
        settings,
      }),
      [CLONE_FUNCTIONS.PrepareServiceFunctionArn]: createClonePrepareHandler({
        probe: world.probe,
        settings,
      }),
      [CLONE_FUNCTIONS.StoreFunctionArn]: createCloneStoreHandler({
        staging,
        probe: world.probe,
        inventory: world.inventory,
        logger,
      }),
      [CLONE_FUNCTIONS.StageServiceFunctionArn]: createCloneStageServiceHandler({
        stagingPlatform: staging.platform,
        settings,
      }),
      [CLONE_FUNCTIONS.RefreshPlanFunctionArn]: createCloneRefreshPlanHandler({
        inventory: world.inventory,
        runs: new DynamoDbCloneRunLog(world.dynamo.client, world.tables.inventory),
        plans: world.plans,
        forecasts: world.forecasts,
        clock: cloud.clock,
        settings,
        logger,
        metrics: { publish: (report) => world.reports.push(report) },
      }),
    },
    sdk: sdkIntegrationDispatcher({
      // "Record failure": the optimized DynamoDB integration, against the real table.
      'dynamodb:putItem': async (params) => {
        const input = params as unknown as PutItemCommandInput;
        // `Record batch outcomes` writes here too; only `Record failure` items are failures.
        if (input.Item?.kind?.S === 'clone-failure') world.failureItems.push(input);
        return world.dynamo.client.send(new PutItemCommand(input));
      },
    }),
  };
}

/** One child execution a local parent run started. */
export interface LocalBatchRun {
  readonly name: string;
  readonly input: Record<string, unknown>;
  readonly run: StateMachineRun;
}

let batchCounter = 0;

/**
 * `bindings` plus `states:startExecution.sync:2` of the clone-batch workflow: each call runs the
 * real child ASL locally with the same bindings (so an instrumented set instruments the children
 * too) and returns what Step Functions' `.sync:2` integration returns, the DescribeExecution
 * response with `Output` parsed; a child that does not succeed fails the task with
 * `States.TaskFailed`, its Error and Cause in the task's Cause, as Step Functions does.
 */
export function withBatchExecutions(
  bindings: StateMachineBindings,
  world: Pick<LocalCloneWorld, 'staging' | 'cloud' | 'tables'>,
  options: { readonly onBatchRun?: (run: LocalBatchRun) => void } = {},
): StateMachineBindings {
  const self: StateMachineBindings = {
    ...bindings,
    sdk: Object.assign(
      async (
        service: string,
        action: string,
        params: Record<string, unknown>,
        call: SdkIntegrationCall,
      ): Promise<unknown> => {
        if (service !== 'states' || action !== 'startExecution') {
          if (!bindings.sdk) throw new Error(`no local binding for ${service}:${action}`);
          return bindings.sdk(service, action, params, call);
        }
        if (call.pattern !== 'sync:2' || params.StateMachineArn !== CLONE_BATCH_STATE_MACHINE_ARN) {
          throw new Error(
            `only states:startExecution.sync:2 of ${CLONE_BATCH_STATE_MACHINE_ARN} is bound locally`,
          );
        }
        const input = (
          typeof params.Input === 'string' ? JSON.parse(params.Input) : (params.Input ?? {})
        ) as Record<string, unknown>;
        batchCounter += 1;
        const name = `batch-${batchCounter}`;
        const executionArn = `arn:aws:states:${world.staging.region}:${world.staging.account}:execution:understudy-clone-batch:${name}`;
        const startDate = new Date(world.cloud.clock.now()).toISOString();
        const run = await runStateMachine({
          context: { Execution: { Id: executionArn, Name: name, StartTime: startDate } },
          name: CLONE_BATCH_STATE_MACHINE,
          substitutions: cloneBatchSubstitutions(world.tables.inventory),
          input,
          bindings: self,
        });
        options.onBatchRun?.({ name, input, run });
        const description = {
          ExecutionArn: executionArn,
          StateMachineArn: CLONE_BATCH_STATE_MACHINE_ARN,
          Name: name,
          Status: run.status,
          StartDate: startDate,
          StopDate: new Date(world.cloud.clock.now()).toISOString(),
          Input: JSON.stringify(input),
          InputDetails: { Included: true },
        };
        if (run.status !== 'SUCCEEDED') {
          const error = new Error(
            JSON.stringify({
              ...description,
              ...(run.error ? { Error: run.error } : {}),
              ...(run.cause ? { Cause: run.cause } : {}),
            }),
          );
          error.name = 'States.TaskFailed';
          throw error;
        }
        return { ...description, Output: run.output, OutputDetails: { Included: true } };
      },
      // Everything the wrapped dispatcher runs, plus the child executions this one runs itself.
      { implements: new Set([...(bindings.sdk?.implements ?? []), 'states:startExecution']) },
    ),
  };
  return self;
}

/** The input a parent gives one child execution (the `Clone batch` task's `Input`). */
export interface CloneBatchInput {
  readonly request: {
    readonly trigger: string;
    readonly requestedBy: string;
    readonly services?: readonly string[];
  };
  readonly batch: { readonly index: number; readonly size: number };
  readonly trigger: string;
  readonly requestedBy: string;
  readonly tierHint: string;
  readonly expiresAt: number;
  /** The parent execution's name: the run the outcomes and failures are recorded under. */
  readonly run: string;
}

/** Runs the real clone-batch ASL (one child execution) directly over the world. */
export function runCloneBatch(
  world: LocalCloneWorld,
  input: CloneBatchInput,
  options: { readonly bindings?: StateMachineBindings; readonly logger?: LoggerLike } = {},
): Promise<StateMachineRun> {
  batchCounter += 1;
  const name = `direct-batch-${batchCounter}`;
  return runStateMachine({
    context: {
      Execution: {
        Id: `arn:aws:states:${world.staging.region}:${world.staging.account}:execution:understudy-clone-batch:${name}`,
        Name: name,
        StartTime: new Date(world.cloud.clock.now()).toISOString(),
      },
    },
    name: CLONE_BATCH_STATE_MACHINE,
    substitutions: cloneBatchSubstitutions(world.tables.inventory),
    input,
    bindings: options.bindings ?? cloneBindings(world, options),
  });
}

let runCounter = 0;

/** A local parent run and the child executions it started. */
export interface LocalCloneRun extends StateMachineRun {
  /** Every child (batch) execution, in the order they ended. */
  readonly batches: readonly LocalBatchRun[];
}

/** Every history event of a run: the parent's, then each child's. */
export function allEvents(run: LocalCloneRun): StateMachineRun['events'] {
  return [...run.events, ...run.batches.flatMap((batch) => batch.run.events)];
}

/** Runs the real clone-validate-store ASL over the world (its children: clone-batch). */
export async function runClonePipeline(
  world: LocalCloneWorld,
  input: {
    readonly services?: readonly string[];
    readonly trigger: string;
    readonly requestedBy?: string;
    /** The forecast decision of a forecast-triggered run (its tier warms the service). */
    readonly decision?: { readonly id: string; readonly recommendedTier?: string };
  },
  options: {
    /** Bindings of the step functions (child executions are bound on top of them). */
    readonly bindings?: StateMachineBindings;
    readonly logger?: LoggerLike;
    /** Called with every child execution the run started, when it ends. */
    readonly onBatchRun?: (run: LocalBatchRun) => void;
    /**
     * Keep every child's run (events included) in the result's `batches`; a benchmark of
     * thousands of services tallies them in `onBatchRun` instead.
     * @default true
     */
    readonly retainBatches?: boolean;
  } = {},
): Promise<LocalCloneRun> {
  runCounter += 1;
  const name = `local-${runCounter}-${input.trigger}`;
  const batches: LocalBatchRun[] = [];
  const onBatchRun = (batch: LocalBatchRun) => {
    if (options.retainBatches !== false) batches.push(batch);
    options.onBatchRun?.(batch);
  };
  const run = await runStateMachine({
    context: {
      Execution: {
        Id: `arn:aws:states:${world.staging.region}:${world.staging.account}:execution:${CLONE_STATE_MACHINE}:${name}`,
        Name: name,
        StartTime: new Date(world.cloud.clock.now()).toISOString(),
      },
    },
    name: CLONE_STATE_MACHINE,
    substitutions: cloneSubstitutions(),
    input,
    bindings: withBatchExecutions(options.bindings ?? cloneBindings(world, options), world, {
      onBatchRun,
    }),
  });
  return { ...run, batches };
}
