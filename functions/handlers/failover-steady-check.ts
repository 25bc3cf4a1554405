/**
 * Failover, per wave: one steady check (DescribeServices, target health) after a Wait state;
 * says whether the wave is done, how long to wait before the next check, and whether failures
 * crossed the partial-failure threshold.
 */
import { z } from 'zod';
import type { FailoverPlatform, FailoverRecordStore } from '../core/failover/ports';
import { checkWave, type WaveCheckResult } from '../core/failover/wave-check';
import type { Clock } from '../core/ports';
import { systemClock } from '../shared/clock';
import { failoverAwsAdapters } from '../shared/failover-wiring';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';

/** The state's input. */
export const FailoverSteadyCheckEvent = z.object({
  executionName: z.string().min(1).max(80),
  wave: z.number().int().min(0),
  attempt: z.number().int().min(0),
  waitSeconds: z.number().min(0),
  serviceTimeoutSeconds: z.number().int().min(1),
  partialFailureThreshold: z.number().min(0).max(1),
  totalServices: z.number().int().min(0),
});

/** What the handler needs. */
export interface FailoverSteadyCheckDeps {
  readonly fleet: Pick<FailoverPlatform, 'describeServices' | 'targetHealth'>;
  readonly records: FailoverRecordStore;
  readonly clock: Clock;
}

/** Builds the handler. */
export function createFailoverSteadyCheckHandler(deps: Deps<FailoverSteadyCheckDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<WaveCheckResult> => {
    const input = parseEvent(FailoverSteadyCheckEvent, event, 'failover-steady-check');
    return checkWave(get(), input);
  };
}

/** Lambda entry. */
export const handler = createFailoverSteadyCheckHandler(() => {
  const aws = failoverAwsAdapters();
  return { fleet: aws.fleet, records: aws.records, clock: systemClock };
});
