/**
 * clone-validate-store, per service, after a validated clone is stored: makes the staging ECS
 * service exist on the clone's task definition — zero tasks (pilot light) or `minTasks` when
 * the service's tier is warm, or when the forecast trigger that started this run raised it.
 */
import { z } from 'zod';
import type { ContainerPlatform } from '../core/ports';
import { type StagedService, stageService } from '../core/prebake/clone-steps';
import { serviceItemSchema, serviceSpecSchema } from '../core/prebake/schemas';
import { type PipelineSettings, serviceSettingsOf } from '../core/prebake/settings';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { pipelineSettings, stagingSide } from '../shared/pipeline-wiring';

/** Forecast tiers that warm a service for the run (see `core/trigger.ts`). */
const WARMING_HINTS = new Set(['warm', 'hot']);

/** The state's input. */
export const CloneStageServiceEvent = z.object({
  service: serviceItemSchema,
  /** The forecast's tier recommendation for this run (`none` when not forecast-triggered). */
  tierHint: z.string().default('none'),
  prepared: z.object({ serviceDefinition: serviceSpecSchema }),
});

/** What the handler needs. */
export interface CloneStageServiceDeps {
  readonly stagingPlatform: ContainerPlatform;
  readonly settings: PipelineSettings;
}

/** Builds the handler. */
export function createCloneStageServiceHandler(deps: Deps<CloneStageServiceDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<StagedService> => {
    const input = parseEvent(CloneStageServiceEvent, event, 'clone-stage-service');
    const { stagingPlatform, settings } = get();
    const service = serviceSettingsOf(settings, input.service.key);
    const tier =
      service.stagingTier === 'warm' || WARMING_HINTS.has(input.tierHint) ? 'warm' : 'config-only';
    return stageService(stagingPlatform, {
      serviceDefinition: input.prepared.serviceDefinition,
      tier,
      warmTasks: Math.max(1, service.minTasks),
    });
  };
}

/** Lambda entry. */
export const handler = createCloneStageServiceHandler(() => ({
  stagingPlatform: stagingSide().platform,
  settings: pipelineSettings(),
}));
