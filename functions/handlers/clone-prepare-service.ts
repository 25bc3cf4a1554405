/**
 * clone-validate-store, per service: builds the staging service definition (network, load
 * balancers, namespace, capacity strategy, scaling) and checks every dependency the clone does
 * not copy exists in staging; a missing one makes the clone not ready, with the reason.
 */
import { z } from 'zod';
import { serviceKey } from '../core/model';
import type { DependencyProbe } from '../core/ports';
import { type PreparedService, prepareService } from '../core/prebake/clone-steps';
import { serviceDescriptionSchema, stagedTaskDefinitionSchema } from '../core/prebake/schemas';
import {
  cloneMappingsOf,
  type PipelineSettings,
  serviceSettingsOf,
} from '../core/prebake/settings';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { pipelineSettings, stagingDependencyProbe } from '../shared/pipeline-wiring';

/** The state's input. */
export const ClonePrepareEvent = z.object({
  source: z.object({ description: serviceDescriptionSchema }),
  taskDefinition: stagedTaskDefinitionSchema,
  network: z.object({ groupCopies: z.record(z.string(), z.string()) }),
});

/** What the handler needs. */
export interface ClonePrepareDeps {
  readonly probe: DependencyProbe;
  readonly settings: PipelineSettings;
}

/** Builds the handler. */
export function createClonePrepareHandler(deps: Deps<ClonePrepareDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<PreparedService> => {
    const input = parseEvent(ClonePrepareEvent, event, 'clone-prepare-service');
    const { probe, settings } = get();
    const description = input.source.description;
    const service = serviceSettingsOf(
      settings,
      serviceKey({ cluster: description.cluster, service: description.serviceName }),
    );
    return prepareService(probe, {
      source: description,
      taskDefinition: input.taskDefinition,
      network: input.network,
      mappings: cloneMappingsOf(settings),
      kmsKeys: service.kmsKeys,
    });
  };
}

/** Lambda entry. */
export const handler = createClonePrepareHandler(() => ({
  probe: stagingDependencyProbe(),
  settings: pipelineSettings(),
}));
