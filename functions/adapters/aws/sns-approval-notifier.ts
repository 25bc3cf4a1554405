/** {@link ApprovalNotifier} on SNS: one Publish to the approval topic. */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { ApprovalNotifier } from '../../core/approval';
import { translateSdkError } from './sdk-errors';

/** Publishes approval requests to one SNS topic. */
export class SnsApprovalNotifier implements ApprovalNotifier {
  /**
   * @param client - SNS client of the topic's region.
   * @param topicArn - The approval topic.
   */
  public constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  /** Publishes `message` with `subject` (at most 100 characters, as SNS requires). */
  public async publish(subject: string, message: string): Promise<void> {
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subject.slice(0, 100),
          Message: message,
        }),
      );
    } catch (error) {
      throw translateSdkError(error, {
        operation: 'sns:Publish',
        kind: 'topic',
        id: this.topicArn,
      });
    }
  }
}
