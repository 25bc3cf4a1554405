import { App, PhysicalName, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FORECAST_ENV, ForecastConfigSchema } from '../../functions/handlers/forecast';
import { FORECAST_TABLE } from '../../functions/shared/tables';
import { ConfigError, loadConfig } from '../../lib/config';
import {
  FORECAST_COPY_KEY_ACTIONS,
  FORECAST_COPY_TABLE_ACTIONS,
  ForecastCopyWriter,
} from '../../lib/constructs/forecast-copy-writer';
import {
  CONFIG_FILE_PATH,
  FORECASTER_ENV,
  FORECASTER_MEMORY_MIB,
  forecastCycleDocument,
  INLINE_CONFIG_LIMIT_BYTES,
} from '../../lib/constructs/forecaster';
import { UnderstudyTable } from '../../lib/constructs/understudy-table';
import { CDK_CONTEXT, sampleConfig, testApp } from './support';

type Statement = {
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
  Effect: string;
  Sid?: string;
};

/** Logical id of `role` in its stack. */
function logicalIdOf(role: iam.Role): string {
  return Stack.of(role).getLogicalId(role.node.defaultChild as iam.CfnRole);
}

/** Every statement of every identity policy attached to `role`. */
function statementsOf(role: iam.Role): Statement[] {
  const template = Template.fromStack(Stack.of(role));
  const id = logicalIdOf(role);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) =>
      (p.Properties.Roles as unknown[]).some(
        (r) => JSON.stringify(r) === JSON.stringify({ Ref: id }),
      ),
    )
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** Sorted actions of `statements`. */
function actionsOf(statements: readonly Statement[]): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
}

/** The forecast function's resource properties in the observer template. */
function forecastFunction(built: ReturnType<typeof testApp>): Record<string, unknown> {
  const forecaster = built.observer.forecaster;
  if (!forecaster) throw new Error('no forecaster');
  const id = built.observer.getLogicalId(
    forecaster.function.function.node.defaultChild as lambda.CfnFunction,
  );
  return Template.fromStack(built.observer).toJSON().Resources[id].Properties;
}

/** The forecast function's environment variables. */
function environmentOf(built: ReturnType<typeof testApp>): Record<string, unknown> {
  return (forecastFunction(built).Environment as { Variables: Record<string, unknown> }).Variables;
}

/**
 * The staging stack's clone-validate-store state machine, when the clone pipeline is built
 * (it is absent while its configuration cannot drive it).
 */
function cloneStateMachineOf(stack: Stack): sfn.IStateMachine | undefined {
  return (stack as Stack & { cloneStateMachine?: sfn.IStateMachine }).cloneStateMachine;
}

/** cdk-nag findings under `path`, acknowledgements applied. */
function violationsUnder(stack: Stack, path: string): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) =>
    v.violatingResources
      .filter((r) => (r.constructPath ?? '').startsWith(path))
      .map((r) => `${v.ruleName} at ${r.constructPath}`),
  );
}

/** The sample configuration with enough known events to pass the inline limit. */
function withManyEvents(): ReturnType<typeof sampleConfig> {
  const events = Array.from({ length: 40 }, (_, i) => ({
    name: `weekly batch window ${i}`,
    start: new Date(Date.UTC(2026, 0, 1 + 7 * i, 2)).toISOString(),
    end: new Date(Date.UTC(2026, 0, 1 + 7 * i, 5)).toISOString(),
    multiplier: 1.4,
    services: ['shop/worker'],
  }));
  return { ...sampleConfig(), forecast: { events } };
}

