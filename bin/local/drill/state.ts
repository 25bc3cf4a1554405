/**
 * The drill's persisted state, under `DIR/state/`:
 * - `<table>.json`: the reported telling's DynamoDB tables (inventory + deployment plan,
 *   forecasts + adapt log, the authority lease), item by item in DynamoDB's own attribute-value
 *   JSON;
 * - `drill.json`: what the drill was and when, on its simulated clock (so `--local` ages read
 *   against the drill's time, not the laptop's);
 * - `staging.json`: the staging location the drill left behind (ECS, ECR, EC2 and the
 *   dependencies it declared), so `inventory validate --local` re-validates against it.
 *
 * `--local [DIR]` on the inventory and plan commands loads the tables into an in-process
 * dynalite, so the production repositories read them unchanged; a command that changes the
 * inventory (pin, unpin, validate) writes the table back.
 *
 * A dump of plain files rather than dynalite's own on-disk store: it needs no native database
 * module, survives a dynalite upgrade and is readable (and editable, to provoke a failed
 * re-validation) by a person. (Not byte-stable per seed: the inventory repository writes random
 * audit ids and wall-clock expiry times; the report is.)
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
import { SandboxDependencyProbe } from '../../../functions/adapters/sandbox/dependency-probe';
import {
  type DynaliteHandle,
  type DynaliteTableNames,
  startDynalite,
} from '../../../functions/adapters/sandbox/dynalite';
import {
  type LocationSnapshot,
  restoreLocation,
  snapshotLocation,
} from '../../../functions/adapters/sandbox/location-snapshot';
import { SandboxCloud } from '../../../functions/adapters/sandbox/sandbox-cloud';
import { VirtualClock } from '../../../functions/adapters/sandbox/virtual-clock';
import { ValidationError } from '../../../functions/core/errors';
import type { Location } from '../../../functions/core/model';
import type { DependencyRef } from '../../../functions/core/ports';
import type { StagingPorts } from '../../commands/inventory-revalidate';

/** The tables a drill persists, by their role. */
export const DRILL_STATE_TABLES = ['inventory', 'forecasts', 'lease'] as const;

/** One of {@link DRILL_STATE_TABLES}. */
export type DrillStateTable = (typeof DRILL_STATE_TABLES)[number];

/** Version of the state files' shape (2: `drill.json` and `staging.json` joined the tables). */
export const DRILL_STATE_VERSION = 2;

/** One dumped table. */
export interface DrillTableDump {
  readonly stateVersion: typeof DRILL_STATE_VERSION;
  readonly table: DrillStateTable;
  /** Items in DynamoDB attribute-value JSON, sorted by their keys. */
  readonly items: readonly Record<string, AttributeValue>[];
}

/** What the drill was, and when on its simulated clock (`drill.json`). */
export interface DrillStateMeta {
  readonly stateVersion: typeof DRILL_STATE_VERSION;
  readonly seed: number;
  readonly scenario: string;
  /** ISO times on the drill's clock: the clone ages `--local` shows count to `end`. */
  readonly clock: { readonly start: string; readonly end: string };
}

/** The staging location the drill left behind (`staging.json`). */
export interface DrillStagingDump {
  readonly stateVersion: typeof DRILL_STATE_VERSION;
  /** ECS, ECR and EC2 of the staging location. */
  readonly location: LocationSnapshot;
  /** What the drill declared to exist in staging besides those (roles, secrets, subnets, …). */
  readonly dependencies: readonly DependencyRef[];
}

/** Everything one drill persists. */
export interface DrillStateDump {
  readonly tables: Readonly<Record<DrillStateTable, DrillTableDump>>;
  readonly meta: DrillStateMeta;
  readonly staging: DrillStagingDump;
}

/** What the drill hands over to be persisted, besides its DynamoDB client and tables. */
export interface DrillStateSources {
  readonly seed: number;
  readonly scenario: string;
  readonly clock: DrillStateMeta['clock'];
  readonly cloud: SandboxCloud;
  readonly staging: Location;
  readonly probe: SandboxDependencyProbe;
}

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

/** Dumps the given tables of a running dynalite, the drill's clock and its staging location. */
export async function dumpDrillState(
  client: DynamoDBClient,
  tables: DynaliteTableNames,
  sources: DrillStateSources,
): Promise<DrillStateDump> {
  const dump = async (table: DrillStateTable): Promise<DrillTableDump> => ({
    stateVersion: DRILL_STATE_VERSION,
    table,
    items: await scanTable(client, tables[table]),
  });
  return {
    tables: {
      inventory: await dump('inventory'),
      forecasts: await dump('forecasts'),
      lease: await dump('lease'),
    },
    meta: {
      stateVersion: DRILL_STATE_VERSION,
      seed: sources.seed,
      scenario: sources.scenario,
      clock: sources.clock,
    },
    staging: {
      stateVersion: DRILL_STATE_VERSION,
      location: snapshotLocation(sources.cloud.state(sources.staging)),
      dependencies: sources.probe.declared(),
    },
  };
}

