/**
 * clone-validate-store, per service, last step: reads back what staging holds, validates the
 * clone against it and stores it as an immutable, content-addressed clone version. Returns a
 * small summary: the Map collects one per service, and the execution payload stays small.
 */
import { z } from 'zod';
import type { CloneStatus } from '../core/model';
import { taskVcpuOf } from '../core/plan/quota';
import type { DependencyProbe, InventoryRepository, LoggerLike } from '../core/ports';
import { type SideAdapters, validateAndStore } from '../core/prebake/clone-steps';
import {
  dependencySchema,
  imagesSchema,
  registeredTaskDefinitionSchema,
  ruleSetSchema,
  serviceDescriptionSchema,
  serviceItemSchema,
  serviceSpecSchema,
  stagedTaskDefinitionSchema,
} from '../core/prebake/schemas';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import {
  inventoryRepository,
  stagingDependencyProbe,
  stagingSide,
} from '../shared/pipeline-wiring';
import { createLogger } from '../shared/powertools';

/** The state's input: the whole per-service state the earlier steps built. */
export const CloneStoreEvent = z.object({
  service: serviceItemSchema,
  trigger: z.string().min(1),
  requestedBy: z.string().min(1),
  source: z.object({
    description: serviceDescriptionSchema,
    taskDefinition: registeredTaskDefinitionSchema,
  }),
  images: z.object({ staged: imagesSchema, done: z.literal(true) }),
  taskDefinition: stagedTaskDefinitionSchema,
  network: z.object({ rules: z.array(ruleSetSchema) }),
  prepared: z.object({
    serviceDefinition: serviceSpecSchema,
    dependencies: z.array(dependencySchema),
  }),
});

/** What one service's clone came to. */
export interface CloneOutcome {
  readonly service: string;
  readonly outcome: 'stored';
  readonly version: number;
  readonly created: boolean;
  readonly status: CloneStatus;
  readonly reasons: readonly string[];
  /** Tasks the primary wanted when cloned: a floor for the plan's desired count. */
  readonly primaryDesiredCount: number;
  readonly taskVcpu?: number;
}

/** What the handler needs. */
export interface CloneStoreDeps {
  readonly staging: SideAdapters;
  readonly probe: DependencyProbe;
  readonly inventory: InventoryRepository;
  readonly logger: LoggerLike;
}

/** Builds the handler. */
export function createCloneStoreHandler(deps: Deps<CloneStoreDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<CloneOutcome> => {
    const input = parseEvent(CloneStoreEvent, event, 'clone-store');
    const d = get();
    const stored = await validateAndStore(
      d,
      {
        source: {
          service: input.service,
          taskDefinition: input.source.taskDefinition,
        },
        images: input.images.staged,
        taskDefinition: input.taskDefinition,
        network: input.network,
        service: input.prepared,
      },
      { actor: input.requestedBy, trigger: input.trigger },
    );
    d.logger.info('clone stored', {
      service: input.service.key,
      version: stored.version.version,
      created: stored.created,
      status: stored.version.status,
    });
    const vcpu = taskVcpuOf(input.taskDefinition.spec);
    return {
      service: input.service.key,
      outcome: 'stored',
      version: stored.version.version,
      created: stored.created,
      status: stored.version.status,
      reasons: stored.version.reasons,
      primaryDesiredCount: input.source.description.desiredCount,
      ...(vcpu !== undefined ? { taskVcpu: vcpu } : {}),
    };
  };
}

/** Lambda entry. */
export const handler = createCloneStoreHandler(() => ({
  staging: stagingSide(),
  probe: stagingDependencyProbe(),
  inventory: inventoryRepository(),
  logger: createLogger('clone-store'),
}));
