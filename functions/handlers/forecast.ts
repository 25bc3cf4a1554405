import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { assumeRoleCredentials } from '../adapters/aws/assume-role';
import { CloudWatchMetricsSource } from '../adapters/aws/cloudwatch-metrics-source';
import { DynamoDbForecastRepository } from '../adapters/aws/dynamodb-forecast-repository';
import { SfnPipelineStarter } from '../adapters/aws/sfn-pipeline-starter';
import { UnderstudyError } from '../core/errors';
import {
  type CycleSummary,
  type ForecastCycleConfig,
  type ForecastCycleDeps,
  runForecastCycle,
} from '../core/forecast/cycle';
import { validateEvents } from '../core/forecast/events-file';
import { RESOURCE_METRICS, type ResourceMetric } from '../core/model';
import type { PipelineStart, PipelineStarter } from '../core/ports';
import { clientConfig, localClients, regionalStsClient } from '../shared/clients';
import { systemClock } from '../shared/clock';
import {
  type EnvSource,
  optionalString,
  readJsonDocument,
  requireRegion,
  requireRoleArn,
  requireString,
} from '../shared/env';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { runOptionsOf, ScheduledRunEvent } from '../shared/scheduled-run';

/** Names of the environment variables this function reads (the CDK stack sets them). */
export const FORECAST_ENV = {
  tableName: 'FORECAST_TABLE_NAME',
  stagingRegion: 'STAGING_REGION',
  stagingTableName: 'STAGING_FORECAST_TABLE_NAME',
  config: 'FORECAST_CONFIG',
  configFile: 'FORECAST_CONFIG_FILE',
  pipelineArn: 'PIPELINE_STATE_MACHINE_ARN',
  stagingWriterRoleArn: 'STAGING_WRITER_ROLE_ARN',
} as const;

const metricName = z.enum(RESOURCE_METRICS);
const thresholds = z.partialRecord(metricName, z.number().finite().nonnegative());
const quantileLevel = z.number().gt(0).lt(1);

/**
 * The `FORECAST_CONFIG` document. Per-service thresholds override the global ones; a service
 * with no threshold at all is forecast but never triggers.
 */
export const ForecastConfigSchema = z.strictObject({
  services: z
    .array(
      z.strictObject({
        cluster: z.string().min(1),
        service: z.string().min(1),
        targetGroup: z.string().min(1).optional(),
        loadBalancer: z.string().min(1).optional(),
        queueName: z.string().min(1).optional(),
        metrics: z.array(metricName).min(1).optional(),
        thresholds: thresholds.optional(),
        triggerProbability: z.number().gt(0).max(1).optional(),
        currentTier: z.enum(['cold', 'warm', 'hot']).optional(),
      }),
    )
    .min(1),
  thresholds: thresholds.default({}),
  triggerProbability: z.number().gt(0).max(1).default(0.3),
  intervalSeconds: z.number().int().positive().default(3600),
  historySteps: z
    .number()
    .int()
    .positive()
    .default(28 * 24),
  horizon: z.number().int().positive().default(24),
  quantiles: z
    .array(quantileLevel)
    .min(1)
    .refine((q) => q.every((v, i) => i === 0 || v > (q[i - 1] ?? 0)), 'must be strictly ascending')
    .optional(),
  samplePaths: z.number().int().positive().max(10_000).optional(),
  concurrency: z.number().int().min(1).max(16).default(3),
  events: z.array(z.unknown()).default([]),
});