describe('Class: Forecaster', () => {
  let built: ReturnType<typeof testApp>;
  let observer: Template;
  let staging: Template;
  beforeAll(() => {
    built = testApp();
    observer = Template.fromStack(built.observer);
    staging = Template.fromStack(built.staging);
  });

  describe('Method: schedule', () => {
    it('expects the schedule expression from config.forecast.schedule by default', () => {
      // Arrange
      const functionId = built.observer.getLogicalId(
        built.observer.forecaster?.function.function.node.defaultChild as lambda.CfnFunction,
      );

      // Assert
      observer.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: built.config.forecast.schedule,
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId, 'Arn'] } })],
      });
      observer.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
      });
    });

    it('expects a cron schedule when configured', () => {
      // Arrange
      const config = sampleConfig();
      const other = testApp({ ...config, forecast: { schedule: 'cron(5 * * * ? *)' } });

      // Assert
      Template.fromStack(other.observer).hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'cron(5 * * * ? *)',
      });
    });
  });

  describe('Method: function', () => {
    it('expects Node 24 on ARM64, 1769 MB, 15 minutes and one cycle at a time by default', () => {
      expect(forecastFunction(built)).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: FORECASTER_MEMORY_MIB,
        Timeout: 900,
        ReservedConcurrentExecutions: 1,
        TracingConfig: { Mode: 'Active' },
      });
      expect(FORECASTER_MEMORY_MIB).toBe(1769);
    });

    it('expects the memory from config.forecast.memoryMiB when configured', () => {
      // Arrange
      const config = sampleConfig();

      // Act
      const other = testApp({ ...config, forecast: { memoryMiB: 2048 } });

      // Assert
      expect(forecastFunction(other).MemorySize).toBe(2048);
    });
  });

  describe('Method: environment', () => {
    it('expects the construct to name the same variables as the handler', () => {
      expect(FORECASTER_ENV).toEqual(FORECAST_ENV);
    });

    it('expects every variable the handler reads set, the configuration inline', () => {
      // Act
      const env = environmentOf(built);

      // Assert
      const hasPipeline = cloneStateMachineOf(built.staging) !== undefined;
      const required = Object.values(FORECAST_ENV).filter(
        (name) =>
          name !== FORECAST_ENV.configFile && (hasPipeline || name !== FORECAST_ENV.pipelineArn),
      );
      for (const name of required) expect({ name, set: name in env }).toEqual({ name, set: true });
      expect(env).not.toHaveProperty(FORECAST_ENV.configFile);
      expect(FORECAST_ENV.pipelineArn in env).toBe(hasPipeline);
    });

    it('expects the staging region, table, writer role and clone state machine as literals', () => {
      // Arrange
      const writer = built.staging.forecastCopyWriter;
      const writerRoleName =
        staging.toJSON().Resources[logicalIdOf(writer?.role as iam.Role)].Properties.RoleName;
      const tableName =
        staging.toJSON().Resources[
          built.staging.getLogicalId(built.staging.forecastTable.table.node.defaultChild as never)
        ].Properties.TableName;

      // Act
      const env = environmentOf(built);

      // Assert: no cross-stack export or lookup across accounts.
      expect(env).toMatchObject({
        STAGING_REGION: 'eu-central-1',
        STAGING_FORECAST_TABLE_NAME: tableName,
        STAGING_WRITER_ROLE_ARN: `arn:aws:iam::222222222222:role/${writerRoleName}`,
        ...(cloneStateMachineOf(built.staging)
          ? {
              PIPELINE_STATE_MACHINE_ARN: expect.stringMatching(
                /^arn:aws:states:eu-central-1:222222222222:stateMachine:[a-z0-9]+$/,
              ),
            }
          : {}),
        FORECAST_TABLE_NAME: { Ref: expect.stringMatching(/^ForecastsTable/) },
        POWERTOOLS_SERVICE_NAME: 'understudy-forecast',
      });
    });

    it('expects FORECAST_CONFIG accepted by the handler schema and matching the configuration', () => {
      // Act
      const parsed = ForecastConfigSchema.parse(
        JSON.parse(String(environmentOf(built)[FORECAST_ENV.config])),
      );

      // Assert
      expect(parsed).toMatchObject({
        services: [
          { cluster: 'shop', service: 'web', targetGroup: 'targetgroup/shop-web/0123456789abcdef' },
          { cluster: 'shop', service: 'api' },
          {
            cluster: 'shop',
            service: 'worker',
            queueName: 'shop-jobs',
            thresholds: { queueDepth: 1000 },
          },
        ],
        thresholds: { cpu: 70, memory: 80 },
        triggerProbability: 0.3,
        intervalSeconds: 3600,
        historySteps: 28 * 24,
        horizon: 24,
        quantiles: built.config.forecast.quantiles,
        events: [],
      });
    });

    it('expects the configuration in a layer file when it is too large for the environment', () => {
      // Act
      const other = testApp(withManyEvents());
      const env = environmentOf(other);

      // Assert
      expect(JSON.stringify(forecastCycleDocument(other.config)).length).toBeGreaterThan(
        INLINE_CONFIG_LIMIT_BYTES,
      );
      expect(env[FORECAST_ENV.configFile]).toBe(CONFIG_FILE_PATH);
      expect(env).not.toHaveProperty(FORECAST_ENV.config);
      expect(forecastFunction(other).Layers).toEqual([
        { Ref: expect.stringMatching(/ConfigLayer/) },
      ]);
      Template.fromStack(other.observer).hasResourceProperties('AWS::Lambda::LayerVersion', {
        CompatibleArchitectures: ['arm64'],
        CompatibleRuntimes: ['nodejs24.x'],
      });
    });
  });

  describe('Method: grants', () => {
    it('expects exactly metrics read, its own logs, the forecasts table, X-Ray and assuming the writer role', () => {
      // Arrange
      const role = built.observer.forecaster?.role as iam.Role;

      // Act
      const actions = actionsOf(statementsOf(role));

      // Assert
      expect(actions).toEqual(
        [
          'cloudwatch:GetMetricData',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
          'kms:Decrypt',
          'kms:DescribeKey',
          'kms:Encrypt',
          'kms:GenerateDataKey*',
          'kms:ReEncrypt*',
          'sts:AssumeRole',
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
        ].sort(),
      );
      // EMF metrics are log lines: no PutMetricData.
      expect(actions).not.toContain('cloudwatch:PutMetricData');
    });

    it('expects each grant scoped to its resource', () => {
      // Arrange
      const role = built.observer.forecaster?.role as iam.Role;
      const byAction = (action: string) =>
        statementsOf(role).filter((s) => actionsOf([s]).includes(action));
      const tableId = built.observer.getLogicalId(
        built.observer.forecastTable.table.node.defaultChild as never,
      );
      const keyId = built.observer.getLogicalId(built.observer.key.node.defaultChild as never);

      // Assert
      expect(byAction('cloudwatch:GetMetricData')).toEqual([
        {
          Action: 'cloudwatch:GetMetricData',
          Effect: 'Allow',
          Resource: '*',
          Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
        },
      ]);
      expect(byAction('dynamodb:PutItem').map((s) => s.Resource)).toEqual([
        { 'Fn::GetAtt': [tableId, 'Arn'] },
      ]);
      expect(byAction('kms:Encrypt').map((s) => s.Resource)).toEqual([
        { 'Fn::GetAtt': [keyId, 'Arn'] },
      ]);
      expect(byAction('sts:AssumeRole')).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Resource: environmentOf(built)[FORECAST_ENV.stagingWriterRoleArn],
        },
      ]);
    });
  });

  describe('Method: tables', () => {
    it.each([
      ['primary', () => observer],
      ['staging', () => staging],
    ])(
      'expects the TTL attribute of FORECAST_TABLE on the %s forecasts table',
      (_name, template) => {
        template().hasResourceProperties('AWS::DynamoDB::Table', {
          TimeToLiveSpecification: {
            AttributeName: FORECAST_TABLE.timeToLiveAttribute,
            Enabled: true,
          },
          KeySchema: [
            { AttributeName: FORECAST_TABLE.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: FORECAST_TABLE.sortKey?.name, KeyType: 'RANGE' },
          ],
        });
        expect(FORECAST_TABLE.timeToLiveAttribute).toBe('expiresAt');
      },
    );
  });

  describe('Method: services by tag', () => {
    it('expects no forecaster, no writer role and a warning when services are found by tag', () => {
      // Arrange
      const { services: _listed, ...config } = sampleConfig();

      // Act
      const other = testApp({
        ...config,
        serviceSelector: { tagKey: 'understudy', tagValue: 'on' },
      });

      // Assert
      expect(other.observer.forecaster).toBeUndefined();
      expect(other.staging.forecastCopyWriter).toBeUndefined();
      const rules = Template.fromStack(other.observer).findResources('AWS::Events::Rule', {
        Properties: { Description: 'Runs the Understudy forecast cycle' },
      });
      expect(rules).toEqual({});
      Annotations.fromStack(other.observer).hasWarning(
        '*',
        Match.stringLikeRegexp('No forecaster is deployed'),
      );
    });
  });

  describe('Method: cdk-nag', () => {
    it('expects no unacknowledged finding on the forecaster or the writer role', () => {
      expect([
        ...violationsUnder(built.observer, 'UnderstudyObserver/Forecaster'),
        ...violationsUnder(built.staging, 'UnderstudyStaging/ForecastCopyWriter'),
      ]).toEqual([]);
    });

    it('expects no unacknowledged finding when the configuration ships in a layer', () => {
      // Act
      const other = testApp(withManyEvents());

      // Assert
      expect(violationsUnder(other.observer, 'UnderstudyObserver/Forecaster')).toEqual([]);
    });
  });
});

