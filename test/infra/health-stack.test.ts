import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { DetectionQuorum } from '../../lib/constructs/detection-quorum';
import { sampleConfig, testApp } from './support';

describe('Class: HealthStack', () => {
  let built: ReturnType<typeof testApp>;
  let template: Template;
  beforeAll(() => {
    built = testApp();
    template = Template.fromStack(built.health);
  });

  describe('Method: environment', () => {
    it('expects the staging account in the health region by default', () => {
      expect(built.health.account).toBe('222222222222');
      expect(built.health.region).toBe('us-east-1');
    });
  });

  describe('Method: detection quorum', () => {
    it('expects an HTTPS Route 53 health check on the configured endpoint', () => {
      template.hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: Match.objectLike({
          Type: 'HTTPS',
          FullyQualifiedDomainName: 'deploy.shop.example.com',
          Port: 443,
          ResourcePath: '/healthz',
          EnableSNI: true,
          FailureThreshold: 3,
          RequestInterval: 30,
        }),
      });
    });

    it('expects an alarm on AWS/Route53 HealthCheckStatus of that health check', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Route53',
        MetricName: 'HealthCheckStatus',
        Dimensions: [
          {
            Name: 'HealthCheckId',
            Value: { Ref: Match.stringLikeRegexp('^DetectionHealthCheck') },
          },
        ],
        Statistic: 'Minimum',
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 3,
        TreatMissingData: 'notBreaching',
      });
    });

    it('expects the composite alarm to need both the health check and the probe heartbeat', () => {
      // Act
      const rule = JSON.stringify(
        Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm'))[0]?.Properties
          .AlarmRule,
      );

      // Assert
      expect(rule).toMatch(
        /ALARM\(.*DetectionHealthCheckAlarm.*\) AND ALARM\(.*ProbeHeartbeatAlarm/,
      );
      expect(built.health.detection.signalAlarms).toEqual([
        built.health.detection.healthCheckAlarm,
        built.health.probe.heartbeatAlarm,
      ]);
    });

    it('expects failure threshold and interval from the configuration when configured', () => {
      // Arrange
      const config = sampleConfig();
      const health = testApp({
        ...config,
        healthCheck: { ...config.healthCheck, failureThreshold: 5, requestIntervalSeconds: 10 },
      }).health;

      // Assert
      Template.fromStack(health).hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: Match.objectLike({ FailureThreshold: 5, RequestInterval: 10 }),
      });
    });
  });

  describe('Method: forwarding', () => {
    it('expects quorum state changes forwarded to the staging default event bus with a role', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.cloudwatch'],
          'detail-type': ['CloudWatch Alarm State Change'],
          resources: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectionQuorum'), 'Arn'] }],
        },
        Targets: [
          Match.objectLike({
            Arn: 'arn:aws:events:eu-central-1:222222222222:event-bus/default',
            RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ForwardRole'), 'Arn'] },
          }),
        ],
      });
    });

    it('expects the forwarding role to put events on that bus only', () => {
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: [
            {
              Action: 'events:PutEvents',
              Effect: 'Allow',
              Resource: 'arn:aws:events:eu-central-1:222222222222:event-bus/default',
            },
          ],
        },
        Roles: [{ Ref: Match.stringLikeRegexp('^ForwardRole') }],
      });
    });
  });

  describe('Method: probe', () => {
    it('expects the probe scheduled every minute with the authority input', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        Targets: [
          Match.objectLike({
            Input: JSON.stringify({
              authority: 'primary',
              expectedClusters: ['shop'],
              maxLatencyMs: 3000,
            }),
          }),
        ],
      });
    });

    it('expects an Express workflow with tracing and full logging', () => {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'EXPRESS',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      });
    });

    it('expects the probe to read ECS in the primary region as the observer read-only role', () => {
      // Arrange
      const readRoleName = Object.values(
        Template.fromStack(built.observer).findResources('AWS::IAM::Role'),
      )[0]?.Properties.RoleName;
      const readRoleArn = `arn:aws:iam::111111111111:role/${readRoleName}`;

      // Assert
      expect(readRoleArn).toMatch(/role\/[a-z0-9]+$/);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            PRIMARY_REGION: 'eu-west-1',
            PRIMARY_READ_ROLE_ARN: readRoleArn,
          }),
        },
      });
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'AssumePrimaryReadRole',
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Resource: readRoleArn,
            },
          ]),
        },
      });
    });

    it('expects no cluster check with a service selector when configured', () => {
      // Arrange
      const { services: _unused, ...config } = sampleConfig();
      const health = testApp({
        ...config,
        serviceSelector: { tagKey: 'understudy', tagValue: 'on' },
      }).health;

      // Assert
      Template.fromStack(health).hasResourceProperties('AWS::Events::Rule', {
        Targets: [Match.objectLike({ Input: Match.stringLikeRegexp('"expectedClusters":\\[\\]') })],
      });
    });

    it('expects a missing heartbeat to count as breaching', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Understudy',
        MetricName: 'AuthorityHeartbeat',
        Dimensions: [{ Name: 'Authority', Value: 'primary' }],
        TreatMissingData: 'breaching',
      });
    });
  });

  describe('Method: probe only', () => {
    // The one way to run the quorum outside us-east-1 (and so for a primary in us-east-1).
    let probeOnly: ReturnType<typeof testApp>;
    beforeAll(() => {
      const config = sampleConfig();
      probeOnly = testApp({
        ...config,
        healthCheck: { region: 'us-west-2', probeOnly: true },
      });
    });

    it('expects no Route 53 health check and no alarm on its status when probeOnly is configured', () => {
      // Act
      const health = Template.fromStack(probeOnly.health);

      // Assert
      health.resourceCountIs('AWS::Route53::HealthCheck', 0);
      expect(
        Object.values(health.findResources('AWS::CloudWatch::Alarm')).map(
          (r) => r.Properties.Namespace,
        ),
      ).not.toContain('AWS/Route53');
      expect(probeOnly.health.detection.healthCheckAlarm).toBeUndefined();
    });

    it('expects the quorum to be the probe heartbeat alone when probeOnly is configured', () => {
      // Act
      const rule = JSON.stringify(
        Object.values(
          Template.fromStack(probeOnly.health).findResources('AWS::CloudWatch::CompositeAlarm'),
        )[0]?.Properties.AlarmRule,
      );

      // Assert
      expect(rule).toMatch(/ALARM\(.*ProbeHeartbeatAlarm/);
      expect(rule).not.toMatch(/AND/);
      expect(probeOnly.health.detection.signalAlarms).toEqual([
        probeOnly.health.probe.heartbeatAlarm,
      ]);
      expect(probeOnly.health.region).toBe('us-west-2');
    });

    it('fails synth when a quorum has neither an endpoint nor a signal', () => {
      // Arrange
      const app = new App();
      const stack = new Stack(app, 'Bare', {
        env: { account: '222222222222', region: 'us-east-2' },
      });
      new DetectionQuorum(stack, 'Detection', {});

      // Act
      const synth = () => app.synth();

      // Assert
      expect(synth).toThrow(/DetectionQuorum Detection: no signal/);
    });

    it('expects no warning by default', () => {
      jest.spyOn(console, 'error').mockImplementation(() => undefined);
      Annotations.fromStack(built.health).hasNoWarning('*', Match.anyValue());
      jest.restoreAllMocks();
    });
  });

  describe('Method: alarms', () => {
    const actionsOf = (logicalIdPrefix: string) => {
      const [alarm] = Object.entries({
        ...template.findResources('AWS::CloudWatch::Alarm'),
        ...template.findResources('AWS::CloudWatch::CompositeAlarm'),
      }).filter(([id]) => id.startsWith(logicalIdPrefix));
      return JSON.stringify(alarm?.[1].Properties.AlarmActions);
    };

    it.each([
      ['DetectionQuorum', 'Page'],
      ['DeadLettersAlarm', 'Page'],
      ['DetectionHealthCheckAlarm', 'Ticket'],
      ['ProbeHeartbeatAlarm', 'Ticket'],
    ])('expects %s to notify the %s topic', (alarm, tier) => {
      expect(actionsOf(alarm)).toMatch(new RegExp(`"Ref":"Alarms${tier}Topic`));
    });

    it('expects the forwarding rule and the probe schedule to dead-letter into the stack queue', () => {
      // Act
      const rules = Object.values(template.findResources('AWS::Events::Rule'));

      // Assert
      expect(rules).toHaveLength(2);
      for (const rule of rules) {
        expect(rule.Properties.Targets).toEqual([
          expect.objectContaining({
            DeadLetterConfig: {
              Arn: { 'Fn::GetAtt': [expect.stringMatching(/^DeadLettersQueue/), 'Arn'] },
            },
          }),
        ]);
      }
    });

    it('expects the probe schedule to retry twice within a minute', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        Targets: [
          Match.objectLike({
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
          }),
        ],
      });
    });
  });
});
