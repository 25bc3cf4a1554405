/**
 * handback-services: one page of a per-service handback step — `integrate` (ownership tags flip,
 * the shadow's changes listed), `traffic` (back to the primary) or `scale-down` (the staging
 * service to its standby tier). Every mutating call is fenced by the lease epoch.
 */
import { z } from 'zod';
import {
  type HandbackServiceDeps,
  runServiceStep,
  type ServiceStepResult,
} from '../core/handback/services';
import { systemClock } from '../shared/clock';
import { handbackAwsAdapters } from '../shared/handback-wiring';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { executionNameSchema } from './handback-gate';

/** The state's input. */
export const HandbackServicesEvent = z.strictObject({
  action: z.enum(['integrate', 'traffic', 'scale-down']),
  executionName: executionNameSchema,
  epoch: z.number().int().min(1),
  pageSize: z.number().int().min(1).max(500),
  cursor: z.string().min(1).nullish(),
});

/** Builds the handler. */
export function createHandbackServicesHandler(deps: Deps<HandbackServiceDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<ServiceStepResult> => {
    const input = parseEvent(HandbackServicesEvent, event, 'handback-services');
    return runServiceStep(get(), {
      action: input.action,
      executionName: input.executionName,
      epoch: input.epoch,
      pageSize: input.pageSize,
      ...(input.cursor ? { cursor: input.cursor } : {}),
    });
  };
}

/** Lambda entry. */
export const handler = createHandbackServicesHandler(() => {
  const aws = handbackAwsAdapters();
  return {
    lease: aws.lease,
    records: aws.records,
    fleet: aws.fleet,
    platform: aws.platform,
    traffic: aws.traffic,
    inventory: aws.inventory,
    clock: systemClock,
    settings: aws.settings,
  };
});
