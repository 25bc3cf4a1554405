/**
 * clone-validate-store, per service: rewrites the source task definition for staging (staged
 * digests, mapped roles, secrets, log groups), applies the policy check and registers it in
 * staging — or reuses the identical revision a previous run registered.
 */
import { z } from 'zod';
import type { ContainerPlatform } from '../core/ports';
import { type StagedTaskDefinition, stageTaskDefinition } from '../core/prebake/clone-steps';
import { imagesSchema, registeredTaskDefinitionSchema } from '../core/prebake/schemas';
import { cloneMappingsOf, type PipelineSettings } from '../core/prebake/settings';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { pipelineSettings, stagingSide } from '../shared/pipeline-wiring';

/** The state's input. */
export const CloneStageEvent = z.object({
  source: z.object({ taskDefinition: registeredTaskDefinitionSchema }),
  images: z.object({ staged: imagesSchema, done: z.literal(true) }),
});

/** What the handler needs. */
export interface CloneStageDeps {
  readonly stagingPlatform: ContainerPlatform;
  readonly settings: PipelineSettings;
}

/** Builds the handler. */
export function createCloneStageHandler(deps: Deps<CloneStageDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<StagedTaskDefinition> => {
    const input = parseEvent(CloneStageEvent, event, 'clone-stage-task-definition');
    const { stagingPlatform, settings } = get();
    return stageTaskDefinition(stagingPlatform, {
      source: input.source.taskDefinition,
      stagedImages: input.images.staged,
      mappings: cloneMappingsOf(settings),
      policy: settings.policy,
    });
  };
}

/** Lambda entry. */
export const handler = createCloneStageHandler(() => ({
  stagingPlatform: stagingSide().platform,
  settings: pipelineSettings(),
}));
