/**
 * The failover workflow on a laptop: a pre-baked estate made by the real clone pipeline
 * (`bin/local/clone-pipeline.ts`), then the real failover ASL files run by aws-local-stepfunctions
 * with every Lambda task bound to the real failover handlers over sandbox ports, the real lease
 * on dynalite, SNS notifications collected, the approval step bound per scenario and the wave
 * child executions (`states:startExecution.sync:2`) run locally. Tests, the drill (`npm run drill`) and `npm run
 * bench:failover` build on this.
 *
 * Wait states take no virtual time in the local runner, so the steady-check binding first sleeps
 * the `waitSeconds` the preceding Wait state waited, on the sandbox's virtual clock: the modelled
 * time of the workflow then includes its polling.
 */

import { DynamoDbAuthorityLease } from '../../functions/adapters/aws/dynamodb-authority-lease';
import type { DynaliteHandle } from '../../functions/adapters/sandbox/dynalite';
import {
  MemoryFailoverRecordStore,
  RepositoryPlanPages,
  SandboxFailoverPlatform,
  SandboxQuorumAlarm,
  SandboxQuotaReader,
  SandboxTrafficSwitch,
} from '../../functions/adapters/sandbox/failover-ports';
import type { FaultPlan } from '../../functions/adapters/sandbox/faults';
import type { JsonValue } from '../../functions/adapters/sandbox/state-machine-definition';
import {
  runStateMachine,
  type SdkIntegrationCall,
  type StateMachineBindings,
  type StateMachineRun,
} from '../../functions/adapters/sandbox/state-machine-runner';
import type { ProductionLeaseReader } from '../../functions/core/drill/guard';
import type { PlanPages, QuorumAlarm } from '../../functions/core/failover/ports';
import {
  DEFAULT_FAILOVER_SETTINGS,
  type FailoverSettings,
} from '../../functions/core/failover/settings';
import type { Location } from '../../functions/core/model';
import type { AuthorityLease, Clock } from '../../functions/core/ports';
import { createFailoverAcquireLeaseHandler } from '../../functions/handlers/failover-acquire-lease';
import { createFailoverDeployHandler } from '../../functions/handlers/failover-deploy';
import { createFailoverPreflightHandler } from '../../functions/handlers/failover-preflight';
import {
  createFailoverRecordHandler,
  type FailoverMetrics,
} from '../../functions/handlers/failover-record';
import { createFailoverSteadyCheckHandler } from '../../functions/handlers/failover-steady-check';
import { createFailoverTrafficHandler } from '../../functions/handlers/failover-traffic';
import type { LeaseMetrics } from '../../functions/shared/workflow-metrics';
import {
  createLocalCloneWorld,
  type LocalCloneRun,
  type LocalCloneWorld,
  type LocalCloneWorldOptions,
  runClonePipeline,
} from './clone-pipeline';

/** The parent and child ASL files. */
export const FAILOVER_STATE_MACHINE = 'failover';
export const FAILOVER_WAVE_STATE_MACHINE = 'failover-wave';

/** The child's ARN (`${WaveStateMachineArn}`). */
export const FAILOVER_WAVE_ARN =
  'arn:aws:states:eu-central-1:222222222222:stateMachine:understudy-failover-wave';

/** Function names the CDK would substitute. */
export const FAILOVER_FUNCTIONS = {
  PreflightFunctionArn: 'understudy-failover-preflight',
  RequestApprovalFunctionArn: 'understudy-failover-request-approval',
  AcquireLeaseFunctionArn: 'understudy-failover-acquire-lease',
  RecordFunctionArn: 'understudy-failover-record',
  DeployFunctionArn: 'understudy-failover-deploy',
  SteadyCheckFunctionArn: 'understudy-failover-steady-check',
  TrafficFunctionArn: 'understudy-failover-traffic',
} as const;

/** The quorum alarm's name in every scenario. */
export const QUORUM_ALARM = 'understudy-authority-quorum';

/** The health region (never the primary's). */
export const HEALTH_REGION: Location = { account: '222222222222', region: 'us-west-2' };

