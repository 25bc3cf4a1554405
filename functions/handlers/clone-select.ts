/**
 * clone-validate-store, first state, and clone-batch, first state. In the parent it turns a
 * trigger (deploy event, forecast trigger, manual start) into batches of at most
 * {@link CLONE_BATCH_SIZE} services, each cloned by one child execution; in a child it returns
 * the services of one batch. Batches are pages of one deterministic order (the request's order,
 * duplicates dropped), so the parent carries page numbers and never the service list: its
 * payload stays small however many services a trigger names. An unknown service fails the
 * execution with a ValidationError naming it, before anything is touched.
 */
import { z } from 'zod';
import { ValidationError } from '../core/errors';
import { serviceKey } from '../core/model';
import type { Clock } from '../core/ports';
import type { PipelineSettings } from '../core/prebake/settings';
import { systemClock } from '../shared/clock';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { pipelineSettings } from '../shared/pipeline-wiring';

/**
 * Services per child execution. About 50 history events go to each service, so a batch's history
 * stays near 2,500 of the 25,000 events an execution may hold (even with 20 copy rounds for every
 * service, under 12,000), and its outcomes item near 8 KB.
 */
export const CLONE_BATCH_SIZE = 50;

/** How long the per-batch outcomes stay in the inventory table (read once by the refresh step). */
export const RUN_OUTCOMES_TTL_SECONDS = 14 * 24 * 3600;

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

/** One batch: page `index` of `size` services. */
const batchSchema = z.strictObject({
  index: z.number().int().nonnegative(),
  size: z.number().int().positive().max(CLONE_BATCH_SIZE),
});

/** A child execution's request for its batch: the parent's normalised request and the page. */
export const CloneSelectBatchEvent = z.strictObject({
  request: z.strictObject({
    trigger: z.string().min(1).max(64),
    requestedBy: z.string().min(1).max(256),
    services: CloneSelectEvent.shape.services,
  }),
  batch: batchSchema,
});

/** One Map item. */
export interface CloneItem {
  readonly key: string;
  readonly account: string;
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
}

/** One batch of a selection. */
export type CloneBatch = z.infer<typeof batchSchema>;

/** What a child execution passes back to ask for its batch. */
export type CloneRequest = z.infer<typeof CloneSelectBatchEvent>['request'];

/** The parent state's output. */
export interface CloneSelection {
  readonly trigger: string;
  readonly requestedBy: string;
  /** The forecast decision's tier recommendation, or `none`. */
  readonly tierHint: string;
  /** What each child passes back to select its batch. */
  readonly request: CloneRequest;
  readonly batches: readonly CloneBatch[];
  /** Epoch seconds after which the run's outcome items may be deleted (the table's TTL). */
  readonly expiresAt: number;
}

/** A child's state output: the services of its batch. */
export interface CloneBatchSelection {
  readonly services: readonly CloneItem[];
}

/** What the handler needs. */
export interface CloneSelectDeps {
  readonly settings: PipelineSettings;
  /** @default the system clock */
  readonly clock?: Clock;
}

/** The selected keys in request order, duplicates dropped; throws on an unprotected one. */
function selectedKeys(settings: PipelineSettings, requested: readonly string[] | undefined) {
  const protectedKeys = new Map(settings.services.map((s) => [serviceKey(s), s]));
  const wanted = requested ?? [...protectedKeys.keys()];
  const unknown = wanted.filter((key) => !protectedKeys.has(key));
  if (unknown.length > 0) {
    throw new ValidationError(
      'cannot clone services that are not protected',
      unknown.map((key) => `${key}: not in the protected services`),
    );
  }
  return { keys: [...new Set(wanted)], protectedKeys };
}

/** Builds the handler (one Lambda serves both the parent's and the children's select state). */
export function createCloneSelectHandler(deps: Deps<CloneSelectDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<CloneSelection | CloneBatchSelection> => {
    const { settings, clock = systemClock } = get();
    if (typeof event === 'object' && event !== null && 'batch' in event) {
      const input = parseEvent(CloneSelectBatchEvent, event, 'clone-select');
      const { keys, protectedKeys } = selectedKeys(settings, input.request.services);
      const start = input.batch.index * input.batch.size;
      if (start >= keys.length) {
        throw new ValidationError('batch out of range', [
          `batch.index: ${input.batch.index} × ${input.batch.size} is past the ${keys.length} selected services`,
        ]);
      }
      return {
        services: keys.slice(start, start + input.batch.size).map((key) => {
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
    }
    const input = parseEvent(CloneSelectEvent, event, 'clone-select');
    const { keys } = selectedKeys(settings, input.services);
    const count = Math.ceil(keys.length / CLONE_BATCH_SIZE);
    return {
      trigger: input.trigger,
      requestedBy: input.requestedBy,
      tierHint: input.decision?.recommendedTier ?? 'none',
      request: {
        trigger: input.trigger,
        requestedBy: input.requestedBy,
        ...(input.services ? { services: input.services } : {}),
      },
      batches: Array.from({ length: count }, (_, index) => ({ index, size: CLONE_BATCH_SIZE })),
      expiresAt: Math.floor(clock.now() / 1000) + RUN_OUTCOMES_TTL_SECONDS,
    };
  };
}

/** Lambda entry. */
export const handler = createCloneSelectHandler(() => ({ settings: pipelineSettings() }));
