import { Annotations, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { FORECAST_TABLE, INVENTORY_TABLE, LEASE_TABLE } from '../../functions/shared/tables';
import type { UnderstudyConfig } from '../config';
import { Adapter, adaptDocument } from '../constructs/adapter';
import { AlarmNotifications } from '../constructs/alarm-notifications';
import { Dashboard } from '../constructs/dashboard';
import { DeliveryDeadLetters } from '../constructs/delivery-dead-letters';
import { Failover } from '../constructs/failover';
import { ForecastCopyWriter } from '../constructs/forecast-copy-writer';
import { Handback } from '../constructs/handback';
import { ShadowManager } from '../constructs/shadow-manager';
import { UnderstudyFunction } from '../constructs/understudy-function';
import { UnderstudyTable } from '../constructs/understudy-table';
import {
  freshnessWindowMinutes,
  integrityCheckIntervalMinutes,
  pipelineBlockers,
  pipelineSettingsOf,
} from '../pipeline-settings';
import { QUORUM_ALARM_NAME } from './health-stack';
import { removalPolicyOf, type UnderstudyStackProps } from './understudy-stack-props';

function intervalOf(minutes: number | undefined): Duration | undefined {
  return minutes === undefined ? undefined : Duration.minutes(minutes);
}

/** Props of {@link StagingStack}. */
export type StagingStackProps = UnderstudyStackProps;

/**
 * Staging account and region: everything a failover reads lives here — the inventory, the
 * latest forecasts (copied from the primary), the authority lease — encrypted with one CMK.
 * The clone pipeline and failover workflows are added to this stack.
 */
export class StagingStack extends Stack {
  /** The validated configuration the stack was built from. */
  public readonly config: UnderstudyConfig;
  /** The page and ticket topics of the staging region. */
  public readonly notifications: AlarmNotifications;
  /** Dead letters of the stack's rule targets (a ticket). */
  public readonly deadLetters: DeliveryDeadLetters;
  /** CMK for the tables and log groups of this stack (rotation on). */
  public readonly key: kms.Key;
  /** Clone versions, pointers, plans, audit trail. */
  public readonly inventoryTable: UnderstudyTable;
  /** Latest forecasts per service, copied from the primary region. */
  public readonly forecastTable: UnderstudyTable;
  /** The authority lease: a single-region table, never global. */
  public readonly leaseTable: UnderstudyTable;
  /** Deployment smoke test (see `functions/handlers/ping.ts`). */
  public readonly ping: UnderstudyFunction;
  /**
   * Role the primary's forecaster assumes to copy forecasts here and start clones; absent when
   * services are found by tag (the forecaster needs them listed).
   */
  public readonly forecastCopyWriter?: ForecastCopyWriter;
  /**
   * The clone pipeline (pre-bake); absent, with a warning, when the configuration cannot drive
   * it (services found by tag, or no `staging.vpcId`).
   */
  public readonly shadowManager?: ShadowManager;
  /** The clone-validate-store workflow the predict trigger and deploy events start. */
  public readonly cloneStateMachine?: sfn.IStateMachine;
  /** The failover workflow: starts on the detection quorum's ALARM, waits for approval. */
  public readonly failover: Failover;
  /** The adapt loop; absent when `adapt.services` is empty. */
  public readonly adapter?: Adapter;
  /** The CloudWatch dashboard. */
  public readonly dashboard: Dashboard;
  /** The handback workflow: starts after N OK periods of the quorum, waits for approval. */
  public readonly handback: Handback;

  public constructor(scope: Construct, id: string, props: StagingStackProps) {
    super(scope, id, {
      description:
        'Understudy staging: inventory, forecasts, authority lease, clone and failover workflows',
      ...props,
      env: props.env ?? {
        account: props.config.staging.account,
        region: props.config.staging.region,
      },
    });
    this.config = props.config;
    const removalPolicy = removalPolicyOf(props.config);

    this.key = new kms.Key(this, 'Key', {
      description: 'Understudy staging data: inventory, forecasts, authority lease, logs',
      enableKeyRotation: true,
      removalPolicy,
    });
    // CloudWatch Logs encrypts the functions' log groups with this key; it may use it only for
    // log groups of this account and region.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogs',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: [
          'kms:Encrypt*',
          'kms:Decrypt*',
          'kms:ReEncrypt*',
          'kms:GenerateDataKey*',
          'kms:Describe*',
        ],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*`,
          },
        },
      }),
    );

    const table = (definition: typeof INVENTORY_TABLE) =>
      new UnderstudyTable(this, definition.logicalName, {
        definition,
        encryptionKey: this.key,
        removalPolicy,
      });
    this.inventoryTable = table(INVENTORY_TABLE);
    this.forecastTable = table(FORECAST_TABLE);
    this.leaseTable = table(LEASE_TABLE);
    // What an operator's CLI needs (`understudy inventory --table …`) without opening the console.
    new CfnOutput(this, 'InventoryTableName', { value: this.inventoryTable.table.tableName });
    new CfnOutput(this, 'ForecastsTableName', { value: this.forecastTable.table.tableName });
    new CfnOutput(this, 'AuthorityLeaseTableName', { value: this.leaseTable.table.tableName });

    this.ping = new UnderstudyFunction(this, 'Ping', {
      entry: 'functions/handlers/ping.ts',
      description: 'Understudy deployment smoke test: answers { ok: true } without calling AWS',
      memorySize: 128,
      logEncryptionKey: this.key,
      logRemovalPolicy: removalPolicy,
    });

    this.notifications = new AlarmNotifications(this, 'Alarms', {
      subscriptions: props.config.alarms,
      removalPolicy,
    });
    // A ticket: a lost deploy event or check start leaves a clone stale for a while; the
    // integrity check (and its heartbeat alarm) catch up.
    this.deadLetters = new DeliveryDeadLetters(this, 'DeadLetters', {
      notifications: this.notifications,
      tier: 'ticket',
      purpose:
        'a primary deploy event for clone-on-deploy, or an integrity check or retention start',
    });

    const blockers = pipelineBlockers(props.config);
    if (blockers.length === 0) {
      this.shadowManager = new ShadowManager(this, 'ShadowManager', {
        settings: pipelineSettingsOf(props.config),
        inventoryTable: this.inventoryTable,
        forecastTable: this.forecastTable,
        key: this.key,
        freshnessTarget: Duration.minutes(freshnessWindowMinutes(props.config)),
        integrityCheckSchedule: events.Schedule.expression(props.config.integrityCheckSchedule),
        integrityCheckInterval: intervalOf(integrityCheckIntervalMinutes(props.config)),
        deadLetterQueue: this.deadLetters.queue,
        retentionSchedule: events.Schedule.expression(props.config.retention.schedule),
        removalPolicy,
        pullThroughCredentials: Object.fromEntries(
          props.config.images.pullThroughCache.flatMap((rule) =>
            rule.credentialSecret ? [[rule.ecrRepositoryPrefix, rule.credentialSecret]] : [],
          ),
        ),
      });
      this.cloneStateMachine = this.shadowManager.stateMachine;
      // Tickets all: each says a clone may not be what a failover needs, and none means anything
      // is down. (A failover needs a human through the detection quorum's page.)
      const manager = this.shadowManager;
      for (const alarm of [
        manager.cloneFailuresAlarm,
        manager.integrityHeartbeatAlarm,
        manager.integrityErrorsAlarm,
        ...Object.values(manager.freshnessAlarms),
      ]) {
        this.notifications.notify(alarm, 'ticket');
      }
      new CfnOutput(this, 'CloneStateMachineArn', {
        value: this.shadowManager.stateMachine.stateMachineArn,
        description:
          'clone-validate-store: start with {"trigger":"manual","services":["cluster/service"]}',
      });
      // Its name is generated (and shortened) by CDK: a central registry's repository policy
      // must name this exact ARN (docs/configuration.md), not a pattern.
      new CfnOutput(this, 'CopyImagesRoleArn', {
        value: this.shadowManager.functions.copyImages.role.roleArn,
        description:
          'The role central ECR registries must allow to read by digest (docs/configuration.md, images.centralRegistries)',
      });
    } else {
      Annotations.of(this).addWarningV2(
        'understudy:no-shadow-manager',
        `No clone pipeline is deployed: ${blockers.join('; ')}.`,
      );
    }

    this.failover = new Failover(this, 'Failover', {
      config: props.config.failover,
      key: this.key,
      leaseTable: this.leaseTable,
      inventoryTable: this.inventoryTable,
      // The deploy step sizes each service from its latest forecast.
      forecastTable: this.forecastTable,
      // Approval requests and outcomes need a human: the page topic.
      topic: this.notifications.topics.page,
      quorumAlarmName: QUORUM_ALARM_NAME,
      healthRegion: props.config.healthCheck.region,
      stagingCluster: props.config.staging.cluster,
      deadLetterQueue: this.deadLetters.queue,
      removalPolicy,
      // A real failover taking authority aborts a running drill (they share quotas).
      ...(props.config.drill.enabled ? { abortsDrillLeaseId: props.config.drill.leaseId } : {}),
    });

    if (props.config.adapt.services.length > 0 && !props.config.services) {
      Annotations.of(this).addWarningV2(
        'understudy:no-adapter',
        'No adapt loop is deployed: adapt.services needs the services listed in "services" ("serviceSelector" discovery is not supported by the adapt handler).',
      );
    } else if (props.config.adapt.services.length > 0) {
      this.adapter = new Adapter(this, 'Adapter', {
        document: adaptDocument(props.config),
        scheduleMinutes: props.config.adapt.scheduleMinutes,
        leaseTable: this.leaseTable,
        forecastTable: this.forecastTable,
        inventoryTable: this.inventoryTable,
        key: this.key,
        stagingCluster: props.config.staging.cluster,
        deadLetterQueue: this.deadLetters.queue,
        logRemovalPolicy: removalPolicy,
      });
    }
    // The CloudWatch dashboard (alarms, failovers, inventory, forecast vs actual).
    const manager = this.shadowManager;
    this.dashboard = new Dashboard(this, 'Dashboard', {
      notifications: this.notifications,
      clonePipeline: manager !== undefined,
      alarms: [
        this.deadLetters.alarm,
        ...(manager
          ? [
              manager.cloneFailuresAlarm,
              manager.integrityHeartbeatAlarm,
              manager.integrityErrorsAlarm,
              ...Object.values(manager.freshnessAlarms),
            ]
          : []),
      ],
      ...(props.config.services
        ? {
            forecasts: {
              account: props.config.primary.account,
              region: props.config.primary.region,
              // The capacity metrics the forecaster reads for each service (metric-queries.ts).
              services: props.config.services.map((s) => ({
                service: `${s.cluster}/${s.service}`,
                metrics: [
                  'cpu',
                  'memory',
                  ...(s.targetGroup ? ['requestRate'] : []),
                  ...(s.queueName ? ['queueDepth'] : []),
                ],
              })),
            },
          }
        : {}),
    });
    this.handback = new Handback(this, 'Handback', {
      config: props.config.handback,
      traffic: props.config.failover.traffic,
      ...(props.config.services ? { services: props.config.services } : {}),
      key: this.key,
      leaseTable: this.leaseTable,
      inventoryTable: this.inventoryTable,
      failoverTable: this.failover.table,
      reportBucket: this.failover.reportBucket,
      topic: this.notifications.topics.page,
      quorumAlarmName: QUORUM_ALARM_NAME,
      healthRegion: props.config.healthCheck.region,
      primaryRegion: props.config.primary.region,
      stagingCluster: props.config.staging.cluster,
      deadLetterQueue: this.deadLetters.queue,
      removalPolicy,
    });

    if (props.config.services) {
      this.forecastCopyWriter = new ForecastCopyWriter(this, 'ForecastCopyWriter', {
        forecastTable: this.forecastTable,
        encryptionKey: this.key,
        trustedAccount: props.config.primary.account,
        organizationId: props.config.organizationId,
        cloneStateMachine: this.cloneStateMachine,
      });
    }
  }

  /**
   * Lets `role` (the primary's deploy-event forwarding role, `ObserverStack.deployEvents.role`)
   * put events on this region's default bus: a bus policy naming the primary account, limited to
   * that one role by `aws:PrincipalArn`.
   */
  public allowEventsFrom(role: iam.IRole): events.CfnEventBusPolicy {
    const sid = 'UnderstudyPrimaryDeployEvents';
    return new events.CfnEventBusPolicy(this, 'PrimaryDeployEventsPolicy', {
      eventBusName: 'default',
      statementId: sid,
      statement: {
        Sid: sid,
        Effect: 'Allow',
        Principal: { AWS: `arn:${this.partition}:iam::${this.config.primary.account}:root` },
        Action: 'events:PutEvents',
        Resource: this.defaultEventBusArn,
        Condition: { StringEquals: { 'aws:PrincipalArn': role.roleArn } },
      },
    });
  }

  /** ARN of the staging region's default event bus (detection events arrive here). */
  public get defaultEventBusArn(): string {
    return `arn:${this.partition}:events:${this.region}:${this.account}:event-bus/default`;
  }
}