/** Configuration of one failover deployment (the parent's non-ARN placeholders). */
export interface FailoverConfig {
  readonly approvalMode: 'auto' | 'manual';
  readonly approvalTimeoutSeconds: number;
  readonly approvalTimeoutOutcome: 'approved' | 'declined';
  readonly partialFailureThreshold: number;
  readonly serviceTimeoutSeconds: number;
  readonly pageSize: number;
}

/** Defaults: manual approval, decline on timeout, 10 % tolerated failures, 15 min per service. */
export const DEFAULT_FAILOVER_CONFIG: FailoverConfig = {
  approvalMode: 'manual',
  approvalTimeoutSeconds: 3600,
  approvalTimeoutOutcome: 'declined',
  partialFailureThreshold: 0.1,
  serviceTimeoutSeconds: 900,
  pageSize: 50,
};

/** `${Placeholder}` values of the parent. */
export function failoverSubstitutions(config: FailoverConfig): Record<string, string> {
  return {
    PreflightFunctionArn: FAILOVER_FUNCTIONS.PreflightFunctionArn,
    RequestApprovalFunctionArn: FAILOVER_FUNCTIONS.RequestApprovalFunctionArn,
    AcquireLeaseFunctionArn: FAILOVER_FUNCTIONS.AcquireLeaseFunctionArn,
    RecordFunctionArn: FAILOVER_FUNCTIONS.RecordFunctionArn,
    WaveStateMachineArn: FAILOVER_WAVE_ARN,
    NotificationTopicArn: 'arn:aws:sns:eu-central-1:222222222222:understudy-failover',
    ApprovalMode: config.approvalMode,
    ApprovalTimeoutSeconds: String(config.approvalTimeoutSeconds),
    ApprovalTimeoutOutcome: config.approvalTimeoutOutcome,
    PartialFailureThreshold: String(config.partialFailureThreshold),
    ServiceTimeoutSeconds: String(config.serviceTimeoutSeconds),
    DeployPageSize: String(config.pageSize),
  };
}

/** `${Placeholder}` values of the child. */
export function failoverWaveSubstitutions(): Record<string, string> {
  return {
    DeployFunctionArn: FAILOVER_FUNCTIONS.DeployFunctionArn,
    SteadyCheckFunctionArn: FAILOVER_FUNCTIONS.SteadyCheckFunctionArn,
    TrafficFunctionArn: FAILOVER_FUNCTIONS.TrafficFunctionArn,
  };
}

/** A published notification. */
export interface Notification {
  readonly subject: string;
  readonly message: Record<string, unknown>;
}

/** The approval decision as the approval step resolves it. */
export interface ApprovalDecision {
  readonly decision: 'approved' | 'declined';
  readonly actor: string;
  readonly reason: string;
  readonly at: string;
}

/** How the approval step behaves in a scenario: resolve with a decision, or throw (timeout…). */
export type ApprovalBehaviour = (payload: Record<string, unknown>) => Promise<ApprovalDecision>;

/** An approval that approves at once. */
export const approveAt =
  (clock: Clock, actor = 'oncall@example.com'): ApprovalBehaviour =>
  async () => ({
    decision: 'approved',
    actor,
    reason: 'region outage confirmed',
    at: new Date(clock.now()).toISOString(),
  });

/** A local failover world: a pre-baked estate and the failover's ports. */
export interface LocalFailoverWorld extends LocalCloneWorld {
  readonly lease: DynamoDbAuthorityLease;
  readonly alarm: SandboxQuorumAlarm;
  readonly quota: SandboxQuotaReader;
  readonly fleet: SandboxFailoverPlatform;
  readonly traffic: SandboxTrafficSwitch;
  readonly records: MemoryFailoverRecordStore;
  readonly notifications: Notification[];
  /** Approval payloads the approval step received. */
  readonly approvalRequests: Record<string, unknown>[];
  failoverSettings: FailoverSettings;
}

