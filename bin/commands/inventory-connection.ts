/**
 * The flags every `understudy inventory` subcommand shares (`--table`, `--region`, `--endpoint`,
 * `--local`, `--format`) and the one DynamoDB client a run builds from them. `--local [DIR]`
 * reads the last drill's persisted tables (bin/local/drill/state.ts) instead of AWS.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Command, Option } from 'commander';
import { DynamoDbInventoryRepository } from '../../functions/adapters/aws/dynamodb-inventory-repository';
import { ValidationError } from '../../functions/core/errors';
import type * as SharedClients from '../../functions/shared/clients';
import { openLocalDrillState } from '../local/drill/state';
import type { StagingPortsFactory } from './inventory-revalidate';

/** Environment variable naming the inventory table when `--table` is absent. */
export const INVENTORY_TABLE_ENV = 'UNDERSTUDY_INVENTORY_TABLE';

/** Output formats of the inventory subcommands. */
export const INVENTORY_FORMATS = ['table', 'json'] as const;

/** One of {@link INVENTORY_FORMATS}. */
export type InventoryFormat = (typeof INVENTORY_FORMATS)[number];

/** The shared flags, parsed. */
export interface ConnectionOptions {
  readonly table?: string;
  readonly region?: string;
  readonly endpoint?: string;
  /** `--local [DIR]`: `true` for the flag alone (the default folder). */
  readonly local?: string | true;
  readonly format: InventoryFormat;
}

/** Where `understudy drill` writes by default, and so where `--local` looks. */
export const DEFAULT_DRILL_OUT = './drill-out';

/** The drill folder `--local` names, or undefined without `--local`. */
export function localDirOf(options: Pick<ConnectionOptions, 'local'>): string | undefined {
  if (options.local === undefined) return undefined;
  return options.local === true ? DEFAULT_DRILL_OUT : options.local;
}

/** Adds the shared flags to a subcommand (each subcommand carries them, so they go after it). */
export function addConnectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--table <name>', 'inventory DynamoDB table').env(INVENTORY_TABLE_ENV))
    .addOption(new Option('--region <region>', 'region of the inventory table').env('AWS_REGION'))
    .option(
      '--endpoint <url>',
      'DynamoDB endpoint of a local dynalite or moto server (loopback only, e.g. http://127.0.0.1:4567)',
    )
    .option(
      '--local [dir]',
      `the last drill's persisted state instead of AWS (default dir ${DEFAULT_DRILL_OUT}, the drill's --out)`,
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(INVENTORY_FORMATS).default('table'),
    );
}

/**
 * `functions/shared/clients` builds the Lambda-side SDK clients when first loaded, and building a
 * client makes the SDK print a Node-version warning: loading it only when an inventory command
 * runs keeps every other command's output clean.
 */
export function loadSharedClients(): typeof SharedClients {
  return require('../../functions/shared/clients') as typeof SharedClients;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Checks `--endpoint`: only a loopback http(s) URL is accepted. A remote endpoint would be sent
 * the dummy local credentials below, and real DynamoDB needs no endpoint at all.
 */
export function checkEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (error) {
    throw new ValidationError(`--endpoint ${endpoint} is not a URL`, [], { cause: error });
  }
  if (!['http:', 'https:'].includes(url.protocol) || !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new ValidationError(
      `--endpoint ${endpoint} must be a loopback http URL such as http://127.0.0.1:4567 (omit it for AWS)`,
    );
  }
  return url;
}

/**
 * The SDK client configuration of one staging command from `--region` and `--endpoint`
 * (loopback only): `base(region)` for each client, the same retries and, for a local endpoint,
 * dummy credentials (moto and dynalite accept any; real ones are never looked up for them).
 *
 * @throws ValidationError for a missing region (AWS) or a non-loopback `--endpoint`.
 */
