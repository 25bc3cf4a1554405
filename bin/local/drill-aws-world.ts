/**
 * The drill deployment on a laptop: the real drill wrapper ASL (`statemachines/drill.asl.json`)
 * run by aws-local-stepfunctions over a pre-baked failover world, its prepare and teardown Lambda
 * tasks bound to the real drill handlers, its `states:startExecution.sync:2` child bound to the
 * real failover ASL files run with the drill's parts: the plan redirected to the drill cluster,
 * the rehearsal alarm, the drill lease (`LEASE#drill` of the same lease table, on dynalite), its
 * own RTO records and no traffic route. Production's cluster, lease and traffic are the world's
 * own, so a test can assert a drill never touched them.
 */
import { DynamoDbAuthorityLease } from '../../functions/adapters/aws/dynamodb-authority-lease';
import {
  MemoryDrillHistory,
  SandboxDrillPlatform,
} from '../../functions/adapters/sandbox/drill-platform';
import {
  MemoryFailoverRecordStore,
  RepositoryPlanPages,
} from '../../functions/adapters/sandbox/failover-ports';
import type { JsonValue } from '../../functions/adapters/sandbox/state-machine-definition';
import {
  runStateMachine,
  type SdkIntegrationCall,
  type StateMachineBindings,
  type StateMachineRun,
} from '../../functions/adapters/sandbox/state-machine-runner';
import { rehearsalAlarm } from '../../functions/core/drill/alarm';
import type { ProductionLeaseReader } from '../../functions/core/drill/guard';
import { drillPlanPages } from '../../functions/core/drill/plan';
import { DEFAULT_FAILOVER_SETTINGS } from '../../functions/core/failover/settings';
import type { AuthorityLease } from '../../functions/core/ports';
import { createDrillPrepareHandler } from '../../functions/handlers/drill-prepare';
import { createDrillTeardownHandler } from '../../functions/handlers/drill-teardown';
import { DEFAULT_DRILL_LEASE_ID } from '../../functions/shared/drill-env';
import type { DrillMetrics } from '../../functions/shared/workflow-metrics';
import {
  DEFAULT_FAILOVER_CONFIG,
  FAILOVER_STATE_MACHINE,
  type FailoverConfig,
  failoverBindings,
  failoverSubstitutions,
  type LocalFailoverWorld,
  leaseWithLatency,
  type RunFailoverOptions,
} from './failover-world';

/** The wrapper's ASL file. */
export const DRILL_STATE_MACHINE = 'drill';

/** The drill cluster of the local drill deployment (`drill.cluster`'s default). */
export const DRILL_CLUSTER = 'understudy-drill';

/** The drill deployment's failover state machine (`${FailoverStateMachineArn}`). */
export const DRILL_FAILOVER_ARN =
  'arn:aws:states:eu-central-1:222222222222:stateMachine:understudy-drill-failover';

/** Function names the CDK would substitute. */
export const DRILL_FUNCTIONS = {
  PrepareFunctionArn: 'understudy-drill-prepare',
  TeardownFunctionArn: 'understudy-drill-teardown',
} as const;

/** `${Placeholder}` values of the wrapper. */
export function drillSubstitutions(pageSize = 50): Record<string, string> {
  return {
    ...DRILL_FUNCTIONS,
    FailoverStateMachineArn: DRILL_FAILOVER_ARN,
    DrillAlarmName: 'understudy-drill-rehearsal',
    PreparePageSize: String(pageSize),
  };
}

/** A failover world with the drill deployment's parts beside production's. */
export interface LocalDrillWorld {
  /** Production: the staging cluster, the production lease, traffic. */
  readonly world: LocalFailoverWorld;
  /** The drill lease (`LEASE#drill`), as the drill's handlers see it. */
  readonly drillLease: DynamoDbAuthorityLease;
  readonly drillPlatform: SandboxDrillPlatform;
  readonly history: MemoryDrillHistory;
  /** The drill deployment's own RTO records. */
  readonly drillRecords: MemoryFailoverRecordStore;
}

/** Adds the drill deployment (its cluster, lease, history) to a pre-baked failover world. */
export function drillWorldOf(world: LocalFailoverWorld): LocalDrillWorld {
  const { cloud, staging } = world;
  if (!cloud.state(staging).ecs.listClusters().includes(DRILL_CLUSTER)) {
    cloud.createCluster(staging, DRILL_CLUSTER);
  }
  return {
    world,
    drillLease: new DynamoDbAuthorityLease(world.dynamo.client, world.tables.lease, {
      clock: cloud.clock,
      leaseId: DEFAULT_DRILL_LEASE_ID,
    }),
    drillPlatform: new SandboxDrillPlatform(cloud, staging),
    history: new MemoryDrillHistory(),
    drillRecords: new MemoryFailoverRecordStore(cloud.clock),
  };
}

/** What one local drill returns. */
export interface LocalDrillRun extends StateMachineRun {
  readonly drillName: string;
  /** The drill's failover child, when it ran. */
  readonly failover?: StateMachineRun;
}

/** Options of {@link runDrill}. */
export interface RunDrillOptions {
  /** The drill failover's configuration. @default approval auto (a drill is a rehearsal) */
  readonly config?: Partial<FailoverConfig>;
  /** The wrapper's input (`{}` as the console sends, or `{ teardownOnly: true }`). */
  readonly input?: Record<string, unknown>;
  /** Passed to the drill failover's bindings (faults between deploy pages, …). */
  readonly failover?: Pick<RunFailoverOptions, 'beforeDeployPage'>;
  /** Wraps the teardown handler (to inject failures its Retry must absorb). */
  readonly wrapTeardown?: (
    teardown: (event: unknown) => Promise<unknown>,
  ) => (event: unknown) => Promise<unknown>;
  readonly drillName?: string;
  /** Where the teardown publishes the drill's durations (EMF on AWS). */
  readonly drillMetrics?: DrillMetrics;
}

