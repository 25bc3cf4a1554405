import * as path from 'node:path';
import type { RemovalPolicy } from 'aws-cdk-lib';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { z } from 'zod';
import type { ForecastConfigSchema } from '../../functions/handlers/forecast';
import type { UnderstudyConfig } from '../config';
import { ConfigDocument, INLINE_DOCUMENT_LIMIT_BYTES } from './config-document';
import { UnderstudyFunction } from './understudy-function';
import type { UnderstudyTable } from './understudy-table';

/**
 * Memory of the forecast Lambda, sized from `bench/results/forecast-scale.md` (`npm run
 * bench:forecast-scale`: one cycle over 1,000 service × metric series of real traces, 672 h of
 * history, horizon 24, 11 quantiles, 500 sample paths): 25.2 s of CPU for the cycle (24.8 ms
 * per series on average, 44.5 ms p90, 159.5 ms max), 105 s of wall time on a shared, loaded
 * 2-core machine, peak RSS 269 MB.
 *
 * The cycle is single-threaded and CPU-bound, and Lambda's CPU share is proportional to memory
 * (one vCPU at 1,769 MB), so projected duration = CPU time × max(1, 1769 / memory):
 * - 1,769 MB: 25 s; 105 s taking the loaded machine's wall time as a pessimistic bound; 160 s
 *   even if every series took the slowest one's 159.5 ms — at most 18 % of the 900 s timeout,
 *   leaving room for the real GetMetricData and DynamoDB latency the bench (sandbox metrics,
 *   in-memory stores) does not include. About 4,000 series fit with a 2× margin on the
 *   pessimistic bound; beyond that, fan out one invocation per service shard.
 * - 512 MB (0.29 vCPU): 87 s; 363 s on the pessimistic bound — fits, with a 2.5× margin
 *   before any I/O.
 *
 * Below one vCPU CPU-bound work costs the same GB-seconds at any size (0.5 GB × 87 s ≈
 * 1.769 GB × 25 s ≈ 44 GB-s per run); only I/O waits cost more at 1,769 MB, well under a dollar
 * a month for an hourly cycle. So 1,769 MB buys 3.5× the speed, 4× the series before a fan-out
 * and 6× the RSS headroom for next to nothing; above it a second vCPU would sit idle.
 */
export const FORECASTER_MEMORY_MIB = 1769;

/** The forecast cycle runs at most this long; one hourly cycle needs a fraction of it. */
export const FORECASTER_TIMEOUT = Duration.minutes(15);

/**
 * Environment variables the forecast handler reads (`FORECAST_ENV` in
 * `functions/handlers/forecast.ts`; the infra test checks the two agree). Repeated here so the
 * CDK app does not load the handler module, its Powertools and SDK clients, at synth.
 */
export const FORECASTER_ENV = {
  tableName: 'FORECAST_TABLE_NAME',
  stagingRegion: 'STAGING_REGION',
  stagingTableName: 'STAGING_FORECAST_TABLE_NAME',
  config: 'FORECAST_CONFIG',
  configFile: 'FORECAST_CONFIG_FILE',
  pipelineArn: 'PIPELINE_STATE_MACHINE_ARN',
  stagingWriterRoleArn: 'STAGING_WRITER_ROLE_ARN',
} as const;

/**
 * Largest `FORECAST_CONFIG` kept inline; a larger document ships in a layer
 * (`/opt/forecast-config.json`, named by `FORECAST_CONFIG_FILE`). See {@link ConfigDocument}.
 */
export const INLINE_CONFIG_LIMIT_BYTES = INLINE_DOCUMENT_LIMIT_BYTES;

/** Where the configuration layer's file appears in the function (layers mount at `/opt`). */
export const CONFIG_FILE_PATH = '/opt/forecast-config.json';

/** The `FORECAST_CONFIG` document, exactly as the handler's schema accepts it. */
export type ForecastCycleDocument = z.input<typeof ForecastConfigSchema>;