export function stagingClientConfig(options: Pick<ConnectionOptions, 'region' | 'endpoint'>) {
  const local = options.endpoint !== undefined;
  if (local) checkEndpoint(options.endpoint as string);
  const region = options.region?.trim() || (local ? 'us-east-1' : undefined);
  if (!region) {
    throw new ValidationError(
      'no region: pass --region REGION or set AWS_REGION (the staging region)',
    );
  }
  const base = (forRegion: string) => ({
    region: forRegion,
    maxAttempts: 3,
    ...(local
      ? {
          endpoint: options.endpoint as string,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
  });
  return { local, region, base };
}

/** A flag's trimmed value, or the error naming the flag and the environment variable. */
export function requiredFlag(
  value: string | undefined,
  what: string,
  flag: string,
  env: string,
): string {
  const trimmed = value?.trim();
  if (!trimmed) throw new ValidationError(`no ${what}: pass ${flag} or set ${env}`);
  return trimmed;
}

/**
 * A DynamoDB client from `--region` and `--endpoint` (loopback only), shared by every command
 * that reads a staging table.
 *
 * @param regionHint - what the region must be, for the error when it is missing.
 * @throws ValidationError for a missing region (AWS) or a non-loopback `--endpoint`.
 */
export function dynamoDbClientFor(
  options: Pick<ConnectionOptions, 'region' | 'endpoint'>,
  regionHint: string,
): DynamoDBClient {
  const local = options.endpoint !== undefined;
  if (local) checkEndpoint(options.endpoint as string);
  // A local server ignores the region; AWS needs one and guessing it could read the wrong table.
  const region = options.region?.trim() || (local ? 'us-east-1' : undefined);
  if (!region) {
    throw new ValidationError(`no region: pass --region REGION or set AWS_REGION (${regionHint})`);
  }
  const { clientConfig } = loadSharedClients();
  return new DynamoDBClient({
    ...clientConfig({
      region,
      ...(local
        ? {
            endpoint: options.endpoint as string,
            // dynalite and moto accept any credentials; never look up real ones for them.
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          }
        : {}),
    }),
  });
}

/** An open inventory: the repository and the client to close when done. */
export interface OpenInventory {
  readonly repository: DynamoDbInventoryRepository;
  readonly table: string;
  /** The DynamoDB client the repository uses (the plan repository shares the table). */
  readonly client: DynamoDBClient;
  /** Closes the client; with `--local`, first writes a changed inventory back to the state. */
  close(): Promise<void>;
  /**
   * With `--local`: the drill's own world, so ages count to the drill's end on its simulated
   * clock and re-validation reads the staging the drill left behind.
   */
  readonly local?: {
    readonly now: () => number;
    readonly stagingPorts: StagingPortsFactory;
  };
}

/** `--local` excludes the AWS connection flags: which one was meant would be a guess. */
function checkLocalAlone(options: ConnectionOptions): void {
  const clash = (['table', 'endpoint'] as const).filter((k) => options[k] !== undefined);
  if (clash.length > 0) {
    throw new ValidationError(
      `--local reads the drill's state: drop ${clash.map((k) => `--${k}`).join(' and ')}`,
    );
  }
}

/**
 * The inventory of the last drill (`--local [DIR]`): its tables loaded into an in-process
 * dynalite (bin/local/drill/state.ts).
 */
async function openLocalInventory(dir: string): Promise<OpenInventory> {
  const state = await openLocalDrillState(dir);
  return {
    repository: new DynamoDbInventoryRepository(state.dynamo.client, state.tables.inventory),
    table: state.tables.inventory,
    client: state.dynamo.client,
    local: {
      now: () => Date.parse(state.meta.clock.end),
      stagingPorts: (location) => state.stagingPorts(location),
    },
    async close() {
      try {
        await state.saveInventory();
      } finally {
        await state.stop();
      }
    },
  };
}

/**
 * Builds the DynamoDB client (once per run) and the inventory repository from the shared flags.
 *
 * @throws ValidationError naming `--table`/`UNDERSTUDY_INVENTORY_TABLE` or `--region`/`AWS_REGION`
 *   when missing, or a non-loopback `--endpoint`; with `--local`, when no drill has run there.
 */
export async function openInventory(options: ConnectionOptions): Promise<OpenInventory> {
  const local = localDirOf(options);
  if (local !== undefined) {
    checkLocalAlone(options);
    return openLocalInventory(local);
  }
  const table = options.table?.trim();
  if (!table) {
    throw new ValidationError(
      `no inventory table: pass --table NAME or set ${INVENTORY_TABLE_ENV}`,
    );
  }
  const client = dynamoDbClientFor(options, 'the staging region holding the inventory');
  return {
    repository: new DynamoDbInventoryRepository(client, table),
    table,
    client,
    close: async () => client.destroy(),
  };
}
