// The Step Functions pipeline starter against moto: the real StartExecution protocol and
// moto's real ExecutionAlreadyExists response (which a client mock can only imitate). moto's
// execution of a state machine is not reliable, so only the start is checked here.
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { SfnPipelineStarter } from '../../functions/adapters/aws/sfn-pipeline-starter';
import { type MotoServer, startMoto } from '../support/moto-server';

let moto: MotoServer;
let client: SFNClient;

beforeAll(async () => {
  moto = await startMoto('eu-west-1');
  client = new SFNClient(moto.clientConfig);
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
});

async function stateMachine(): Promise<string> {
  const created = await client.send(
    new CreateStateMachineCommand({
      name: 'CloneValidateStore',
      roleArn: 'arn:aws:iam::123456789012:role/understudy-clone',
      definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
    }),
  );
  return created.stateMachineArn ?? '';
}

describe('Class: SfnPipelineStarter (moto)', () => {
  describe('Method: start', () => {
    it('starts one execution per name, whatever the number of retries', async () => {
      // Arrange
      const arn = await stateMachine();
      const starter = new SfnPipelineStarter({ stateMachineArn: arn, client });
      const name = `fc-prod-web-${'0123456789abcdef'.repeat(2)}`;
      const input = { service: 'prod/web', decisionId: 'abc' };

      // Act
      const first = await starter.start(name, input);
      const retry = await starter.start(name, input);

      // Assert
      expect(first.alreadyStarted).toBe(false);
      expect(first.executionArn).toBe(
        arn.replace(':stateMachine:', ':execution:').concat(`:${name}`),
      );
      expect(retry.executionArn).toBe(first.executionArn);
      const described = await client.send(
        new DescribeExecutionCommand({ executionArn: first.executionArn }),
      );
      expect(JSON.parse(described.input ?? '{}')).toEqual(input);
    });

    it('reports a retry with another input as already started', async () => {
      // Arrange
      const arn = await stateMachine();
      const starter = new SfnPipelineStarter({ stateMachineArn: arn, client });
      const name = `fc-prod-api-${'f'.repeat(32)}`;
      await starter.start(name, { attempt: 1 });

      // Act
      const retry = await starter.start(name, { attempt: 2 });

      // Assert
      expect(retry.alreadyStarted).toBe(true);
    });
  });
});
