// Cross-account reads end to end against moto: the read-only role is assumed through STS, and
// the clients built on the assumed credentials act in the role's account (moto maps assumed
// credentials to the account in the role ARN, as AWS does).
import { CreateClusterCommand } from '@aws-sdk/client-ecs';
import { assumeRoleCredentials } from '../../functions/adapters/aws/assume-role';
import { EcsContainerPlatform } from '../../functions/adapters/aws/ecs-container-platform';
import {
  type AwsClients,
  awsClients,
  primaryReadClients,
  regionalStsClient,
} from '../../functions/shared/clients';
import { type MotoServer, startMoto } from '../support/moto-server';

const PRIMARY_ACCOUNT = '444455556666';
const ROLE = `arn:aws:iam::${PRIMARY_ACCOUNT}:role/understudy-read`;

let moto: MotoServer;
const opened: { destroy(): void }[] = [];

beforeAll(async () => {
  moto = await startMoto('eu-west-1');
}, 60_000);

afterAll(async () => {
  for (const client of opened) client.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
});

function track(clients: AwsClients): AwsClients {
  opened.push(...Object.values(clients));
  return clients;
}

describe('Function: assumeRoleCredentials (moto)', () => {
  it('returns temporary credentials for the role with an expiry', async () => {
    // Arrange
    const sts = regionalStsClient('eu-west-1', moto.clientConfig);
    opened.push(sts);
    const provider = assumeRoleCredentials(sts, {
      roleArn: ROLE,
      sessionName: 'understudy-test',
      durationSeconds: 900,
    });

    // Act
    const credentials = await provider();
    const again = await provider();

    // Assert
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    expect(credentials.sessionToken).not.toBe('');
    expect(credentials.expiration.getTime()).toBeGreaterThan(Date.now());
    expect(again).toBe(credentials);
  });
});

describe('Function: primaryReadClients (moto)', () => {
  it('reads the primary account through the assumed role', async () => {
    // Arrange: a cluster that exists only in the primary account.
    // The STS client carries the staging side's own (dummy) credentials, as the Lambda role would.
    const sts = regionalStsClient('eu-west-1', moto.clientConfig);
    opened.push(sts);
    const primary = track(
      primaryReadClients(ROLE, 'eu-west-1', { sts, overrides: { endpoint: moto.endpoint } }),
    );
    await primary.ecs.send(new CreateClusterCommand({ clusterName: 'prod' }));
    const staging = track(awsClients(moto.clientConfig));

    // Act
    const primaryClusters = await new EcsContainerPlatform(primary.ecs).listClusters();
    const stagingClusters = await new EcsContainerPlatform(staging.ecs).listClusters();

    // Assert
    expect(primaryClusters).toEqual(['prod']);
    expect(stagingClusters).toEqual([]);
  });
});
