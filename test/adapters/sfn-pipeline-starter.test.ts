import {
  ExecutionAlreadyExists,
  InvalidName,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import {
  executionArnOf,
  SfnPipelineStarter,
} from '../../functions/adapters/aws/sfn-pipeline-starter';
import { AccessDeniedError, ThrottlingError, ValidationError } from '../../functions/core/errors';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:CloneValidateStore';
const NAME = `fc-prod-web-${'a'.repeat(32)}`;
const EXECUTION = `arn:aws:states:eu-west-1:123456789012:execution:CloneValidateStore:${NAME}`;

function sdkError(name: string, status: number, fault: 'client' | 'server' = 'client') {
  return new SFNServiceException({
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status },
    message: `${name} happened`,
  });
}

describe('Class: SfnPipelineStarter', () => {
  const sfn = mockClient(SFNClient);

  afterEach(() => {
    sfn.reset();
  });

  describe('Method: start', () => {
    it('starts an execution with the decision name and the input as JSON', async () => {
      // Arrange
      sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });
      const starter = new SfnPipelineStarter({
        stateMachineArn: STATE_MACHINE,
        client: new SFNClient({ region: 'eu-west-1' }),
      });

      // Act
      const result = await starter.start(NAME, { service: 'prod/web', decisionId: 'abc' });

      // Assert
      expect(result).toEqual({ executionArn: EXECUTION, alreadyStarted: false });
      expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
      expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
        stateMachineArn: STATE_MACHINE,
        name: NAME,
        input: '{"service":"prod/web","decisionId":"abc"}',
      });
    });

    it('reports alreadyStarted when the name was used before (a retried Lambda)', async () => {
      // Arrange
      sfn
        .on(StartExecutionCommand)
        .rejects(
          new ExecutionAlreadyExists({ $metadata: { httpStatusCode: 400 }, message: 'exists' }),
        );
      const starter = new SfnPipelineStarter({
        stateMachineArn: STATE_MACHINE,
        client: new SFNClient({ region: 'eu-west-1' }),
      });

      // Act
      const result = await starter.start(NAME, { service: 'prod/web' });

      // Assert
      expect(result).toEqual({ executionArn: EXECUTION, alreadyStarted: true });
    });

    it('is idempotent across two calls with the same name', async () => {
      // Arrange: the first call starts, the second finds it (as Step Functions behaves).
      sfn
        .on(StartExecutionCommand)
        .resolvesOnce({ executionArn: EXECUTION, startDate: new Date() })
        .rejects(new ExecutionAlreadyExists({ $metadata: { httpStatusCode: 400 }, message: 'x' }));
      const starter = new SfnPipelineStarter({
        stateMachineArn: STATE_MACHINE,
        client: new SFNClient({ region: 'eu-west-1' }),
      });

      // Act
      const first = await starter.start(NAME, {});
      const second = await starter.start(NAME, {});

      // Assert
      expect(first.alreadyStarted).toBe(false);
      expect(second).toEqual({ executionArn: first.executionArn, alreadyStarted: true });
    });

    it('translates throttling and access denied into typed errors', async () => {
      // Arrange
      const starter = new SfnPipelineStarter({
        stateMachineArn: STATE_MACHINE,
        client: new SFNClient({ region: 'eu-west-1', maxAttempts: 1 }),
      });
      sfn
        .on(StartExecutionCommand)
        .rejectsOnce(sdkError('ThrottlingException', 400))
        .rejectsOnce(sdkError('AccessDeniedException', 403));

      // Act + Assert
      await expect(starter.start(NAME, {})).rejects.toBeInstanceOf(ThrottlingError);
      await expect(starter.start(NAME, {})).rejects.toBeInstanceOf(AccessDeniedError);
    });

    it('refuses a name Step Functions would refuse, without calling it', async () => {
      // Arrange
      sfn.on(StartExecutionCommand).rejects(new InvalidName({ $metadata: {}, message: 'bad' }));
      const starter = new SfnPipelineStarter({
        stateMachineArn: STATE_MACHINE,
        client: new SFNClient({ region: 'eu-west-1' }),
      });

      // Act + Assert
      await expect(starter.start('has space', {})).rejects.toBeInstanceOf(ValidationError);
      await expect(starter.start('x'.repeat(81), {})).rejects.toBeInstanceOf(ValidationError);
      expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
    });
  });

  describe('Method: constructor', () => {
    it('refuses an ARN that is not a state machine', () => {
      expect(
        () => new SfnPipelineStarter({ stateMachineArn: 'arn:aws:lambda:eu-west-1:1:function:x' }),
      ).toThrow(/not a Step Functions state machine ARN/);
    });
  });
});

describe('Function: executionArnOf', () => {
  it('builds the execution ARN Step Functions assigns', () => {
    expect(executionArnOf(STATE_MACHINE, NAME)).toBe(EXECUTION);
  });
});
