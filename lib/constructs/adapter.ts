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
import { stagingServiceName } from '../../functions/core/clone/service-definition';
import type { AdaptConfigSchema } from '../../functions/handlers/adapt';
import type { UnderstudyConfig } from '../config';
import { ConfigDocument } from './config-document';
import { UnderstudyFunction } from './understudy-function';
import type { UnderstudyTable } from './understudy-table';

/**
 * Environment variables the adapt handler reads (`ADAPT_ENV` in `functions/handlers/adapt.ts`;
 * the infra test checks the two agree). Repeated here so the CDK app does not load the handler
 * module, its Powertools and SDK clients, at synth.
 */
export const ADAPTER_ENV = {
  leaseTableName: 'LEASE_TABLE_NAME',
  forecastTableName: 'FORECAST_TABLE_NAME',
  inventoryTableName: 'INVENTORY_TABLE_NAME',
  config: 'ADAPT_CONFIG',
  configFile: 'ADAPT_CONFIG_FILE',
  primaryRegion: 'PRIMARY_REGION',
  primaryReadRoleArn: 'PRIMARY_READ_ROLE_ARN',
} as const;

/** Where the configuration layer's file appears in the function (layers mount at `/opt`). */
export const ADAPT_CONFIG_FILE_PATH = '/opt/adapt-config.json';

/**
 * Memory of the adapt Lambda. A run re-forecasts a service only when its demand left the band
 * (the same engine as the forecaster: ~25 ms of CPU per series at 672 hourly points,
 * `bench/results/forecast-scale.md`) and otherwise compares a few hundred points with the bands;
 * 1,024 MB (0.58 vCPU) keeps a run of tens of services, all re-forecast, within seconds.
 */
export const ADAPTER_MEMORY_MIB = 1024;

/** The `ADAPT_CONFIG` document, exactly as the handler's schema accepts it. */
export type AdaptDocument = z.input<typeof AdaptConfigSchema>;

/**
 * The `adapt` section of `config` as the handler's `ADAPT_CONFIG`: each adapted service with its
 * staging service (the clone's name in the staging cluster), the primary's metric dimensions (from
 * its `services` entry), the target utilisation it is planned at, and the policy overrides.
 * @throws Error when an adapted service is not listed in `services`.
 */
export function adaptDocument(config: UnderstudyConfig): AdaptDocument {
  const { adapt } = config;
  const listed = new Map((config.services ?? []).map((s) => [`${s.cluster}/${s.service}`, s]));
  const { recurringSlackSeconds, ...settings } = adapt.settings;
  return {
    services: adapt.services.map((a) => {
      const primary = listed.get(a.service);
      if (!primary) {
        throw new Error(`adaptDocument: ${a.service} is not one of the listed services`);
      }
      const primaryMetrics = {
        ...(primary.targetGroup ? { targetGroup: primary.targetGroup } : {}),
        ...(primary.loadBalancer ? { loadBalancer: primary.loadBalancer } : {}),
        ...(primary.queueName ? { queueName: primary.queueName } : {}),
      };
      return {
        service: a.service,
        staging: {
          cluster: config.staging.cluster,
          service: stagingServiceName(primary.cluster, primary.service),
        },
        ...(a.stagingMetrics ? { stagingMetrics: a.stagingMetrics } : {}),
        ...(Object.keys(primaryMetrics).length ? { primaryMetrics } : {}),
        metrics: [...a.metrics],
        referenceTasks: a.referenceTasks,
        ...(a.requestsPerTask !== undefined ? { requestsPerTask: a.requestsPerTask } : {}),
        ...(a.messagesPerTask !== undefined ? { messagesPerTask: a.messagesPerTask } : {}),
        targetUtilization: primary.targetUtilization,
      };
    }),
    periodSeconds: adapt.scheduleMinutes * 60,
    historyDays: adapt.historyDays,
    concurrency: adapt.concurrency,
    settings: {
      ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)),
      ...(recurringSlackSeconds !== undefined ? { recurringSlackSeconds } : {}),
      forecastIntervalSeconds: config.forecast.intervalMinutes * 60,
    },
  };
}

