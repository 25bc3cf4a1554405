/**
 * Re-clones on every primary deployment: EventBridge delivers the primary's ECS deployment,
 * task-definition registration and ECR push events (forwarded cross-region to the staging bus);
 * this maps each to the protected services it concerns and starts clone-validate-store for
 * them, idempotently per event.
 */
import type { ServiceKey } from '../core/model';
import type { InventoryRepository, LoggerLike, PipelineStarter } from '../core/ports';
import {
  type CloneSourceIndex,
  DeployEventSchema,
  deployExecutionName,
  servicesForEvent,
} from '../core/prebake/deploy-events';
import type { PipelineSettings } from '../core/prebake/settings';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { cloneStarter, inventoryRepository, pipelineSettings } from '../shared/pipeline-wiring';
import { createLogger } from '../shared/powertools';

/** What the handler returns (for logs and tests). */
export interface DeployTriggerResult {
  readonly services: readonly ServiceKey[];
  readonly reason: string;
  readonly executionName?: string;
  readonly alreadyStarted?: boolean;
}

/** What the handler needs. */
export interface CloneOnDeployDeps {
  readonly settings: PipelineSettings;
  readonly inventory: Pick<InventoryRepository, 'listServices' | 'listVersions'>;
  readonly starter: PipelineStarter;
  readonly logger: LoggerLike;
}

/** The source repositories and families of each service's newest clone version. */
export async function cloneSourceIndex(
  inventory: Pick<InventoryRepository, 'listServices' | 'listVersions'>,
): Promise<CloneSourceIndex> {
  const repositories = new Map<string, ServiceKey[]>();
  const families = new Map<string, ServiceKey[]>();
  const add = (map: Map<string, ServiceKey[]>, key: string, service: ServiceKey) => {
    const list = map.get(key) ?? [];
    if (!list.includes(service)) list.push(service);
    map.set(key, list);
  };
  for (const { service } of await inventory.listServices()) {
    const [newest] = await inventory.listVersions(service);
    if (!newest) continue;
    for (const image of Object.values(newest.content.images))
      add(repositories, image.repository, service);
    const family = /:task-definition\/([^:]+):\d+$/.exec(
      newest.content.source.taskDefinitionArn,
    )?.[1];
    if (family) add(families, family, service);
  }
  return { repositories, families };
}

/** Builds the handler. */
export function createCloneOnDeployHandler(deps: Deps<CloneOnDeployDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<DeployTriggerResult> => {
    const parsed = parseEvent(DeployEventSchema, event, 'deploy');
    const d = get();
    const match = servicesForEvent(parsed, d.settings, await cloneSourceIndex(d.inventory));
    if (match.services.length === 0) {
      d.logger.info('deploy event ignored', { id: parsed.id, reason: match.reason });
      return match;
    }
    const executionName = deployExecutionName(parsed);
    const start = await d.starter.start(executionName, {
      services: match.services,
      trigger: 'deploy-event',
      requestedBy: `event:${parsed.id}`.slice(0, 256),
    });
    d.logger.info('re-clone started', {
      id: parsed.id,
      services: match.services,
      reason: match.reason,
      executionName,
      alreadyStarted: start.alreadyStarted,
    });
    return { ...match, executionName, alreadyStarted: start.alreadyStarted };
  };
}

/** Lambda entry. */
export const handler = createCloneOnDeployHandler(() => ({
  settings: pipelineSettings(),
  inventory: inventoryRepository(),
  starter: cloneStarter(),
  logger: createLogger('clone-on-deploy'),
}));
