/**
 * handback-record: the end of every handback run — the outcome on the handback record (DynamoDB
 * header + JSON report to S3), the adaptation freeze lifted unless the lease was released, and
 * the notification text the workflow publishes.
 */
import { z } from 'zod';
import type { FailoverRecordStore } from '../core/failover/ports';
import type { AdaptationFreeze } from '../core/handback/ports';
import { type HandbackRecordResult, recordHandback } from '../core/handback/record';
import type { Clock } from '../core/ports';
import { systemClock } from '../shared/clock';
import { handbackAwsAdapters } from '../shared/handback-wiring';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { emfHandbackMetrics, type HandbackMetrics } from '../shared/workflow-metrics';
import { approvalSchema } from './failover-acquire-lease';
import { executionNameSchema } from './handback-gate';

/** The state's input. */
const endingSchema = z.strictObject({
  result: z.enum(['completed', 'declined', 'refused', 'stopped', 'failed']),
  epoch: z.number().int().min(1).optional(),
  reason: z.string().max(4000).optional(),
  approval: approvalSchema.optional(),
  error: z
    .object({ Error: z.string().optional(), Cause: z.string().optional() })
    .passthrough()
    .optional(),
});

/** The state's input: how the run ended, as the workflow's ending states put it. */
export const HandbackRecordEvent = z.strictObject({
  executionName: executionNameSchema,
  ending: endingSchema,
});

/** What the handler needs. */
export interface HandbackRecordDeps {
  readonly records: FailoverRecordStore;
  readonly freeze: AdaptationFreeze;
  readonly clock: Clock;
  /** Where the run's duration is published (the dashboard's handback widget). */
  readonly metrics?: HandbackMetrics;
}

/** Builds the handler. */
export function createHandbackRecordHandler(deps: Deps<HandbackRecordDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<HandbackRecordResult> => {
    const { executionName, ending: input } = parseEvent(
      HandbackRecordEvent,
      event,
      'handback-record',
    );
    const { metrics, ...ports } = get();
    const result = await recordHandback(ports, {
      executionName,
      result: input.result,
      ...(input.epoch === undefined ? {} : { epoch: input.epoch }),
      ...(input.reason === undefined ? {} : { reason: input.reason }),
      ...(input.approval ? { approval: input.approval } : {}),
      ...(input.error
        ? {
            error: {
              ...(input.error.Error === undefined ? {} : { Error: input.error.Error }),
              ...(input.error.Cause === undefined ? {} : { Cause: input.error.Cause }),
            },
          }
        : {}),
    });
    metrics?.publish(result);
    return result;
  };
}

/** Lambda entry. */
export const handler = createHandbackRecordHandler(() => {
  const aws = handbackAwsAdapters();
  return {
    records: aws.records,
    freeze: aws.freeze,
    clock: systemClock,
    metrics: emfHandbackMetrics(),
  };
});
