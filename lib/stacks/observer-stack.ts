import { Annotations, Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { FORECAST_TABLE } from '../../functions/shared/tables';
import type { UnderstudyConfig } from '../config';
import { AlarmNotifications } from '../constructs/alarm-notifications';
import { DeliveryDeadLetters } from '../constructs/delivery-dead-letters';
import {
  Forecaster,
  type ForecastStagingTarget,
  forecastCycleDocument,
} from '../constructs/forecaster';
import { ShadowManagerEventForwarding } from '../constructs/shadow-manager-event-forwarding';
import { SourceReadRole } from '../constructs/source-read-role';
import { UnderstudyTable } from '../constructs/understudy-table';
import { removalPolicyOf, type UnderstudyStackProps } from './understudy-stack-props';

/** Props of {@link ObserverStack}. */
export interface ObserverStackProps extends UnderstudyStackProps {
  /**
   * Staging roles allowed to assume the read-only role; more via {@link ObserverStack.trust}.
   * @default - any role of the staging account until one is trusted
   */
  readonly trustedRoles?: readonly iam.IRole[];
  /**
   * Where the forecaster copies forecasts and starts clones
   * (`StagingStack.forecastCopyWriter.target`); trust the forecaster's role on the writer:
   * `staging.forecastCopyWriter.trust(observer.forecaster.role)`.
   * @default - no forecaster
   */
  readonly forecastStaging?: ForecastStagingTarget;
}

/**
 * Primary account and region: the forecaster's home (forecast table) and the read-only role
 * the shadow assumes to describe what it clones. Holds nothing a failover reads.
 */
export class ObserverStack extends Stack {
  /** The validated configuration the stack was built from. */
  public readonly config: UnderstudyConfig;
  /** The page and ticket topics of the primary region. */
  public readonly notifications: AlarmNotifications;
  /** Dead letters of the deploy-event forwarding and the forecast schedule (a ticket). */
  public readonly deadLetters: DeliveryDeadLetters;
  /** CMK of the forecast table. */
  public readonly key: kms.Key;
  /** Forecasts (latest + history with TTL) and trigger decisions. */
  public readonly forecastTable: UnderstudyTable;
  /** Read-only role the shadow assumes (Describe/List/Get/BatchGet/BatchCheck only). */
  public readonly sourceReadRole: SourceReadRole;
  /**
   * Forwards primary deploy events (ECS deployments, task-definition registrations, ECR pushes)
   * to the staging default bus, where the shadow manager re-clones; allow its role there with
   * `StagingStack.allowEventsFrom`.
   */
  public readonly deployEvents: ShadowManagerEventForwarding;
  /** The scheduled forecast Lambda; absent without `forecastStaging`. */
  public readonly forecaster?: Forecaster;

  public constructor(scope: Construct, id: string, props: ObserverStackProps) {
    super(scope, id, {
      description: 'Understudy observer: forecaster and read-only access for the shadow',
      ...props,
      env: props.env ?? {
        account: props.config.primary.account,
        region: props.config.primary.region,
      },
    });
    this.config = props.config;
    const { config } = props;
    const removalPolicy = removalPolicyOf(config);

    this.key = new kms.Key(this, 'Key', {
      description: 'Understudy forecasts in the primary region',
      enableKeyRotation: true,
      removalPolicy,
    });
    this.forecastTable = new UnderstudyTable(this, FORECAST_TABLE.logicalName, {
      definition: FORECAST_TABLE,
      encryptionKey: this.key,
      removalPolicy,
    });
    this.sourceReadRole = new SourceReadRole(this, 'SourceReadRole', {
      sourceRegion: config.primary.region,
      trustedAccount: config.staging.account,
      organizationId: config.organizationId,
      ...(config.services ? { clusters: config.services.map((service) => service.cluster) } : {}),
    });
    for (const role of props.trustedRoles ?? []) this.trust(role);
    this.notifications = new AlarmNotifications(this, 'Alarms', {
      subscriptions: config.alarms,
      removalPolicy,
    });
    // A ticket: a lost deploy event leaves a clone stale (the integrity check also catches it
    // within freshnessTargetMinutes), a lost forecast start delays one cycle.
    this.deadLetters = new DeliveryDeadLetters(this, 'DeadLetters', {
      notifications: this.notifications,
      tier: 'ticket',
      purpose: 'primary deploy events forwarding to staging, or a forecast start',
    });
    this.deployEvents = new ShadowManagerEventForwarding(this, 'DeployEvents', {
      targetEventBusArn: `arn:${this.partition}:events:${config.staging.region}:${config.staging.account}:event-bus/default`,
      deadLetterQueue: this.deadLetters.queue,
    });

    if (props.forecastStaging) {
      this.forecaster = new Forecaster(this, 'Forecaster', {
        schedule: config.forecast.schedule,
        cycle: forecastCycleDocument(config),
        forecastTable: this.forecastTable,
        staging: props.forecastStaging,
        memorySize: config.forecast.memoryMiB,
        logRemovalPolicy: removalPolicy,
        deadLetterQueue: this.deadLetters.queue,
      });
    } else if (config.serviceSelector) {
      Annotations.of(this).addWarningV2(
        'understudy:no-forecaster',
        'No forecaster is deployed: it forecasts the services listed in "services", and "serviceSelector" discovery is not supported by the forecast handler. Clones are still made on primary deployments.',
      );
    }
  }

  /**
   * Lets a staging role assume the read-only role. Give that role
   * `roleName: PhysicalName.GENERATE_IF_NEEDED` so its ARN is known across accounts at synth.
   */
  public trust(role: iam.IRole): void {
    this.sourceReadRole.trust(role);
  }
}
