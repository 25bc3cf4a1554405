/**
 * handback-primary-check: one poll of the primary's own services (replace mode), read in the
 * primary's account and region through the primary read role: are they steady and healthy?
 * Changes nothing in the primary; moves steady lines of the handback record on.
 */
import { z } from 'zod';
import {
  checkPrimaries,
  type PrimaryCheckDeps,
  type PrimaryCheckResult,
} from '../core/handback/services';
import { systemClock } from '../shared/clock';
import { handbackAwsAdapters } from '../shared/handback-wiring';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { executionNameSchema } from './handback-gate';

/** The state's input (`waitSeconds`: what the Wait before this poll waited; logged only). */
export const HandbackPrimaryCheckEvent = z.strictObject({
  executionName: executionNameSchema,
  waitSeconds: z.number().int().min(0).optional(),
});

/** Builds the handler. */
export function createHandbackPrimaryCheckHandler(deps: Deps<PrimaryCheckDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<PrimaryCheckResult> => {
    const input = parseEvent(HandbackPrimaryCheckEvent, event, 'handback-primary-check');
    return checkPrimaries(get(), { executionName: input.executionName });
  };
}

/** Lambda entry. */
export const handler = createHandbackPrimaryCheckHandler(() => {
  const aws = handbackAwsAdapters();
  return { records: aws.records, primary: aws.primary, clock: systemClock };
});
