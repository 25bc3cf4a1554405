import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmNotifications } from '../../lib/constructs/alarm-notifications';
import { sampleConfig, testApp } from './support';

type Built = ReturnType<typeof testApp>;
const stacksOf = (built: Built) => [built.observer, built.staging, built.health];

/** Every alarm and composite alarm of a template, with its logical id. */
function alarmsOf(template: Template) {
  return Object.entries({
    ...template.findResources('AWS::CloudWatch::Alarm'),
    ...template.findResources('AWS::CloudWatch::CompositeAlarm'),
  });
}

describe('Class: AlarmNotifications', () => {
  let built: Built;
  beforeAll(() => {
    built = testApp();
  });

  describe('Method: every alarm has an action', () => {
    const configurations: [string, () => Built][] = [
      ['the sample configuration', () => built],
      [
        'a probe-only quorum outside us-east-1',
        () => testApp({ ...sampleConfig(), healthCheck: { region: 'us-west-2', probeOnly: true } }),
      ],
      [
        'a cron integrity schedule',
        () => testApp({ ...sampleConfig(), integrityCheckSchedule: 'cron(0 * * * ? *)' }),
      ],
    ];

    it.each(configurations)(
      'expects an alarm action on a topic of its own stack with %s',
      (_what, build) => {
        // Arrange
        const app = build();

        // Act
        const unwired: string[] = [];
        let count = 0;
        for (const stack of stacksOf(app)) {
          const template = Template.fromStack(stack);
          const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
          for (const [id, alarm] of alarmsOf(template)) {
            count += 1;
            const actions = (alarm.Properties.AlarmActions ?? []) as { Ref?: string }[];
            const ok = actions.length > 0 && actions.every((a) => topics.includes(a.Ref ?? ''));
            if (!ok) unwired.push(`${stack.stackName}/${id}`);
          }
        }

        // Assert
        // Observer 1, staging 7 (3 services), health 3 or 4.
        expect(count).toBeGreaterThanOrEqual(11);
        expect(unwired).toEqual([]);
      },
    );

    it('fails synth naming an alarm that was never wired to a tier', () => {
      // Arrange
      const app = testApp();
      new cloudwatch.Alarm(app.staging, 'Forgotten', {
        metric: new cloudwatch.Metric({ namespace: 'Understudy', metricName: 'Anything' }),
        threshold: 1,
        evaluationPeriods: 1,
      });

      // Act
      const synth = () => app.app.synth();

      // Assert
      expect(synth).toThrow(/UnderstudyStaging\/Forgotten\/Resource: an alarm without an action/);
    });

    it('refuses to wire one alarm to two tiers', () => {
      // Arrange
      const stack = new Stack(new App(), 'S', {
        env: { account: '222222222222', region: 'eu-central-1' },
      });
      const notifications = new AlarmNotifications(stack, 'Alarms');
      const alarm = new cloudwatch.Alarm(stack, 'A', {
        metric: new cloudwatch.Metric({
          namespace: 'N',
          metricName: 'M',
          period: Duration.minutes(1),
        }),
        threshold: 1,
        evaluationPeriods: 1,
      });
      notifications.notify(alarm, 'ticket');

      // Act
      const again = () => notifications.notify(alarm, 'page');

      // Assert
      expect(again).toThrow(/already wired to the ticket tier/);
      expect(notifications.tierFor(alarm)).toBe('ticket');
    });
  });

  describe('Method: topics', () => {
    it.each(['Observer', 'Staging', 'Health'])(
      'expects a page and a ticket topic encrypted with the alarm key in %s',
      (name) => {
        // Arrange
        const stack = stacksOf(built).find((s) => s.stackName === `Understudy${name}`) as Stack;
        const template = Template.fromStack(stack);

        // Assert
        const topics = template.findResources('AWS::SNS::Topic');
        expect(Object.keys(topics).sort()).toEqual([
          expect.stringMatching(/^AlarmsPageTopic/),
          expect.stringMatching(/^AlarmsTicketTopic/),
        ]);
        for (const topic of Object.values(topics)) {
          expect(topic.Properties.KmsMasterKeyId).toEqual({
            'Fn::GetAtt': [expect.stringMatching(/^AlarmsKey/), 'Arn'],
          });
        }
      },
    );

    it('expects the key to let only CloudWatch alarms of this account and region use it for publishing', () => {
      Template.fromStack(built.staging).hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            {
              Sid: 'AllowCloudWatchAlarmsToPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Resource: '*',
              Condition: {
                StringEquals: { 'aws:SourceAccount': '222222222222' },
                ArnLike: {
                  'aws:SourceArn': 'arn:aws:cloudwatch:eu-central-1:222222222222:alarm:*',
                },
              },
            },
          ]),
        },
      });
    });

    it('expects each topic policy to allow CloudWatch alarms to publish and to deny plain HTTP', () => {
      // Act
      const policies = Object.values(
        Template.fromStack(built.health).findResources('AWS::SNS::TopicPolicy'),
      ).map((p) => JSON.stringify(p.Properties.PolicyDocument));

      // Assert
      expect(policies).toHaveLength(2);
      for (const policy of policies) {
        expect(policy).toContain('"Sid":"AllowCloudWatchAlarmsToPublish"');
        expect(policy).toContain('"Service":"cloudwatch.amazonaws.com"');
        expect(policy).toContain('"aws:SourceAccount":"222222222222"');
        expect(policy).toMatch(/"aws:SecureTransport":"false"/);
      }
    });

    it('expects the sample email subscriptions per tier by default', () => {
      // Act
      const subscriptions = Object.values(
        Template.fromStack(built.observer).findResources('AWS::SNS::Subscription'),
      ).map((s) => [
        s.Properties.Protocol,
        s.Properties.Endpoint,
        JSON.stringify(s.Properties.TopicArn),
      ]);

      // Assert
      expect(subscriptions).toEqual(
        expect.arrayContaining([
          ['email', 'oncall@shop.example.com', expect.stringContaining('AlarmsPageTopic')],
          ['email', 'platform@shop.example.com', expect.stringContaining('AlarmsTicketTopic')],
        ]),
      );
      expect(subscriptions).toHaveLength(2);
    });

    it('expects https subscriptions and brought topics of the stack region only when configured', () => {
      // Arrange
      const config = sampleConfig();
      const own = 'arn:aws:sns:eu-central-1:222222222222:oncall-pager';
      const elsewhere = 'arn:aws:sns:us-east-1:222222222222:oncall-pager';
      const other = testApp({
        ...config,
        alarms: {
          page: { urls: ['https://events.pager.example.com/sns'], topicArns: [own, elsewhere] },
        },
      });
      const staging = Template.fromStack(other.staging);

      // Assert
      staging.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'https',
        Endpoint: 'https://events.pager.example.com/sns',
      });
      const quorumLess = alarmsOf(staging).map(([, a]) =>
        JSON.stringify(a.Properties.AlarmActions),
      );
      expect(quorumLess.some((a) => a.includes(own))).toBe(false); // staging alarms are tickets
      const health = alarmsOf(Template.fromStack(other.health));
      const page = health.find(([id]) => id.startsWith('DetectionQuorum'))?.[1];
      expect(page?.Properties.AlarmActions).toEqual([
        { Ref: expect.stringMatching(/^AlarmsPageTopic/) },
        elsewhere,
      ]);
      expect(page?.Properties.OKActions).toEqual(page?.Properties.AlarmActions);
    });
  });

  describe('Method: dead-letter queues', () => {
    it.each(['Observer', 'Staging', 'Health'])(
      'expects a KMS-encrypted, SSL-only queue kept 14 days in %s',
      (name) => {
        // Arrange
        const stack = stacksOf(built).find((s) => s.stackName === `Understudy${name}`) as Stack;
        const template = Template.fromStack(stack);

        // Assert
        template.resourceCountIs('AWS::SQS::Queue', 1);
        template.hasResourceProperties('AWS::SQS::Queue', {
          KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmsKey'), 'Arn'] },
          MessageRetentionPeriod: 1_209_600,
        });
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      },
    );

    it('expects EventBridge allowed to send only from the stack rules, and to use the key only for this stack queues', () => {
      // Arrange
      const template = Template.fromStack(built.observer);

      // Assert
      const policy = JSON.stringify(
        Object.values(template.findResources('AWS::SQS::QueuePolicy'))[0]?.Properties
          .PolicyDocument,
      );
      expect(policy).toMatch(/"Service":"events.amazonaws.com"/);
      expect(policy).toMatch(/"aws:SourceArn":\{"Fn::GetAtt":\["DeployEventsDeployments/);
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            {
              Sid: 'AllowEventBridgeDeadLetters',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
              Resource: '*',
              Condition: {
                StringLike: {
                  'kms:EncryptionContext:aws:sqs:arn':
                    'arn:aws:sqs:eu-west-1:111111111111:UnderstudyObserver-*',
                },
              },
            },
          ]),
        },
      });
    });

    it('expects every rule target of every stack to dead-letter into its stack queue', () => {
      // Act
      const missing: string[] = [];
      for (const stack of stacksOf(built)) {
        const template = Template.fromStack(stack);
        for (const [id, rule] of Object.entries(template.findResources('AWS::Events::Rule'))) {
          for (const target of rule.Properties.Targets as { DeadLetterConfig?: unknown }[]) {
            if (!JSON.stringify(target.DeadLetterConfig ?? '').includes('DeadLettersQueue')) {
              missing.push(`${stack.stackName}/${id}`);
            }
          }
        }
      }

      // Assert
      expect(missing).toEqual([]);
    });

    it('expects an alarm on the first dead letter, tier by stack', () => {
      // Arrange
      const tierOf = (stack: Stack) =>
        JSON.stringify(
          alarmsOf(Template.fromStack(stack)).find(([id]) => id.startsWith('DeadLettersAlarm'))?.[1]
            .Properties.AlarmActions,
        );

      // Assert
      Template.fromStack(built.staging).hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
      expect(tierOf(built.observer)).toMatch(/AlarmsTicketTopic/);
      expect(tierOf(built.staging)).toMatch(/AlarmsTicketTopic/);
      expect(tierOf(built.health)).toMatch(/AlarmsPageTopic/);
    });
  });
});
