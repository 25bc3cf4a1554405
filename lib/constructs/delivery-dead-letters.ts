import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AlarmNotifications, AlarmTier } from './alarm-notifications';

/** Props of {@link DeliveryDeadLetters}. */
export interface DeliveryDeadLettersProps {
  /** The stack's alarm topics: the queue shares their key, its alarm notifies `tier`. */
  readonly notifications: AlarmNotifications;
  /** Who hears of an undelivered event. */
  readonly tier: AlarmTier;
  /** What the rules whose targets use this queue deliver (the alarm description). */
  readonly purpose: string;
}

/**
 * The dead-letter queue of a stack's EventBridge rule targets: events EventBridge could not
 * deliver once its retry policy was spent (a bus policy or role that denies, a throttled or
 * deleted target) land here instead of vanishing, with the rule, target and error as message
 * attributes. Encrypted with the alarm key (EventBridge may use it for this queue only), SSL
 * enforced, kept 14 days (SQS's maximum) for a replay, and alarmed on the first message.
 */
export class DeliveryDeadLetters extends Construct {
  /** The queue (`deadLetterQueue` of each rule target). */
  public readonly queue: sqs.Queue;
  /** ALARM while the queue holds a message. */
  public readonly alarm: cloudwatch.Alarm;

  public constructor(scope: Construct, id: string, props: DeliveryDeadLettersProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.notifications.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    props.notifications.allowDeadLetterQueues();
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of EventBridge rule targets (cdk-nag recognises only SQS redrive sources); nothing consumes it to fail again, and its alarm fires on the first message.',
    });
    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmDescription: `EventBridge could not deliver an event (${props.purpose}); the dead-letter queue's message attributes name the rule, target and error`,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(5),
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      // A dead letter stays until someone removes it: one datapoint is no flap.
      evaluationPeriods: 1,
      // SQS stops publishing for a queue idle for hours: an empty queue is no news.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    props.notifications.notify(this.alarm, props.tier);
  }
}
