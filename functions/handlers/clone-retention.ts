/**
 * Scheduled retention of the inventory: deletes old clone versions (never the latest validated
 * or the pinned one) and then the staged images and task-definition revisions that no remaining
 * version uses (see `core/prebake/retention.ts` for why in that order).
 */
import { z } from 'zod';
import { ValidationError } from '../core/errors';
import { serviceKey } from '../core/model';
import type {
  Clock,
  ContainerPlatform,
  ImageRegistry,
  InventoryRepository,
  LoggerLike,
} from '../core/ports';
import { applyRetention, type RetentionReport } from '../core/prebake/retention';
import type { PipelineSettings } from '../core/prebake/settings';
import { systemClock } from '../shared/clock';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { inventoryRepository, pipelineSettings, stagingSide } from '../shared/pipeline-wiring';
import { createLogger } from '../shared/powertools';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A scheduled EventBridge event, or a manual `{ services?: [...] }`. */
export const CloneRetentionEvent = z.union([
  z.object({ source: z.literal('aws.events'), 'detail-type': z.literal('Scheduled Event') }),
  z.strictObject({
    services: z
      .array(z.string().regex(/^[^/]+\/[^/]+$/, 'must be "cluster/service"'))
      .min(1)
      .optional(),
  }),
]);

/** What the handler needs. */
export interface CloneRetentionDeps {
  readonly settings: PipelineSettings;
  readonly inventory: Pick<InventoryRepository, 'garbageCollect' | 'listVersions'>;
  readonly stagingRegistry: Pick<ImageRegistry, 'deleteImage'>;
  readonly stagingPlatform: Pick<ContainerPlatform, 'deregisterTaskDefinition'>;
  readonly clock: Pick<Clock, 'now'>;
  readonly logger: LoggerLike;
}

/** Builds the handler. */
export function createCloneRetentionHandler(deps: Deps<CloneRetentionDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<RetentionReport> => {
    const input = parseEvent(CloneRetentionEvent, event, 'clone-retention');
    const d = get();
    const protectedKeys = d.settings.services.map(serviceKey);
    const requested = 'services' in input && input.services ? input.services : protectedKeys;
    const unknown = requested.filter((key) => !protectedKeys.includes(key));
    if (unknown.length > 0) {
      throw new ValidationError(
        'cannot apply retention to services that are not protected',
        unknown.map((key) => `${key}: not in the protected services`),
      );
    }
    return applyRetention(
      { ...d },
      requested,
      {
        keepVersions: d.settings.retention.keepVersions,
        minAgeMs: d.settings.retention.minAgeDays * DAY_MS,
      },
      d.clock.now(),
    );
  };
}

/** Lambda entry. */
export const handler = createCloneRetentionHandler(() => {
  const staging = stagingSide();
  return {
    settings: pipelineSettings(),
    inventory: inventoryRepository(),
    stagingRegistry: staging.registry,
    stagingPlatform: staging.platform,
    clock: systemClock,
    logger: createLogger('clone-retention'),
  };
});
