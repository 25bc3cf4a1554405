/**
 * failover-request-approval: invoked by the failover workflow's `Request approval` step with
 * `.waitForTaskToken`. Stores the task token (conditional, with TTL) and publishes to the
 * approval topic what an operator needs to decide; the step waits until
 * `understudy failover approve|decline` sends the decision, or its timeout.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { DynamoDbApprovalStore } from '../adapters/aws/dynamodb-approval-store';
import { SnsApprovalNotifier } from '../adapters/aws/sns-approval-notifier';
import {
  type ApprovalPut,
  type RequestApprovalDependencies,
  requestApproval,
} from '../core/approval';
import { clientConfig } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { type EnvSource, requireRegion, requireString } from '../shared/env';
import { FAILOVER_GATE_ENV } from '../shared/failover-env';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { createLogger } from '../shared/powertools';

const isoTime = z
  .string()
  .refine((t) => Number.isFinite(Date.parse(t)), 'must be an ISO-8601 time');

/** The step's payload (docs/failover-contract.md, "Approval step"). */
export const FailoverRequestApprovalEvent = z.object({
  // Step Functions task tokens are opaque and up to 1,024 characters.
  taskToken: z.string().min(1).max(1024),
  executionArn: z.string().regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:.+$/),
  executionName: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/),
  alarm: z.object({ name: z.string().min(1), stateChangeTime: isoTime }),
  planSummary: z.object({
    planId: z.string(),
    generatedAt: z.string(),
    services: z.number().int().nonnegative(),
    tasks: z.number().int().nonnegative(),
    waves: z.array(
      z.object({ wave: z.number().int().nonnegative(), services: z.number().int().nonnegative() }),
    ),
    warnings: z.array(z.string()).max(10),
  }),
  timeoutSeconds: z.number().int().positive(),
});

/** What the handler returns (Step Functions ignores it: the step waits for the token). */
export interface FailoverRequestApprovalResult {
  readonly executionName: string;
  readonly put: ApprovalPut;
  readonly deadline: string;
}

const logger = createLogger('failover-request-approval');

/** Builds the handler. */
export function createFailoverRequestApprovalHandler(deps: Deps<RequestApprovalDependencies>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<FailoverRequestApprovalResult> => {
    const input = parseEvent(FailoverRequestApprovalEvent, event, 'failover-request-approval');
    const { record, put } = await requestApproval(input, get());
    logger.info('failover approval requested', {
      executionName: record.executionName,
      put,
      deadline: record.deadline,
      services: record.planSummary.services,
    });
    return { executionName: record.executionName, put, deadline: record.deadline };
  };
}

/** Production dependencies from the environment. */
export function productionDependencies(env: EnvSource = process.env): RequestApprovalDependencies {
  const config = clientConfig();
  return {
    store: new DynamoDbApprovalStore(
      new DynamoDBClient(config),
      requireString(FAILOVER_GATE_ENV.failoverTable, env),
    ),
    notifier: new SnsApprovalNotifier(
      new SNSClient(config),
      requireString(FAILOVER_GATE_ENV.approvalTopicArn, env),
    ),
    clock: systemClock,
    alarmRegion: requireRegion(FAILOVER_GATE_ENV.healthRegion, env),
  };
}

/** Lambda entry. */
export const handler = createFailoverRequestApprovalHandler(() => productionDependencies());
