import { PhysicalName, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { KeyAttribute, TableDefinition } from '../../functions/shared/tables';

/**
 * The DynamoDB item actions Understudy's repositories send (`functions/adapters/aws/dynamodb-*`):
 * single-item reads and writes and queries, nothing else — no scans, batches, transactions or
 * streams, which CDK's `grantReadData`/`grantReadWriteData` would also grant.
 */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'] as const;
/** Item writes, besides {@link TABLE_READ_ACTIONS}. */
export const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;
/**
 * KMS actions a caller of a table encrypted with a customer managed key needs: DynamoDB uses the
 * table key with the caller's permissions (the same key actions CDK's table grants add).
 */
export const TABLE_KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'] as const;
/** Key actions of writers, besides {@link TABLE_KEY_READ_ACTIONS}. */
export const TABLE_KEY_WRITE_ACTIONS = [
  'kms:Encrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
] as const;

/** Props of {@link UnderstudyTable}. */
export interface UnderstudyTableProps {
  /** Shape of the table, from `functions/shared/tables.ts` (the one source of truth). */
  readonly definition: TableDefinition;
  /** Customer-managed key the table is encrypted with. */
  readonly encryptionKey: kms.IKey;
  /**
   * What happens to the table when the stack is deleted. Retained tables also get deletion
   * protection, so a stray `cdk destroy` cannot take the inventory or the lease with it.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Something that can receive table access and the env var naming the table. */
export interface TableConsumer extends iam.IGrantable {
  /** Sets an environment variable on the consumer (as `lambda.Function.addEnvironment`). */
  addEnvironment(key: string, value: string): unknown;
}

/** `INVENTORY_TABLE_NAME` for `Inventory`, `AUTHORITY_LEASE_TABLE_NAME` for `AuthorityLease`. */
export function tableEnvName(definition: TableDefinition): string {
  return `${definition.logicalName.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}_TABLE_NAME`;
}

const attribute = (key: KeyAttribute): dynamodb.Attribute => ({
  name: key.name,
  type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
});

/**
 * A DynamoDB table built from a shared {@link TableDefinition}: on-demand billing, CMK
 * encryption, point-in-time recovery, TTL from the definition. Always a single-region
 * `AWS::DynamoDB::Table`: the authority lease relies on conditional writes being checked in the
 * one region that holds the item, which a global table does not guarantee.
 */
export class UnderstudyTable extends Construct {
  /** The table. */
  public readonly table: dynamodb.Table;
  /** The definition it was built from. */
  public readonly definition: TableDefinition;
  /** Environment variable {@link grantReadTo} / {@link grantReadWriteTo} set on a consumer. */
  public readonly envName: string;

  public constructor(scope: Construct, id: string, props: UnderstudyTableProps) {
    super(scope, id);
    const { definition } = props;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.definition = definition;
    this.envName = tableEnvName(definition);
    this.table = new dynamodb.Table(this, 'Table', {
      // Named only when a stack in another account or region references it (the forecaster
      // copying forecasts to staging); otherwise CloudFormation names it.
      tableName: PhysicalName.GENERATE_IF_NEEDED,
      partitionKey: attribute(definition.partitionKey),
      sortKey: definition.sortKey ? attribute(definition.sortKey) : undefined,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: definition.timeToLiveAttribute,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    for (const index of definition.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: index.sortKey ? attribute(index.sortKey) : undefined,
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }

  /**
   * Grants {@link TABLE_READ_ACTIONS} on the table and its indexes (and key decrypt) and sets
   * {@link envName} on the consumer.
   */
  public grantReadTo(consumer: TableConsumer): iam.Grant {
    consumer.addEnvironment(this.envName, this.table.tableName);
    this.table.encryptionKey?.grant(consumer, ...TABLE_KEY_READ_ACTIONS);
    return this.table.grant(consumer, ...TABLE_READ_ACTIONS);
  }

  /**
   * Grants {@link TABLE_READ_ACTIONS} and {@link TABLE_WRITE_ACTIONS} on the table and its
   * indexes (and key use) and sets {@link envName} on the consumer.
   */
  public grantReadWriteTo(consumer: TableConsumer): iam.Grant {
    consumer.addEnvironment(this.envName, this.table.tableName);
    this.table.encryptionKey?.grant(
      consumer,
      ...TABLE_KEY_READ_ACTIONS,
      ...TABLE_KEY_WRITE_ACTIONS,
    );
    return this.table.grant(consumer, ...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS);
  }
}
