import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { CloudWatchMetricsSource } from '../adapters/aws/cloudwatch-metrics-source';
import { DynamoDbAdaptLog } from '../adapters/aws/dynamodb-adapt-log';
import { DynamoDbAuthorityLease } from '../adapters/aws/dynamodb-authority-lease';
import { DynamoDbForecastRepository } from '../adapters/aws/dynamodb-forecast-repository';
import { DynamoDbInventoryRepository } from '../adapters/aws/dynamodb-inventory-repository';
import { EcsContainerPlatform } from '../adapters/aws/ecs-container-platform';
import { DynamoDbAdaptationFreeze } from '../adapters/aws/handback-freeze';
import { DEFAULT_ADAPT_SETTINGS, validateAdaptSettings } from '../core/adapt/policy';
import {
  ADAPT_METRICS,
  type AdaptRunConfig,
  type AdaptRunDeps,
  type AdaptRunSummary,
  runAdaptation,
} from '../core/adapt/run';
import { ValidationError } from '../core/errors';
import { awsClients, clientConfig, primaryReadClients } from '../shared/clients';
import { systemClock } from '../shared/clock';
import {
  EnvironmentError,
  type EnvSource,
  optionalString,
  readJsonDocument,
  requireRegion,
  requireRoleArn,
  requireString,
} from '../shared/env';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { runOptionsOf, ScheduledRunEvent } from '../shared/scheduled-run';
import { emfLeaseMetrics, type LeaseMetrics } from '../shared/workflow-metrics';

/** Names of the environment variables this function reads (the CDK construct sets them). */
export const ADAPT_ENV = {
  leaseTableName: 'LEASE_TABLE_NAME',
  leaseId: 'LEASE_ID',
  forecastTableName: 'FORECAST_TABLE_NAME',
  inventoryTableName: 'INVENTORY_TABLE_NAME',
  config: 'ADAPT_CONFIG',
  configFile: 'ADAPT_CONFIG_FILE',
  primaryRegion: 'PRIMARY_REGION',
  primaryReadRoleArn: 'PRIMARY_READ_ROLE_ARN',
} as const;

const dimensions = z.strictObject({
  targetGroup: z.string().min(1).optional(),
  loadBalancer: z.string().min(1).optional(),
  queueName: z.string().min(1).optional(),
});
const level = z.number().gt(0).lt(1);

/** The `ADAPT_CONFIG` document. */
export const AdaptConfigSchema = z.strictObject({
  services: z
    .array(
      z.strictObject({
        service: z.string().regex(/^[^/]+\/[^/]+$/, 'must be "cluster/service"'),
        staging: z.strictObject({ cluster: z.string().min(1), service: z.string().min(1) }),
        stagingMetrics: dimensions.optional(),
        primaryMetrics: dimensions.optional(),
        metrics: z.array(z.enum(ADAPT_METRICS)).min(1),
        referenceTasks: z.number().int().positive(),
        requestsPerTask: z.number().positive().optional(),
        messagesPerTask: z.number().positive().optional(),
        targetUtilization: z.number().gt(0).max(1),
      }),
    )
    .min(1),
  periodSeconds: z.number().int().min(60).multipleOf(60).default(300),
  historyDays: z.number().int().min(2).max(60).default(14),
  concurrency: z.number().int().min(1).max(16).default(3),
  settings: z
    .strictObject({
      consecutivePeriods: z.number().int().min(1).optional(),
      bandLower: level.optional(),
      bandUpper: level.optional(),
      level: level.optional(),
      lookaheadSteps: z.number().int().min(1).optional(),
      hysteresis: z.number().min(0).lt(1).optional(),
      scaleOutCooldownSeconds: z.number().int().min(0).optional(),
      scaleInCooldownSeconds: z.number().int().min(0).optional(),
      horizon: z.number().int().min(1).optional(),
      quantiles: z.array(level).min(1).optional(),
      forecastIntervalSeconds: z.number().int().positive().optional(),
      peakLevel: level.optional(),
      recurringDays: z.number().int().min(0).max(60).optional(),
      recurringLevel: z.number().min(0).max(1).optional(),
      recurringSlackSeconds: z.number().int().min(0).lt(43_200).optional(),
    })
    .default({}),
});

/** Turns a validated `ADAPT_CONFIG` into the run's configuration. */
export function toRunConfig(raw: z.output<typeof AdaptConfigSchema>): AdaptRunConfig {
  const { scaleOutCooldownSeconds, scaleInCooldownSeconds, recurringSlackSeconds, ...rest } =
    raw.settings;
  const settings = {
    ...DEFAULT_ADAPT_SETTINGS,
    ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
    ...(scaleOutCooldownSeconds !== undefined
      ? { scaleOutCooldownMs: scaleOutCooldownSeconds * 1000 }
      : {}),
    ...(scaleInCooldownSeconds !== undefined
      ? { scaleInCooldownMs: scaleInCooldownSeconds * 1000 }
      : {}),
    ...(recurringSlackSeconds !== undefined
      ? { recurringSlackMs: recurringSlackSeconds * 1000 }
      : {}),
  };
  validateAdaptSettings(settings);
  const issues: string[] = [];
  for (const s of raw.services) {
    if (s.metrics.includes('requestRate') && !s.stagingMetrics?.targetGroup)
      issues.push(`${s.service}: requestRate needs stagingMetrics.targetGroup`);
    if (s.metrics.includes('requestRate') && s.requestsPerTask === undefined)
      issues.push(`${s.service}: requestRate needs requestsPerTask`);
    if (s.metrics.includes('queueDepth') && !s.stagingMetrics?.queueName)
      issues.push(`${s.service}: queueDepth needs stagingMetrics.queueName`);
    if (s.metrics.includes('queueDepth') && s.messagesPerTask === undefined)
      issues.push(`${s.service}: queueDepth needs messagesPerTask`);
    if (s.metrics.includes('requestRate') && s.metrics.includes('queueDepth'))
      issues.push(`${s.service}: requestRate and queueDepth cannot both drive one service`);
  }
  if (issues.length) throw new ValidationError('invalid adapt configuration', issues);
  return {
    services: raw.services.map((s) => ({
      service: s.service,
      staging: s.staging,
      ...(s.stagingMetrics ? { stagingMetrics: s.stagingMetrics } : {}),
      ...(s.primaryMetrics ? { primaryMetrics: s.primaryMetrics } : {}),
      metrics: s.metrics,
      referenceTasks: s.referenceTasks,
      ...(s.requestsPerTask !== undefined ? { requestsPerTask: s.requestsPerTask } : {}),
      ...(s.messagesPerTask !== undefined ? { messagesPerTask: s.messagesPerTask } : {}),
      targetUtilization: s.targetUtilization,
    })),
    periodSeconds: raw.periodSeconds,
    historyDays: raw.historyDays,
    concurrency: raw.concurrency,
    settings,
  };
}