/** What the forecaster writes to and starts in the staging account and region. */
export interface ForecastStagingTarget {
  /** Staging region (its regional STS endpoint issues the writer role's credentials). */
  readonly region: string;
  /** Name of the staging forecasts table (the copy a failover reads). */
  readonly forecastTableName: string;
  /** Role in the staging account the forecaster assumes to write the copy and start clones. */
  readonly writerRoleArn: string;
  /**
   * The clone-validate-store state machine started when a trigger fires.
   * @default - none: fired decisions are recorded and reported as not started
   */
  readonly cloneStateMachineArn?: string;
}

/**
 * The forecast cycle settings of `config` as the handler's `FORECAST_CONFIG`: each listed
 * service with its metric dimensions and threshold overrides, the global thresholds, trigger
 * probability, step, history and horizon in steps, quantiles and known events.
 * @throws Error when `config` protects services by tag: the forecaster needs them listed.
 */
export function forecastCycleDocument(config: UnderstudyConfig): ForecastCycleDocument {
  const { forecast } = config;
  if (!config.services) {
    throw new Error(
      'forecastCycleDocument: the forecaster needs "services" listed in the configuration; "serviceSelector" discovery is not supported by the forecast handler',
    );
  }
  const stepsPerDay = (24 * 60) / forecast.intervalMinutes;
  return {
    services: config.services.map((s) => {
      const own = Object.fromEntries(
        Object.entries(s.thresholds).filter(([, value]) => value !== undefined),
      );
      return {
        cluster: s.cluster,
        service: s.service,
        ...(s.targetGroup ? { targetGroup: s.targetGroup } : {}),
        ...(s.loadBalancer ? { loadBalancer: s.loadBalancer } : {}),
        ...(s.queueName ? { queueName: s.queueName } : {}),
        ...(Object.keys(own).length ? { thresholds: own } : {}),
      };
    }),
    thresholds: Object.fromEntries(
      Object.entries(config.thresholds).filter(([, value]) => value !== undefined),
    ),
    triggerProbability: config.triggerProbability,
    intervalSeconds: forecast.intervalMinutes * 60,
    historySteps: Math.floor(forecast.historyDays * stepsPerDay),
    horizon: (forecast.horizonHours * 60) / forecast.intervalMinutes,
    quantiles: [...forecast.quantiles],
    events: [...(forecast.events ?? [])],
  };
}

/** Props of {@link Forecaster}. */
export interface ForecasterProps {
  /** EventBridge schedule expression (`rate(...)` or `cron(...)`), as `config.forecast.schedule`. */
  readonly schedule: string;
  /** The cycle's settings (see {@link forecastCycleDocument}). */
  readonly cycle: ForecastCycleDocument;
  /** Forecasts table in this (primary) account and region. */
  readonly forecastTable: UnderstudyTable;
  /** The staging copy and the clone pipeline. */
  readonly staging: ForecastStagingTarget;
  /**
   * Memory in MiB.
   * @default FORECASTER_MEMORY_MIB (1769, see its sizing)
   */
  readonly memorySize?: number;
  /**
   * Key the log group is encrypted with.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Where EventBridge puts a scheduled invocation it could not deliver.
   * @default - none
   */
  readonly deadLetterQueue?: sqs.IQueue;
}

/**
 * The forecaster (primary account and region): a scheduled Lambda that runs one forecast cycle
 * at a time (reserved concurrency 1), reads metrics with `cloudwatch:GetMetricData`, writes
 * forecasts and decisions to the primary forecasts table, and assumes the staging writer role
 * (nothing else) to copy each service's latest forecast to staging and start the
 * clone-validate-store state machine when a trigger fires. Forecast p50/p90 and actuals are
 * EMF log lines, which CloudWatch Logs turns into metrics: no `cloudwatch:PutMetricData`.
 */
export class Forecaster extends Construct {
  /** The forecast Lambda. */
  public readonly function: UnderstudyFunction;
  /** The schedule that invokes it. */
  public readonly rule: events.Rule;
  /** `cloudwatch:GetMetricData`, in its own policy so its `Resource: *` stays isolated. */
  public readonly metricsReadPolicy: iam.Policy;
  /** Layer holding a configuration too large for the environment; absent when inline. */
  public readonly configLayer?: lambda.LayerVersion;