/** Props of {@link Adapter}. */
export interface AdapterProps {
  /** The handler's `ADAPT_CONFIG` (see {@link adaptDocument}). */
  readonly document: AdaptDocument;
  /**
   * Minutes between runs (also the metric period: `document.periodSeconds` must match).
   * @default 5
   */
  readonly scheduleMinutes?: number;
  /** The authority lease table (read only: the run is fenced by the lease, never writes it). */
  readonly leaseTable: UnderstudyTable;
  /** The staging forecasts table: the latest forecasts, and the adapt log beside them. */
  readonly forecastTable: UnderstudyTable;
  /** The inventory: the effective clone version's cloned scaling bounds. */
  readonly inventoryTable: UnderstudyTable;
  /** The key the three tables are encrypted with. */
  readonly key: kms.IKey;
  /** Staging ECS cluster whose services the loop scales. */
  readonly stagingCluster: string;
  /**
   * Memory in MiB.
   * @default ADAPTER_MEMORY_MIB (1024)
   */
  readonly memorySize?: number;
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
 * The adapt loop (staging account and region): a scheduled Lambda that, only while the authority
 * lease's holder is the shadow, compares staging's demand with the forecast bands and moves each
 * service's Application Auto Scaling minimum capacity (never its desired count) within the cloned
 * bounds, fenced by the lease epoch. Its log lives in the forecasts table (`ADAPT#<service>`
 * items: the same pk/sk shape, beside the forecasts it adapts from).
 */
export class Adapter extends Construct {
  /** The adapt Lambda. */
  public readonly function: UnderstudyFunction;
  /** The schedule that invokes it. */
  public readonly rule: events.Rule;
  /** Layer holding a configuration too large for the environment; absent when inline. */
  public readonly configLayer?: lambda.LayerVersion;
  private primaryReadRoleArn?: string;

