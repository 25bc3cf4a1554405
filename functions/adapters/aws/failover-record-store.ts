/**
 * {@link FailoverRecordStore} on DynamoDB and S3: in the failover table, a header item per
 * execution (`pk = EXEC#<name>`, `sk = RECORD`) and one item per service
 * (`sk = SVC#<cluster/service>`); on `finish`, a JSON report of all of it to a KMS-encrypted S3
 * bucket, like ARC's execution reports.
 *
 * The header is merged by read–modify–write under an optimistic `version` condition (milestones
 * first-write-wins, transitions and warnings appended once), so concurrent Lambdas of one
 * execution (parallel waves) never lose each other's writes and a retried one changes nothing.
 */
import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ConflictError, NotFoundError } from '../../core/errors';
import type {
  FailoverFinish,
  FailoverMilestone,
  FailoverRecord,
  FailoverRecordStore,
  FailoverTransition,
  ServiceOutcome,
  ServiceOutcomeStatus,
} from '../../core/failover/ports';
import {
  callDynamo,
  type DynamoItem,
  fromItem,
  numberField,
  toItem,
  writeIf,
} from './dynamodb-common';
import { callAws } from './sdk-errors';

/** Where the reports go. */
export interface ReportBucket {
  readonly bucketName: string;
  /**
   * KMS key of the reports (the bucket's default encryption applies without it).
   * @default - the bucket's default key
   */
  readonly kmsKeyId?: string;
  /** @default 'failovers/' */
  readonly prefix?: string;
}

/**
 * Header merge rounds before giving up. Every round some writer wins, so this bounds the
 * concurrent writers of one execution that are sure to get through (waves, retries).
 */
const MAX_ROUNDS = 32;
/** BatchWriteItem takes at most 25 requests. */
const BATCH = 25;
/** Rounds of re-sending unprocessed batch items (DynamoDB throttling a burst). */
const MAX_UNPROCESSED_ROUNDS = 8;

type Change = Parameters<FailoverRecordStore['update']>[1];

interface StoredHeader {
  readonly record: FailoverRecord;
  readonly version: number;
  readonly finish?: FailoverFinish;
}

const headerKey = (executionName: string) => ({ pk: `EXEC#${executionName}`, sk: 'RECORD' });
const serviceKey = (executionName: string, service: string) => ({
  pk: `EXEC#${executionName}`,
  sk: `SVC#${service}`,
});

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Applies `change` to `record`: milestones first-write-wins, lists appended once. */
export function mergeRecord(record: FailoverRecord, change: Change): FailoverRecord {
  const milestones: Partial<Record<FailoverMilestone, string>> = { ...record.milestones };
  for (const [name, at] of Object.entries(change.milestones ?? {}) as [
    FailoverMilestone,
    string,
  ][]) {
    if (at !== undefined && milestones[name] === undefined) milestones[name] = at;
  }
  const transitions: FailoverTransition[] = [...record.transitions];
  for (const t of change.transitions ?? []) {
    if (!transitions.some((existing) => same(existing, t))) transitions.push(t);
  }
  const warnings = [...record.warnings];
  for (const w of change.warnings ?? []) if (!warnings.includes(w)) warnings.push(w);
  return {
    ...record,
    milestones,
    transitions,
    warnings,
    ...(change.planId !== undefined ? { planId: change.planId } : {}),
    ...(change.epoch !== undefined ? { epoch: change.epoch } : {}),
    ...(change.approval !== undefined ? { approval: change.approval } : {}),
  };
}

/** The failover record on DynamoDB + S3. */
export class DynamoDbFailoverRecordStore implements FailoverRecordStore {
  private readonly prefix: string;

