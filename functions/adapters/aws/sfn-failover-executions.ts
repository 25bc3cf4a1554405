/**
 * {@link FailoverExecutions} on Step Functions: `StartExecution` by name, `DescribeExecution`
 * and `ListExecutions` (RUNNING) on the failover state machine, in the staging region.
 *
 * A second start with the same name and input while the first still runs returns the first
 * execution; once it has finished, or with another input, Step Functions answers
 * `ExecutionAlreadyExists`. Both mean "this name was already started", never a second execution.
 */
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ValidationError } from '../../core/errors';
import type {
  ExecutionStart,
  ExecutionStatus,
  FailoverExecutions,
} from '../../core/failover/admission';
import { awsErrorCode, translateSdkError } from './sdk-errors';
import { executionArnOf } from './sfn-pipeline-starter';

const STATE_MACHINE_ARN =
  /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

const STATUSES: readonly ExecutionStatus[] = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
];

/** The failover state machine's executions through the AWS SDK. */
export class SfnFailoverExecutions implements FailoverExecutions {
  /**
   * @param client - Step Functions client of the staging region.
   * @param stateMachineArn - ARN of the failover state machine.
   * @throws ValidationError when `stateMachineArn` is not a state machine ARN.
   */
  public constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {
    if (!STATE_MACHINE_ARN.test(stateMachineArn)) {
      throw new ValidationError('not a Step Functions state machine ARN', [stateMachineArn]);
    }
  }

  /** Starts `executionName`; `alreadyStarted` when the name was already used. */
  public async start(
    executionName: string,
    input: Readonly<Record<string, unknown>>,
  ): Promise<ExecutionStart> {
    try {
      const output = await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: executionName,
          input: JSON.stringify(input),
        }),
      );
      return {
        executionArn: output.executionArn ?? this.arnOf(executionName),
        alreadyStarted: false,
      };
    } catch (error) {
      if (awsErrorCode(error) === 'ExecutionAlreadyExists') {
        return { executionArn: this.arnOf(executionName), alreadyStarted: true };
      }
      throw translateSdkError(error, {
        operation: 'states:StartExecution',
        kind: 'state machine',
        id: this.stateMachineArn,
      });
    }
  }

  /** The execution's status; `NOT_FOUND` when the name was never started. */
  public async status(executionName: string): Promise<ExecutionStatus> {
    const executionArn = this.arnOf(executionName);
    try {
      const output = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      const status = output.status as ExecutionStatus | undefined;
      if (!status || !STATUSES.includes(status)) {
        throw new Error(`DescribeExecution returned an unknown status ${String(output.status)}`);
      }
      return status;
    } catch (error) {
      if (awsErrorCode(error) === 'ExecutionDoesNotExist') return 'NOT_FOUND';
      throw translateSdkError(error, {
        operation: 'states:DescribeExecution',
        kind: 'execution',
        id: executionArn,
      });
    }
  }

  /** Names of RUNNING executions (the first page is enough: more than one is already a refusal). */
  public async running(): Promise<readonly string[]> {
    try {
      const output = await this.client.send(
        new ListExecutionsCommand({
          stateMachineArn: this.stateMachineArn,
          statusFilter: 'RUNNING',
          maxResults: 10,
        }),
      );
      return (output.executions ?? []).flatMap((e) => (e.name ? [e.name] : []));
    } catch (error) {
      throw translateSdkError(error, {
        operation: 'states:ListExecutions',
        kind: 'state machine',
        id: this.stateMachineArn,
      });
    }
  }

  /** The ARN Step Functions gives the execution `executionName` of this state machine. */
  public arnOf(executionName: string): string {
    return executionArnOf(this.stateMachineArn, executionName);
  }
}
