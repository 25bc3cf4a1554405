import { type Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { sampleConfig, testApp } from './support';

/** Violations cdk-nag's AwsSolutions pack reports for `stack`, acknowledgements applied. */
function violationsOf(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} (${v.severity}) at ${r.constructPath}`),
  );
}

describe('Class: AwsSolutionsChecks', () => {
  describe('Method: validateScope', () => {
    const built = testApp();

    it.each([
      ['ObserverStack', built.observer],
      ['StagingStack', built.staging],
      ['HealthStack', built.health],
    ])('expects no unacknowledged error or warning in %s by default', (_name, stack) => {
      expect(violationsOf(stack)).toEqual([]);
    });

    it('expects no unacknowledged finding when optional settings are configured', () => {
      // Arrange
      const config = sampleConfig();
      const other = testApp({
        ...config,
        organizationId: 'o-abcd123456',
        removalPolicy: 'destroy',
        healthCheck: { region: 'us-west-2', probeOnly: true },
        alarms: {
          page: { urls: ['https://events.pager.example.com/sns'] },
          ticket: { topicArns: ['arn:aws:sns:eu-central-1:222222222222:platform'] },
        },
      });

      // Act
      const violations = [other.observer, other.staging, other.health].flatMap(violationsOf);

      // Assert
      expect(violations).toEqual([]);
    });

    it('expects every acknowledgement to carry a specific reason', () => {
      // Arrange
      const acknowledgements = built.app.node
        .findAll()
        .flatMap((c) => c.node.metadata)
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>));

      // Assert
      expect(acknowledgements.length).toBeGreaterThan(0);
      for (const [id, reason] of acknowledgements) {
        expect({ id, long: reason.length >= 60 }).toEqual({ id, long: true });
      }
    });

    it('reports an unscoped grant added to a house function role', () => {
      // Arrange
      const app = testApp();
      app.staging.ping.role.addToPolicy(
        new iam.PolicyStatement({ actions: ['ecs:RegisterTaskDefinition'], resources: ['*'] }),
      );

      // Act
      const violations = violationsOf(app.staging);

      // Assert
      expect(violations).toEqual([
        expect.stringMatching(/^AwsSolutions-IAM5\[Resource::\*\] \(error\)/),
      ]);
    });

    it('reports a finding nobody acknowledged (the check is live)', () => {
      // Arrange
      const app = testApp();
      app.staging.ping.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['s3:*'],
          resources: ['arn:aws:s3:::bucket'],
        }),
      );

      // Act
      const violations = violationsOf(app.staging);

      // Assert
      expect(violations).toEqual([
        expect.stringMatching(/^AwsSolutions-IAM5\[Action::s3:\*\] \(error\)/),
      ]);
    });
  });
});
