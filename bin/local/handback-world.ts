/**
 * The handback workflow on a laptop, after a local failover (`./failover-world.ts`): the real
 * handback ASL run by aws-local-stepfunctions, every Lambda task bound to the real handback
 * handlers over sandbox ports (staging's ECS/ELB and traffic switch, the primary's region as
 * {@link SandboxPrimaryRegion}), the real lease and freeze marker on dynalite, the failover's
 * record store (handback records are of kind `handback`), SNS notifications collected and the
 * approval step bound per scenario. The drill calls {@link runHandback} after `runFailover`.
 *
 * Wait states take no virtual time in the local runner, so the primary-check binding first sleeps
 * the `waitSeconds` the preceding Wait state waited, on the sandbox's virtual clock.
 */
import { DynamoDbAdaptationFreeze } from '../../functions/adapters/aws/handback-freeze';
import { SandboxPrimaryRegion } from '../../functions/adapters/sandbox/handback-ports';
import type { JsonValue } from '../../functions/adapters/sandbox/state-machine-definition';
import {
  runStateMachine,
  type StateMachineBindings,
  type StateMachineRun,
} from '../../functions/adapters/sandbox/state-machine-runner';
import {
  DEFAULT_HANDBACK_SETTINGS,
  type HandbackSettings,
} from '../../functions/core/handback/settings';
import type { AuthorityLease } from '../../functions/core/ports';
import { createHandbackGateHandler } from '../../functions/handlers/handback-gate';
import { createHandbackPrimaryCheckHandler } from '../../functions/handlers/handback-primary-check';
import { createHandbackRecordHandler } from '../../functions/handlers/handback-record';
import { createHandbackServicesHandler } from '../../functions/handlers/handback-services';
import type { HandbackMetrics, LeaseMetrics } from '../../functions/shared/workflow-metrics';
import {
  type ApprovalBehaviour,
  approveAt,
  type LocalFailoverWorld,
  leaseWithLatency,
  QUORUM_ALARM,
} from './failover-world';

/** The ASL file. */
export const HANDBACK_STATE_MACHINE = 'handback';

/** Function names the CDK would substitute. */
export const HANDBACK_FUNCTIONS = {
  GateFunctionArn: 'understudy-handback-gate',
  ServicesFunctionArn: 'understudy-handback-services',
  PrimaryCheckFunctionArn: 'understudy-handback-primary-check',
  RecordFunctionArn: 'understudy-handback-record',
  RequestApprovalFunctionArn: 'understudy-handback-request-approval',
} as const;

/** Configuration of one handback deployment (the non-ARN placeholders). */
export interface HandbackConfig {
  readonly approvalMode: 'auto' | 'manual';
  readonly approvalTimeoutSeconds: number;
  readonly approvalTimeoutOutcome: 'approved' | 'declined';
  /** How long the handback waits for the primary's services to be steady. */
  readonly primaryTimeoutSeconds: number;
  /** Seconds between two primary checks. */
  readonly pollSeconds: number;
  readonly pageSize: number;
}

/** Defaults: manual approval, decline on timeout, 30 minutes for the primary, 30 s polls. */
export const DEFAULT_HANDBACK_CONFIG: HandbackConfig = {
  approvalMode: 'manual',
  approvalTimeoutSeconds: 3600,
  approvalTimeoutOutcome: 'declined',
  primaryTimeoutSeconds: 1800,
  pollSeconds: 30,
  pageSize: 50,
};

/** `${Placeholder}` values of the ASL file. */
export function handbackSubstitutions(config: HandbackConfig): Record<string, string> {
  return {
    ...HANDBACK_FUNCTIONS,
    NotificationTopicArn: 'arn:aws:sns:eu-central-1:222222222222:understudy-handback',
    QuorumAlarmName: QUORUM_ALARM,
    ApprovalMode: config.approvalMode,
    ApprovalTimeoutSeconds: String(config.approvalTimeoutSeconds),
    ApprovalTimeoutOutcome: config.approvalTimeoutOutcome,
    PrimaryPolls: String(Math.max(1, Math.ceil(config.primaryTimeoutSeconds / config.pollSeconds))),
    PollSeconds: String(config.pollSeconds),
    PageSize: String(config.pageSize),
  };
}

/** A failover world with the handback's own ports. */
export interface LocalHandbackWorld extends LocalFailoverWorld {
  /** The primary's region (dark, back, redeploying, unhealthy). */
  readonly primaryRegion: SandboxPrimaryRegion;
  /** The adaptation freeze beside the lease (dynalite). */
  readonly freeze: DynamoDbAdaptationFreeze;
  handbackSettings: HandbackSettings;
}

/** The handback's ports around a failover world (no I/O). */
export function handbackWorldOf(
  world: LocalFailoverWorld,
  settings: HandbackSettings = {
    ...DEFAULT_HANDBACK_SETTINGS,
    traffic: world.failoverSettings.traffic,
    epochTagKey: world.failoverSettings.epochTagKey,
  },
): LocalHandbackWorld {
  return Object.assign(world, {
    primaryRegion: new SandboxPrimaryRegion(world.cloud, world.primary),
    freeze: new DynamoDbAdaptationFreeze(world.dynamo.client, world.tables.lease),
    handbackSettings: settings,
  });
}

