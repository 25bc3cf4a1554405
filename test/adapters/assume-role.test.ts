import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { assumeRoleCredentials } from '../../functions/adapters/aws/assume-role';
import { AccessDeniedError } from '../../functions/core/errors';
import { primaryReadClients, SDK_RETRY } from '../../functions/shared/clients';
import { awsError } from './support/aws-error';

const sts = mockClient(STSClient);
const ROLE = 'arn:aws:iam::444455556666:role/understudy-read';
const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

function grant(expiresAt: number, key = 'ASIA1') {
  return {
    Credentials: {
      AccessKeyId: key,
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: new Date(expiresAt),
    },
  };
}

afterEach(() => {
  sts.reset();
});

describe('Function: assumeRoleCredentials', () => {
  it('assumes the role with a session name and duration', async () => {
    // Arrange
    sts.on(AssumeRoleCommand).resolves(grant(T0 + 3_600_000));
    const provider = assumeRoleCredentials(new STSClient({}), {
      roleArn: ROLE,
      sessionName: 'understudy-clone',
      durationSeconds: 1800,
      clock: { now: () => T0 },
    });

    // Act
    const credentials = await provider();

    // Assert
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: ROLE,
      RoleSessionName: 'understudy-clone',
      DurationSeconds: 1800,
    });
    expect(credentials).toEqual({
      accessKeyId: 'ASIA1',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiration: new Date(T0 + 3_600_000),
    });
  });

  it('serves cached credentials, with one STS call for concurrent callers', async () => {
    // Arrange
    sts.on(AssumeRoleCommand).resolves(grant(T0 + 3_600_000));
    const provider = assumeRoleCredentials(new STSClient({}), {
      roleArn: ROLE,
      clock: { now: () => T0 },
    });

    // Act
    const [a, b] = await Promise.all([provider(), provider()]);
    const c = await provider();

    // Assert
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(a).toBe(b);
    expect(c).toBe(a);
  });

  it('refreshes before expiry (default margin 5 minutes)', async () => {
    // Arrange
    let now = T0;
    sts
      .on(AssumeRoleCommand)
      .resolvesOnce(grant(T0 + 3_600_000, 'ASIA1'))
      .resolvesOnce(grant(T0 + 7_200_000, 'ASIA2'));
    const provider = assumeRoleCredentials(new STSClient({}), {
      roleArn: ROLE,
      clock: { now: () => now },
    });
    await provider();

    // Act
    now = T0 + 3_600_000 - 300_001;
    const stillCached = await provider();
    now = T0 + 3_600_000 - 299_999;
    const refreshed = await provider();

    // Assert
    expect(stillCached.accessKeyId).toBe('ASIA1');
    expect(refreshed.accessKeyId).toBe('ASIA2');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  it('does not cache a failure and translates AccessDenied', async () => {
    // Arrange
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(awsError('AccessDenied', 'not authorized to perform sts:AssumeRole', 403))
      .resolves(grant(T0 + 3_600_000));
    const provider = assumeRoleCredentials(new STSClient({}), {
      roleArn: ROLE,
      clock: { now: () => T0 },
    });

    // Act / Assert
    await expect(provider()).rejects.toThrow(AccessDeniedError);
    await expect(provider()).resolves.toMatchObject({ accessKeyId: 'ASIA1' });
  });
});

describe('Function: primaryReadClients', () => {
  it('builds primary-region clients sharing one cached assumed-role provider', async () => {
    // Arrange
    sts.on(AssumeRoleCommand).resolves(grant(Date.now() + 3_600_000));

    // Act
    const clients = primaryReadClients(ROLE, 'eu-central-1', { sts: new STSClient({}) });
    const fromEcs = await clients.ecs.config.credentials();
    const fromEc2 = await clients.ec2.config.credentials();
    const fromCloudWatch = await clients.cloudwatch.config.credentials();

    // Assert
    expect(await clients.ecs.config.region()).toBe('eu-central-1');
    expect(await clients.ecr.config.region()).toBe('eu-central-1');
    expect(fromEcs.accessKeyId).toBe('ASIA1');
    expect(fromEc2.accessKeyId).toBe('ASIA1');
    expect(fromCloudWatch.accessKeyId).toBe('ASIA1');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(primaryReadClients(ROLE, 'eu-central-1')).toBe(clients);
  });

  it('keeps clients with different settings apart (a single-attempt probe vs retrying readers)', async () => {
    // Act
    const probe = primaryReadClients(ROLE, 'sa-east-1', {
      sts: new STSClient({}),
      sessionName: 'understudy-health-probe',
      overrides: { maxAttempts: 1 },
    });
    const reader = primaryReadClients(ROLE, 'sa-east-1', { sts: new STSClient({}) });

    // Assert
    expect(reader).not.toBe(probe);
    expect(await probe.ecs.config.maxAttempts()).toBe(1);
    expect(await reader.ecs.config.maxAttempts()).toBe(SDK_RETRY.maxAttempts);
  });

  it('configures standard retries with jitter on every client', async () => {
    // Act
    const clients = primaryReadClients(ROLE, 'ap-southeast-2', { sts: new STSClient({}) });

    // Assert
    expect(SDK_RETRY.retryMode).toBe('standard');
    expect(await clients.ecs.config.maxAttempts()).toBe(SDK_RETRY.maxAttempts);
    const strategy = (await clients.cloudwatch.config.retryStrategy()) as { mode?: string };
    expect(strategy.mode).toBe('standard');
  });
});
