/** {@link TaskTokens} on Step Functions: SendTaskSuccess, in the state machine's region. */
import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { TaskGoneError, type TaskTokens } from '../../core/approval';
import { awsErrorCode, translateSdkError } from './sdk-errors';

/** Errors Step Functions answers for a token nothing waits on any more. */
const GONE = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

/** Resolves `waitForTaskToken` steps through the AWS SDK. */
export class SfnTaskTokens implements TaskTokens {
  /** @param client - Step Functions client of the staging region (the execution's). */
  public constructor(private readonly client: SFNClient) {}

  /** SendTaskSuccess with `output` as JSON; TaskGoneError when the step no longer waits. */
  public async succeed(
    taskToken: string,
    output: Readonly<Record<string, unknown>>,
  ): Promise<void> {
    try {
      await this.client.send(
        new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }),
      );
    } catch (error) {
      const code = awsErrorCode(error);
      if (GONE.has(code)) {
        throw new TaskGoneError(
          `the failover no longer waits for this decision (${code}): it timed out, was already decided or was stopped`,
          { cause: error },
        );
      }
      throw translateSdkError(error, { operation: 'states:SendTaskSuccess' });
    }
  }
}