  /**
   * @param dynamo - DynamoDB client of the staging region.
   * @param tableName - Physical name of the table built from `FAILOVER_TABLE`.
   * @param s3 - S3 client of the report bucket's region.
   * @param bucket - The report bucket.
   */
  public constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly tableName: string,
    private readonly s3: S3Client,
    private readonly bucket: ReportBucket,
  ) {
    this.prefix = bucket.prefix ?? 'failovers/';
  }

  /** Creates the header; returns the stored one when the execution already has a record. */
  public async begin(record: Parameters<FailoverRecordStore['begin']>[0]): Promise<FailoverRecord> {
    const header: FailoverRecord = {
      ...(record.kind ? { kind: record.kind } : {}),
      executionName: record.executionName,
      executionArn: record.executionArn,
      alarmName: record.alarmName,
      mode: record.mode,
      milestones: { detected: record.detectedAt, started: record.startedAt },
      transitions: [],
      warnings: [],
    };
    const created = await writeIf(() => this.putHeader({ record: header, version: 0 }, undefined));
    if (created) return header;
    const existing = await this.read(record.executionName);
    if (!existing)
      throw new ConflictError(`record of ${record.executionName} vanished while it was created`);
    return existing.record;
  }

  /** The header, or undefined. */
  public async get(executionName: string): Promise<FailoverRecord | undefined> {
    return (await this.read(executionName))?.record;
  }

  /** Merges `change` into the header (see {@link mergeRecord}). */
  public update(executionName: string, change: Change): Promise<FailoverRecord> {
    return this.modify(executionName, (stored) => ({
      record: mergeRecord(stored.record, change),
      ...(stored.finish ? { finish: stored.finish } : {}),
    }));
  }

  /** Writes (replaces) service lines in batches of 25, re-sending what DynamoDB leaves unprocessed. */
  public async putServices(
    executionName: string,
    outcomes: readonly ServiceOutcome[],
  ): Promise<void> {
    for (let i = 0; i < outcomes.length; i += BATCH) {
      let requests: WriteRequest[] = outcomes.slice(i, i + BATCH).map((outcome) => ({
        PutRequest: {
          Item: toItem({
            ...serviceKey(executionName, outcome.service),
            wave: outcome.wave,
            status: outcome.status,
            outcome: JSON.stringify(outcome),
          }),
        },
      }));
      for (let round = 0; requests.length > 0; round += 1) {
        if (round >= MAX_UNPROCESSED_ROUNDS) {
          throw new ConflictError(
            `DynamoDB left ${requests.length} service lines of ${executionName} unprocessed`,
          );
        }
        const output = await callDynamo('BatchWriteItem', this.tableName, () =>
          this.dynamo.send(
            new BatchWriteItemCommand({ RequestItems: { [this.tableName]: requests } }),
          ),
        );
        requests = output.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
  }

  /** Service lines, ordered by service key, optionally of one wave and/or status. */
  public async listServices(
    executionName: string,
    filter: { readonly wave?: number; readonly status?: ServiceOutcomeStatus } = {},
  ): Promise<readonly ServiceOutcome[]> {
    const outcomes: ServiceOutcome[] = [];
    let start: DynamoItem | undefined;
    do {
      const output = await callDynamo('Query', this.tableName, () =>
        this.dynamo.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :svc)',
            ExpressionAttributeValues: toItem({ ':pk': `EXEC#${executionName}`, ':svc': 'SVC#' }),
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const item of output.Items ?? []) {
        const plain = fromItem(item);
        if (filter.wave !== undefined && plain.wave !== filter.wave) continue;
        if (filter.status !== undefined && plain.status !== filter.status) continue;
        outcomes.push(JSON.parse(String(plain.outcome)) as ServiceOutcome);
      }
      start = output.LastEvaluatedKey;
    } while (start);
    return outcomes;
  }

  /**
   * Writes the JSON report first, then the outcome and `reportUri` on the header, so a header
   * never names a report that is not there. A second call rewrites the same report.
   */
  public async finish(executionName: string, finish: FailoverFinish): Promise<FailoverRecord> {
    const stored = await this.read(executionName);
    if (!stored) throw new NotFoundError('failover record', executionName);
    const key = `${this.prefix}${executionName}.json`;
    const reportUri = `s3://${this.bucket.bucketName}/${key}`;
    const record: FailoverRecord = {
      ...mergeRecord(stored.record, { milestones: { finished: finish.at } }),
      outcome: finish.outcome,
      reason: finish.reason,
      reportUri,
    };
    const services = await this.listServices(executionName);
    await callAws({ operation: 's3:PutObject', kind: 'bucket', id: this.bucket.bucketName }, () =>
      this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket.bucketName,
          Key: key,
          Body: JSON.stringify({ record, services, finish }, null, 2),
          ContentType: 'application/json',
          ServerSideEncryption: 'aws:kms',
          ...(this.bucket.kmsKeyId ? { SSEKMSKeyId: this.bucket.kmsKeyId } : {}),
        }),
      ),
    );
    return this.modify(executionName, (current) => ({
      record: {
        ...mergeRecord(current.record, { milestones: { finished: finish.at } }),
        outcome: finish.outcome,
        reason: finish.reason,
        reportUri,
      },
      finish,
    }));
  }

  private async modify(
    executionName: string,
    apply: (stored: StoredHeader) => Omit<StoredHeader, 'version'>,
  ): Promise<FailoverRecord> {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const stored = await this.read(executionName);
      if (!stored) throw new NotFoundError('failover record', executionName);
      const next = apply(stored);
      if (same(next.record, stored.record) && same(next.finish, stored.finish))
        return stored.record;
      if (
        await writeIf(() =>
          this.putHeader({ ...next, version: stored.version + 1 }, stored.version),
        )
      ) {
        return next.record;
      }
      // Full jitter, so writers that lost together do not collide again in lockstep.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * (round + 1)));
    }
    throw new ConflictError(`record of ${executionName} kept changing: ${MAX_ROUNDS} merges lost`);
  }

  private putHeader(header: StoredHeader, expectedVersion: number | undefined) {
    const condition =
      expectedVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: 'version = :expected',
            ExpressionAttributeValues: toItem({ ':expected': expectedVersion }),
          };
    return callDynamo('PutItem', this.tableName, () =>
      this.dynamo.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({
            ...headerKey(header.record.executionName),
            version: header.version,
            // JSON strings: the record's shape belongs to the workflow, and maps of maps with
            // optional fields round-trip through DynamoDB less faithfully than text does.
            record: JSON.stringify(header.record),
            ...(header.finish ? { finish: JSON.stringify(header.finish) } : {}),
            outcome: header.record.outcome,
          }),
          ...condition,
        }),
      ),
    );
  }

  private async read(executionName: string): Promise<StoredHeader | undefined> {
    const output = await callDynamo('GetItem', this.tableName, () =>
      this.dynamo.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: toItem(headerKey(executionName)),
          ConsistentRead: true,
        }),
      ),
    );
    if (!output.Item) return undefined;
    const item = fromItem(output.Item);
    return {
      record: JSON.parse(String(item.record)) as FailoverRecord,
      version: numberField(item, 'version') ?? 0,
      ...(typeof item.finish === 'string'
        ? { finish: JSON.parse(item.finish) as FailoverFinish }
        : {}),
    };
  }
}
