/**
 * A real DynamoDB API on loopback for tests and the local drill: `dynalite` started in-process on
 * a free port, with Understudy's tables created from the same definitions the CDK uses
 * (`functions/shared/tables.ts`), so the production repositories run unchanged against it.
 *
 * dynalite has no TTL API and no transactions; nothing here calls them (expiry attributes are
 * written but never enforced locally).
 */
import type { AddressInfo } from 'node:net';
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import {
  FORECAST_TABLE,
  INVENTORY_TABLE,
  type KeyAttribute,
  LEASE_TABLE,
  type TableDefinition,
} from '../../shared/tables';

/** Physical names of Understudy's tables in one dynalite server. */
export interface DynaliteTableNames {
  readonly inventory: string;
  readonly forecasts: string;
  readonly lease: string;
}

/** A running dynalite server with its tables. */
export interface DynaliteHandle {
  /** `http://127.0.0.1:PORT`. */
  readonly endpoint: string;
  /** An SDK client pointed at the server with dummy credentials. */
  readonly client: DynamoDBClient;
  /** The tables created at start. */
  readonly tableNames: DynaliteTableNames;
  /**
   * Creates a fresh, empty set of tables (names suffixed with `suffix`, or a counter), so a
   * test can start from nothing without restarting the server.
   */
  createTables(suffix?: string): Promise<DynaliteTableNames>;
  /** Closes the client and the server. */
  stop(): Promise<void>;
}

/** Options of {@link startDynalite}. */
export interface StartDynaliteOptions {
  /**
   * Prefix of every table name.
   * @default 'understudy'
   */
  readonly tablePrefix?: string;
  /**
   * Region the client signs for (dynalite ignores it; ARNs show it).
   * @default 'us-east-1'
   */
  readonly region?: string;
  /**
   * SDK attempts per call. One by default so a test sees the first error, not a retried one.
   * @default 1
   */
  readonly maxAttempts?: number;
}

function attributeDefinitions(def: TableDefinition): AttributeDefinition[] {
  const seen = new Map<string, KeyAttribute>();
  const add = (key: KeyAttribute | undefined): void => {
    if (!key) return;
    const previous = seen.get(key.name);
    if (previous && previous.type !== key.type) {
      throw new Error(
        `table ${def.logicalName}: attribute ${key.name} is declared both ${previous.type} and ${key.type}`,
      );
    }
    seen.set(key.name, key);
  };
  add(def.partitionKey);
  add(def.sortKey);
  for (const index of def.globalSecondaryIndexes) {
    add(index.partitionKey);
    add(index.sortKey);
  }
  return [...seen.values()].map((key) => ({ AttributeName: key.name, AttributeType: key.type }));
}

function keySchema(partitionKey: KeyAttribute, sortKey?: KeyAttribute): KeySchemaElement[] {
  const schema: KeySchemaElement[] = [{ AttributeName: partitionKey.name, KeyType: 'HASH' }];
  if (sortKey) schema.push({ AttributeName: sortKey.name, KeyType: 'RANGE' });
  return schema;
}

/**
 * The `CreateTable` input for a table definition: on-demand billing, every key attribute declared
 * once, GSIs projecting ALL (as the CDK constructs do). Pure, so a test can compare it with what
 * dynalite (or DynamoDB) describes.
 */
export function createTableInput(def: TableDefinition, tableName: string): CreateTableCommandInput {
  const input: CreateTableCommandInput = {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributeDefinitions(def),
    KeySchema: keySchema(def.partitionKey, def.sortKey),
  };
  if (def.globalSecondaryIndexes.length > 0) {
    input.GlobalSecondaryIndexes = def.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: keySchema(index.partitionKey, index.sortKey),
      Projection: { ProjectionType: 'ALL' },
    }));
  }
  return input;
}

/**
 * Starts dynalite in memory on a free loopback port and creates Understudy's tables.
 * Tables are ACTIVE at once (`createTableMs: 0`), so callers need not wait.
 */
export async function startDynalite(options: StartDynaliteOptions = {}): Promise<DynaliteHandle> {
  const prefix = options.tablePrefix ?? 'understudy';
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // Node closes a keep-alive socket idle for 5 s; on a loaded machine a client can send on it
  // just as it closes (ECONNRESET, seen in the drill e2e). No idle timeout: stop() closes all.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
    maxAttempts: options.maxAttempts ?? 1,
  });

  // Even with createTableMs 0, dynalite flips a table to ACTIVE on a timer after CreateTable has
  // answered; a request that arrives first (a busy machine) is told the table does not exist.
  const untilActive = async (tableName: string): Promise<void> => {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus === 'ACTIVE') return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`dynalite: table ${tableName} did not become ACTIVE`);
  };

  let counter = 0;
  const createTables = async (suffix?: string): Promise<DynaliteTableNames> => {
    counter += 1;
    const tag = suffix ?? String(counter);
    const names: DynaliteTableNames = {
      inventory: `${prefix}-${INVENTORY_TABLE.logicalName}-${tag}`,
      forecasts: `${prefix}-${FORECAST_TABLE.logicalName}-${tag}`,
      lease: `${prefix}-${LEASE_TABLE.logicalName}-${tag}`,
    };
    await client.send(new CreateTableCommand(createTableInput(INVENTORY_TABLE, names.inventory)));
    await client.send(new CreateTableCommand(createTableInput(FORECAST_TABLE, names.forecasts)));
    await client.send(new CreateTableCommand(createTableInput(LEASE_TABLE, names.lease)));
    for (const name of [names.inventory, names.forecasts, names.lease]) await untilActive(name);
    return names;
  };

  try {
    const tableNames = await createTables();
    return {
      endpoint,
      client,
      tableNames,
      createTables,
      async stop() {
        client.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  } catch (error) {
    client.destroy();
    server.close();
    throw error;
  }
}