  public constructor(scope: Construct, id: string, props: AdapterProps) {
    super(scope, id);
    const scheduleMinutes = props.scheduleMinutes ?? 5;
    if (!(Number.isInteger(scheduleMinutes) && scheduleMinutes >= 1 && scheduleMinutes <= 60)) {
      throw new Error(`Adapter ${id}: scheduleMinutes ${scheduleMinutes} must be 1 to 60`);
    }
    const period = props.document.periodSeconds ?? 300;
    if (period !== scheduleMinutes * 60) {
      throw new Error(
        `Adapter ${id}: document.periodSeconds ${period} must equal scheduleMinutes × 60 (${scheduleMinutes * 60}): each run decides the period the schedule just ended`,
      );
    }
    const stack = Stack.of(this);
    const arn = (service: string, resource: string) =>
      `arn:${stack.partition}:${service}:${stack.region}:${stack.account}:${resource}`;

    this.function = new UnderstudyFunction(this, 'Function', {
      entry: 'functions/handlers/adapt.ts',
      description:
        'Understudy adapt loop: moves staging minimum capacity with real demand while the shadow holds authority',
      memorySize: props.memorySize ?? ADAPTER_MEMORY_MIB,
      // A run decides the period that has just ended; one still running at the next is late.
      timeout: Duration.minutes(Math.min(15, scheduleMinutes)),
      serviceName: 'understudy-adapt',
      logEncryptionKey: props.key,
      logRemovalPolicy: props.logRemovalPolicy,
      environment: {
        [ADAPTER_ENV.leaseTableName]: props.leaseTable.table.tableName,
        [ADAPTER_ENV.forecastTableName]: props.forecastTable.table.tableName,
        [ADAPTER_ENV.inventoryTableName]: props.inventoryTable.table.tableName,
      },
    });
    const fn = this.function;
    // One run at a time: two overlapping runs would race on each service's state revision (the
    // loser fails with a conflict and the next period decides again).
    (fn.function.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = 1;

    const config = new ConfigDocument(this, 'Config', {
      document: JSON.stringify(props.document),
      envName: ADAPTER_ENV.config,
      fileEnvName: ADAPTER_ENV.configFile,
      fileName: path.basename(ADAPT_CONFIG_FILE_PATH),
      description: 'Understudy adapt configuration (too large for the environment)',
    });
    config.bindTo(fn);
    this.configLayer = config.layer;

    // Table ARNs only (no `index/*`: nothing here reads an index), one statement per table.
    const tableStatement = (sid: string, table: UnderstudyTable, actions: string[]) =>
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid, actions, resources: [table.table.tableArn] }),
      );
    // The lease: read (strongly consistent GetItem) for the holder check and the fence, never written.
    tableStatement('LeaseRead', props.leaseTable, ['dynamodb:GetItem']);
    // The latest forecasts (GetItem) and the adapt log beside them (state and decisions).
    tableStatement('ForecastsAndAdaptLog', props.forecastTable, [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    ]);
    // The effective clone version's cloned scaling: the service's HEAD item.
    tableStatement('InventoryRead', props.inventoryTable, ['dynamodb:GetItem']);
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TableKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.amazonaws.com` },
        },
      }),
    );

    const services = arn('ecs', `service/${props.stagingCluster}/*`);
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeStagingServices',
        actions: ['ecs:DescribeServices'],
        resources: [services],
      }),
    );
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StagingScalableTargets',
        actions: [
          'application-autoscaling:RegisterScalableTarget',
          'application-autoscaling:PutScalingPolicy',
        ],
        resources: [arn('application-autoscaling', 'scalable-target/*')],
        conditions: {
          StringEquals: {
            'application-autoscaling:service-namespace': 'ecs',
            'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
          },
        },
      }),
    );
    // Target tracking creates and replaces its alarms with the caller's permissions.
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TargetTrackingAlarms',
        actions: [
          'cloudwatch:PutMetricAlarm',
          'cloudwatch:DescribeAlarms',
          'cloudwatch:DeleteAlarms',
        ],
        resources: [arn('cloudwatch', `alarm:TargetTracking-service/${props.stagingCluster}/*`)],
      }),
    );
    // No resource-level permissions exist for these reads: held to the staging region.
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'UnscopedReads',
        actions: [
          'cloudwatch:GetMetricData',
          'application-autoscaling:DescribeScalableTargets',
          'application-autoscaling:DescribeScalingPolicies',
        ],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:RequestedRegion': stack.region } },
      }),
    );
    Validations.of(fn.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'cloudwatch:GetMetricData and application-autoscaling:DescribeScalableTargets/DescribeScalingPolicies support no resource-level permissions; limited to the staging region by aws:RequestedRegion.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${services}]`,
        reason:
          'The adapted services are the clones in the staging cluster, named by the clone pipeline: every service of that cluster, nothing else.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${arn('application-autoscaling', 'scalable-target/*')}]`,
        reason:
          'Scalable-target ARNs carry a generated id, not the service: limited to ECS service desired counts by the service-namespace and scalable-dimension condition keys.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${arn('cloudwatch', `alarm:TargetTracking-service/${props.stagingCluster}/*`)}]`,
        reason:
          'Target tracking creates and replaces its alarms (named TargetTracking-service/<cluster>/…) with the caller’s permissions.',
      },
    );

    this.rule = new events.Rule(this, 'Schedule', {
      description:
        'Runs the Understudy adapt loop (it does nothing unless the shadow holds the lease)',
      schedule: events.Schedule.rate(Duration.minutes(scheduleMinutes)),
      targets: [
        new targets.LambdaFunction(fn.function, {
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 2,
          // A run delivered after its period is over is the next run's job.
          maxEventAge: Duration.minutes(Math.max(1, scheduleMinutes)),
        }),
      ],
    });
  }

  /**
   * Lets the loop read the primary's metric history as `role` in `region` (the first run of a
   * failover reads it; a dark primary is tolerated): sets `PRIMARY_REGION` and
   * `PRIMARY_READ_ROLE_ARN` and grants `sts:AssumeRole` on exactly that role. `role` must trust
   * {@link role} (`ObserverStack.trust`) and allow `cloudwatch:GetMetricData`.
   */
  public readPrimaryAs(role: iam.IRole, region: string): void {
    if (this.primaryReadRoleArn) throw new Error('Adapter: readPrimaryAs was already called');
    this.primaryReadRoleArn = role.roleArn;
    this.function.addEnvironment(ADAPTER_ENV.primaryRegion, region);
    this.function.addEnvironment(ADAPTER_ENV.primaryReadRoleArn, role.roleArn);
    this.function.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumePrimaryRead',
        actions: ['sts:AssumeRole'],
        resources: [role.roleArn],
      }),
    );
  }

  /** The adapt Lambda's execution role. */
  public get role(): iam.Role {
    return this.function.role;
  }
}
