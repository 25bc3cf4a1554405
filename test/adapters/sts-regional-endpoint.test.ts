// Kept apart from the client-mock tests: this one needs the real STSClient.send to run the
// middleware stack up to endpoint resolution (a mocked send would skip it).
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { regionalStsClient } from '../../functions/shared/clients';

const ROLE = 'arn:aws:iam::444455556666:role/understudy-read';

/** Sends AssumeRole and captures the host the request would go to, without sending it. */
async function hostFor(region: string): Promise<string> {
  const client = regionalStsClient(region, {
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
  });
  let host = '';
  client.middlewareStack.add(
    () => async (args) => {
      host = (args.request as { hostname: string }).hostname;
      throw new Error('captured');
    },
    { step: 'build', name: 'captureHost' },
  );
  await expect(
    client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 's' })),
  ).rejects.toThrow('captured');
  return host;
}

describe('Function: regionalStsClient', () => {
  it.each([
    ['eu-west-1', 'sts.eu-west-1.amazonaws.com'],
    ['us-east-1', 'sts.us-east-1.amazonaws.com'],
  ])(
    'sends %s requests to the regional endpoint %s, never the global one',
    async (region, host) => {
      // Act
      const captured = await hostFor(region);

      // Assert
      expect(captured).toBe(host);
    },
  );
});
