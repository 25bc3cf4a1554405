// The failover's deploy step sizes services from the staging copy of the latest forecasts: it is
// told the table, may Query it (nothing more), and gets the `failover.sizing` configuration.
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { parseFailoverSettings } from '../../functions/core/failover/settings';
import { sampleConfig, testApp } from './support';

describe('Class: Failover (forecast sizing)', () => {
  const config = sampleConfig();
  const built = testApp({
    ...config,
    failover: {
      sizing: { windowSeconds: 1800, services: { 'shop/web': { referenceTasks: 4 } } },
    },
  });
  const template = Template.fromStack(built.staging);
  const stack = Stack.of(built.staging.failover);
  const deploy = built.staging.failover.functions.deploy;
  const forecastTableId = stack.getLogicalId(
    built.staging.forecastTable.table.node.defaultChild as never,
  );
  const deployRoleId = stack.getLogicalId(deploy.role.node.defaultChild as CfnRole);

  it('expects the deploy step to know the forecast table and the sizing settings when configured', () => {
    // Arrange
    const fn = template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('deploys one page of the plan') },
    });
    const variables = Object.values(fn)[0]?.Properties.Environment.Variables;

    // Act
    const settings = parseFailoverSettings(variables.FAILOVER_SETTINGS);

    // Assert
    expect(variables.FORECAST_TABLE_NAME).toEqual({ Ref: forecastTableId });
    expect(settings.sizing).toMatchObject({
      windowSeconds: 1800,
      quantile: 0.9,
      services: { 'shop/web': { referenceTasks: 4 } },
    });
  });

  it('expects the deploy role to Query the forecast table and do nothing else with it', () => {
    // Arrange
    const policies = template.findResources('AWS::IAM::Policy');
    const onForecasts: unknown[] = [];
    for (const policy of Object.values(policies)) {
      const roles = (policy.Properties.Roles ?? []) as { Ref?: string }[];
      const isDeploy = roles.some((r) => r.Ref === deployRoleId);
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        if (!JSON.stringify(statement.Resource ?? '').includes(forecastTableId)) continue;
        // Act: who may touch the forecast table, and how.
        if (isDeploy) onForecasts.push(statement.Action);
      }
    }

    // Assert
    expect(onForecasts).toEqual(['dynamodb:Query']);
  });
});
