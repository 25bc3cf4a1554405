import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import {
  aslActions,
  aslPath,
  definitionFromAsl,
  iamActionOf,
  placeholdersOf,
} from '../../lib/statemachine';
import { testApp } from './support';

// Actions Step Functions itself needs for logging and tracing, not called by any ASL state.
const SERVICE_ACTIONS =
  /^(logs:(CreateLogDelivery|DeleteLogDelivery|DescribeLogGroups|DescribeResourcePolicies|GetLogDelivery|ListLogDeliveries|PutResourcePolicy|UpdateLogDelivery)|xray:(GetSamplingRules|GetSamplingTargets|PutTelemetryRecords|PutTraceSegments))$/;

describe('Function: placeholdersOf', () => {
  it('lists the placeholders of the health-probe workflow', () => {
    expect(placeholdersOf('health-probe')).toEqual(['MetricNamespace', 'ProbeFunctionArn']);
  });
});

describe('Function: definitionFromAsl', () => {
  it('names a placeholder that has no value', () => {
    expect(() => definitionFromAsl('health-probe', { MetricNamespace: 'X' })).toThrow(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL placeholder, not a template
      'statemachines/health-probe.asl.json: no value for ${ProbeFunctionArn}',
    );
  });

  it('names a substitution the file does not use', () => {
    expect(() =>
      definitionFromAsl('health-probe', {
        MetricNamespace: 'X',
        ProbeFunctionArn: 'arn',
        Extra: 'y',
      }),
    ).toThrow('not used by the file: Extra');
  });
});

describe('Function: iamActionOf', () => {
  it.each([
    ['arn:aws:states:::lambda:invoke', 'lambda:InvokeFunction'],
    ['arn:aws:states:::lambda:invoke.waitForTaskToken', 'lambda:InvokeFunction'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL placeholder, not a template
    ['${ProbeFunctionArn}', 'lambda:InvokeFunction'],
    ['arn:aws:states:::aws-sdk:cloudwatch:putMetricData', 'cloudwatch:PutMetricData'],
    ['arn:aws:states:::aws-sdk:ecs:registerTaskDefinition', 'ecs:RegisterTaskDefinition'],
    ['arn:aws:states:::aws-sdk:sfn:describeExecution', 'states:DescribeExecution'],
    ['arn:aws:states:::dynamodb:putItem', 'dynamodb:PutItem'],
    ['arn:aws:states:::states:startExecution.sync:2', 'states:StartExecution'],
  ])('maps %s to %s', (resource, action) => {
    expect(iamActionOf(resource)).toBe(action);
  });
});

describe('Class: HealthProbe workflow', () => {
  let template: Template;
  let built: ReturnType<typeof testApp>;
  beforeAll(() => {
    built = testApp();
    template = Template.fromStack(built.health);
  });

  it('expects every placeholder of the ASL substituted', () => {
    // Act
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0];
    const substitutions = machine?.Properties.DefinitionSubstitutions ?? {};

    // Assert
    expect(Object.keys(substitutions).sort()).toEqual(placeholdersOf('health-probe'));
    expect(substitutions.MetricNamespace).toBe('Understudy');
    expect(substitutions.ProbeFunctionArn).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^ProbeFunction/), 'Arn'],
    });
  });

  it('expects the deployed definition to be the ASL file unchanged (an S3 asset)', () => {
    // Arrange
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0];
    const key = String(machine?.Properties.DefinitionS3Location?.Key);
    const outdir = built.app.outdir;

    // Act
    const staged = fs.readFileSync(path.join(outdir, `asset.${key}`), 'utf8');

    // Assert
    expect(machine?.Properties.DefinitionString).toBeUndefined();
    expect(staged).toBe(fs.readFileSync(aslPath('health-probe'), 'utf8'));
  });

  it('expects every AWS action in the ASL granted to the workflow role, and nothing more', () => {
    // Arrange
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [{ Principal: { Service: 'states.amazonaws.com' } }],
        },
      },
    });
    const [roleId] = Object.keys(roles);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId),
    );

    // Act
    const granted = new Set(
      policies
        .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
        .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
        .filter((action) => !SERVICE_ACTIONS.test(action)),
    );

    // Assert
    expect([...granted].sort()).toEqual(aslActions('health-probe'));
    expect(aslActions('health-probe')).toEqual([
      'cloudwatch:PutMetricData',
      'lambda:InvokeFunction',
    ]);
  });

  it('expects the invoke grant scoped to the probe function', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string; Resource: unknown }[],
    );
    const invoke = statements.find((s) => s.Action === 'lambda:InvokeFunction');
    expect(JSON.stringify(invoke?.Resource)).toMatch(/ProbeFunction/);
    const metrics = statements.find((s) => s.Action === 'cloudwatch:PutMetricData');
    expect(metrics).toMatchObject({
      Condition: { StringEquals: { 'cloudwatch:namespace': 'Understudy' } },
    });
  });
});