let drillCounter = 0;

/** The wrapper's bindings over `drill`; `failover()` is the drill failover child once it ran. */
export function drillBindings(
  drill: LocalDrillWorld,
  options: RunDrillOptions = {},
): {
  readonly bindings: StateMachineBindings;
  readonly failover: () => StateMachineRun | undefined;
} {
  const { world } = drill;
  const { cloud, staging } = world;
  const clock = cloud.clock;
  const platform = cloud.containerPlatform(staging);
  const plans = drillPlanPages(new RepositoryPlanPages(world.plans), DRILL_CLUSTER);
  const lease: AuthorityLease = leaseWithLatency(drill.drillLease, clock);
  // Production's lease, read only (each GetItem at the lease's latency, as the drill's own).
  const productionLease: ProductionLeaseReader = {
    peek: async () => {
      await clock.sleep(5);
      return world.lease.peek();
    },
  };
  const prepare = createDrillPrepareHandler({ plans, platform, clock, productionLease });
  const teardown = createDrillTeardownHandler({
    cluster: DRILL_CLUSTER,
    drill: drill.drillPlatform,
    platform,
    lease,
    history: drill.history,
    clock,
    ...(options.drillMetrics ? { metrics: options.drillMetrics } : {}),
  });
  // The drill's failover: the same handlers over the drill's parts (its own records, no traffic).
  const drillFailoverWorld: LocalFailoverWorld = {
    ...world,
    records: drill.drillRecords,
    failoverSettings: { ...DEFAULT_FAILOVER_SETTINGS, traffic: {} },
    notifications: [],
    approvalRequests: [],
  };
  let failover: StateMachineRun | undefined;
  const bindings: StateMachineBindings = {
    lambdas: {
      [DRILL_FUNCTIONS.PrepareFunctionArn]: prepare,
      [DRILL_FUNCTIONS.TeardownFunctionArn]: options.wrapTeardown
        ? options.wrapTeardown(teardown)
        : teardown,
    },
    sdk: Object.assign(
      async (
        service: string,
        action: string,
        params: Record<string, unknown>,
        call: SdkIntegrationCall,
      ): Promise<unknown> => {
        if (service !== 'states' || action !== 'startExecution' || call.pattern !== 'sync:2') {
          throw new Error(`no local binding for ${service}:${action}`);
        }
        if (params.StateMachineArn !== DRILL_FAILOVER_ARN) {
          // The wrapper may start the drill's failover only, never production's.
          throw new Error(`the drill may start only ${DRILL_FAILOVER_ARN}`);
        }
        const input = (
          typeof params.Input === 'string' ? JSON.parse(params.Input) : params.Input
        ) as Record<string, unknown>;
        const name = String(params.Name);
        const executionArn = `arn:aws:states:${staging.region}:${staging.account}:execution:understudy-drill-failover:${name}`;
        const startDate = new Date(clock.now()).toISOString();
        const waves: StateMachineRun[] = [];
        failover = await runStateMachine({
          context: {
            Execution: { Id: executionArn, Name: name, StartTime: startDate },
            State: { EnteredTime: startDate },
            Task: { Token: `local-token-${name}` },
          } as never,
          name: FAILOVER_STATE_MACHINE,
          substitutions: failoverSubstitutions({
            ...DEFAULT_FAILOVER_CONFIG,
            approvalMode: 'auto',
            ...options.config,
          }),
          input,
          bindings: failoverBindings(
            drillFailoverWorld,
            {
              lease,
              plans,
              alarm: rehearsalAlarm(clock),
              productionLease,
              ...(options.failover ?? {}),
            },
            waves,
          ),
        });
        const description = {
          ExecutionArn: executionArn,
          StateMachineArn: DRILL_FAILOVER_ARN,
          Name: name,
          Status: failover.status,
          StartDate: startDate,
          StopDate: new Date(clock.now()).toISOString(),
        };
        if (failover.status !== 'SUCCEEDED') {
          const error = new Error(
            JSON.stringify({ ...description, Error: failover.error, Cause: failover.cause }),
          );
          error.name = 'States.TaskFailed';
          throw error;
        }
        return { ...description, Output: failover.output as JsonValue };
      },
      { implements: new Set(['states:startExecution']) },
    ),
  };
  return { bindings, failover: () => failover };
}

/** Runs the drill wrapper to its end over `drill`. */
export async function runDrill(
  drill: LocalDrillWorld,
  options: RunDrillOptions = {},
): Promise<LocalDrillRun> {
  const { cloud, staging } = drill.world;
  drillCounter += 1;
  const drillName = options.drillName ?? `drill-${drillCounter}`;
  const { bindings, failover: failoverRun } = drillBindings(drill, options);
  const startTime = new Date(cloud.clock.now()).toISOString();
  const run = await runStateMachine({
    context: {
      Execution: {
        Id: `arn:aws:states:${staging.region}:${staging.account}:execution:understudy-drill:${drillName}`,
        Name: drillName,
        StartTime: startTime,
      },
    } as never,
    name: DRILL_STATE_MACHINE,
    substitutions: drillSubstitutions(),
    input: options.input ?? {},
    bindings,
  });
  const failover = failoverRun();
  return { ...run, drillName, ...(failover ? { failover } : {}) };
}
