import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { handler } from '../../functions/handlers/ping';
import { FUNCTION_RUNTIME, UnderstudyFunction } from '../../lib/constructs/understudy-function';
import { CDK_CONTEXT } from './support';

/** A stack holding one UnderstudyFunction, without bundling. */
function functionStack(props: Partial<ConstructorParameters<typeof UnderstudyFunction>[2]> = {}) {
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', {
    env: { account: '222222222222', region: 'eu-central-1' },
  });
  const fn = new UnderstudyFunction(stack, 'Ping', {
    entry: 'functions/handlers/ping.ts',
    description: 'test function',
    ...props,
  });
  return { stack, fn, template: Template.fromStack(stack) };
}

describe('Class: UnderstudyFunction', () => {
  describe('Method: constructor', () => {
    let template: Template;
    beforeAll(() => {
      template = functionStack().template;
    });

    it('expects the newest Node runtime, ARM64, X-Ray tracing and 256 MiB / 30 s by default', () => {
      expect(FUNCTION_RUNTIME.name).toBe('nodejs24.x');
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: 256,
        Timeout: 30,
        Handler: 'index.handler',
      });
    });

    it('expects source maps and Powertools settings in the environment by default', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: {
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: 'understudy',
            POWERTOOLS_METRICS_NAMESPACE: 'Understudy',
          },
        },
      });
    });

    it('expects an explicit log group with three months retention, retained by default', () => {
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: 90 },
        DeletionPolicy: 'Retain',
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^PingLogGroup') } },
      });
    });

    it('expects X-Ray permissions in a policy of their own', () => {
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyName: Match.stringLikeRegexp('^PingTracingPolicy'),
        PolicyDocument: {
          Statement: [
            {
              Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
              Effect: 'Allow',
              Resource: '*',
            },
          ],
        },
      });
    });

    it('expects no AWS managed policy and log writes to its own log group only', () => {
      template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              Effect: 'Allow',
              Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PingLogGroup'), 'Arn'] },
            },
          ]),
        },
      });
    });

    it('expects memory, timeout, retention and environment when configured', () => {
      // Act
      const { template: configured } = functionStack({
        memorySize: 1024,
        timeout: Duration.minutes(2),
        logRetention: logs.RetentionDays.ONE_WEEK,
        environment: { INVENTORY_TABLE_NAME: 'inv' },
        serviceName: 'understudy-forecast',
      });

      // Assert
      configured.hasResourceProperties('AWS::Lambda::Function', {
        MemorySize: 1024,
        Timeout: 120,
        Environment: {
          Variables: Match.objectLike({
            INVENTORY_TABLE_NAME: 'inv',
            POWERTOOLS_SERVICE_NAME: 'understudy-forecast',
          }),
        },
      });
      configured.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    });

    it('rejects an entry that is not a TypeScript file', () => {
      expect(() => functionStack({ entry: 'functions/handlers/ping.js' })).toThrow(
        /entry must be a \.ts handler file/,
      );
    });
  });

  describe('Method: addEnvironment', () => {
    it('sets a variable on the function', () => {
      // Arrange
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      const stack = new Stack(app, 'Env');
      const fn = new UnderstudyFunction(stack, 'Fn', {
        entry: 'functions/handlers/ping.ts',
        description: 'env',
      });

      // Act
      fn.addEnvironment('LEASE_TABLE', 'lease');

      // Assert
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ LEASE_TABLE: 'lease' }) },
      });
    });
  });
});

describe('Function: ping handler', () => {
  it('answers ok for an empty event', async () => {
    await expect(handler({})).resolves.toEqual({ ok: true, service: 'understudy' });
  });

  it('echoes a string when given one', async () => {
    await expect(handler({ echo: 'hello' })).resolves.toEqual({
      ok: true,
      service: 'understudy',
      echo: 'hello',
    });
  });

  it('rejects an unknown field naming it', async () => {
    await expect(handler({ echo: 1 })).rejects.toThrow(/invalid ping event: echo:/);
  });
});