describe('Class: ForecastCopyWriter', () => {
  let built: ReturnType<typeof testApp>;
  beforeAll(() => {
    built = testApp();
  });

  describe('Method: trust', () => {
    it('expects the role assumable by the forecaster role only', () => {
      // Arrange
      const writer = built.staging.forecastCopyWriter;
      const staging = Template.fromStack(built.staging).toJSON();
      const observer = Template.fromStack(built.observer).toJSON();
      const forecasterRoleName =
        observer.Resources[logicalIdOf(built.observer.forecaster?.role as iam.Role)].Properties
          .RoleName;

      // Act
      const trust =
        staging.Resources[logicalIdOf(writer?.role as iam.Role)].Properties.AssumeRolePolicyDocument
          .Statement;

      // Assert
      expect(forecasterRoleName).toMatch(/^[a-z0-9]+$/);
      expect(trust).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111111111111:root' },
          Condition: {
            ArnEquals: {
              'aws:PrincipalArn': [`arn:aws:iam::111111111111:role/${forecasterRoleName}`],
            },
          },
        },
      ]);
    });

    it('expects the organization condition when organizationId is configured', () => {
      // Arrange
      const other = testApp({ ...sampleConfig(), organizationId: 'o-abcd123456' });

      // Assert
      Template.fromStack(other.staging).hasResourceProperties('AWS::IAM::Role', {
        Description: Match.stringLikeRegexp('^Understudy forecaster'),
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

    it('fails synth while no role is trusted', () => {
      // Arrange
      const stack = new Stack(new App({ context: CDK_CONTEXT }), 'Alone', {
        env: { account: '222222222222', region: 'eu-central-1' },
      });
      const key = new kms.Key(stack, 'Key');

      // Act
      new ForecastCopyWriter(stack, 'Writer', {
        forecastTable: new UnderstudyTable(stack, 'Forecasts', {
          definition: FORECAST_TABLE,
          encryptionKey: key,
        }),
        encryptionKey: key,
        trustedAccount: '111111111111',
      });

      // Assert
      expect(() => Template.fromStack(stack)).toThrow(/no role may assume it; call trust\(role\)/);
    });
  });

  describe('Method: permissions', () => {
    it('expects only PutItem on the staging forecasts table, its key and StartExecution on the clone state machine', () => {
      // Arrange
      const writer = built.staging.forecastCopyWriter;
      const s = built.staging;
      const ref = (c: { node: { defaultChild?: unknown } }) =>
        s.getLogicalId(c.node.defaultChild as never);
      const stateMachine = cloneStateMachineOf(s);

      // Act
      const statements = statementsOf(writer?.role as iam.Role);

      // Assert
      expect(statements).toEqual([
        {
          Sid: 'CopyForecasts',
          Action: FORECAST_COPY_TABLE_ACTIONS[0],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [ref(s.forecastTable.table), 'Arn'] },
        },
        {
          Sid: 'EncryptForecasts',
          Action: [...FORECAST_COPY_KEY_ACTIONS],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [ref(s.key), 'Arn'] },
        },
        ...(stateMachine
          ? [
              {
                Action: 'states:StartExecution',
                Effect: 'Allow',
                Resource: { Ref: ref(stateMachine) },
              },
            ]
          : []),
      ]);
    });

    it('expects StartExecution on exactly the clone state machine it is given', () => {
      // Arrange
      const stack = new Stack(new App({ context: CDK_CONTEXT }), 'Alone', {
        env: { account: '222222222222', region: 'eu-central-1' },
      });
      const key = new kms.Key(stack, 'Key');
      const machine = new sfn.StateMachine(stack, 'Clone', {
        stateMachineName: PhysicalName.GENERATE_IF_NEEDED,
        definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')),
      });

      // Act
      const writer = new ForecastCopyWriter(stack, 'Writer', {
        forecastTable: new UnderstudyTable(stack, 'Forecasts', {
          definition: FORECAST_TABLE,
          encryptionKey: key,
        }),
        encryptionKey: key,
        trustedAccount: '111111111111',
        cloneStateMachine: machine,
      });
      writer.trust({ roleArn: 'arn:aws:iam::111111111111:role/forecaster' } as iam.IRole);

      // Assert
      const starts = statementsOf(writer.role).filter((st) =>
        actionsOf([st]).some((a) => a.startsWith('states:')),
      );
      expect(starts).toEqual([
        {
          Action: 'states:StartExecution',
          Effect: 'Allow',
          Resource: { Ref: stack.getLogicalId(machine.node.defaultChild as sfn.CfnStateMachine) },
        },
      ]);
      expect(writer.target.cloneStateMachineArn).toBe(machine.stateMachineArn);
    });

    it('expects no StartExecution and no state machine variable without a clone state machine', () => {
      // Arrange
      const stack = new Stack(new App({ context: CDK_CONTEXT }), 'Alone', {
        env: { account: '222222222222', region: 'eu-central-1' },
      });
      const key = new kms.Key(stack, 'Key');
      const writer = new ForecastCopyWriter(stack, 'Writer', {
        forecastTable: new UnderstudyTable(stack, 'Forecasts', {
          definition: FORECAST_TABLE,
          encryptionKey: key,
        }),
        encryptionKey: key,
        trustedAccount: '111111111111',
      });
      writer.trust({ roleArn: 'arn:aws:iam::111111111111:role/forecaster' } as iam.IRole);

      // Act
      const actions = actionsOf(statementsOf(writer.role));

      // Assert
      expect(actions).toEqual(
        [...FORECAST_COPY_KEY_ACTIONS, ...FORECAST_COPY_TABLE_ACTIONS].sort(),
      );
      expect(writer.target).not.toHaveProperty('cloneStateMachineArn');
    });

    it('refuses a second clone state machine', () => {
      // Arrange
      const stack = new Stack(new App({ context: CDK_CONTEXT }), 'Alone', {
        env: { account: '222222222222', region: 'eu-central-1' },
      });
      const key = new kms.Key(stack, 'Key');
      const machine = (id: string) =>
        new sfn.StateMachine(stack, id, {
          definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, `${id}Pass`)),
        });
      const writer = new ForecastCopyWriter(stack, 'Writer', {
        forecastTable: new UnderstudyTable(stack, 'Forecasts', {
          definition: FORECAST_TABLE,
          encryptionKey: key,
        }),
        encryptionKey: key,
        trustedAccount: '111111111111',
        cloneStateMachine: machine('One'),
      });

      // Act
      const act = () => writer.allowStartExecution(machine('Two'));

      // Assert
      expect(act).toThrow(/a clone state machine is already set/);
    });
  });
});

