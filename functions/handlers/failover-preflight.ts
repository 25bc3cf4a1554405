/**
 * Failover, first step: pre-flight (quorum still in ALARM, plan fresh, clones validated, Fargate
 * vCPU quota), before the lease is taken. Starts the RTO record.
 */
import { z } from 'zod';
import { type PreflightDeps, type PreflightResult, runPreflight } from '../core/failover/preflight';
import type { FailoverSettings } from '../core/failover/settings';
import { systemClock } from '../shared/clock';
import { failoverAwsAdapters, failoverSettings } from '../shared/failover-wiring';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { inventoryRepository } from '../shared/pipeline-wiring';

const isoTime = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), 'not an ISO-8601 time');

/** The state's input. */
export const FailoverPreflightEvent = z.object({
  executionName: z.string().min(1).max(80),
  executionArn: z.string().min(1),
  alarm: z.object({ name: z.string().min(1), stateChangeTime: isoTime }),
  mode: z.enum(['auto', 'manual']),
  /** When the execution started; the handler's clock when absent. */
  startedAt: isoTime.optional(),
});

/** What the handler needs. */
export interface FailoverPreflightDeps extends PreflightDeps {
  readonly settings: FailoverSettings;
}

/** Builds the handler. */
export function createFailoverPreflightHandler(deps: Deps<FailoverPreflightDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<PreflightResult> => {
    const input = parseEvent(FailoverPreflightEvent, event, 'failover-preflight');
    const { settings, ...ports } = get();
    const startedAt = input.startedAt ?? new Date(ports.clock.now()).toISOString();
    return runPreflight(ports, { ...input, startedAt }, settings);
  };
}

/** Lambda entry. */
export const handler = createFailoverPreflightHandler(() => {
  const aws = failoverAwsAdapters();
  return {
    alarm: aws.alarm,
    plans: aws.plans,
    quota: aws.quota,
    records: aws.records,
    inventory: inventoryRepository(),
    clock: systemClock,
    settings: failoverSettings(),
  };
});
