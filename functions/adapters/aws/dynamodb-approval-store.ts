/**
 * Approval requests on DynamoDB: one item per execution in the failover table
 * (`pk = EXEC#<name>`, `sk = APPROVAL`), holding the task token until the decision, expiring by
 * TTL a week after its deadline (the decision stays in the RTO record).
 */
import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type {
  ApprovalDecision,
  ApprovalPut,
  ApprovalRecord,
  ApprovalStatus,
  ApprovalStore,
} from '../../core/approval';
import { ConflictError } from '../../core/errors';
import type { PlanSummary } from '../../core/failover/ports';
import { callDynamo, fromItem, stringField, toItem, writeIf } from './dynamodb-common';

/** How long an approval item outlives its deadline before TTL removes it. */
const RETAIN_AFTER_DEADLINE_S = 7 * 24 * 3600;
const STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'declined'];

/** The item key of an execution's approval request. */
export function approvalKey(executionName: string): { pk: string; sk: string } {
  return { pk: `EXEC#${executionName}`, sk: 'APPROVAL' };
}

function decode(item: Record<string, unknown>): ApprovalRecord {
  const status = stringField(item, 'status');
  if (!(STATUSES as readonly string[]).includes(status)) {
    throw new Error(`stored approval has an unknown status: ${status}`);
  }
  const decision = item.decision as ApprovalDecision | undefined;
  return {
    executionName: stringField(item, 'executionName'),
    executionArn: stringField(item, 'executionArn'),
    taskToken: stringField(item, 'taskToken'),
    alarmName: stringField(item, 'alarmName'),
    alarmRegion: stringField(item, 'alarmRegion'),
    detectedAt: stringField(item, 'detectedAt'),
    planSummary: JSON.parse(stringField(item, 'planSummary')) as PlanSummary,
    requestedAt: stringField(item, 'requestedAt'),
    deadline: stringField(item, 'deadline'),
    status: status as ApprovalStatus,
    ...(decision ? { decision } : {}),
  };
}

/** {@link ApprovalStore} on the failover table. */
export class DynamoDbApprovalStore implements ApprovalStore {
  /**
   * @param client - DynamoDB client for the staging region.
   * @param tableName - Physical name of the table built from `FAILOVER_TABLE`.
   */
  public constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** Stores a pending request unless one with the same token exists or one was decided. */
  public async put(record: ApprovalRecord): Promise<ApprovalPut> {
    const existing = await this.get(record.executionName);
    if (existing && existing.status !== 'pending') {
      throw new ConflictError(
        `the approval of ${record.executionName} was already ${existing.status}; a new request cannot replace it`,
      );
    }
    if (existing?.taskToken === record.taskToken) return 'unchanged';
    const written = await writeIf(() =>
      callDynamo('PutItem', this.tableName, () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toItem({
              ...approvalKey(record.executionName),
              executionName: record.executionName,
              executionArn: record.executionArn,
              taskToken: record.taskToken,
              alarmName: record.alarmName,
              alarmRegion: record.alarmRegion,
              detectedAt: record.detectedAt,
              // A string: the summary's shape belongs to the workflow, not to this table.
              planSummary: JSON.stringify(record.planSummary),
              requestedAt: record.requestedAt,
              deadline: record.deadline,
              status: 'pending',
              expiresAt: Math.floor(Date.parse(record.deadline) / 1000) + RETAIN_AFTER_DEADLINE_S,
            }),
            // Never over a decided request, whatever happened since the read above.
            ConditionExpression: 'attribute_not_exists(pk) OR #status = :pending',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: toItem({ ':pending': 'pending' }),
          }),
        ),
      ),
    );
    if (!written) {
      throw new ConflictError(`the approval of ${record.executionName} was decided meanwhile`);
    }
    return existing ? 'replaced' : 'created';
  }

  /** The request, strongly consistent. */
  public async get(executionName: string): Promise<ApprovalRecord | undefined> {
    const output = await callDynamo('GetItem', this.tableName, () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: toItem(approvalKey(executionName)),
          ConsistentRead: true,
        }),
      ),
    );
    return output.Item ? decode(fromItem(output.Item)) : undefined;
  }

  /** Claims the decision only while the request is pending with `taskToken`. */
  public decide(
    executionName: string,
    taskToken: string,
    decision: ApprovalDecision,
  ): Promise<boolean> {
    return writeIf(() =>
      callDynamo('UpdateItem', this.tableName, () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: toItem(approvalKey(executionName)),
            UpdateExpression: 'SET #status = :decided, decision = :decision',
            ConditionExpression: '#status = :pending AND taskToken = :token',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: toItem({
              ':decided': decision.decision,
              ':decision': { ...decision },
              ':pending': 'pending',
              ':token': taskToken,
            }),
          }),
        ),
      ),
    );
  }
}