/** Turns a validated `FORECAST_CONFIG` into the cycle's configuration. */
export function toCycleConfig(raw: z.output<typeof ForecastConfigSchema>): ForecastCycleConfig {
  return {
    services: raw.services.map((s) => {
      const merged: Partial<Record<ResourceMetric, number>> = {
        ...raw.thresholds,
        ...s.thresholds,
      };
      return {
        ref: { cluster: s.cluster, service: s.service },
        ...(s.targetGroup ? { targetGroup: s.targetGroup } : {}),
        ...(s.loadBalancer ? { loadBalancer: s.loadBalancer } : {}),
        ...(s.queueName ? { queueName: s.queueName } : {}),
        ...(s.metrics ? { metrics: s.metrics } : {}),
        ...(Object.keys(merged).length
          ? {
              trigger: {
                triggerProbability: s.triggerProbability ?? raw.triggerProbability,
                thresholds: merged,
                ...(s.currentTier ? { currentTier: s.currentTier } : {}),
              },
            }
          : {}),
      };
    }),
    intervalSeconds: raw.intervalSeconds,
    historySteps: raw.historySteps,
    horizon: raw.horizon,
    ...(raw.quantiles ? { quantiles: raw.quantiles } : {}),
    ...(raw.samplePaths ? { samplePaths: raw.samplePaths } : {}),
    concurrency: raw.concurrency,
    events: validateEvents(raw.events, 'FORECAST_CONFIG events'),
  };
}

/**
 * Reads and validates `FORECAST_CONFIG_FILE` (when set) or `FORECAST_CONFIG`; the error names
 * the variable and each bad key.
 */
export function readForecastConfig(env: EnvSource = process.env): ForecastCycleConfig {
  const { value } = readJsonDocument(
    { inline: FORECAST_ENV.config, file: FORECAST_ENV.configFile },
    ForecastConfigSchema,
    env,
  );
  return toCycleConfig(value);
}

/**
 * The scheduled EventBridge event, or a manual invocation `{ "services": ["cluster/service"] }`
 * (both may be empty objects otherwise). The scheduled `time` becomes the cycle's reference
 * time, so a retried invocation covers the same window and reaches the same decisions.
 */
export const ForecastEvent = ScheduledRunEvent;

/** What the handler returns: the cycle's counts, its failures and its decisions. */
export type ForecastHandlerResult = Omit<CycleSummary, 'series'> & {
  readonly failedSeries: readonly { service: string; metric: string; error?: string }[];
};

/** Everything the handler needs. */
export interface ForecastHandlerDependencies extends ForecastCycleDeps {
  readonly config: ForecastCycleConfig;
  /** Powertools Metrics that receive the forecast-vs-actual EMF metrics. */
  readonly emf: Metrics;
}

/** The Lambda signature (context unused). */
export type ForecastHandler = (event: unknown, context?: unknown) => Promise<ForecastHandlerResult>;

/** The one Powertools Logger of this function. */
export const logger = new Logger({ serviceName: 'understudy-forecast' });

/** The one Powertools Metrics of this function (namespace from `POWERTOOLS_METRICS_NAMESPACE`). */
export const metrics = new Metrics({ serviceName: 'understudy-forecast', namespace: 'Understudy' });

/**
 * Publishes, per forecast series, `ForecastP50`/`ForecastP90` of the first step (timestamped at
 * that step) and `Actual` (timestamped at the last observed slot), dimensioned by Service and
 * Metric; and the cycle's counts as plain metrics. Each value is its own single-metric blob, so
 * every one carries its own timestamp.
 */
export function publishForecastMetrics(emf: Metrics, summary: CycleSummary): void {
  const emit = (s: (typeof summary.series)[number], name: string, value: number, at: string) => {
    // A single-metric instance flushes (and forgets its dimensions and timestamp) on addMetric.
    const one = emf.singleMetric();
    one.addDimensions({ Service: s.service, Metric: s.metric });
    one.setTimestamp(new Date(at));
    one.addMetric(name, MetricUnit.NoUnit, value);
  };
  for (const s of summary.series) {
    if (s.status !== 'forecast') continue;
    if (s.nextTimestamp !== undefined) {
      if (s.nextP50 !== undefined) emit(s, 'ForecastP50', s.nextP50, s.nextTimestamp);
      if (s.nextP90 !== undefined) emit(s, 'ForecastP90', s.nextP90, s.nextTimestamp);
    }
    if (s.lastActual !== undefined && s.lastActualTimestamp !== undefined) {
      emit(s, 'Actual', s.lastActual, s.lastActualTimestamp);
    }
  }
  emf.addMetric('SeriesForecast', MetricUnit.Count, summary.seriesForecast);
  emf.addMetric('SeriesFailed', MetricUnit.Count, summary.seriesFailed);
  emf.addMetric('StagingCopyFailures', MetricUnit.Count, summary.stagingCopyFailures);
  emf.addMetric('DecisionsFired', MetricUnit.Count, summary.decisionsFired);
  emf.addMetric('PipelinesStarted', MetricUnit.Count, summary.pipelinesStarted);
  emf.addMetric('PipelineStartFailures', MetricUnit.Count, summary.pipelineStartFailures);
  emf.publishStoredMetrics();
}

