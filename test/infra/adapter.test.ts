import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stagingServiceName } from '../../functions/core/clone/service-definition';
import { ADAPT_ENV, AdaptConfigSchema, toRunConfig } from '../../functions/handlers/adapt';
import { ConfigError, loadConfig } from '../../lib/config';
import { ADAPTER_ENV, ADAPTER_MEMORY_MIB, adaptDocument } from '../../lib/constructs/adapter';
import { sampleConfig, testApp } from './support';

type Statement = {
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
  Effect: string;
  Sid?: string;
};

function statementsOf(role: iam.Role): Statement[] {
  const stack = Stack.of(role);
  const id = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .filter((p) =>
      (p.Properties.Roles as unknown[]).some(
        (r) => JSON.stringify(r) === JSON.stringify({ Ref: id }),
      ),
    )
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (statements: readonly Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

function violationsUnder(stack: Stack, path: string): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) =>
    v.violatingResources
      .filter((r) => (r.constructPath ?? '').startsWith(path))
      .map((r) => `${v.ruleName} at ${r.constructPath}`),
  );
}

describe('Class: Adapter', () => {
  const built = testApp();
  const adapter = built.staging.adapter;
  const template = Template.fromStack(built.staging);
  const fnProps = () => {
    if (!adapter) throw new Error('no adapter');
    const id = built.staging.getLogicalId(
      adapter.function.function.node.defaultChild as lambda.CfnFunction,
    );
    return template.toJSON().Resources[id].Properties as {
      MemorySize: number;
      Timeout: number;
      ReservedConcurrentExecutions: number;
      Environment: { Variables: Record<string, unknown> };
    };
  };

  describe('Method: schedule', () => {
    it('expects a rule every 5 minutes targeting the adapt Lambda by default', () => {
      // Assert
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        State: 'ENABLED',
      });
    });

    it('expects the configured period when adapt.scheduleMinutes is set', () => {
      // Arrange
      const config = sampleConfig() as Record<string, unknown> & {
        adapt: Record<string, unknown>;
      };
      config.adapt = { ...config.adapt, scheduleMinutes: 10 };

      // Act
      const other = testApp(config);

      // Assert
      Template.fromStack(other.staging).hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(10 minutes)',
      });
      const raw = other.staging.adapter?.function.function as lambda.Function;
      expect(raw).toBeDefined();
    });

    it('expects no adapter when adapt.services is empty', () => {
      // Arrange
      const config = sampleConfig() as Record<string, unknown>;
      config.adapt = { services: [] };

      // Act
      const other = testApp(config);

      // Assert
      expect(other.staging.adapter).toBeUndefined();
    });
  });

  describe('Method: services by tag', () => {
    it('expects no adapter and a warning when services are found by tag', () => {
      // Arrange
      const { services: _listed, ...config } = sampleConfig();

      // Act
      const other = testApp({
        ...config,
        serviceSelector: { tagKey: 'understudy', tagValue: 'on' },
      });

      // Assert
      expect(other.staging.adapter).toBeUndefined();
      Annotations.fromStack(other.staging).hasWarning('*', Match.stringLikeRegexp('No adapt loop'));
    });
  });

  describe('Method: function', () => {
    it('expects the memory, one run at a time and a timeout no longer than the period', () => {
      // Act
      const props = fnProps();

      // Assert
      expect(props.MemorySize).toBe(ADAPTER_MEMORY_MIB);
      expect(props.ReservedConcurrentExecutions).toBe(1);
      expect(props.Timeout).toBe(300);
    });

    it('expects the construct to name the same variables as the handler', () => {
      expect(Object.values(ADAPTER_ENV).sort()).toEqual(
        Object.values(ADAPT_ENV)
          .filter((v) => v !== ADAPT_ENV.leaseId)
          .sort(),
      );
    });

    it('expects the tables, the primary region and read role, and an ADAPT_CONFIG the handler accepts', () => {
      // Act
      const env = fnProps().Environment.Variables;
      const document = JSON.parse(env[ADAPT_ENV.config] as string);

      // Assert
      for (const name of [
        ADAPT_ENV.leaseTableName,
        ADAPT_ENV.forecastTableName,
        ADAPT_ENV.inventoryTableName,
        ADAPT_ENV.primaryReadRoleArn,
      ]) {
        expect(env[name]).toBeDefined();
      }
      expect(env[ADAPT_ENV.primaryRegion]).toBe('eu-west-1');
      const run = toRunConfig(AdaptConfigSchema.parse(document));
      expect(run.periodSeconds).toBe(300);
      expect(run.services.map((s) => s.staging)).toEqual([
        { cluster: 'shop-failover', service: stagingServiceName('shop', 'web') },
        { cluster: 'shop-failover', service: stagingServiceName('shop', 'api') },
      ]);
      expect(run.services[0]?.primaryMetrics).toEqual({
        targetGroup: 'targetgroup/shop-web/0123456789abcdef',
      });
    });

    it('expects configured policy overrides in ADAPT_CONFIG', () => {
      // Arrange
      const config = sampleConfig() as Record<string, unknown> & {
        adapt: Record<string, unknown>;
      };
      config.adapt = {
        ...config.adapt,
        settings: { hysteresis: 0.25, scaleInCooldownSeconds: 1800, recurringSlackSeconds: 600 },
      };

      // Act
      const run = toRunConfig(AdaptConfigSchema.parse(adaptDocument(loadConfig(config)))).settings;

      // Assert
      expect(run?.hysteresis).toBe(0.25);
      expect(run?.scaleInCooldownMs).toBe(1_800_000);
      expect(run?.recurringSlackMs).toBe(600_000);
    });
  });

  describe('Method: config', () => {
    it('refuses an adapted service that is not listed, naming the key', () => {
      // Arrange
      const config = sampleConfig() as Record<string, unknown>;
      config.adapt = { services: [{ service: 'shop/nope', referenceTasks: 2 }] };

      // Act / Assert
      expect(() => loadConfig(config)).toThrow(ConfigError);
      expect(() => loadConfig(config)).toThrow(/adapt\.services\[0\]\.service/);
    });
  });

  describe('Method: grants', () => {
    it('expects exactly the reads, the lease, the adapt log, the scaling calls and assuming the read role', () => {
      // Arrange
      const role = adapter?.role as iam.Role;

      // Act
      const actions = [...new Set(actionsOf(statementsOf(role)))].sort();

      // Assert
      expect(actions).toEqual(
        [
          'application-autoscaling:DescribeScalableTargets',
          'application-autoscaling:DescribeScalingPolicies',
          'application-autoscaling:PutScalingPolicy',
          'application-autoscaling:RegisterScalableTarget',
          'cloudwatch:DeleteAlarms',
          'cloudwatch:DescribeAlarms',
          'cloudwatch:GetMetricData',
          'cloudwatch:PutMetricAlarm',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'ecs:DescribeServices',
          'kms:Decrypt',
          'kms:GenerateDataKey',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'sts:AssumeRole',
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
        ].sort(),
      );
    });

    it('expects each grant scoped to its resource', () => {
      // Arrange
      const statements = statementsOf(adapter?.role as iam.Role);
      const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
      const idOf = (t: { table: { node: { defaultChild?: unknown } } }) =>
        built.staging.getLogicalId(t.table.node.defaultChild as never);
      const dynamo = statements.filter((s) =>
        actionsOf([s]).some((a) => a.startsWith('dynamodb:')),
      );

      // Assert
      expect(bySid('UnscopedReads')?.Condition).toEqual({
        StringEquals: { 'aws:RequestedRegion': 'eu-central-1' },
      });
      expect(JSON.stringify(bySid('DescribeStagingServices')?.Resource)).toContain(
        ':service/shop-failover/*',
      );
      expect(bySid('StagingScalableTargets')?.Condition).toEqual({
        StringEquals: {
          'application-autoscaling:service-namespace': 'ecs',
          'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
        },
      });
      expect(bySid('AssumePrimaryRead')?.Resource).toEqual(
        fnProps().Environment.Variables[ADAPT_ENV.primaryReadRoleArn],
      );
      const lease = dynamo.find((s) =>
        JSON.stringify(s.Resource).includes(idOf(built.staging.leaseTable)),
      );
      expect(actionsOf(lease ? [lease] : [])).toEqual(['dynamodb:GetItem']);
      expect(JSON.stringify(dynamo.map((s) => s.Resource))).not.toContain('index');
      const resources = JSON.stringify(dynamo.map((s) => s.Resource));
      expect(resources).toContain(idOf(built.staging.forecastTable));
      expect(resources).toContain(idOf(built.staging.inventoryTable));
    });

    it('expects the primary read role to trust the adapt role and allow GetMetricData', () => {
      // Arrange
      const observer = Template.fromStack(built.observer).toJSON();
      const readRole = JSON.stringify(
        Object.values(observer.Resources as Record<string, { Type: string }>).filter(
          (r) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::Role',
        ),
      );

      // Assert
      expect(readRole).toContain('cloudwatch:GetMetricData');
      expect(built.observer.sourceReadRole.trustedRoleArns).toContain(adapter?.role.roleArn);
    });
  });

  describe('Method: cdk-nag', () => {
    it('expects no unacknowledged finding on the adapter', () => {
      expect(violationsUnder(built.staging, 'UnderstudyStaging/Adapter')).toEqual([]);
    });
  });
});
