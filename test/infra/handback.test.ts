import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { handbackSettingsOf } from '../../lib/constructs/handback';
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

describe('Class: Handback', () => {
  const built = testApp();
  const template = Template.fromStack(built.staging);
  const handback = built.staging.handback;
  const stack = Stack.of(handback);
  const idOf = (c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as CfnRole);
  const roleIds = [
    ...Object.values(handback.functions).map((f) => f.role),
    handback.stateMachine.role,
  ].map(idOf);

  describe('Method: constructor (starting)', () => {
    it("expects a rule on the quorum alarm's OK transition and a scheduled re-check, both to the starter", () => {
      // Arrange
      const starter = { 'Fn::GetAtt': [idOf(handback.functions.start.function), 'Arn'] };

      // Assert
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.cloudwatch'],
          'detail-type': ['CloudWatch Alarm State Change'],
          resources: [
            `arn:aws:cloudwatch:${built.config.healthCheck.region}:${built.config.staging.account}:alarm:${QUORUM_ALARM_NAME}`,
          ],
          detail: { state: { value: ['OK'] } },
        },
        Targets: [Match.objectLike({ Arn: starter })],
      });
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        Targets: [Match.objectLike({ Arn: starter })],
      });
    });

    it('expects the starter to know N, the period and its state machine', () => {
      // Assert
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            HANDBACK_OK_PERIODS: '5',
            HANDBACK_PERIOD_SECONDS: '60',
            QUORUM_ALARM_NAME: QUORUM_ALARM_NAME,
            HANDBACK_STATE_MACHINE_ARN: { Ref: idOf(handback.stateMachine) },
          }),
        },
      });
    });
  });

  describe('Method: constructor (workflow)', () => {
    it('expects a Standard state machine from the ASL with the configured substitutions', () => {
      // Assert
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'STANDARD',
        DefinitionSubstitutions: Match.objectLike({
          ApprovalMode: 'manual',
          ApprovalTimeoutOutcome: 'declined',
          PrimaryPolls: '60',
          PollSeconds: '30',
          QuorumAlarmName: QUORUM_ALARM_NAME,
        }),
      });
    });

    it('expects the workflow to call only Lambda invoke and SNS publish', () => {
      // Assert
      expect([...aslActions('handback')].sort()).toEqual(['lambda:InvokeFunction', 'sns:Publish']);
    });
  });

  describe('Method: constructor (least privilege)', () => {
    it('expects no handback role to hold any IAM or Route 53 control-plane action, nor a wildcard action', () => {
      // Act
      const actions = actionsOf(template, roleIds);

      // Assert
      expect(actions.length).toBeGreaterThan(15);
      expect(
        actions.filter(
          (a) =>
            /^(iam|route53|route53domains|route53-recovery-control-config):/.test(a) ||
            a === '*' ||
            a.endsWith(':*'),
        ),
      ).toEqual([]);
    });

    it('expects the primary read only through its read role, by the primary check alone', () => {
      // Arrange
      const f = handback.functions;

      // Act
      const updaters = Object.entries(f)
        .filter(([, fn]) => actionsOf(template, [idOf(fn.role)]).includes('sts:AssumeRole'))
        .map(([step]) => step);

      // Assert
      expect(updaters).toEqual(['primary-check']);
      expect(actionsOf(template, [idOf(f['primary-check'].role)])).not.toContain(
        'ecs:UpdateService',
      );
      expect(actionsOf(template, [idOf(f.start.role)])).not.toContain('dynamodb:UpdateItem');
    });
  });

  describe('Function: handbackSettingsOf', () => {
    it('derives each service standby count from its staging tier and takes per-service modes', () => {
      // Act
      const settings = handbackSettingsOf({
        config: { ...built.config.handback, modes: { 'shop/web': 'integrate' } },
        traffic: {},
        services: [
          { cluster: 'shop', service: 'web', stagingTier: 'warm', minTasks: 2 },
          { cluster: 'shop', service: 'api', stagingTier: 'config-only', minTasks: 3 },
        ],
      });

      // Assert
      expect(settings.services).toEqual({
        'shop/web': { standbyCount: 2, mode: 'integrate' },
        'shop/api': { standbyCount: 0 },
      });
      expect(settings.defaultMode).toBe('replace');
    });
  });
});

describe('Config: handback section', () => {
  it('rejects an unknown mode with a clear error', () => {
    // Arrange
    const config = { ...sampleConfig(), handback: { defaultMode: 'merge' } };

    // Act
    const build = () => testApp(config);

    // Assert
    expect(build).toThrow(/handback/);
  });
});
