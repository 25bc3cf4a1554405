/**
 * clone-validate-store, first state: turns a trigger (deploy event, forecast trigger, manual
 * start) into the list of services the Map clones. An unknown service fails the execution with
 * a ValidationError naming it, before anything is touched.
 */
import { z } from 'zod';
import { ValidationError } from '../core/errors';
import { serviceKey } from '../core/model';
import type { PipelineSettings } from '../core/prebake/settings';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { pipelineSettings } from '../shared/pipeline-wiring';

/** The execution input. */
export const CloneSelectEvent = z.strictObject({
  /** `cluster/service` keys to clone; all protected services when absent. */
  services: z
    .array(z.string().regex(/^[^/]+\/[^/]+$/, 'must be "cluster/service"'))
    .min(1)
    .optional(),
  /** Why: `deploy-event`, `forecast-trigger`, `manual`, `integrity`. */
  trigger: z.string().min(1).max(64),
  /** Who asked (principal, rule or decision id), recorded in the audit trail. */
  requestedBy: z.string().min(1).max(256).default('understudy'),
  /** The forecast decision that fired (forecast-trigger starts): kept with the execution input. */
  decision: z
    .object({
      id: z.string().min(1),
      recommendedTier: z.string().optional(),
      window: z.unknown().optional(),
      reason: z.string().optional(),
    })
    .optional(),
});

/** One Map item. */
export interface CloneItem {
  readonly key: string;
  readonly account: string;
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
}

/** The state's output. */
export interface CloneSelection {
  readonly trigger: string;
  readonly requestedBy: string;
  /** The forecast decision's tier recommendation, or `none`. */
  readonly tierHint: string;
  readonly services: readonly CloneItem[];
}

/** Builds the handler. */
export function createCloneSelectHandler(deps: Deps<{ readonly settings: PipelineSettings }>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<CloneSelection> => {
    const input = parseEvent(CloneSelectEvent, event, 'clone-select');
    const { settings } = get();
    const protectedKeys = new Map(settings.services.map((s) => [serviceKey(s), s]));
    const wanted = input.services ?? [...protectedKeys.keys()];
    const unknown = wanted.filter((key) => !protectedKeys.has(key));
    if (unknown.length > 0) {
      throw new ValidationError(
        'cannot clone services that are not protected',
        unknown.map((key) => `${key}: not in the protected services`),
      );
    }
    return {
      trigger: input.trigger,
      requestedBy: input.requestedBy,
      tierHint: input.decision?.recommendedTier ?? 'none',
      services: [...new Set(wanted)].map((key) => {
        const s = protectedKeys.get(key) as PipelineSettings['services'][number];
        return {
          key,
          account: settings.source.account,
          region: settings.source.region,
          cluster: s.cluster,
          service: s.service,
        };
      }),
    };
  };
}

/** Lambda entry. */
export const handler = createCloneSelectHandler(() => ({ settings: pipelineSettings() }));
