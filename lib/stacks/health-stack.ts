import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { QUORUM_ALARM_NAME } from '../../functions/shared/alarm-names';
import type { UnderstudyConfig } from '../config';
import { AlarmNotifications } from '../constructs/alarm-notifications';
import { DeliveryDeadLetters } from '../constructs/delivery-dead-letters';
import { DetectionQuorum } from '../constructs/detection-quorum';
import { HealthProbe } from '../constructs/health-probe';
import { removalPolicyOf, type UnderstudyStackProps } from './understudy-stack-props';

/** Props of {@link HealthStack}. */
export interface HealthStackProps extends UnderstudyStackProps {
  /**
   * Event bus the quorum's state changes are forwarded to.
   * @default - the staging region's default event bus
   */
  readonly stagingEventBusArn?: string;
  /**
   * The primary's read-only role the authority probe assumes (`ObserverStack.sourceReadRole.role`).
   * Trust the probe's role on it: `observer.trust(health.probe.probe.role)`.
   */
  readonly primaryReadRole: iam.IRole;
  /**
   * Clusters the authority must list for a healthy probe verdict.
   * @default - the clusters of `config.services` (none with a service selector)
   */
  readonly expectedClusters?: readonly string[];
}

/**
 * Name of the detection quorum's composite alarm: fixed, because the staging stack's failover
 * rule matches its ARN in another region (no cross-region reference needed). Defined beside the
 * CLI's defaults in `functions/shared/alarm-names.ts`.
 */
export { QUORUM_ALARM_NAME };

/** Event pattern `detail-type` of CloudWatch alarm state changes. */
export const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';

/**
 * Health region (staging account): the detection quorum — Route 53 health check (us-east-1 only)
 * and the authority probe heartbeat — outside the primary's region, a rule forwarding its state
 * changes to the staging region's event bus where the failover workflow starts, and the
 * region's alarm topics.
 */
export class HealthStack extends Stack {
  /** The validated configuration the stack was built from. */
  public readonly config: UnderstudyConfig;
  /** The page and ticket topics of the health region. */
  public readonly notifications: AlarmNotifications;
  /** Dead letters of the forwarding rule and the probe schedule (a page: the detector is impaired). */
  public readonly deadLetters: DeliveryDeadLetters;
  /** Health check, its alarm and the composite quorum alarm. */
  public readonly detection: DetectionQuorum;
  /** Authority heartbeat probe; its alarm is the quorum's second signal. */
  public readonly probe: HealthProbe;
  /** Rule forwarding quorum state changes to the staging event bus. */
  public readonly forwardRule: events.Rule;
  /** Role EventBridge uses to put events on the staging bus. */
  public readonly forwardRole: iam.Role;
  /** The bus events are forwarded to. */
  public readonly stagingEventBus: events.IEventBus;

  public constructor(scope: Construct, id: string, props: HealthStackProps) {
    super(scope, id, {
      description: 'Understudy detection quorum: health check, alarms, forwarding to staging',
      ...props,
      env: props.env ?? {
        account: props.config.staging.account,
        region: props.config.healthCheck.region,
      },
    });
    this.config = props.config;
    const { config } = props;
    const { healthCheck } = config;

    this.notifications = new AlarmNotifications(this, 'Alarms', {
      subscriptions: config.alarms,
      removalPolicy: removalPolicyOf(config),
    });
    // Paged: a lost quorum event is a failover that does not start (or does not stand down),
    // and a lost probe start is the detector going blind.
    this.deadLetters = new DeliveryDeadLetters(this, 'DeadLetters', {
      notifications: this.notifications,
      tier: 'page',
      purpose: 'detection quorum forwarding to staging, or an authority probe start',
    });

    // The config schema allows an endpoint only where Route 53 publishes its metrics (us-east-1)
    // and requires probeOnly everywhere else.
    this.detection = new DetectionQuorum(this, 'Detection', {
      ...(healthCheck.endpoint ? { endpoint: new URL(healthCheck.endpoint) } : {}),
      failureThreshold: healthCheck.failureThreshold,
      requestIntervalSeconds: healthCheck.requestIntervalSeconds,
      evaluationPeriods: healthCheck.alarmEvaluationPeriods,
      compositeAlarmName: QUORUM_ALARM_NAME,
    });
    this.probe = new HealthProbe(this, 'Probe', {
      primaryRegion: config.primary.region,
      primaryReadRole: props.primaryReadRole,
      expectedClusters: props.expectedClusters ?? [
        ...new Set((config.services ?? []).map((s) => s.cluster)),
      ],
      evaluationPeriods: healthCheck.alarmEvaluationPeriods,
      deadLetterQueue: this.deadLetters.queue,
      removalPolicy: removalPolicyOf(config),
    });
    this.detection.addSignal(this.probe.heartbeatAlarm);
    // The quorum is the failover trigger, and the approval gate waits for a human: page. Each
    // signal alone says one view of the authority is failing (or the probe is): a ticket.
    this.notifications.notify(this.detection.compositeAlarm, 'page');
    if (this.detection.healthCheckAlarm) {
      this.notifications.notify(this.detection.healthCheckAlarm, 'ticket');
    }
    this.notifications.notify(this.probe.heartbeatAlarm, 'ticket');

    this.stagingEventBus = events.EventBus.fromEventBusArn(
      this,
      'StagingEventBus',
      props.stagingEventBusArn ??
        `arn:${this.partition}:events:${config.staging.region}:${config.staging.account}:event-bus/default`,
    );
    this.forwardRole = new iam.Role(this, 'ForwardRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: 'EventBridge forwards detection quorum state changes to the staging event bus',
    });
    this.forwardRule = new events.Rule(this, 'ForwardToStaging', {
      description:
        'Detection quorum state changes → staging event bus (starts or clears a failover)',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: [ALARM_STATE_CHANGE],
        resources: [this.detection.compositeAlarm.alarmArn],
      },
      // Bus targets take no retry policy: EventBridge retries them for 24 hours, then here.
      targets: [
        new targets.EventBus(this.stagingEventBus, {
          role: this.forwardRole,
          deadLetterQueue: this.deadLetters.queue,
        }),
      ],
    });
  }
}
