import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../../lib/config';
import { QUORUM_ALARM_NAME } from '../../lib/stacks/health-stack';
import { sampleConfig, testApp } from './support';

/** Violations cdk-nag's AwsSolutions pack reports for `stack`, acknowledgements applied. */
function violationsOf(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} (${v.severity}) at ${r.constructPath}`),
  );
}

/** Every IAM policy document of the stack, as JSON text (what a role may touch). */
function policyText(template: Template): string {
  return JSON.stringify(template.findResources('AWS::IAM::Policy'));
}

describe('Class: DrillStack', () => {
  const built = testApp();
  const drill = built.drill;
  if (!drill) throw new Error('the sample configuration deploys the drill stack');
  const template = Template.fromStack(drill);
  const config = built.config;

  describe('Method: constructor', () => {
    it('expects the drill cluster to be created with the configured name and Fargate by default', () => {
      // Assert
      template.hasResourceProperties('AWS::ECS::Cluster', {
        ClusterName: config.drill.cluster,
        DefaultCapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 1 }],
      });
      template.resourceCountIs('AWS::EC2::VPC', 0);
    });

    it('expects the drill failover to approve automatically by default', () => {
      // Assert
      const machines = template.findResources('AWS::StepFunctions::StateMachine');
      const definitions = JSON.stringify(machines);
      expect(definitions).toContain('"ApprovalMode":"auto"');
    });

    it('expects manual approval when drill.approvalMode is manual', () => {
      // Arrange
      const other = testApp({ ...sampleConfig(), drill: { approvalMode: 'manual' } });
      // Act
      const text = JSON.stringify(
        Template.fromStack(other.drill as Stack).findResources('AWS::StepFunctions::StateMachine'),
      );
      // Assert
      expect(text).toContain('"ApprovalMode":"manual"');
    });

    it('expects no quorum alarm rule: only the drill wrapper starts the drill failover', () => {
      // Assert
      expect(drill.failover.rule).toBeUndefined();
      const rules = Object.values(template.findResources('AWS::Events::Rule'));
      expect(rules).toHaveLength(1);
      expect(rules[0]?.Properties.EventPattern).toMatchObject({ source: ['aws.states'] });
    });

    it('expects a rule that tears down after a drill was stopped or timed out', () => {
      // Assert
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectLike({
          detail: Match.objectLike({ status: ['ABORTED', 'TIMED_OUT'] }),
        }),
        Targets: [Match.objectLike({ Input: '{"teardownOnly":true}' })],
      });
    });

    it('expects every drill lease statement to be held to the drill lease items by LeadingKeys', () => {
      // Act
      const statements = Object.values(template.findResources('AWS::IAM::Policy'))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[])
        .filter((s) => s.Sid === 'DrillLeaseOnly');
      // Assert
      expect(statements.length).toBeGreaterThanOrEqual(5);
      for (const statement of statements) {
        expect(statement.Condition).toEqual({
          'ForAllValues:StringEquals': {
            'dynamodb:LeadingKeys': expect.arrayContaining([`LEASE#${config.drill.leaseId}`]),
          },
        });
        expect(JSON.stringify(statement.Condition)).not.toContain('authority');
      }
    });

    it('expects production’s lease read by the guard’s two steps only, by GetItem only', () => {
      // Act
      const reads = Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([id, p]) =>
        (p.Properties.PolicyDocument.Statement as Record<string, unknown>[])
          .filter((s) => JSON.stringify(s).includes('LEASE#authority'))
          .map((s) => ({ id: id.replace(/RoleDefaultPolicy[0-9A-F]{8}$/, ''), statement: s })),
      );
      // Assert
      expect(reads.map((r) => r.id).sort()).toEqual(['DrillFailoverAcquireLease', 'Prepare']);
      for (const { statement } of reads) {
        expect(statement).toMatchObject({
          Sid: 'ReadProductionLease',
          Effect: 'Allow',
          Action: 'dynamodb:GetItem',
          Condition: {
            'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['LEASE#authority'] },
          },
        });
      }
    });

    it('expects no role to name the production cluster, write the production lease or a traffic route', () => {
      // Act: every statement but the guard's read of production's lease
      const text = JSON.stringify(
        Object.values(template.findResources('AWS::IAM::Policy'))
          .flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[])
          .filter((s) => s.Sid !== 'ReadProductionLease'),
      );
      // Assert
      expect(policyText(template)).toContain('ReadProductionLease');
      expect(text).not.toContain(`service/${config.staging.cluster}/`);
      expect(text).not.toContain(`cluster/${config.staging.cluster}`);
      expect(text).not.toContain('LEASE#authority');
      expect(text).not.toContain('route53-recovery-cluster');
      expect(text).not.toContain('cloudwatch:PutMetricData');
      expect(text).not.toContain(`alarm:${QUORUM_ALARM_NAME}`);
    });

    it('expects the lease table never granted without a condition', () => {
      // Act
      const leaseArn = JSON.stringify(
        Stack.of(built.staging).resolve(built.staging.leaseTable.table.tableArn),
      );
      const unconditioned = Object.values(template.findResources('AWS::IAM::Policy'))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[])
        .filter((s) => s.Condition === undefined)
        .map((s) => JSON.stringify(s.Resource));
      // Assert
      expect(leaseArn.length).toBeGreaterThan(0);
      for (const resource of unconditioned)
        expect(resource).not.toMatch(/LeaseTable|Lease[A-F0-9]{8}/);
    });

    it('expects the production acquire-lease step to know the drill lease it aborts', () => {
      // Assert
      Template.fromStack(built.staging).hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('takes the fenced authority lease'),
        Environment: { Variables: Match.objectLike({ ABORTS_DRILL_LEASE_ID: 'drill' }) },
      });
    });

    it('expects the drill steps that read production’s lease to know its table', () => {
      // Assert: the prepare and drill acquire-lease Lambdas build their lease reader from it
      for (const description of ['creates the plan services', 'takes the fenced authority lease']) {
        template.hasResourceProperties('AWS::Lambda::Function', {
          Description: Match.stringLikeRegexp(description),
          Environment: {
            Variables: Match.objectLike({
              LEASE_TABLE_NAME: Match.anyValue(),
              DRILL_CLUSTER: config.drill.cluster,
            }),
          },
        });
      }
    });

    it('expects no drill stack when drill.enabled is false', () => {
      // Act
      const other = testApp({ ...sampleConfig(), drill: { enabled: false } });
      // Assert
      expect(other.drill).toBeUndefined();
    });

    it('refuses the production lease id as the drill lease', () => {
      // Act / Assert
      expect(() => testApp({ ...sampleConfig(), drill: { leaseId: 'authority' } })).toThrow(
        ConfigError,
      );
    });

    it('refuses the staging cluster as the drill cluster', () => {
      // Arrange
      const config = sampleConfig();
      const staging = (config.staging as { cluster?: string }).cluster ?? 'understudy';
      // Act / Assert
      expect(() => testApp({ ...config, drill: { cluster: staging } })).toThrow(
        /must not be the staging cluster/,
      );
    });
  });

  describe('Class: AwsSolutionsChecks', () => {
    it('expects no unacknowledged error or warning in the drill stack', () => {
      // Assert
      expect(violationsOf(drill)).toEqual([]);
    });
  });
});