/**
 * Reads and validates `ADAPT_CONFIG_FILE` (when set) or `ADAPT_CONFIG`; the error names the
 * variable and each bad key.
 */
export function readAdaptConfig(env: EnvSource = process.env): AdaptRunConfig {
  const { variable, value } = readJsonDocument(
    { inline: ADAPT_ENV.config, file: ADAPT_ENV.configFile },
    AdaptConfigSchema,
    env,
  );
  try {
    return toRunConfig(value);
  } catch (error) {
    throw new EnvironmentError(variable, `is invalid: ${(error as Error).message}`);
  }
}

/**
 * The scheduled EventBridge event (its `time` is the run's reference time, so a retried
 * invocation decides the same period), or a manual `{ "services": [...], "asOf": ISO }`.
 */
export const AdaptEvent = ScheduledRunEvent;

/** Everything the handler needs. */
export interface AdaptHandlerDependencies extends AdaptRunDeps {
  readonly config: AdaptRunConfig;
  /**
   * Where each run's reading of the lease is published: the adapt loop runs every few minutes
   * whoever holds authority, so the dashboard's lease widgets get a current value.
   */
  readonly leaseMetrics?: LeaseMetrics;
}

/** The Lambda signature (context unused). */
export type AdaptHandler = (event: unknown, context?: unknown) => Promise<AdaptRunSummary>;

/** The one Powertools Logger of this function. */
export const logger = new Logger({ serviceName: 'understudy-adapt' });

/** Builds the handler around its dependencies (given, or built on the first invocation). */
export function createAdaptHandler(deps: Deps<AdaptHandlerDependencies>): AdaptHandler {
  const resolve = lazyDeps(deps);
  return async (event) => {
    const parsed = parseEvent(AdaptEvent, event, 'adapt');
    const d = resolve();
    const run = runOptionsOf(parsed);
    const summary = await runAdaptation(d, d.config, run);
    d.leaseMetrics?.publish({ holder: summary.holder ?? 'primary', epoch: summary.epoch });
    return summary;
  };
}

/** Production wiring from the environment (see the module comment for the variables). */
export function productionDependencies(env: EnvSource = process.env): AdaptHandlerDependencies {
  const config = readAdaptConfig(env);
  const dynamo = new DynamoDBClient(clientConfig());
  const forecastTable = requireString(ADAPT_ENV.forecastTableName, env);
  const leaseId = optionalString(ADAPT_ENV.leaseId, undefined, env);
  const staging = awsClients();
  const primaryRegion = optionalString(ADAPT_ENV.primaryRegion, undefined, env);
  const primaryMetrics = primaryRegion
    ? new CloudWatchMetricsSource(
        primaryReadClients(
          requireRoleArn(ADAPT_ENV.primaryReadRoleArn, env),
          requireRegion(ADAPT_ENV.primaryRegion, env),
          // One attempt: a dark primary must not hold the run for the SDK's retries.
          { sessionName: 'understudy-adapt', overrides: { maxAttempts: 1 } },
        ).cloudwatch,
      )
    : undefined;
  return {
    config,
    lease: new DynamoDbAuthorityLease(dynamo, requireString(ADAPT_ENV.leaseTableName, env), {
      ...(leaseId ? { leaseId } : {}),
    }),
    // The handback's freeze lives beside the lease (same table, same lease id).
    freeze: new DynamoDbAdaptationFreeze(dynamo, requireString(ADAPT_ENV.leaseTableName, env), {
      ...(leaseId ? { leaseId } : {}),
    }),
    log: new DynamoDbAdaptLog(dynamo, forecastTable),
    forecasts: new DynamoDbForecastRepository(dynamo, forecastTable),
    inventory: new DynamoDbInventoryRepository(
      dynamo,
      requireString(ADAPT_ENV.inventoryTableName, env),
    ),
    stagingMetrics: new CloudWatchMetricsSource(staging.cloudwatch),
    ...(primaryMetrics ? { primaryMetrics } : {}),
    platform: new EcsContainerPlatform(staging.ecs, staging.autoScaling),
    clock: systemClock,
    logger,
    leaseMetrics: emfLeaseMetrics(leaseId ?? 'authority'),
  };
}

/** Lambda entry. */
export const handler: AdaptHandler = createAdaptHandler(() => productionDependencies());
