// The forecaster's synthesized environment, handed to the real handler wiring: every variable
// parses, and the staging clients (forecast copy, clone pipeline start) authenticate as the
// writer role through the staging region's STS, while the primary client keeps its own role.
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { Template } from 'aws-cdk-lib/assertions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { FORECAST_ENV, productionDependencies } from '../../functions/handlers/forecast';
import { EnvironmentError } from '../../functions/shared/env';
import { testApp } from './support';

/** A client's resolved region and credentials provider (SDK v3 resolved config). */
interface ResolvedClient {
  readonly config: {
    region: () => Promise<string>;
    credentials: () => Promise<{ accessKeyId: string }>;
  };
}

const sts = mockClient(STSClient);

/**
 * The forecast function's environment as synthesized, CloudFormation references replaced by a
 * name (they resolve at deploy time), and a clone state machine ARN when the clone pipeline is
 * not part of this build.
 */
function synthesizedEnvironment(): Record<string, string> {
  const built = testApp();
  const forecaster = built.observer.forecaster;
  if (!forecaster) throw new Error('no forecaster');
  const id = built.observer.getLogicalId(
    forecaster.function.function.node.defaultChild as lambda.CfnFunction,
  );
  const variables: Record<string, unknown> = Template.fromStack(built.observer).toJSON().Resources[
    id
  ].Properties.Environment.Variables;
  const env = Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : 'resolved-at-deploy',
    ]),
  );
  env[FORECAST_ENV.pipelineArn] ??=
    'arn:aws:states:eu-central-1:222222222222:stateMachine:clonevalidatestore';
  return env;
}

describe('Function: productionDependencies', () => {
  let env: Record<string, string>;
  beforeAll(() => {
    env = synthesizedEnvironment();
  });
  beforeEach(() => {
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAWRITER',
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: new Date(Date.now() + 3_600_000),
      },
    });
  });
  afterEach(() => {
    sts.reset();
  });

  it('builds every dependency from the synthesized environment', () => {
    // Act
    const deps = productionDependencies(env);

    // Assert
    expect(deps.config.services.map((s) => `${s.ref.cluster}/${s.ref.service}`)).toEqual([
      'shop/web',
      'shop/api',
      'shop/worker',
    ]);
    expect(deps.stagingForecasts).toBeDefined();
    expect(deps.config.horizon).toBe(24);
  });

  it('writes the staging copy as the writer role, assumed through the staging region STS', async () => {
    // Arrange
    const deps = productionDependencies(env);
    const client = (deps.stagingForecasts as unknown as { client: ResolvedClient }).client;

    // Act
    const credentials = await client.config.credentials();

    // Assert
    expect(credentials.accessKeyId).toBe('ASIAWRITER');
    expect(await client.config.region()).toBe('eu-central-1');
    const calls = sts.commandCalls(AssumeRoleCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({
        RoleArn: env[FORECAST_ENV.stagingWriterRoleArn],
        RoleSessionName: 'understudy-forecast',
      }),
    ]);
    const stsClient = calls[0]?.thisValue as unknown as ResolvedClient;
    expect(await stsClient.config.region()).toBe('eu-central-1');
  });

  it('starts the clone pipeline as the same writer role session', async () => {
    // Arrange
    const deps = productionDependencies(env);
    const staging = (deps.stagingForecasts as unknown as { client: ResolvedClient }).client;
    const pipeline = (deps.pipeline as unknown as { client: ResolvedClient }).client;

    // Act
    await staging.config.credentials();
    const credentials = await pipeline.config.credentials();

    // Assert: one AssumeRole serves both clients.
    expect(credentials.accessKeyId).toBe('ASIAWRITER');
    expect(await pipeline.config.region()).toBe('eu-central-1');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('names STAGING_WRITER_ROLE_ARN when it is not a role ARN', () => {
    // Arrange
    const bad = { ...env, [FORECAST_ENV.stagingWriterRoleArn]: 'writer' };

    // Act
    const act = () => productionDependencies(bad);

    // Assert
    expect(act).toThrow(EnvironmentError);
    expect(act).toThrow(/STAGING_WRITER_ROLE_ARN/);
  });
});