/** Options of {@link createLocalFailoverWorld}. */
export interface LocalFailoverWorldOptions extends LocalCloneWorldOptions {
  readonly dynamo: DynaliteHandle;
  /** Pre-bake the estate with the clone pipeline. @default true */
  readonly prebake?: boolean;
}

/** A clone world, pre-baked (unless told not to), with the failover's ports around it. */
export async function createLocalFailoverWorld(
  options: LocalFailoverWorldOptions,
): Promise<LocalFailoverWorld> {
  const clone = await createLocalCloneWorld(options);
  if (options.prebake !== false) await prebakeAll(clone, options.services ?? 3, 'prebake');
  return failoverWorldOf(clone);
}

/**
 * Runs the clone pipeline until every protected service is in the plan (at most 10 rounds). A
 * round can leave a few services uncloned (the local runner retries a throttled step without
 * backoff, so a step can burn its retries in one virtual instant); the pipeline is idempotent,
 * so the next round clones only what is missing — what an operator or the scheduled re-run does.
 */
export async function prebakeAll(
  world: LocalCloneWorld,
  services: number,
  requestedBy: string,
  bindings?: StateMachineBindings,
): Promise<LocalCloneRun[]> {
  const runs: LocalCloneRun[] = [];
  let missing: string[] | undefined;
  for (let round = 0; round < 10; round += 1) {
    const run = await runClonePipeline(
      world,
      { trigger: 'manual', requestedBy, ...(missing ? { services: missing } : {}) },
      bindings ? { bindings } : {},
    );
    if (run.status !== 'SUCCEEDED') throw new Error(`pre-bake failed: ${run.error} ${run.cause}`);
    runs.push(run);
    const planned = new Set((await world.plans.getPlan()).entries.map((entry) => entry.service));
    missing = world.settings.services
      .map((service) => `${service.cluster}/${service.service}`)
      .filter((key) => !planned.has(key));
    if (planned.size >= services && missing.length === 0) return runs;
  }
  throw new Error(`pre-bake left services out of the plan after ${runs.length} rounds`);
}

/** The failover's ports around a clone world (no I/O: the bindings check builds one too). */
export function failoverWorldOf(clone: LocalCloneWorld): LocalFailoverWorld {
  const { cloud, staging } = clone;
  return {
    ...clone,
    lease: new DynamoDbAuthorityLease(clone.dynamo.client, clone.tables.lease, {
      clock: cloud.clock,
    }),
    alarm: new SandboxQuorumAlarm(cloud, HEALTH_REGION),
    quota: new SandboxQuotaReader(cloud, staging),
    fleet: new SandboxFailoverPlatform(cloud, staging),
    traffic: new SandboxTrafficSwitch(cloud, staging),
    records: new MemoryFailoverRecordStore(cloud.clock),
    notifications: [],
    approvalRequests: [],
    failoverSettings: DEFAULT_FAILOVER_SETTINGS,
  };
}

/**
 * The lease with a modelled read/write latency on the virtual clock (dynalite answers over
 * loopback, which takes no virtual time). Assumption: DynamoDB's "single-digit millisecond"
 * (LATENCY.md §6 has no conditional-write figure): 5 ms per call.
 */
export function leaseWithLatency(lease: AuthorityLease, clock: Clock, ms = 5): AuthorityLease {
  const timed =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await clock.sleep(ms);
      return call(...args);
    };
  return {
    read: timed(() => lease.read()),
    transfer: timed((holder, epoch, reason) => lease.transfer(holder, epoch, reason)),
    assertHeld: timed((holder, epoch) => lease.assertHeld(holder, epoch)),
  };
}

/** What one local failover run returns. */
export interface LocalFailoverRun extends StateMachineRun {
  readonly executionName: string;
  /** Every wave child execution, in order. */
  readonly waves: readonly StateMachineRun[];
}

