import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';

/**
 * How urgently an alarm needs a human. `page`: now — a failover is starting or the detector that
 * would start one is impaired. `ticket`: within the day — clones stale or failing, a check not
 * running, events lost; nothing is down yet.
 */
export type AlarmTier = 'page' | 'ticket';

/** The tiers, in order of urgency. */
export const ALARM_TIERS: readonly AlarmTier[] = ['page', 'ticket'];

/** Who one tier notifies. */
export interface AlarmTierSubscriptions {
  /**
   * Email addresses subscribed to the tier's topic.
   * @default []
   */
  readonly emails?: readonly string[];
  /**
   * HTTPS endpoints subscribed to the tier's topic.
   * @default []
   */
  readonly urls?: readonly string[];
  /**
   * Existing SNS topics the tier's alarms notify as well; only those in this stack's region are
   * used (an alarm can notify only topics of its own region).
   * @default []
   */
  readonly topicArns?: readonly string[];
}

/** Props of {@link AlarmNotifications}. */
export interface AlarmNotificationsProps {
  /**
   * Subscriptions per tier.
   * @default - none: the topics exist, nobody is subscribed
   */
  readonly subscriptions?: Partial<Record<AlarmTier, AlarmTierSubscriptions>>;
  /**
   * What happens to the key when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The alarm topics of one stack (SNS topics are regional, and an alarm notifies only topics of
 * its own region): a `page` and a `ticket` topic, encrypted with one customer-managed key whose
 * policy lets CloudWatch alarms of this account and region publish (and EventBridge, for the
 * dead-letter queues that share the key: {@link allowDeadLetterQueues}). {@link notify} wires an
 * alarm to a tier; a synth-time validation fails while any alarm of the stack has no action.
 */
export class AlarmNotifications extends Construct {
  /** Key of both topics (and the stack's dead-letter queues). */
  public readonly key: kms.Key;
  /** The tier topics. */
  public readonly topics: Readonly<Record<AlarmTier, sns.Topic>>;
  /** Alarm actions per tier: the tier's topic, then the brought topics of this region. */
  private readonly actions: Record<AlarmTier, cloudwatch.IAlarmAction[]>;
  private readonly tierOf = new Map<IConstruct, AlarmTier>();
  private deadLettersAllowed = false;

  public constructor(scope: Construct, id: string, props: AlarmNotificationsProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      description: 'Understudy alarm notifications: SNS alarm topics and delivery dead letters',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const fromAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
      },
    };
    // CloudWatch publishes as its service principal: it needs the topic key (SNS encrypts each
    // message with a data key) and, because enforceSSL replaces the default topic policy, an
    // explicit topic-policy allow. Both only for alarms of this account and region.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromAlarms,
      }),
    );

    const topic = (tier: AlarmTier): sns.Topic => {
      const created = new sns.Topic(this, tier === 'page' ? 'PageTopic' : 'TicketTopic', {
        displayName: `Understudy ${tier}`,
        masterKey: this.key,
        enforceSSL: true,
      });
      created.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowCloudWatchAlarmsToPublish',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [created.topicArn],
          conditions: fromAlarms,
        }),
      );
      const wanted = props.subscriptions?.[tier] ?? {};
      for (const email of wanted.emails ?? []) {
        created.addSubscription(new subscriptions.EmailSubscription(email));
      }
      for (const url of wanted.urls ?? []) {
        created.addSubscription(new subscriptions.UrlSubscription(url));
      }
      return created;
    };
    this.topics = { page: topic('page'), ticket: topic('ticket') };

    this.actions = { page: [], ticket: [] };
    for (const tier of ALARM_TIERS) {
      this.actions[tier].push(new actions.SnsAction(this.topics[tier]));
      for (const arn of props.subscriptions?.[tier]?.topicArns ?? []) {
        // An ARN's region is a literal here (validated config); other regions' topics are theirs.
        if (arn.split(':')[3] !== stack.region) continue;
        const brought = sns.Topic.fromTopicArn(
          this,
          `Brought${this.actions[tier].length}${tier}`,
          arn,
        );
        this.actions[tier].push(new actions.SnsAction(brought));
      }
    }

    this.node.addValidation({ validate: () => this.unwiredAlarms() });
  }

  /**
   * Notifies `tier` when `alarm` goes into ALARM and when it returns to OK (so whoever was paged
   * learns it cleared). A quorum or heartbeat alarm left in INSUFFICIENT_DATA is covered by the
   * alarms on the data's source, not here.
   */
  public notify(alarm: cloudwatch.Alarm | cloudwatch.CompositeAlarm, tier: AlarmTier): void {
    const already = this.tierOf.get(alarm);
    if (already !== undefined) {
      throw new Error(
        `AlarmNotifications: ${alarm.node.path} is already wired to the ${already} tier`,
      );
    }
    this.tierOf.set(alarm, tier);
    alarm.addAlarmAction(...this.actions[tier]);
    alarm.addOkAction(...this.actions[tier]);
  }

  /** The tier `alarm` was wired to, if any. */
  public tierFor(alarm: IConstruct): AlarmTier | undefined {
    return this.tierOf.get(alarm);
  }

  /**
   * Lets EventBridge deliver undeliverable events to this stack's SQS queues encrypted with this
   * key. SQS encrypts each message under the encryption context `aws:sqs:arn` (the queue's ARN),
   * and EventBridge's KMS requests carry no `aws:SourceArn`/`aws:SourceAccount`, so the context is
   * the scope: queues CloudFormation names after this stack. (The queue's own ARN would make the
   * key and the queue depend on each other.) Each queue policy limits senders to its rules.
   */
  public allowDeadLetterQueues(): void {
    if (this.deadLettersAllowed) return;
    this.deadLettersAllowed = true;
    const stack = Stack.of(this);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeDeadLetters',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          StringLike: {
            'kms:EncryptionContext:aws:sqs:arn': `arn:${stack.partition}:sqs:${stack.region}:${stack.account}:${stack.stackName}-*`,
          },
        },
      }),
    );
  }

  /** Every alarm of this stack without an alarm action, as validation messages. */
  private unwiredAlarms(): string[] {
    const stack = Stack.of(this);
    return (
      stack.node
        .findAll()
        .filter(
          (c): c is cloudwatch.CfnAlarm | cloudwatch.CfnCompositeAlarm =>
            (c instanceof cloudwatch.CfnAlarm || c instanceof cloudwatch.CfnCompositeAlarm) &&
            Stack.of(c) === stack,
        )
        // Alarm renders its actions lazily: resolve them to see what reaches the template.
        .filter(
          (c) => ((stack.resolve(c.alarmActions) as unknown[] | undefined) ?? []).length === 0,
        )
        .map(
          (c) =>
            `${c.node.path}: an alarm without an action reaches nobody; wire it with AlarmNotifications.notify(alarm, 'page' | 'ticket')`,
        )
    );
  }
}
