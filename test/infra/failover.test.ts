import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { QUORUM_ALARM_NAME } from '../../lib/stacks/health-stack';
import { aslActions } from '../../lib/statemachine';
import { sampleConfig, testApp } from './support';

/** Every action of every IAM policy statement attached to `roleIds` (logical ids). */
function actionsOf(template: Template, roleIds: readonly string[]): string[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const actions: string[] = [];
  for (const policy of Object.values(policies)) {
    const roles = (policy.Properties.Roles ?? []) as { Ref?: string }[];
    if (!roles.some((r) => r.Ref && roleIds.includes(r.Ref))) continue;
    for (const statement of policy.Properties.PolicyDocument.Statement) {
      actions.push(...[statement.Action].flat());
    }
  }
  return actions;
}

describe('Class: Failover', () => {
  const built = testApp();
  const template = Template.fromStack(built.staging);
  const failover = built.staging.failover;
  const stack = Stack.of(failover);
  const roleIds = [
    ...Object.values(failover.functions).map((f) => f.role),
    failover.stateMachine.role,
    failover.waveStateMachine.role,
  ].map((role) => stack.getLogicalId(role.node.defaultChild as CfnRole));

  describe('Method: constructor (rule and starter)', () => {
    it('expects a rule on the default bus matching the quorum alarm ALARM transition, targeting the starter', () => {
      // Assert
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.cloudwatch'],
          'detail-type': ['CloudWatch Alarm State Change'],
          resources: [
            `arn:aws:cloudwatch:${built.config.healthCheck.region}:${built.config.staging.account}:alarm:${QUORUM_ALARM_NAME}`,
          ],
          detail: { state: { value: ['ALARM'] } },
        },
        Targets: [
          Match.objectLike({
            Arn: {
              'Fn::GetAtt': [
                stack.getLogicalId(failover.functions.start.function.node.defaultChild as never),
                'Arn',
              ],
            },
            RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 },
            DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }),
          }),
        ],
      });
    });

    it('expects the health stack to name its composite alarm as the rule expects', () => {
      // Assert
      Template.fromStack(built.health).hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
        AlarmName: QUORUM_ALARM_NAME,
      });
    });

    it('expects the starter to know the workflow and the minimum delay by default', () => {
      // Assert
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('admits one failover'),
        Environment: {
          Variables: Match.objectLike({
            FAILOVER_STATE_MACHINE_ARN: {
              Ref: stack.getLogicalId(failover.stateMachine.node.defaultChild as never),
            },
            FAILOVER_MIN_DELAY_SECONDS: '1800',
            LEASE_TABLE_NAME: Match.anyValue(),
          }),
        },
      });
    });
  });

  describe('Method: constructor (workflows)', () => {
    it('expects the parent and wave workflows, traced and logged, with manual approval by default', () => {
      // Assert
      const resources = template.toJSON().Resources;
      for (const machine of [failover.stateMachine, failover.waveStateMachine]) {
        const properties =
          resources[stack.getLogicalId(machine.node.defaultChild as never)].Properties;
        expect(properties.TracingConfiguration).toEqual({ Enabled: true });
        expect(properties.LoggingConfiguration).toMatchObject({
          Level: 'ALL',
          IncludeExecutionData: true,
        });
      }
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        DefinitionSubstitutions: Match.objectLike({
          ApprovalMode: 'manual',
          ApprovalTimeoutSeconds: '3600',
          ApprovalTimeoutOutcome: 'declined',
          PartialFailureThreshold: '0.1',
          ServiceTimeoutSeconds: '900',
          DeployPageSize: '50',
        }),
      });
    });

    it('expects auto mode and the timeout outcome when configured', () => {
      // Arrange
      const config = sampleConfig();
      const other = testApp({
        ...config,
        failover: { approval: { mode: 'auto', timeoutSeconds: 600, timeoutOutcome: 'approved' } },
      });

      // Assert
      Template.fromStack(other.staging).hasResourceProperties('AWS::StepFunctions::StateMachine', {
        DefinitionSubstitutions: Match.objectLike({
          ApprovalMode: 'auto',
          ApprovalTimeoutSeconds: '600',
          ApprovalTimeoutOutcome: 'approved',
        }),
      });
    });

    it('expects every action the ASL files call to be granted to their workflows', () => {
      // Act
      const parent = actionsOf(template, [
        stack.getLogicalId(failover.stateMachine.role.node.defaultChild as CfnRole),
      ]);
      const wave = actionsOf(template, [
        stack.getLogicalId(failover.waveStateMachine.role.node.defaultChild as CfnRole),
      ]);

      // Assert
      expect(parent).toEqual(expect.arrayContaining(aslActions('failover')));
      expect(wave).toEqual(expect.arrayContaining(aslActions('failover-wave')));
      expect(parent).toEqual(
        expect.arrayContaining([
          'states:DescribeExecution',
          'states:StopExecution',
          'events:PutRule',
        ]),
      );
    });
  });

  describe('Method: constructor (report bucket and topic)', () => {
    it('expects a KMS-encrypted, versioned, private, TLS-only report bucket with access logs', () => {
      // Assert
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: Match.anyValue(),
              },
            }),
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'reports/' }),
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: stack.getLogicalId(failover.reportBucket.node.defaultChild as never) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('expects approval requests and outcomes to go to the page topic', () => {
      // Arrange
      const page = stack.getLogicalId(
        built.staging.notifications.topics.page.node.defaultChild as never,
      );

      // Assert
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('approval token'),
        Environment: {
          Variables: Match.objectLike({ FAILOVER_APPROVAL_TOPIC_ARN: { Ref: page } }),
        },
      });
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        DefinitionSubstitutions: Match.objectLike({ NotificationTopicArn: { Ref: page } }),
      });
    });
  });

  describe('Method: constructor (least privilege)', () => {
    it('expects no failover role to hold any IAM or Route 53 control-plane action, nor a wildcard action', () => {
      // Act
      const actions = actionsOf(template, roleIds);

      // Assert
      expect(actions.length).toBeGreaterThan(20);
      expect(
        actions.filter(
          (a) =>
            /^(iam|route53|route53domains|route53-recovery-control-config):/.test(a) ||
            a === '*' ||
            a.endsWith(':*'),
        ),
      ).toEqual([]);
    });

    it('expects traffic grants only for the configured routes (PutMetricData held to the namespace, routing controls by ARN)', () => {
      // Arrange
      const control =
        'arn:aws:route53-recovery-control::222222222222:controlpanel/abc/routingcontrol/def';
      const config = sampleConfig();
      const other = testApp({
        ...config,
        failover: {
          traffic: {
            'shop/web': {
              kind: 'route53-failover-signal',
              namespace: 'Understudy/Traffic',
              metricName: 'PrimaryIn',
            },
            'shop/api': {
              kind: 'arc-routing-control',
              stagingRoutingControlArn: control,
              clusterEndpoints: [
                {
                  endpoint: 'https://aaaa.route53-recovery-cluster.us-east-1.amazonaws.com/v1',
                  region: 'us-east-1',
                },
              ],
            },
          },
        },
      });
      const otherTemplate = Template.fromStack(other.staging);

      // Assert
      otherTemplate.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'cloudwatch:PutMetricData',
              Condition: { StringEquals: { 'cloudwatch:namespace': ['Understudy/Traffic'] } },
            }),
            Match.objectLike({
              Action: 'route53-recovery-cluster:UpdateRoutingControlState',
              Resource: control,
            }),
          ]),
        },
      });
      expect(actionsOf(template, roleIds)).not.toContain('cloudwatch:PutMetricData');
    });
  });
});
