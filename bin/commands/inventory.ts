/**
 * `understudy inventory`: read and steer the versioned clone inventory in the staging region —
 * `list`, `show`, `diff`, `pin`/`unpin` (rollback) and `validate` (re-check clones against
 * staging). Every subcommand takes `--table`, `--region`, `--endpoint` and `--format`.
 *
 * Unknown services or versions, a refused pin and bad flags end in one line naming the problem
 * and exit code 2 (through `bin/cli-runtime.ts`).
 */
import { userInfo } from 'node:os';
import { type Command, InvalidArgumentError } from 'commander';
import { AwsDependencyProbe } from '../../functions/adapters/aws/dependency-probe';
import { NotFoundError, ValidationError } from '../../functions/core/errors';
import type { CloneVersion, Location, ServiceKey } from '../../functions/core/model';
import type { InventoryRepository } from '../../functions/core/ports';
import {
  addConnectionOptions,
  type ConnectionOptions,
  INVENTORY_TABLE_ENV,
  loadSharedClients,
  type OpenInventory,
  openInventory,
} from './inventory-connection';
import { diffContent, formatDiff } from './inventory-diff';
import {
  formatListTable,
  formatShow,
  formatValidateTable,
  type InventoryListRow,
  type InventoryShowDoc,
  summarize,
} from './inventory-format';
import {
  revalidateInventory,
  type StagingPorts,
  type StagingPortsFactory,
} from './inventory-revalidate';

/** What the inventory commands take from outside, injectable so tests can use the sandbox. */
export interface InventoryCommandDeps {
  /**
   * Staging ports `inventory validate` reads through, per staging location.
   * @default the AWS adapters of that location with the CLI's credentials ({@link awsStagingPorts})
   */
  readonly stagingPorts?: StagingPortsFactory;
  /**
   * Current time for ages, epoch ms.
   * @default Date.now
   */
  readonly now?: () => number;
}

/**
 * Production staging ports: ECS, ECR, EC2 and the dependency probe of `location` through the
 * AWS SDK with the CLI's default credential chain (which must reach the staging account).
 * Clients are built on first use, so commands that never validate build none.
 */
export function awsStagingPorts(location: Location): StagingPorts {
  const { awsAdapters, awsClients, dependencyProbeClients } = loadSharedClients();
  const adapters = awsAdapters(awsClients({ region: location.region }), location);
  return {
    platform: adapters.platform,
    registry: adapters.registry,
    network: adapters.network,
    probe: new AwsDependencyProbe(dependencyProbeClients({ region: location.region })),
  };
}

/** Commander argument parser: a clone version number (integer ≥ 1). */
export function parseVersionNumber(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`a clone version is a whole number ≥ 1, got "${text}"`);
  }
  return value;
}

/** Commander argument parser: a service key `cluster/service`. */
export function parseServiceKey(text: string): ServiceKey {
  if (!/^[^/\s]+\/[^/\s]+$/.test(text)) {
    throw new InvalidArgumentError(`a service is named "cluster/service", got "${text}"`);
  }
  return text;
}

/** Who a change is recorded as when `--actor` is absent: `cli:<login name>`. */
export function defaultActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

type ServiceEntry = Awaited<ReturnType<InventoryRepository['listServices']>>[number];

/** The service's pointer state; NotFoundError naming it when the inventory has no clone of it. */
async function serviceEntry(
  repository: InventoryRepository,
  service: ServiceKey,
): Promise<ServiceEntry> {
  const entry = (await repository.listServices()).find((s) => s.service === service);
  if (!entry) {
    throw new NotFoundError('service', `${service} has no clone in the inventory`);
  }
  return entry;
}

/** One version; NotFoundError naming the service, the version and the latest one. */
async function versionOf(
  repository: InventoryRepository,
  entry: ServiceEntry,
  version: number,
): Promise<CloneVersion> {
  try {
    return await repository.getVersion(entry.service, version);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    throw new NotFoundError(
      'clone version',
      `${entry.service} version ${version} (latest is ${entry.latestVersion})`,
      { cause: error },
    );
  }
}

