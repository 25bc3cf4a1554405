/**
 * handback-start: the target of two staging-bus rules — the detection quorum's OK transition and
 * a schedule (every evaluation period) — and of `understudy handback start` (a manual event).
 * Starts the handback once the quorum has been OK for N consecutive periods while the shadow
 * holds the lease (see `core/handback/start.ts` for how the periods are counted); execution
 * names are deterministic, so duplicates collapse. A refusal or a wait is an answer, not an
 * error: it is logged and returned, and EventBridge does not retry it.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { CloudWatchQuorumAlarm } from '../adapters/aws/cloudwatch-quorum-alarm';
import { DynamoDbAuthorityLease } from '../adapters/aws/dynamodb-authority-lease';
import { SfnFailoverExecutions } from '../adapters/aws/sfn-failover-executions';
import {
  type HandbackStartDeps,
  type HandbackStartOutcome,
  type HandbackStartRequest,
  type HandbackStartSettings,
  startHandback,
} from '../core/handback/start';
import { clientConfig, dynamoDbClient } from '../shared/clients';
import { systemClock } from '../shared/clock';
import {
  type EnvSource,
  optionalString,
  requireInteger,
  requireRegion,
  requireString,
} from '../shared/env';
import { HANDBACK_ENV } from '../shared/handback-env';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { createLogger } from '../shared/powertools';
import { QuorumAlarmEvent } from './failover-start';

/** A scheduled re-check (EventBridge Scheduler or a rate rule). */
const ScheduledEvent = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
});

/** A start by hand (`understudy handback start`, or the console's Test). */
const ManualEvent = z.strictObject({
  trigger: z.literal('manual'),
  requestedBy: z.string().min(1).max(200),
  approvalMode: z.literal('manual').optional(),
});

/** Any of the three. */
export const HandbackStartEvent = z.union([QuorumAlarmEvent, ScheduledEvent, ManualEvent]);

/** What the handler needs. */
export interface HandbackStartHandlerDeps extends HandbackStartDeps {
  readonly settings: HandbackStartSettings;
}

/** What the handler returns (and logs). */
export type HandbackStartResult =
  | HandbackStartOutcome
  | { readonly outcome: 'ignored'; readonly reason: string; readonly state: string };

const logger = createLogger('handback-start');

function requestOf(
  event: z.output<typeof HandbackStartEvent>,
): HandbackStartRequest | { readonly other: string; readonly state: string } {
  if ('trigger' in event) {
    return {
      trigger: 'manual',
      requestedBy: event.requestedBy,
      ...(event.approvalMode ? { approvalMode: event.approvalMode } : {}),
    };
  }
  if ('detail' in event) {
    const state = event.detail.state.value;
    return state === 'OK'
      ? { trigger: 'alarm-ok', requestedBy: 'eventbridge' }
      : { other: `the quorum went ${state}`, state };
  }
  return { trigger: 'schedule', requestedBy: 'schedule' };
}

/** Builds the handler. */
export function createHandbackStartHandler(deps: Deps<HandbackStartHandlerDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<HandbackStartResult> => {
    const input = parseEvent(HandbackStartEvent, event, 'handback-start');
    const request = requestOf(input);
    if ('other' in request) {
      // The rule matches OK only; a widened rule must not start handbacks on ALARM.
      return { outcome: 'ignored', reason: request.other, state: request.state };
    }
    const { settings, ...ports } = get();
    const outcome = await startHandback(ports, settings, request);
    logger.info('handback start', { trigger: request.trigger, ...outcome });
    return outcome;
  };
}

/** Production dependencies from the environment. */
export function productionDependencies(env: EnvSource = process.env): HandbackStartHandlerDeps {
  const leaseId = optionalString(HANDBACK_ENV.leaseId, undefined, env);
  return {
    lease: new DynamoDbAuthorityLease(dynamoDbClient, requireString(HANDBACK_ENV.leaseTable, env), {
      ...(leaseId ? { leaseId } : {}),
    }),
    alarm: new CloudWatchQuorumAlarm(
      new CloudWatchClient(clientConfig({ region: requireRegion(HANDBACK_ENV.healthRegion, env) })),
    ),
    executions: new SfnFailoverExecutions(
      new SFNClient(clientConfig()),
      requireString(HANDBACK_ENV.stateMachineArn, env),
    ),
    clock: systemClock,
    settings: {
      alarmName: requireString(HANDBACK_ENV.quorumAlarmName, env),
      okPeriods: requireInteger(HANDBACK_ENV.okPeriods, { min: 1 }, env),
      periodSeconds: requireInteger(HANDBACK_ENV.periodSeconds, { min: 10 }, env),
    },
  };
}

/** Lambda entry. */
export const handler = createHandbackStartHandler(() => productionDependencies());
