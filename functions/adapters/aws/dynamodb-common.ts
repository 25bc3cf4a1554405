/**
 * What every DynamoDB-backed repository shares: one way to call the SDK (errors translated by
 * `sdk-errors`), a way to tell a lost conditional write from a real failure, and item codecs.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ConflictError } from '../../core/errors';
import { awsErrorCode, callAws } from './sdk-errors';

/** A DynamoDB item as the SDK's low-level client carries it. */
export type DynamoItem = Record<string, AttributeValue>;

/**
 * Runs one DynamoDB call for `tableName`, translating SDK errors: a conditional check failure
 * becomes ConflictError, throttling (`ProvisionedThroughputExceededException`,
 * `ThrottlingException`, `RequestLimitExceeded`) ThrottlingError, a missing table NotFoundError,
 * 5xx and network faults ServiceUnavailableError.
 */
export function callDynamo<T>(
  operation: string,
  tableName: string,
  call: () => Promise<T>,
): Promise<T> {
  return callAws({ operation: `dynamodb:${operation}`, kind: 'table', id: tableName }, call);
}

/**
 * The item with partition key `pk` (a table keyed by `pk` alone: the lease table's lease,
 * admission and freeze items), read strongly consistent, unmarshalled; undefined when absent.
 */
export async function getByPk(
  client: DynamoDBClient,
  tableName: string,
  pk: string,
): Promise<Record<string, unknown> | undefined> {
  const output = await callDynamo('GetItem', tableName, () =>
    client.send(
      new GetItemCommand({ TableName: tableName, Key: toItem({ pk }), ConsistentRead: true }),
    ),
  );
  return output.Item ? fromItem(output.Item) : undefined;
}

/** True when `error` is (or wraps) a failed `ConditionExpression`. */
export function isConditionalCheckFailure(error: unknown): boolean {
  if (error instanceof ConditionalCheckFailedException) return true;
  if (error instanceof ConflictError) {
    return awsErrorCode(error.cause) === 'ConditionalCheckFailedException';
  }
  return false;
}

/**
 * Runs a conditional write; resolves `false` when its condition did not hold (someone else got
 * there first) so callers can re-read and decide, and rethrows every other error.
 */
export async function writeIf(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}

/** Marshalls a plain object, dropping undefined fields (optional model fields). */
export function toItem(value: Record<string, unknown>): DynamoItem {
  return marshall(value, { removeUndefinedValues: true, convertClassInstanceToMap: false });
}

/** Unmarshalls an item into a plain object. */
export function fromItem(item: DynamoItem): Record<string, unknown> {
  return unmarshall(item);
}

/** Reads a string attribute of an unmarshalled item, failing loudly on a corrupt item. */
export function stringField(item: Record<string, unknown>, name: string): string {
  const value = item[name];
  if (typeof value !== 'string') throw new Error(`stored item has no string attribute ${name}`);
  return value;
}

/** Reads an optional number attribute of an unmarshalled item. */
export function numberField(item: Record<string, unknown>, name: string): number | undefined {
  const value = item[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw new Error(`stored item attribute ${name} is not a number`);
  return value;
}

/** Sort-key fragment for a non-negative integer that sorts numerically as a string. */
export function padNumber(value: number, width = 15): string {
  return String(value).padStart(width, '0');
}
