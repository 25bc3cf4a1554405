/**
 * Failover, per wave: deploys one page of the wave's services (UpdateService to the plan's
 * revision and the desired count from each service's latest forecast, scaling bounds, epoch tag),
 * fenced by the lease and paced at ECS's limits; returns the cursor of the next page and the
 * pacing state.
 */
import { z } from 'zod';
import { DynamoDbForecastRepository } from '../adapters/aws/dynamodb-forecast-repository';
import { type DeployDeps, type DeployPageResult, deployPage } from '../core/failover/deploy';
import type { FailoverSettings } from '../core/failover/settings';
import { dynamoDbClient } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { requireString } from '../shared/env';
import {
  authorityLease,
  failoverAwsAdapters,
  failoverSettings,
  stagingContainerPlatform,
} from '../shared/failover-wiring';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';

/**
 * The env var naming the staging forecast table (the latest forecasts copied from the primary);
 * set by the CDK construct that grants the read.
 */
export const FORECAST_TABLE_ENV = 'FORECAST_TABLE_NAME';

/** The state's input. */
export const FailoverDeployEvent = z.object({
  executionName: z.string().min(1).max(80),
  epoch: z.number().int().min(1),
  wave: z.number().int().min(0),
  pageSize: z.number().int().min(1).max(500),
  cursor: z.string().min(1).nullish(),
  pace: z
    .object({
      serviceTokens: z.number(),
      launchTokens: z.number(),
      // Not an integer necessarily: a virtual clock can stand between milliseconds.
      atMs: z.number().nonnegative(),
    })
    .nullish(),
});

/** What the handler needs. */
export interface FailoverDeployDeps extends DeployDeps {
  readonly settings: FailoverSettings;
}

/** Builds the handler. */
export function createFailoverDeployHandler(deps: Deps<FailoverDeployDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<DeployPageResult> => {
    const { cursor, pace, ...input } = parseEvent(FailoverDeployEvent, event, 'failover-deploy');
    const { settings, ...ports } = get();
    return deployPage(
      ports,
      { ...input, ...(cursor ? { cursor } : {}), ...(pace ? { pace } : {}) },
      settings,
    );
  };
}

/** Lambda entry. */
export const handler = createFailoverDeployHandler(() => {
  const aws = failoverAwsAdapters();
  return {
    plans: aws.plans,
    platform: stagingContainerPlatform(),
    fleet: aws.fleet,
    lease: authorityLease(),
    records: aws.records,
    // Without the table (a deployment without forecasts) every service keeps the plan's count.
    ...(process.env[FORECAST_TABLE_ENV]
      ? {
          forecasts: new DynamoDbForecastRepository(
            dynamoDbClient,
            requireString(FORECAST_TABLE_ENV),
          ),
        }
      : {}),
    clock: systemClock,
    settings: failoverSettings(),
  };
});