/** Options of {@link runFailover}. */
export interface RunFailoverOptions {
  readonly config?: Partial<FailoverConfig>;
  readonly approval?: ApprovalBehaviour;
  /** Execution name (the starter derives it from the alarm event). */
  readonly executionName?: string;
  /** The alarm event's state-change time. @default now */
  readonly detectedAt?: string;
  /** Faults from the start of the run on (none during pre-bake). */
  readonly faults?: FaultPlan;
  /** Extra input fields (`approvalMode`, `drill`). */
  readonly input?: Record<string, unknown>;
  /** The lease the handlers use. @default the world's, with {@link leaseWithLatency} */
  readonly lease?: AuthorityLease;
  /** Metrics sink of the record step. */
  readonly metrics?: FailoverMetrics;
  /** Where the acquire step publishes the new holder and epoch. */
  readonly leaseMetrics?: LeaseMetrics;
  /** Called between handler calls of the deploy step, before each page (split-brain tests). */
  readonly beforeDeployPage?: (event: Record<string, unknown>) => Promise<void> | void;
  /** The plan the steps read. @default the world's plan repository, in pages */
  readonly plans?: PlanPages;
  /** The quorum alarm pre-flight reads. @default the world's */
  readonly alarm?: QuorumAlarm;
  /**
   * A drill's failover only: production's lease, read by the acquire step after it takes the
   * drill lease (`lease`), so the drill yields while a real failover holds authority.
   */
  readonly productionLease?: ProductionLeaseReader;
}

let executionCounter = 0;

/** Binds every Task of both ASL files over the world. */
export function failoverBindings(
  world: LocalFailoverWorld,
  options: RunFailoverOptions,
  waves: StateMachineRun[],
): StateMachineBindings {
  const { cloud, staging } = world;
  const clock = cloud.clock;
  const lease = options.lease ?? leaseWithLatency(world.lease, clock);
  const settings = world.failoverSettings;
  const plans = options.plans ?? new RepositoryPlanPages(world.plans);
  const approval = options.approval ?? approveAt(clock);
  const deploy = createFailoverDeployHandler({
    plans,
    platform: cloud.containerPlatform(staging),
    fleet: world.fleet,
    lease,
    records: world.records,
    clock,
    settings,
    // The staging copy of the latest forecasts, on dynalite, each Query at the lease's 5 ms.
    forecasts: {
      listLatest: async (service) => {
        await clock.sleep(5);
        return world.forecasts.listLatest(service);
      },
    },
  });
  const steadyCheck = createFailoverSteadyCheckHandler({
    fleet: world.fleet,
    records: world.records,
    clock,
  });
  const bindings: StateMachineBindings = {
    lambdas: {
      [FAILOVER_FUNCTIONS.PreflightFunctionArn]: createFailoverPreflightHandler({
        alarm: options.alarm ?? world.alarm,
        plans,
        inventory: world.inventory,
        quota: world.quota,
        records: world.records,
        clock,
        settings,
      }),
      [FAILOVER_FUNCTIONS.AcquireLeaseFunctionArn]: createFailoverAcquireLeaseHandler({
        lease,
        records: world.records,
        clock,
        ...(options.leaseMetrics ? { leaseMetrics: options.leaseMetrics } : {}),
        ...(options.productionLease ? { productionLease: options.productionLease } : {}),
      }),
      [FAILOVER_FUNCTIONS.RecordFunctionArn]: createFailoverRecordHandler({
        records: world.records,
        clock,
        metrics: options.metrics ?? { publish() {} },
      }),
      [FAILOVER_FUNCTIONS.DeployFunctionArn]: async (event: Record<string, unknown>) => {
        await options.beforeDeployPage?.(event);
        return deploy(event);
      },
      // The Wait state before each check takes no local time: model it on the virtual clock.
      [FAILOVER_FUNCTIONS.SteadyCheckFunctionArn]: async (event: { waitSeconds?: unknown }) => {
        const wait = typeof event.waitSeconds === 'number' ? event.waitSeconds : 0;
        await clock.sleep(wait * 1000);
        return steadyCheck(event);
      },
      [FAILOVER_FUNCTIONS.TrafficFunctionArn]: createFailoverTrafficHandler({
        traffic: world.traffic,
        lease,
        records: world.records,
        clock,
        settings,
      }),
    },
    states: {
      'Request approval': async (input: JsonValue) => {
        const params = (input ?? {}) as { Payload?: Record<string, unknown> };
        const payload = params.Payload ?? {};
        world.approvalRequests.push(payload);
        return approval(payload);
      },
    },
    sdk: Object.assign(
      async (
        service: string,
        action: string,
        params: Record<string, unknown>,
        call: SdkIntegrationCall,
      ): Promise<unknown> => {
        if (service === 'sns' && action === 'publish') {
          const text = String(params.Message);
          let message: Record<string, unknown>;
          try {
            message = JSON.parse(text) as Record<string, unknown>;
          } catch {
            message = { text };
          }
          world.notifications.push({ subject: String(params.Subject), message });
          return { MessageId: `local-${world.notifications.length}` };
        }
        if (service === 'states' && action === 'startExecution' && call.pattern === 'sync:2') {
          if (params.StateMachineArn !== FAILOVER_WAVE_ARN) {
            throw new Error(`only ${FAILOVER_WAVE_ARN} runs locally`);
          }
          const input = (
            typeof params.Input === 'string' ? JSON.parse(params.Input) : params.Input
          ) as Record<string, unknown>;
          executionCounter += 1;
          const name = `wave-${executionCounter}`;
          const executionArn = `arn:aws:states:${staging.region}:${staging.account}:execution:understudy-failover-wave:${name}`;
          const startDate = new Date(clock.now()).toISOString();
          const run = await runStateMachine({
            context: { Execution: { Id: executionArn, Name: name, StartTime: startDate } },
            name: FAILOVER_WAVE_STATE_MACHINE,
            substitutions: failoverWaveSubstitutions(),
            input,
            bindings,
          });
          waves.push(run);
          const description = {
            ExecutionArn: executionArn,
            StateMachineArn: FAILOVER_WAVE_ARN,
            Name: name,
            Status: run.status,
            StartDate: startDate,
            StopDate: new Date(clock.now()).toISOString(),
          };
          if (run.status !== 'SUCCEEDED') {
            const error = new Error(
              JSON.stringify({ ...description, Error: run.error, Cause: run.cause }),
            );
            error.name = 'States.TaskFailed';
            throw error;
          }
          return { ...description, Output: run.output };
        }
        throw new Error(`no local binding for ${service}:${action}`);
      },
      { implements: new Set(['sns:publish', 'states:startExecution']) },
    ),
  };
  return bindings;
}

