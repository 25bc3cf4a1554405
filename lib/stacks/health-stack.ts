import { Annotations, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { UnderstudyConfig } from '../config';
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

/** Event pattern `detail-type` of CloudWatch alarm state changes. */
export const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';

/**
 * Health region (staging account): the detection quorum — Route 53 health check and the
 * authority probe heartbeat — outside the primary's region, and a rule forwarding its state changes to the staging region's event bus where the failover
 * workflow starts.
 */
export class HealthStack extends Stack {
  /** The validated configuration the stack was built from. */
  public readonly config: UnderstudyConfig;
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

    this.detection = new DetectionQuorum(this, 'Detection', {
      endpoint: new URL(healthCheck.endpoint),
      failureThreshold: healthCheck.failureThreshold,
      requestIntervalSeconds: healthCheck.requestIntervalSeconds,
      evaluationPeriods: healthCheck.alarmEvaluationPeriods,
    });
    this.probe = new HealthProbe(this, 'Probe', {
      primaryRegion: config.primary.region,
      primaryReadRole: props.primaryReadRole,
      expectedClusters: props.expectedClusters ?? [
        ...new Set((config.services ?? []).map((s) => s.cluster)),
      ],
      evaluationPeriods: healthCheck.alarmEvaluationPeriods,
      removalPolicy: removalPolicyOf(config),
    });
    this.detection.addSignal(this.probe.heartbeatAlarm);
    if (this.region !== 'us-east-1') {
      Annotations.of(this).addWarningV2(
        'understudy:route53-metrics-region',
        `healthCheck.region is ${this.region}, but Route 53 publishes HealthCheckStatus only in us-east-1: the health-check alarm stays in INSUFFICIENT_DATA here. Use us-east-1, or rely on the probe heartbeat signal.`,
      );
    }

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
      targets: [new targets.EventBus(this.stagingEventBus, { role: this.forwardRole })],
    });
  }
}
