/**
 * Failover, last step of every path: finishes the RTO record (DynamoDB + JSON report) and emits
 * `FailoverDurationSeconds` and `ServicesSteady` (EMF); its result is what the SNS notification
 * carries.
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import type { FailoverRecordStore } from '../core/failover/ports';
import { type RecordResult, recordOutcome } from '../core/failover/record';
import type { Clock } from '../core/ports';
import { systemClock } from '../shared/clock';
import { failoverAwsAdapters } from '../shared/failover-wiring';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { createMetrics } from '../shared/powertools';
import { approvalSchema } from './failover-acquire-lease';

/** The state's input. */
export const FailoverRecordEvent = z.object({
  executionName: z.string().min(1).max(80),
  result: z.enum(['completed', 'declined', 'preflight-failed', 'failed']),
  approval: approvalSchema.nullish(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).nullish(),
  reasons: z.array(z.string()).nullish(),
});

/** Where the record's metrics go. */
export interface FailoverMetrics {
  publish(result: RecordResult): void;
}

/** What the handler needs. */
export interface FailoverRecordDeps {
  readonly records: FailoverRecordStore;
  readonly clock: Clock;
  readonly metrics: FailoverMetrics;
}

/** Builds the handler. */
export function createFailoverRecordHandler(deps: Deps<FailoverRecordDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<RecordResult> => {
    const { approval, error, reasons, ...input } = parseEvent(
      FailoverRecordEvent,
      event,
      'failover-record',
    );
    const { metrics, ...ports } = get();
    const result = await recordOutcome(ports, {
      ...input,
      ...(approval ? { approval } : {}),
      ...(error ? { error } : {}),
      ...(reasons ? { reasons } : {}),
    });
    metrics.publish(result);
    return result;
  };
}

/** EMF metrics of a finished failover (dimension: outcome). */
export function emfFailoverMetrics(metrics: Metrics): FailoverMetrics {
  return {
    publish(result) {
      metrics.addDimension('Outcome', result.outcome);
      metrics.addMetric('FailoverDurationSeconds', MetricUnit.Seconds, result.durationSeconds);
      metrics.addMetric('ServicesSteady', MetricUnit.Count, result.totals.steady);
      metrics.publishStoredMetrics();
    },
  };
}

/** Lambda entry. */
export const handler = createFailoverRecordHandler(() => ({
  records: failoverAwsAdapters().records,
  clock: systemClock,
  metrics: emfFailoverMetrics(createMetrics()),
}));
