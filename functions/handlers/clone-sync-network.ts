/**
 * clone-validate-store, per service: copies the service's security groups and rules into the
 * staging VPC (found by deterministic name or created; rules synced exactly, idempotently).
 */
import { z } from 'zod';
import type { NetworkRules } from '../core/ports';
import { type StagedNetwork, syncNetwork } from '../core/prebake/clone-steps';
import { ruleSetSchema } from '../core/prebake/schemas';
import { cloneMappingsOf, type PipelineSettings } from '../core/prebake/settings';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { pipelineSettings, stagingSide } from '../shared/pipeline-wiring';

/** The state's input. */
export const CloneSyncNetworkEvent = z.object({
  source: z.object({ securityGroups: z.array(ruleSetSchema) }),
});

/** What the handler needs. */
export interface CloneSyncNetworkDeps {
  readonly stagingNetwork: NetworkRules;
  readonly settings: PipelineSettings;
}

/** Builds the handler. */
export function createCloneSyncNetworkHandler(deps: Deps<CloneSyncNetworkDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<StagedNetwork> => {
    const input = parseEvent(CloneSyncNetworkEvent, event, 'clone-sync-network');
    const { stagingNetwork, settings } = get();
    return syncNetwork(stagingNetwork, input.source.securityGroups, cloneMappingsOf(settings));
  };
}

/** Lambda entry. */
export const handler = createCloneSyncNetworkHandler(() => ({
  stagingNetwork: stagingSide().network,
  settings: pipelineSettings(),
}));