/** Writes one table's dump to `stateDir/<table>.json`. */
export async function writeTableDump(stateDir: string, dump: DrillTableDump): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeFile(join(stateDir, `${dump.table}.json`), `${JSON.stringify(dump, null, 1)}\n`);
}

/** Writes everything a drill persists to `stateDir`. */
export async function writeDrillState(stateDir: string, state: DrillStateDump): Promise<void> {
  for (const table of DRILL_STATE_TABLES) await writeTableDump(stateDir, state.tables[table]);
  await writeFile(join(stateDir, 'drill.json'), `${JSON.stringify(state.meta, null, 1)}\n`);
  await writeFile(join(stateDir, 'staging.json'), `${JSON.stringify(state.staging)}\n`);
}

/** Reads one state file; a clear error when no drill (of this version) has written it. */
async function readStateFile(dir: string, name: string, what: string): Promise<unknown> {
  const stateDir = stateDirOf(dir);
  const file = join(stateDir, `${name}.json`);
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
  if ((parsed as { stateVersion?: unknown } | null)?.stateVersion !== DRILL_STATE_VERSION) {
    throw new ValidationError(
      `${file} is not a drill state file of this version (expected stateVersion ${DRILL_STATE_VERSION}, ${what}): run the drill again`,
    );
  }
  return parsed;
}

/** Reads one table's dump. */
async function readTableDump(dir: string, table: DrillStateTable): Promise<DrillTableDump> {
  const dump = (await readStateFile(dir, table, `table "${table}"`)) as Partial<DrillTableDump>;
  if (dump.table !== table || !Array.isArray(dump.items)) {
    throw new ValidationError(
      `${join(stateDirOf(dir), `${table}.json`)} is not the drill's "${table}" table: run the drill again`,
    );
  }
  return dump as DrillTableDump;
}

/** Reads `drill.json`. */
async function readMeta(dir: string): Promise<DrillStateMeta> {
  const meta = (await readStateFile(dir, 'drill', 'the drill itself')) as Partial<DrillStateMeta>;
  if (Number.isNaN(Date.parse(meta.clock?.end ?? ''))) {
    throw new ValidationError(
      `${join(stateDirOf(dir), 'drill.json')} has no valid clock.end time: run the drill again`,
    );
  }
  return meta as DrillStateMeta;
}

/** A running in-process dynalite holding a drill's persisted tables. */
export interface LocalDrillState {
  readonly dynamo: DynaliteHandle;
  readonly tables: DynaliteTableNames;
  /** What the drill was, and when. */
  readonly meta: DrillStateMeta;
  /**
   * The staging ports of the drill's staging location, rebuilt from `staging.json` on a fresh
   * sandbox cloud whose clock stands at the drill's end. Other locations are refused: the drill
   * staged nothing anywhere else.
   */
  stagingPorts(location: Location): Promise<StagingPorts>;
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
  const meta = await readMeta(dir);
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
      meta,
      stagingPorts: (location) => localStagingPorts(dir, meta, location),
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

/** Rebuilds the drill's staging location on a fresh sandbox cloud (see `stagingPorts`). */
async function localStagingPorts(
  dir: string,
  meta: DrillStateMeta,
  location: Location,
): Promise<StagingPorts> {
  const file = join(stateDirOf(dir), 'staging.json');
  const dump = (await readStateFile(
    dir,
    'staging',
    'the staging location',
  )) as Partial<DrillStagingDump>;
  let state: ReturnType<typeof restoreLocation>;
  try {
    state = restoreLocation(dump.location);
  } catch (error) {
    throw new ValidationError(`${file}: ${(error as Error).message}: run the drill again`, [], {
      cause: error,
    });
  }
  if (state.location.account !== location.account || state.location.region !== location.region) {
    throw new ValidationError(
      `the clone is staged in ${location.account}/${location.region}, but the drill's staging is ${state.location.account}/${state.location.region}`,
    );
  }
  const cloud = new SandboxCloud({
    seed: meta.seed,
    clock: new VirtualClock({ startMs: Date.parse(meta.clock.end) }),
  });
  cloud.adoptState(state);
  const platform = cloud.containerPlatform(location);
  const network = cloud.networkRules(location);
  const probe = new SandboxDependencyProbe({ platform, network });
  if (!Array.isArray(dump.dependencies)) {
    throw new ValidationError(`${file} has no dependencies list: run the drill again`);
  }
  probe.declare(...dump.dependencies);
  return { platform, registry: cloud.imageRegistry(location), network, probe };
}
