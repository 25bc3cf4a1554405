/**
 * The drill's persisted state: at the end of a drill, the reported telling's DynamoDB tables
 * (inventory + deployment plan, forecasts + adapt log, the authority lease) are dumped item by
 * item to `DIR/state/<table>.json`, in DynamoDB's own attribute-value JSON. `--local [DIR]` on
 * the inventory and plan commands loads them into an in-process dynalite, so the production
 * repositories read them unchanged; a command that changes the inventory (pin, unpin, validate)
 * writes the table back.
 *
 * A dump of plain files rather than dynalite's own on-disk store: it needs no native database
 * module, survives a dynalite upgrade and is readable by a person. (Not byte-stable per seed: the
 * inventory repository writes random audit ids and wall-clock expiry times; the report is.)
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type DynaliteHandle,
  type DynaliteTableNames,
  startDynalite,
} from '../../../functions/adapters/sandbox/dynalite';
import { ValidationError } from '../../../functions/core/errors';

/** The tables a drill persists, by their role. */
export const DRILL_STATE_TABLES = ['inventory', 'forecasts', 'lease'] as const;

/** One of {@link DRILL_STATE_TABLES}. */
export type DrillStateTable = (typeof DRILL_STATE_TABLES)[number];

/** Version of the state files' shape. */
export const DRILL_STATE_VERSION = 1;

/** One dumped table. */
export interface DrillTableDump {
  readonly stateVersion: typeof DRILL_STATE_VERSION;
  readonly table: DrillStateTable;
  /** Items in DynamoDB attribute-value JSON, sorted by their keys. */
  readonly items: readonly Record<string, AttributeValue>[];
}

/** Every dumped table of one drill. */
export type DrillStateDump = Readonly<Record<DrillStateTable, DrillTableDump>>;

/** The state folder under a drill's `--out` folder. */
export function stateDirOf(outDir: string): string {
  return join(outDir, 'state');
}

const sortKey = (item: Record<string, AttributeValue>): string =>
  JSON.stringify([item.pk ?? null, item.sk ?? null, item.leaseId ?? null]);

/** Scans one table whole (paginated). */
export async function scanTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  // A stable order (by key), so two dumps compare item by item.
  return items.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
}

/** Dumps the given tables of a running dynalite. */
export async function dumpTables(
  client: DynamoDBClient,
  tables: DynaliteTableNames,
): Promise<DrillStateDump> {
  const dump = async (table: DrillStateTable): Promise<DrillTableDump> => ({
    stateVersion: DRILL_STATE_VERSION,
    table,
    items: await scanTable(client, tables[table]),
  });
  return {
    inventory: await dump('inventory'),
    forecasts: await dump('forecasts'),
    lease: await dump('lease'),
  };
}

/** Writes one table's dump to `stateDir/<table>.json`. */
export async function writeTableDump(stateDir: string, dump: DrillTableDump): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeFile(join(stateDir, `${dump.table}.json`), `${JSON.stringify(dump, null, 1)}\n`);
}

/** Writes every table of a drill to `stateDir`. */
export async function writeDrillState(stateDir: string, state: DrillStateDump): Promise<void> {
  for (const table of DRILL_STATE_TABLES) await writeTableDump(stateDir, state[table]);
}

/** Reads one table's dump; a clear error when no drill has written it. */
async function readTableDump(dir: string, table: DrillStateTable): Promise<DrillTableDump> {
  const stateDir = stateDirOf(dir);
  const file = join(stateDir, `${table}.json`);
  if (!existsSync(file)) {
    throw new ValidationError(
      `no drill state in ${resolve(dir)} (${file} is missing): run \`npm run drill\` first, or \`understudy drill --yes --out ${dir}\``,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ValidationError(`${file} is not JSON: ${(error as Error).message}`, [], {
      cause: error,
    });
  }
  const dump = parsed as Partial<DrillTableDump>;
  if (
    dump.stateVersion !== DRILL_STATE_VERSION ||
    dump.table !== table ||
    !Array.isArray(dump.items)
  ) {
    throw new ValidationError(
      `${file} is not a drill state file of this version (expected stateVersion ${DRILL_STATE_VERSION}, table "${table}"): run the drill again`,
    );
  }
  return dump as DrillTableDump;
}

/** A running in-process dynalite holding a drill's persisted tables. */
export interface LocalDrillState {
  readonly dynamo: DynaliteHandle;
  readonly tables: DynaliteTableNames;
  /** Writes the inventory table back to the state folder when its items changed. */
  saveInventory(): Promise<void>;
  stop(): Promise<void>;
}

/** BatchWriteItem takes at most this many requests. */
const BATCH = 25;

/**
 * Loads the drill state under `dir` (the drill's `--out`) into a fresh in-process dynalite.
 *
 * @throws ValidationError when no drill has run there (naming the command that makes one).
 */
export async function openLocalDrillState(dir: string): Promise<LocalDrillState> {
  const dumps = {
    inventory: await readTableDump(dir, 'inventory'),
    forecasts: await readTableDump(dir, 'forecasts'),
    lease: await readTableDump(dir, 'lease'),
  };
  const dynamo = await startDynalite({ maxAttempts: 3 });
  try {
    const tables = dynamo.tableNames;
    for (const table of DRILL_STATE_TABLES) {
      const items = dumps[table].items;
      for (let i = 0; i < items.length; i += BATCH) {
        let requests: { PutRequest: { Item: Record<string, AttributeValue> } }[] | undefined = items
          .slice(i, i + BATCH)
          .map((Item) => ({ PutRequest: { Item } }));
        // dynalite may hand back unprocessed items under load: write them again until none is.
        for (let attempt = 0; requests && requests.length > 0 && attempt < 10; attempt += 1) {
          const out = await dynamo.client.send(
            new BatchWriteItemCommand({ RequestItems: { [tables[table]]: requests } }),
          );
          requests = out.UnprocessedItems?.[tables[table]] as typeof requests;
        }
      }
    }
    const loaded = JSON.stringify(dumps.inventory.items);
    return {
      dynamo,
      tables,
      async saveInventory() {
        const items = await scanTable(dynamo.client, tables.inventory);
        if (JSON.stringify(items) === loaded) return;
        await writeTableDump(stateDirOf(dir), {
          stateVersion: DRILL_STATE_VERSION,
          table: 'inventory',
          items,
        });
      },
      stop: () => dynamo.stop(),
    };
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
}