function print(text: string): void {
  process.stdout.write(text);
}

function printJson(value: unknown): void {
  print(`${JSON.stringify(value, null, 2)}\n`);
}

async function withInventory<T>(
  options: ConnectionOptions,
  run: (repository: InventoryRepository, inventory: OpenInventory) => Promise<T>,
): Promise<T> {
  const inventory = await openInventory(options);
  try {
    return await run(inventory.repository, inventory);
  } finally {
    await inventory.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Subcommands

async function listCommand(options: ConnectionOptions, wallClock: () => number): Promise<void> {
  const rows = await withInventory(options, async (repository, inventory) => {
    const now = inventory.local?.now ?? wallClock;
    const services = [...(await repository.listServices())].sort((a, b) =>
      a.service.localeCompare(b.service),
    );
    const out: InventoryListRow[] = [];
    for (const entry of services) {
      const effective = await repository.getEffective(entry.service);
      const latest =
        effective?.version === entry.latestVersion
          ? effective
          : await repository.getVersion(entry.service, entry.latestVersion).catch((error) => {
              if (error instanceof NotFoundError) return undefined;
              throw error;
            });
      out.push({
        service: entry.service,
        latestVersion: entry.latestVersion,
        ...(latest ? { latestStatus: latest.status } : {}),
        ...(entry.latestValidated === undefined ? {} : { latestValidated: entry.latestValidated }),
        ...(entry.pinned === undefined ? {} : { pinned: entry.pinned }),
        pinIgnored: entry.pinned !== undefined && effective?.version !== entry.pinned,
        ...(effective
          ? {
              effectiveVersion: effective.version,
              effectiveStatus: effective.status,
              effectiveCreatedAt: effective.createdAt,
              effectiveAgeSeconds: Math.round((now() - Date.parse(effective.createdAt)) / 1000),
            }
          : {}),
      });
    }
    return out;
  });
  if (options.format === 'json') printJson({ services: rows });
  else print(formatListTable(rows));
}

interface ShowOptions extends ConnectionOptions {
  readonly version?: number;
}

async function showCommand(service: ServiceKey, options: ShowOptions): Promise<void> {
  const doc = await withInventory(options, async (repository): Promise<InventoryShowDoc> => {
    const entry = await serviceEntry(repository, service);
    const version = await versionOf(repository, entry, options.version ?? entry.latestVersion);
    const effective = await repository.getEffective(service);
    return {
      service,
      version: version.version,
      status: version.status,
      reasons: version.reasons,
      contentHash: version.contentHash,
      createdAt: version.createdAt,
      createdBy: version.createdBy,
      trigger: version.trigger,
      source: version.content.source,
      pinned: entry.pinned === version.version,
      effective: effective?.version === version.version,
      summary: summarize(version),
      content: version.content,
    };
  });
  if (options.format === 'json') printJson(doc);
  else print(formatShow(doc));
}

async function diffCommand(
  service: ServiceKey,
  from: number,
  to: number,
  options: ConnectionOptions,
): Promise<void> {
  const [a, b] = await withInventory(options, async (repository) => {
    const entry = await serviceEntry(repository, service);
    return [await versionOf(repository, entry, from), await versionOf(repository, entry, to)];
  });
  const changes = diffContent(a.content, b.content);
  if (options.format === 'json') {
    printJson({
      service,
      from: { version: a.version, contentHash: a.contentHash, status: a.status },
      to: { version: b.version, contentHash: b.contentHash, status: b.status },
      identical: changes.length === 0,
      changes,
    });
  } else {
    print(formatDiff(service, from, to, changes));
  }
}

interface ChangeOptions extends ConnectionOptions {
  readonly reason?: string;
  readonly actor?: string;
}

async function pinCommand(
  service: ServiceKey,
  version: number,
  options: ChangeOptions,
): Promise<void> {
  const result = await withInventory(options, async (repository) => {
    const entry = await serviceEntry(repository, service);
    const target = await versionOf(repository, entry, version);
    if (target.status !== 'validated') {
      throw new ValidationError(
        `refused to pin ${service} to version ${version}: it is ${target.status}, and only a validated version can be pinned${
          target.reasons.length ? ` (${target.reasons.join('; ')})` : ''
        }`,
      );
    }
    const before = await repository.getEffective(service);
    try {
      await repository.pin(
        service,
        version,
        options.actor ?? defaultActor(),
        options.reason ?? 'rollback with understudy inventory pin',
      );
    } catch (error) {
      // The status may have changed since it was read: the repository refuses then too.
      if (!(error instanceof ValidationError)) throw error;
      throw new ValidationError(
        `refused to pin ${service} to version ${version}: ${error.issues.join('; ') || error.message}`,
        [],
        { cause: error },
      );
    }
    const after = await repository.getEffective(service);
    return {
      service,
      pinned: version,
      previousEffective: before?.version,
      effective: after?.version,
    };
  });
  if (options.format === 'json') printJson(result);
  else {
    print(
      `pinned ${service} to version ${version}; effective version ${result.previousEffective ?? 'none'} -> ${result.effective ?? 'none'}\n`,
    );
  }
}

async function unpinCommand(service: ServiceKey, options: ChangeOptions): Promise<void> {
  const result = await withInventory(options, async (repository) => {
    const entry = await serviceEntry(repository, service);
    if (entry.pinned !== undefined) {
      await repository.unpin(service, options.actor ?? defaultActor());
    }
    const after = await repository.getEffective(service);
    return { service, unpinned: entry.pinned, effective: after?.version };
  });
  if (options.format === 'json') printJson(result);
  else if (result.unpinned === undefined) {
    print(`${service} was not pinned; effective version ${result.effective ?? 'none'}\n`);
  } else {
    print(
      `unpinned ${service} (was pinned to version ${result.unpinned}); effective version now ${result.effective ?? 'none'}\n`,
    );
  }
}

interface ValidateOptions extends ConnectionOptions {
  readonly dryRun?: boolean;
  readonly actor?: string;
}

async function validateCommand(
  service: ServiceKey | undefined,
  options: ValidateOptions,
  stagingPorts: StagingPortsFactory,
): Promise<void> {
  const dryRun = options.dryRun ?? false;
  const results = await withInventory(options, (repository, inventory) =>
    revalidateInventory({
      inventory: repository,
      // --local: the staging the drill left behind (DIR/state/staging.json), never AWS.
      stagingPorts: inventory.local?.stagingPorts ?? stagingPorts,
      ...(service ? { services: [service] } : {}),
      dryRun,
      actor: options.actor ?? defaultActor(),
    }),
  );
  if (options.format === 'json') printJson({ dryRun, results });
  else print(formatValidateTable(results, dryRun));
}

// ---------------------------------------------------------------------------------------------
// Registration

const CONNECTION_HELP = `
Connection:
  The table comes from --table or ${INVENTORY_TABLE_ENV}, the region from --region or AWS_REGION
  (the staging region), credentials from the default AWS chain. --endpoint points at a local
  dynalite or moto server on loopback instead (dummy credentials are used). --local [DIR] reads
  the last drill's persisted state (DIR/state/, default ./drill-out: run \`npm run drill\` first),
  with ages on the drill's clock; pin, unpin and validate write it back, and validate reads the
  drill's staging (DIR/state/staging.json: edit it to watch a clone fail re-validation).`;

function example(lines: readonly string[]): string {
  return `\nExample:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n${CONNECTION_HELP}\n`;
}

/** Adds `understudy inventory` and its subcommands to the program. */
export function registerInventoryCommand(
  program: Command,
  deps: InventoryCommandDeps = {},
): Command {
  const now = deps.now ?? Date.now;
  const stagingPorts = deps.stagingPorts ?? awsStagingPorts;
  const inventory = program
    .command('inventory')
    .description('Read and steer the versioned clone inventory (staging region).')
    .addHelpText(
      'after',
      example([
        'understudy inventory list --table understudy-Inventory --region eu-central-1',
        'understudy inventory list --local   # after npm run drill, no AWS',
        'understudy inventory pin shop/web 3 --reason "v4 breaks checkout"',
      ]),
    )
    // Settings are copied to a subcommand when it is created, and runCli sets exitOverride on
    // the program only afterwards: without this a bad flag would exit(1) instead of reaching runCli.
    .exitOverride();

  addConnectionOptions(
    inventory
      .command('list')
      .description(
        'Every service: latest version, latest validated, pinned, the effective version (what a failover deploys), its status and age.',
      ),
  )
    .addHelpText(
      'after',
      example(['understudy inventory list --format json', 'understudy inventory list --local']),
    )
    .exitOverride()
    .action(async (options: ConnectionOptions) => listCommand(options, now));

  addConnectionOptions(
    inventory
      .command('show')
      .description(
        "A clone version's metadata (status, reasons, hash, who/when/why, source revision) and content summary (staged task definition, images by digest, rules, dependencies).",
      )
      .argument('<service>', 'cluster/service', parseServiceKey)
      .option('--version <n>', 'clone version (default: the latest)', parseVersionNumber),
  )
    .addHelpText(
      'after',
      example([
        'understudy inventory show shop/web --version 3',
        'understudy inventory show shop/web --local',
      ]),
    )
    .exitOverride()
    .action(async (service: ServiceKey, options: ShowOptions) => showCommand(service, options));

  addConnectionOptions(
    inventory
      .command('diff')
      .description(
        "What changed between two clone versions' content, by JSON path (images, environment, secrets, rules, service and task definition).",
      )
      .argument('<service>', 'cluster/service', parseServiceKey)
      .argument('<a>', 'older clone version', parseVersionNumber)
      .argument('<b>', 'newer clone version', parseVersionNumber),
  )
    .addHelpText('after', example(['understudy inventory diff shop/web 3 4 --format json']))
    .exitOverride()
    .action(async (service: ServiceKey, a: number, b: number, options: ConnectionOptions) =>
      diffCommand(service, a, b, options),
    );

  addConnectionOptions(
    inventory
      .command('pin')
      .description(
        'Rollback: pin the deployment plan of a service to a validated clone version (an invalid or not-ready one is refused).',
      )
      .argument('<service>', 'cluster/service', parseServiceKey)
      .argument('<version>', 'clone version to pin', parseVersionNumber)
      .option('--reason <text>', 'why (audit trail)')
      .option('--actor <name>', 'who (audit trail; default cli:<login>)'),
  )
    .addHelpText(
      'after',
      example(['understudy inventory pin shop/web 3 --reason "v4 breaks checkout" --actor alice']),
    )
    .exitOverride()
    .action(async (service: ServiceKey, version: number, options: ChangeOptions) =>
      pinCommand(service, version, options),
    );

  addConnectionOptions(
    inventory
      .command('unpin')
      .description('Remove the pin: the plan follows the latest validated version again.')
      .argument('<service>', 'cluster/service', parseServiceKey)
      .option('--actor <name>', 'who (audit trail; default cli:<login>)'),
  )
    .addHelpText('after', example(['understudy inventory unpin shop/web']))
    .exitOverride()
    .action(async (service: ServiceKey, options: ChangeOptions) => unpinCommand(service, options));

  addConnectionOptions(
    inventory
      .command('validate')
      .description(
        "Re-validate clones against staging with the integrity check's rules (digests, the staged revision, its hash and out-of-band revisions, re-pointed tags, rules, dependencies): per service the latest version and, when another, the effective one. A changed status is written to the inventory; the primary is not read. Reads staging with the CLI's credentials, in the account and region each clone's staged task definition names; with --local, the staging the last drill left behind (DIR/state/staging.json).",
      )
      .argument('[service]', 'cluster/service (default: every service)', parseServiceKey)
      .option('--dry-run', 'report only; change no status')
      .option('--actor <name>', 'who status changes are recorded as (default cli:<login>)'),
  )
    .addHelpText(
      'after',
      example([
        'understudy inventory validate shop/web --dry-run',
        'understudy inventory validate --local   # after npm run drill, no AWS',
      ]),
    )
    .exitOverride()
    .action(async (service: ServiceKey | undefined, options: ValidateOptions) =>
      validateCommand(service, options, stagingPorts),
    );

  return inventory;
}