/** The pipeline is not deployed yet: fired decisions are recorded and reported as not started. */
export class PipelineNotConfiguredError extends UnderstudyError {
  public constructor() {
    super(
      'PipelineNotConfigured',
      `${FORECAST_ENV.pipelineArn} is not set: the decision is recorded, no pipeline was started`,
    );
    this.name = 'PipelineNotConfiguredError';
  }
}

const pipelineNotConfigured: PipelineStarter = {
  start: async (): Promise<PipelineStart> => {
    throw new PipelineNotConfiguredError();
  },
};

/** Builds the handler around its dependencies (given, or built on the first invocation). */
export function createForecastHandler(deps: Deps<ForecastHandlerDependencies>): ForecastHandler {
  const resolve = lazyDeps(deps);
  return async (event) => {
    const parsed = parseEvent(ForecastEvent, event, 'forecast');
    const d = resolve();
    const run = runOptionsOf(parsed);
    const summary = await runForecastCycle(d, d.config, run);
    publishForecastMetrics(d.emf, summary);
    const { series, ...rest } = summary;
    return {
      ...rest,
      failedSeries: series
        .filter((s) => s.status === 'failed')
        .map((s) => ({
          service: s.service,
          metric: s.metric,
          ...(s.error ? { error: s.error } : {}),
        })),
    };
  };
}

/** Production wiring from the environment (see the module comment for the variables). */
export function productionDependencies(env: EnvSource = process.env): ForecastHandlerDependencies {
  const config = readForecastConfig(env);
  const tableName = requireString(FORECAST_ENV.tableName, env);
  const stagingRegion = requireRegion(FORECAST_ENV.stagingRegion, env);
  const stagingTableName = requireString(FORECAST_ENV.stagingTableName, env);
  const pipelineArn = optionalString(FORECAST_ENV.pipelineArn, undefined, env);
  const pipelineRegion = pipelineArn?.split(':')[3];
  const writerRoleArn =
    optionalString(FORECAST_ENV.stagingWriterRoleArn, undefined, env) === undefined
      ? undefined
      : requireRoleArn(FORECAST_ENV.stagingWriterRoleArn, env);
  // One cached provider for both staging clients: one AssumeRole per session, not per call.
  const stagingCredentials = writerRoleArn
    ? {
        credentials: assumeRoleCredentials(regionalStsClient(stagingRegion), {
          roleArn: writerRoleArn,
          sessionName: 'understudy-forecast',
        }),
      }
    : {};
  return {
    config,
    metrics: new CloudWatchMetricsSource(localClients.cloudwatch),
    forecasts: new DynamoDbForecastRepository(new DynamoDBClient(clientConfig()), tableName),
    stagingForecasts: new DynamoDbForecastRepository(
      new DynamoDBClient(clientConfig({ region: stagingRegion, ...stagingCredentials })),
      stagingTableName,
    ),
    pipeline: pipelineArn
      ? new SfnPipelineStarter({
          stateMachineArn: pipelineArn,
          client: new SFNClient(
            clientConfig({
              ...(pipelineRegion ? { region: pipelineRegion } : {}),
              ...stagingCredentials,
            }),
          ),
        })
      : pipelineNotConfigured,
    clock: systemClock,
    logger,
    emf: metrics,
  };
}

/** Lambda entry. */
export const handler: ForecastHandler = createForecastHandler(() => productionDependencies());
