/**
 * Drill, first step: creates each plan service's twin in the drill cluster (desired count 0,
 * the clone's task definition and network configuration, no load balancer), one page at a
 * time, so the drill's failover deploys into the drill cluster exactly as a failover would.
 * Refuses (DrillRefusedError) while a real failover holds production's lease.
 */
import { z } from 'zod';
import { DynamoDbPlanPages } from '../adapters/aws/dynamodb-plan-pages';
import { drillPlanPages } from '../core/drill/plan';
import {
  type PrepareDrillDeps,
  type PrepareDrillResult,
  prepareDrillPage,
} from '../core/drill/prepare';
import { dynamoDbClient } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { DRILL_ENV } from '../shared/drill-env';
import { requireString } from '../shared/env';
import { productionLeaseReader, stagingContainerPlatform } from '../shared/failover-wiring';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';

/** The state's input. */
export const DrillPrepareEvent = z.object({
  drillName: z.string().min(1).max(80),
  pageSize: z.number().int().min(1).max(500),
  position: z
    .object({ waveIndex: z.number().int().min(0), cursor: z.string().min(1).optional() })
    .nullish(),
});

/** Builds the handler. */
export function createDrillPrepareHandler(deps: Deps<PrepareDrillDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<PrepareDrillResult> => {
    const { position, ...input } = parseEvent(DrillPrepareEvent, event, 'drill-prepare');
    return prepareDrillPage(get(), { ...input, ...(position ? { position } : {}) });
  };
}

/** Lambda entry. */
export const handler = createDrillPrepareHandler(() => ({
  plans: drillPlanPages(
    new DynamoDbPlanPages(dynamoDbClient, requireString(DRILL_ENV.inventoryTable)),
    requireString(DRILL_ENV.cluster),
  ),
  platform: stagingContainerPlatform(),
  clock: systemClock,
  productionLease: productionLeaseReader(),
}));
