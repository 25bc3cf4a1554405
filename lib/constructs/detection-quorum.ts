import { Duration, Lazy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

/** Props of {@link DetectionQuorum}. */
export interface DetectionQuorumProps {
  /**
   * Public HTTPS endpoint of the deployment authority. Give it only in us-east-1, the one region
   * where Route 53 publishes `HealthCheckStatus` (the config schema enforces that).
   * @default - no Route 53 signal: the quorum is the signals added with {@link DetectionQuorum.addSignal}
   */
  readonly endpoint?: URL;
  /**
   * Consecutive failed checks before Route 53 marks the endpoint unhealthy.
   * @default 3
   */
  readonly failureThreshold?: number;
  /**
   * Seconds between checks (10 or 30).
   * @default 30
   */
  readonly requestIntervalSeconds?: number;
  /**
   * One-minute periods the health check must be failing before its alarm fires.
   * @default 3
   */
  readonly evaluationPeriods?: number;
}

/**
 * Detection quorum: a Route 53 health check on the authority's endpoint and its alarm (when an
 * endpoint is given), and a composite alarm that fires only when every signal agrees the
 * authority is down. The probe heartbeat alarm joins with {@link addSignal}; a quorum with no
 * signal fails synth.
 */
export class DetectionQuorum extends Construct {
  /** Route 53 health check on the endpoint; absent without one. */
  public readonly healthCheck?: route53.HealthCheck;
  /** `AWS/Route53 HealthCheckStatus` below 1 (unhealthy); absent without an endpoint. */
  public readonly healthCheckAlarm?: cloudwatch.Alarm;
  /** ALARM when all signals are in ALARM: the event that starts a failover. */
  public readonly compositeAlarm: cloudwatch.CompositeAlarm;
  private readonly signals: cloudwatch.IAlarm[] = [];

  public constructor(scope: Construct, id: string, props: DetectionQuorumProps) {
    super(scope, id);
    const noSignal = `DetectionQuorum ${id}: no signal; give an endpoint or add the probe heartbeat alarm with addSignal`;
    const { endpoint } = props;
    if (endpoint) {
      if (endpoint.protocol !== 'https:') {
        throw new Error(`DetectionQuorum ${id}: endpoint must be https://, got ${endpoint.href}`);
      }
      const healthCheck = new route53.HealthCheck(this, 'HealthCheck', {
        type: route53.HealthCheckType.HTTPS,
        fqdn: endpoint.hostname,
        port: endpoint.port ? Number(endpoint.port) : 443,
        resourcePath: `${endpoint.pathname}${endpoint.search}`,
        enableSNI: true,
        failureThreshold: props.failureThreshold ?? 3,
        requestInterval: Duration.seconds(props.requestIntervalSeconds ?? 30),
      });
      this.healthCheck = healthCheck;
      this.healthCheckAlarm = new cloudwatch.Alarm(this, 'HealthCheckAlarm', {
        alarmDescription: `Route 53 health check on ${endpoint.href} is failing`,
        metric: new cloudwatch.Metric({
          namespace: 'AWS/Route53',
          metricName: 'HealthCheckStatus',
          dimensionsMap: { HealthCheckId: healthCheck.healthCheckId },
          statistic: cloudwatch.Stats.MINIMUM,
          period: Duration.minutes(1),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: props.evaluationPeriods ?? 3,
        // Missing data says nothing about the authority: never let it start a failover.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.signals.push(this.healthCheckAlarm);
    }
    this.compositeAlarm = new cloudwatch.CompositeAlarm(this, 'Quorum', {
      alarmDescription: 'Every detection signal says the deployment authority is down',
      // Lazy: signals added later (the probe heartbeat) join the same rule.
      alarmRule: cloudwatch.AlarmRule.fromString(
        Lazy.string({
          produce: () => {
            // Tokens resolve before validations run: say what is wrong here, not in AlarmRule's words.
            if (this.signals.length === 0) throw new Error(noSignal);
            return cloudwatch.AlarmRule.allOf(
              ...this.signals.map((s) =>
                cloudwatch.AlarmRule.fromAlarm(s, cloudwatch.AlarmState.ALARM),
              ),
            ).renderAlarmRule();
          },
        }),
      ),
    });
    this.node.addValidation({ validate: () => (this.signals.length > 0 ? [] : [noSignal]) });
  }

  /** Adds a signal (e.g. the probe heartbeat alarm): the quorum then needs it in ALARM too. */
  public addSignal(alarm: cloudwatch.IAlarm): void {
    this.signals.push(alarm);
  }

  /** Alarms the quorum currently combines. */
  public get signalAlarms(): readonly cloudwatch.IAlarm[] {
    return [...this.signals];
  }
}