  public constructor(scope: Construct, id: string, props: ForecasterProps) {
    super(scope, id);
    const { staging } = props;
    const memorySize = props.memorySize ?? FORECASTER_MEMORY_MIB;
    if (memorySize < 512) {
      throw new Error(
        `Forecaster ${id}: memorySize ${memorySize} MiB is below 512; 1,000 series peak at 269 MB of RSS and CPU share would leave too little margin under the timeout`,
      );
    }

    this.function = new UnderstudyFunction(this, 'Function', {
      entry: 'functions/handlers/forecast.ts',
      description:
        'Understudy forecaster: forecasts demand per service, copies the latest to staging, triggers clones',
      memorySize,
      timeout: FORECASTER_TIMEOUT,
      serviceName: 'understudy-forecast',
      logEncryptionKey: props.logEncryptionKey,
      logRemovalPolicy: props.logRemovalPolicy,
      environment: {
        [FORECASTER_ENV.stagingRegion]: staging.region,
        [FORECASTER_ENV.stagingTableName]: staging.forecastTableName,
        [FORECASTER_ENV.stagingWriterRoleArn]: staging.writerRoleArn,
        ...(staging.cloneStateMachineArn
          ? { [FORECASTER_ENV.pipelineArn]: staging.cloneStateMachineArn }
          : {}),
      },
    });
    const fn = this.function;
    // One cycle at a time: two overlapping cycles would forecast the same series twice and race
    // on the same decisions. An invocation throttled behind a long cycle is retried by Lambda.
    (fn.function.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = 1;

    const config = new ConfigDocument(this, 'Config', {
      document: JSON.stringify(props.cycle),
      envName: FORECASTER_ENV.config,
      fileEnvName: FORECASTER_ENV.configFile,
      fileName: path.basename(CONFIG_FILE_PATH),
      description: 'Understudy forecaster configuration (too large for the environment)',
    });
    config.bindTo(fn);
    this.configLayer = config.layer;

    // The handler reads FORECAST_TABLE_NAME; grantReadWriteTo also sets the table's own
    // FORECASTS_TABLE_NAME.
    props.forecastTable.grantReadWriteTo(fn);
    fn.addEnvironment(FORECASTER_ENV.tableName, props.forecastTable.table.tableName);
    Validations.of(fn.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'Table read/write grant (UnderstudyTable.grantReadWriteTo): GenerateDataKey* on the forecasts table CMK only, which DynamoDB needs to encrypt new items.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason:
          'Table read/write grant (UnderstudyTable.grantReadWriteTo): ReEncrypt* on the forecasts table CMK only, as CDK grants it for DynamoDB writes.',
      },
    );

    // The staging table and state machine are in another account: only a role there can write
    // and start them (Step Functions has no resource policy), so this one may only assume it.
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['sts:AssumeRole'],
      resourceArns: [staging.writerRoleArn],
    });

    this.metricsReadPolicy = new iam.Policy(this, 'MetricsReadPolicy', {
      roles: [fn.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['cloudwatch:GetMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:RequestedRegion': Stack.of(this).region } },
        }),
      ],
    });
    fn.function.node.addDependency(this.metricsReadPolicy);
    Validations.of(this.metricsReadPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:GetMetricData supports no resource-level permissions; limited to the primary region by aws:RequestedRegion.',
    });

    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Runs the Understudy forecast cycle',
      schedule: events.Schedule.expression(props.schedule),
      targets: [
        new targets.LambdaFunction(fn.function, {
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 2,
          // A cycle started an hour late is the next cycle's job.
          maxEventAge: Duration.hours(1),
        }),
      ],
    });
  }

  /** The forecast Lambda's execution role (the staging writer role trusts exactly this one). */
  public get role(): iam.Role {
    return this.function.role;
  }
}