describe('Function: forecastCycleDocument', () => {
  it('converts days and hours into steps of the configured interval', () => {
    // Arrange
    const config = loadConfig({
      ...sampleConfig(),
      forecast: { intervalMinutes: 15, horizonHours: 6, historyDays: 7 },
    });

    // Act
    const document = forecastCycleDocument(config);

    // Assert
    expect(document).toMatchObject({ intervalSeconds: 900, horizon: 24, historySteps: 7 * 96 });
  });

  it('passes configured events through, validated', () => {
    // Arrange
    const event = {
      name: 'spring sale',
      start: '2026-03-01T08:00:00Z',
      end: '2026-03-01T20:00:00Z',
      multiplier: 1.8,
      services: ['shop/web'],
    };
    const config = loadConfig({ ...sampleConfig(), forecast: { events: [event] } });

    // Act
    const document = ForecastConfigSchema.parse(forecastCycleDocument(config));

    // Assert
    expect(document.events).toEqual([event]);
  });

  it('fails the configuration, naming forecast.events, when an event is invalid', () => {
    // Arrange
    const event = { name: 'sale', start: '2026-03-01T08:00:00Z', end: 'tomorrow', multiplier: 0 };

    // Act
    const act = () => loadConfig({ ...sampleConfig(), forecast: { events: [event] } });

    // Assert
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(/understudy\.forecast\.events: 0\.end: must be ISO-8601/);
    expect(act).toThrow(/0\.multiplier: must be > 0/);
  });

  it('refuses a configuration that finds services by tag', () => {
    // Arrange
    const { services: _listed, ...rest } = sampleConfig();
    const config = loadConfig({ ...rest, serviceSelector: { tagKey: 'a', tagValue: 'b' } });

    // Act
    const act = () => forecastCycleDocument(config);

    // Assert
    expect(act).toThrow(/needs "services" listed/);
  });
});
