/**
 * {@link PipelineStarter} on Step Functions: `StartExecution` with the decision-derived name.
 *
 * Step Functions makes a name unique per state machine for 90 days. A second start with the same
 * name and input while the first still runs returns the first execution (Standard workflows);
 * once it has finished, or with a different input, it fails with `ExecutionAlreadyExists`. Both
 * are a retry of a decision already acted on, so both report `alreadyStarted` instead of failing.
 */
import { SFNClient, type SFNClientConfig, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ValidationError } from '../../core/errors';
import type { PipelineStart, PipelineStarter } from '../../core/ports';
import { awsErrorCode, translateSdkError } from './sdk-errors';

/** Settings of {@link SfnPipelineStarter}. */
export interface SfnPipelineStarterConfig {
  /** ARN of the clone-validate-store state machine. */
  readonly stateMachineArn: string;
  /** SDK client to use (tests, custom endpoints); built from `clientConfig` when absent. */
  readonly client?: SFNClient;
  /** @default {} */
  readonly clientConfig?: SFNClientConfig;
}

const STATE_MACHINE_ARN =
  /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** The ARN Step Functions gives an execution: the state machine ARN with `execution` and the name. */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
}

/** Starts the clone-validate-store state machine through the AWS SDK. */
export class SfnPipelineStarter implements PipelineStarter {
  private readonly client: SFNClient;
  private readonly stateMachineArn: string;

  public constructor(config: SfnPipelineStarterConfig) {
    if (!STATE_MACHINE_ARN.test(config.stateMachineArn)) {
      throw new ValidationError('stateMachineArn is not a Step Functions state machine ARN', [
        config.stateMachineArn,
      ]);
    }
    this.stateMachineArn = config.stateMachineArn;
    this.client = config.client ?? new SFNClient(config.clientConfig ?? {});
  }

  /**
   * Starts `executionName` with `input`; `alreadyStarted` when Step Functions refuses the name
   * as used. A retry while the first execution still runs with the same input gets that
   * execution back as a success, so it reports `alreadyStarted: false` with the same ARN:
   * either way only one execution exists.
   *
   * @throws ValidationError for a name Step Functions would refuse; ThrottlingError,
   *   ServiceUnavailableError, AccessDeniedError and others from the SDK, translated.
   */
  public async start(
    executionName: string,
    input: Readonly<Record<string, unknown>>,
  ): Promise<PipelineStart> {
    if (!EXECUTION_NAME.test(executionName)) {
      // Only the characters every Step Functions feature (logs, X-Ray, EventBridge) accepts.
      throw new ValidationError('execution name must be 1–80 characters of [A-Za-z0-9_-]', [
        executionName,
      ]);
    }
    try {
      const response = await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: executionName,
          input: JSON.stringify(input),
        }),
      );
      return {
        executionArn: response.executionArn ?? executionArnOf(this.stateMachineArn, executionName),
        alreadyStarted: false,
      };
    } catch (error) {
      if (awsErrorCode(error) === 'ExecutionAlreadyExists') {
        return {
          executionArn: executionArnOf(this.stateMachineArn, executionName),
          alreadyStarted: true,
        };
      }
      throw translateSdkError(error, {
        operation: 'states:StartExecution',
        kind: 'state machine',
        id: this.stateMachineArn,
      });
    }
  }
}