/** Options of {@link runHandback}. */
export interface RunHandbackOptions {
  readonly config?: Partial<HandbackConfig>;
  readonly approval?: ApprovalBehaviour;
  /** @default `handback-<n>` */
  readonly executionName?: string;
  /** Execution input (`expectedEpoch`, `requestedBy`, `approvalMode`). @default the lease's epoch */
  readonly input?: Record<string, unknown>;
  /**
   * Set the quorum alarm OK at the start (the primary is back). @default true
   */
  readonly quorumOk?: boolean;
  /** The lease the handlers use. @default the world's, with `leaseWithLatency` */
  readonly lease?: AuthorityLease;
  /** Called before each per-service page (`action` in the event): mid-handback faults. */
  readonly beforeServicesPage?: (event: Record<string, unknown>) => Promise<void> | void;
  /** Called before each primary check. */
  readonly beforePrimaryCheck?: (event: Record<string, unknown>) => Promise<void> | void;
  /** Where the release publishes the new holder and epoch. */
  readonly leaseMetrics?: LeaseMetrics;
  /** Where the record step publishes the run's duration. */
  readonly handbackMetrics?: HandbackMetrics;
}

/** What one local handback run returns. */
export interface LocalHandbackRun extends StateMachineRun {
  readonly executionName: string;
}

let executionCounter = 0;

/** Binds every Task of the handback ASL over the world. */
export function handbackBindings(
  world: LocalHandbackWorld,
  options: RunHandbackOptions = {},
): StateMachineBindings {
  const clock = world.cloud.clock;
  const lease = options.lease ?? leaseWithLatency(world.lease, clock);
  const settings = world.handbackSettings;
  const approval = options.approval ?? approveAt(clock);
  const services = createHandbackServicesHandler({
    lease,
    records: world.records,
    fleet: world.fleet,
    platform: world.cloud.containerPlatform(world.staging),
    traffic: world.traffic,
    inventory: world.inventory,
    clock,
    settings,
  });
  const primaryCheck = createHandbackPrimaryCheckHandler({
    records: world.records,
    primary: world.primaryRegion.platform,
    clock,
  });
  return {
    lambdas: {
      [HANDBACK_FUNCTIONS.GateFunctionArn]: createHandbackGateHandler({
        lease,
        alarm: world.alarm,
        records: world.records,
        freeze: world.freeze,
        clock,
        settings,
        ...(options.leaseMetrics ? { leaseMetrics: options.leaseMetrics } : {}),
      }),
      [HANDBACK_FUNCTIONS.ServicesFunctionArn]: async (event: Record<string, unknown>) => {
        await options.beforeServicesPage?.(event);
        return services(event);
      },
      // The Wait state before each check takes no local time: model it on the virtual clock.
      [HANDBACK_FUNCTIONS.PrimaryCheckFunctionArn]: async (event: Record<string, unknown>) => {
        const wait = typeof event.waitSeconds === 'number' ? event.waitSeconds : 0;
        await clock.sleep(wait * 1000);
        await options.beforePrimaryCheck?.(event);
        return primaryCheck(event);
      },
      [HANDBACK_FUNCTIONS.RecordFunctionArn]: createHandbackRecordHandler({
        records: world.records,
        freeze: world.freeze,
        clock,
        ...(options.handbackMetrics ? { metrics: options.handbackMetrics } : {}),
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
      async (service: string, action: string, params: Record<string, unknown>) => {
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
        throw new Error(`no local binding for ${service}:${action}`);
      },
      { implements: new Set(['sns:publish']) },
    ),
  };
}

/**
 * Runs one handback over the world: the quorum alarm goes OK now (unless told not to), the
 * execution starts at once with the lease's epoch as its expected epoch, and runs to its end.
 */
export async function runHandback(
  world: LocalHandbackWorld,
  options: RunHandbackOptions = {},
): Promise<LocalHandbackRun> {
  const clock = world.cloud.clock;
  if (options.quorumOk !== false) world.alarm.set(QUORUM_ALARM, 'OK');
  const config = { ...DEFAULT_HANDBACK_CONFIG, ...options.config };
  executionCounter += 1;
  const executionName = options.executionName ?? `handback-${executionCounter}`;
  const startTime = new Date(clock.now()).toISOString();
  const lease = await world.lease.read();
  const run = await runStateMachine({
    context: {
      Execution: {
        Id: `arn:aws:states:${world.staging.region}:${world.staging.account}:execution:understudy-handback:${executionName}`,
        Name: executionName,
        StartTime: startTime,
      },
      State: { EnteredTime: startTime },
      Task: { Token: `local-token-${executionName}` },
    } as never,
    name: HANDBACK_STATE_MACHINE,
    substitutions: handbackSubstitutions(config),
    input: { expectedEpoch: lease.epoch, requestedBy: 'local', ...options.input },
    bindings: handbackBindings(world, options),
  });
  return { ...run, executionName };
}