/**
 * Runs one failover over the world: the alarm goes to ALARM at `detectedAt` (now by default),
 * the execution starts at once (EventBridge delivery is modelled as instantaneous), faults switch
 * on, and the parent runs to its end.
 */
export async function runFailover(
  world: LocalFailoverWorld,
  options: RunFailoverOptions = {},
): Promise<LocalFailoverRun> {
  const clock = world.cloud.clock;
  const detectedAt = options.detectedAt ?? new Date(clock.now()).toISOString();
  if (options.detectedAt === undefined) world.alarm.set(QUORUM_ALARM, 'ALARM', detectedAt);
  if (options.faults) world.cloud.setFaultPlan(options.faults);
  const config = { ...DEFAULT_FAILOVER_CONFIG, ...options.config };
  executionCounter += 1;
  const executionName = options.executionName ?? `failover-${executionCounter}`;
  const startTime = new Date(clock.now()).toISOString();
  const waves: StateMachineRun[] = [];
  const run = await runStateMachine({
    context: {
      Execution: {
        Id: `arn:aws:states:${world.staging.region}:${world.staging.account}:execution:understudy-failover:${executionName}`,
        Name: executionName,
        StartTime: startTime,
      },
      State: { EnteredTime: startTime },
      Task: { Token: `local-token-${executionName}` },
    } as never,
    name: FAILOVER_STATE_MACHINE,
    substitutions: failoverSubstitutions(config),
    input: { alarm: { name: QUORUM_ALARM, stateChangeTime: detectedAt }, ...options.input },
    bindings: failoverBindings(world, options, waves),
  });
  if (options.faults) world.cloud.setFaultPlan({});
  return { ...run, executionName, waves };
}
