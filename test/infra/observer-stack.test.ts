import { App, CfnOutput, PhysicalName, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { FORECAST_TABLE } from '../../functions/shared/tables';
import {
  PINNED_DIGEST_READ_ACTIONS,
  SOURCE_READ_ACTIONS,
  SourceReadRole,
} from '../../lib/constructs/source-read-role';
import { CDK_CONTEXT, sampleConfig, testApp } from './support';

/** Every action in the source read role's identity policies (other roles live in the stack too). */
function grantedActions(template: Template): string[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify(p.Properties.Roles).includes('SourceReadRole'),
  );
  return policies
    .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .sort();
}

describe('Class: ObserverStack', () => {
  let built: ReturnType<typeof testApp>;
  let template: Template;
  beforeAll(() => {
    built = testApp();
    template = Template.fromStack(built.observer);
  });

  describe('Method: environment', () => {
    it('expects the primary account and region from the configuration', () => {
      expect(built.observer.account).toBe('111111111111');
      expect(built.observer.region).toBe('eu-west-1');
    });
  });

  describe('Method: forecast table', () => {
    it('expects the forecast table built from FORECAST_TABLE with CMK encryption', () => {
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: FORECAST_TABLE.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: FORECAST_TABLE.sortKey?.name, KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: {
          AttributeName: FORECAST_TABLE.timeToLiveAttribute,
          Enabled: true,
        },
        SSESpecification: Match.objectLike({ SSEType: 'KMS' }),
      });
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });
  });

  describe('Method: source read role', () => {
    it('expects only Describe, List, Get and BatchGet actions on ECS, ECR, EC2 and Application Auto Scaling', () => {
      // Act
      const actions = grantedActions(template);

      // Assert
      expect(actions).toEqual(
        [
          ...Object.values(SOURCE_READ_ACTIONS).flat(),
          ...Object.values(PINNED_DIGEST_READ_ACTIONS).flat(),
        ].sort(),
      );
      for (const action of actions) {
        expect(action).toMatch(
          /^(ecs|ecr|ec2|cloudwatch|elasticloadbalancing|application-autoscaling):(Describe|List|Get|BatchGet|BatchCheck)/,
        );
      }
    });

    it('expects each statement pinned to its resource: services, repositories, or * limited to the primary region', () => {
      // Arrange
      const arn = (resource: string) => `arn:aws:ecs:eu-west-1:111111111111:${resource}`;

      // Act
      const statements = Object.entries(template.findResources('AWS::IAM::Policy'))
        .filter(([id]) => id.startsWith('SourceReadRoleDefaultPolicy'))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);

      // Assert: resource-level where IAM has resource types, `*` where it has none
      expect(statements).toEqual([
        {
          Sid: 'EcsServiceRead',
          Effect: 'Allow',
          Action: 'ecs:DescribeServices',
          Resource: 'arn:aws:ecs:eu-west-1:111111111111:service/*',
        },
        {
          Sid: 'EcrRead',
          Effect: 'Allow',
          Action: ['ecr:BatchGetImage', 'ecr:DescribeImages', 'ecr:GetDownloadUrlForLayer'],
          Resource: 'arn:aws:ecr:eu-west-1:111111111111:repository/*',
        },
        {
          Sid: 'UnscopedRead',
          Effect: 'Allow',
          Action: [
            'application-autoscaling:DescribeScalableTargets',
            'application-autoscaling:DescribeScalingPolicies',
            'cloudwatch:GetMetricData',
            'ec2:DescribeSecurityGroups',
            'ecs:DescribeTaskDefinition',
            'ecs:ListClusters',
            'elasticloadbalancing:DescribeTargetHealth',
          ],
          Resource: '*',
          Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
        },
        {
          Sid: 'PinnedDigestReads',
          Effect: 'Allow',
          Action: [...PINNED_DIGEST_READ_ACTIONS.scoped].sort(),
          Resource: [arn('service-revision/shop/*'), arn('service/shop/*'), arn('task/shop/*')],
        },
        {
          Sid: 'PinnedDigestListTasks',
          Effect: 'Allow',
          Action: 'ecs:ListTasks',
          Resource: '*',
          Condition: {
            ArnLike: { 'ecs:cluster': [arn('cluster/shop')] },
            StringEquals: { 'aws:RequestedRegion': 'eu-west-1' },
          },
        },
      ]);
    });

    it('expects the staging account trusted, limited to the probe and shadow reader roles, without ExternalId by default', () => {
      // Act
      const roles = template.findResources('AWS::IAM::Role');
      const trust = Object.values(roles)[0]?.Properties.AssumeRolePolicyDocument.Statement;
      const probeRoleName = Object.values(
        Template.fromStack(built.health).findResources('AWS::IAM::Role', {
          Properties: { Description: Match.stringLikeRegexp('authority probe') },
        }),
      )[0]?.Properties.RoleName;
      // The shadow manager's primary readers: describe, copy-images, integrity check.
      const shadowReaders = (built.staging.shadowManager?.primaryReaders ?? []).map((role) =>
        built.observer.resolve(role.roleArn),
      );

      // Assert
      expect(probeRoleName).toMatch(/^[a-z0-9]+$/);
      expect(shadowReaders).toHaveLength(3);
      expect(trust).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::222222222222:root' },
          Condition: {
            ArnLike: {
              'aws:PrincipalArn': [
                `arn:aws:iam::222222222222:role/${probeRoleName}`,
                ...shadowReaders,
                // The adapt loop's primary history (h-adapt-aws).
                built.observer.resolve(built.staging.adapter?.role.roleArn),
                // The handback's primary check (its primary's services steady and healthy).
                ...built.staging.handback.primaryReaders.map((role) =>
                  built.observer.resolve(role.roleArn),
                ),
              ],
            },
          },
        },
      ]);
      expect(JSON.stringify(trust)).not.toContain('ExternalId');
    });

    it('expects any role of the staging account (not its users) when no role is trusted yet', () => {
      // Arrange
      const stack = new Stack(new App({ context: CDK_CONTEXT }), 'Alone', {
        env: { account: '111111111111', region: 'eu-west-1' },
      });

      // Act
      new SourceReadRole(stack, 'Read', {
        sourceRegion: 'eu-west-1',
        trustedAccount: '222222222222',
      });

      // Assert
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Principal: { AWS: 'arn:aws:iam::222222222222:root' },
              Condition: { ArnLike: { 'aws:PrincipalArn': ['arn:aws:iam::222222222222:role/*'] } },
            }),
          ],
        },
      });
    });

    it('expects the organization condition when organizationId is configured', () => {
      // Arrange
      const observer = testApp({ ...sampleConfig(), organizationId: 'o-abcd123456' }).observer;

      // Act
      const org = Template.fromStack(observer);

      // Assert
      org.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Condition: Match.objectLike({
                StringEquals: { 'aws:PrincipalOrgID': 'o-abcd123456' },
              }),
            }),
          ],
        },
      });
    });

    it('expects exactly the trusted staging roles when a shadow role is trusted', () => {
      // Arrange: a shadow role in the staging stack, named at synth for cross-account use.
      const app = testApp();
      const shadow = new iam.Role(app.staging, 'ShadowRole', {
        roleName: PhysicalName.GENERATE_IF_NEEDED,
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      });

      // Act
      app.observer.trust(shadow);
      const trusted = Template.fromStack(app.observer);

      // Assert
      const principalArns = Object.values(trusted.findResources('AWS::IAM::Role'))[0]?.Properties
        .AssumeRolePolicyDocument.Statement[0].Condition.ArnLike['aws:PrincipalArn'];
      // The probe role, the shadow manager's three readers, the adapt role and the handback's
      // primary check (wired by the app) and the shadow role, nothing else.
      expect(principalArns).toEqual(
        Array.from({ length: 7 }, () =>
          expect.stringMatching(/^arn:aws:iam::222222222222:role\/[a-z0-9]+$/),
        ),
      );
      const roleName = String(principalArns[6]).split('/').pop();
      Template.fromStack(app.staging).hasResourceProperties('AWS::IAM::Role', {
        RoleName: roleName,
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
        }),
      });
    });

    it('expects a generated role name when a staging stack references the role', () => {
      // Arrange
      const app = testApp();

      // Act: the clone pipeline in staging passes the role ARN to its Lambdas.
      new CfnOutput(app.staging, 'SourceReadRoleArn', {
        value: app.observer.sourceReadRole.role.roleArn,
      });
      const observer = Template.fromStack(app.observer);
      const staging = Template.fromStack(app.staging);

      // Assert: a literal ARN in staging, no cross-stack export or lookup.
      const roleName = Object.values(observer.findResources('AWS::IAM::Role'))[0]?.Properties
        .RoleName;
      expect(roleName).toMatch(/^[a-z0-9]+$/);
      staging.hasOutput('SourceReadRoleArn', {
        Value: `arn:aws:iam::111111111111:role/${roleName}`,
      });
    });
  });
});
