/**
 * failover-start: the target of the staging bus rule that matches the detection quorum's ALARM
 * transition. Derives the execution name from the alarm event and admits the failover (one at a
 * time, a minimum delay between two) before starting the failover state machine. A refusal is
 * an answer, not an error: it is logged and returned, and EventBridge does not retry it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { DynamoDbFailoverAdmission } from '../adapters/aws/dynamodb-failover-admission';
import { SfnFailoverExecutions } from '../adapters/aws/sfn-failover-executions';
import {
  type AdmissionDependencies,
  type AdmissionOutcome,
  admitFailover,
  executionNameFor,
  normaliseStateTime,
  type QuorumAlarm,
} from '../core/failover/admission';
import { clientConfig } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { type EnvSource, optionalString, requireInteger, requireString } from '../shared/env';
import { FAILOVER_GATE_ENV } from '../shared/failover-env';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { createLogger } from '../shared/powertools';

/** The EventBridge event: a CloudWatch alarm state change, forwarded from the health region. */
export const QuorumAlarmEvent = z.object({
  id: z.string().min(1),
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  resources: z
    .array(z.string().regex(/^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:.+$/))
    .min(1),
  detail: z.object({
    alarmName: z.string().min(1),
    state: z.object({
      value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
      reason: z.string().default(''),
      timestamp: z.string().refine((t) => Number.isFinite(Date.parse(t)), 'must be a time'),
    }),
  }),
});

/** What the handler returns (and logs). */
export type FailoverStartResult =
  | AdmissionOutcome
  | { readonly outcome: 'ignored'; readonly state: string };

/** What the handler needs. */
export type FailoverStartDeps = AdmissionDependencies;

/** The quorum alarm an event describes. */
export function alarmOf(event: z.output<typeof QuorumAlarmEvent>): QuorumAlarm {
  return {
    name: event.detail.alarmName,
    arn: event.resources[0] as string,
    stateChangeTime: normaliseStateTime(event.detail.state.timestamp),
    reason: event.detail.state.reason,
  };
}

const logger = createLogger('failover-start');

/** Builds the handler. */
export function createFailoverStartHandler(deps: Deps<FailoverStartDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<FailoverStartResult> => {
    const input = parseEvent(QuorumAlarmEvent, event, 'failover-start');
    if (input.detail.state.value !== 'ALARM') {
      // The rule matches ALARM only; a widened rule must not start failovers on OK.
      return { outcome: 'ignored', state: input.detail.state.value };
    }
    const alarm = alarmOf(input);
    const resolved = get();
    const outcome = await admitFailover(
      { executionName: executionNameFor(alarm), trigger: 'alarm', alarm },
      { logger, ...resolved },
    );
    if (outcome.outcome === 'started') {
      logger.info('failover admitted', {
        executionName: outcome.executionName,
        executionArn: outcome.executionArn,
        alreadyStarted: outcome.alreadyStarted,
        eventId: input.id,
      });
    } else {
      logger.warn('failover refused', {
        executionName: outcome.executionName,
        reason: outcome.reason,
        blockedBy: outcome.blockedBy,
        why: outcome.message,
        eventId: input.id,
      });
    }
    return outcome;
  };
}

/** Production dependencies from the environment (staging region clients). */
export function productionDependencies(env: EnvSource = process.env): FailoverStartDeps {
  const config = clientConfig();
  const admissionId = optionalString(FAILOVER_GATE_ENV.admissionId, undefined, env);
  return {
    store: new DynamoDbFailoverAdmission(
      new DynamoDBClient(config),
      requireString(FAILOVER_GATE_ENV.leaseTable, env),
      admissionId ? { admissionId } : {},
    ),
    executions: new SfnFailoverExecutions(
      new SFNClient(config),
      requireString(FAILOVER_GATE_ENV.stateMachineArn, env),
    ),
    clock: systemClock,
    settings: {
      minDelayMs: requireInteger(FAILOVER_GATE_ENV.minDelaySeconds, { min: 0 }, env) * 1000,
    },
  };
}

/** Lambda entry. */
export const handler = createFailoverStartHandler(() => productionDependencies());
