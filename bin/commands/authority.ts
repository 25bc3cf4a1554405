/**
 * `understudy authority status|check`: who holds deployment authority, and a gate the primary's
 * CI/CD runs before every deployment so a primary that comes back while the shadow holds the
 * lease cannot deploy over it (ECS itself knows no epoch).
 *
 * `check` exit codes: 0 the caller holds authority (or, under `--on-unreachable fail-open`, the
 * lease could not be read — a warning says so); 3 it does not; 4 the lease could not be read under
 * `fail-closed`; 2 bad flags; 1 anything else (access denied, a wrong table).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { assertAuthority } from '../../functions/adapters/aws/authority-check';
import { DynamoDbAuthorityLease } from '../../functions/adapters/aws/dynamodb-authority-lease';
import { UNREACHABLE_POLICIES, type UnreachablePolicy } from '../../functions/core/authority';
import {
  AuthorityNotHeldError,
  AuthorityUnreachableError,
  ValidationError,
} from '../../functions/core/errors';
import type { AuthorityHolder, Lease } from '../../functions/core/model';
import { dynamoDbClientFor, INVENTORY_FORMATS, type InventoryFormat } from './inventory-connection';

/** Environment variable naming the lease table when `--table` is absent. */
export const LEASE_TABLE_ENV = 'UNDERSTUDY_LEASE_TABLE';

/** Exit code of `check` when the caller does not hold authority. */
export const EXIT_NOT_HELD = 3;
/** Exit code of `check` when the lease cannot be read and the policy is fail-closed. */
export const EXIT_UNREACHABLE = 4;

const HOLDERS: readonly AuthorityHolder[] = ['primary', 'shadow'];

/** Flags shared by `status` and `check`. */
interface LeaseOptions {
  readonly table?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly leaseId: string;
  readonly format: InventoryFormat;
}

/** Flags of `check`. */
interface CheckOptions extends LeaseOptions {
  readonly as: AuthorityHolder;
  readonly epoch?: number;
  readonly onUnreachable: UnreachablePolicy;
}

/** Commander argument parser: a fencing epoch (whole number ≥ 1). */
export function parseEpoch(text: string): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1 || !Number.isSafeInteger(Number(trimmed))) {
    throw new InvalidArgumentError(`epoch must be a whole number ≥ 1, got "${text}"`);
  }
  return Number(trimmed);
}

function addLeaseOptions(command: Command): Command {
  return command
    .addOption(new Option('--table <name>', 'authority lease DynamoDB table').env(LEASE_TABLE_ENV))
    .addOption(
      new Option('--region <region>', 'staging region (holds the lease)').env('AWS_REGION'),
    )
    .option(
      '--endpoint <url>',
      'DynamoDB endpoint of a local dynalite or moto server (loopback only, e.g. http://127.0.0.1:4567)',
    )
    .option('--lease-id <id>', 'which lease (a drill deployment keeps its own)', 'authority')
    .addOption(
      new Option('--format <format>', 'output format').choices(INVENTORY_FORMATS).default('table'),
    );
}

function tableOf(options: LeaseOptions): string {
  const table = options.table?.trim();
  if (!table) {
    throw new ValidationError(
      `no lease table: pass --table NAME or set ${LEASE_TABLE_ENV} (stack output AuthorityLeaseTableName)`,
    );
  }
  return table;
}

function leaseJson(lease: Lease | undefined): Record<string, unknown> {
  return lease
    ? { ...lease, initialised: true }
    : { holder: 'primary', epoch: 1, reason: 'never transferred', initialised: false };
}

async function statusCommand(options: LeaseOptions): Promise<void> {
  const table = tableOf(options);
  const client = dynamoDbClientFor(options, 'the staging region holding the lease');
  try {
    const lease = await new DynamoDbAuthorityLease(client, table, {
      leaseId: options.leaseId,
    }).peek();
    if (options.format === 'json') {
      process.stdout.write(`${JSON.stringify(leaseJson(lease))}\n`);
      return;
    }
    process.stdout.write(
      lease
        ? `holder ${lease.holder}\nepoch ${lease.epoch}\nsince ${lease.acquiredAt}\nreason ${lease.reason}\nupdated ${lease.updatedAt}\n`
        : 'holder primary\nepoch 1\nreason never transferred (no lease item yet)\n',
    );
  } finally {
    client.destroy();
  }
}

async function checkCommand(options: CheckOptions): Promise<void> {
  const table = tableOf(options);
  const client = dynamoDbClientFor(options, 'the staging region holding the lease');
  try {
    const result = await assertAuthority({
      client,
      tableName: table,
      holder: options.as,
      leaseId: options.leaseId,
      onUnreachable: options.onUnreachable,
      ...(options.epoch !== undefined ? { epoch: options.epoch } : {}),
    });
    if (options.format === 'json') {
      process.stdout.write(
        `${JSON.stringify({ held: true, degraded: result.degraded, reason: result.reason, lease: result.lease ?? null })}\n`,
      );
    } else {
      process.stdout.write(`${result.reason}\n`);
    }
    if (result.degraded) process.stderr.write(`understudy: warning: ${result.reason}\n`);
  } catch (error) {
    if (error instanceof AuthorityNotHeldError || error instanceof AuthorityUnreachableError) {
      if (options.format === 'json') {
        process.stdout.write(`${JSON.stringify({ held: false, reason: error.message })}\n`);
      }
      process.stderr.write(`understudy: ${error.message}\n`);
      process.exitCode = error instanceof AuthorityNotHeldError ? EXIT_NOT_HELD : EXIT_UNREACHABLE;
      return;
    }
    throw error;
  } finally {
    client.destroy();
  }
}

const CONNECTION_HELP = `
  The table comes from --table or ${LEASE_TABLE_ENV} (the staging stack's output
  AuthorityLeaseTableName), the region from --region or AWS_REGION (the staging region),
  credentials from the default AWS chain. --endpoint points at a local dynalite or moto server.`;

/** Adds `understudy authority` and its subcommands to the program. */
export function registerAuthorityCommand(program: Command): Command {
  const authority = program
    .command('authority')
    .description('Who holds deployment authority (the fenced lease), and a gate for deployers.')
    .exitOverride();

  addLeaseOptions(
    authority
      .command('status')
      .description('Print the authority lease: holder, epoch, since when and why.'),
  )
    .addHelpText(
      'after',
      `\nExample:\n  $ understudy authority status --table understudy-AuthorityLease --region eu-central-1\n${CONNECTION_HELP}\n`,
    )
    .exitOverride()
    .action((options: LeaseOptions) => statusCommand(options));

  addLeaseOptions(
    authority
      .command('check')
      .description(
        'Exit 0 only if the caller holds authority: run it in the primary pipeline before each deployment.',
      )
      .addOption(
        new Option('--as <holder>', 'who is asking').choices(HOLDERS).makeOptionMandatory(),
      )
      .option('--epoch <n>', 'the epoch the caller was granted (refused when stale)', parseEpoch)
      .addOption(
        new Option('--on-unreachable <policy>', 'when the lease cannot be read')
          .choices(UNREACHABLE_POLICIES)
          .default('fail-closed'),
      ),
  )
    .addHelpText(
      'after',
      [
        '',
        'Exit codes:',
        `  0 the caller holds authority (fail-open: or the lease could not be read, with a warning)`,
        `  ${EXIT_NOT_HELD} the caller does not hold authority: do not deploy`,
        `  ${EXIT_UNREACHABLE} the lease could not be read and the policy is fail-closed`,
        '  2 bad flags; 1 any other error (access denied, wrong table)',
        '',
        'Example:',
        '  $ understudy authority check --as primary --table understudy-AuthorityLease --region eu-central-1',
        CONNECTION_HELP,
        '',
      ].join('\n'),
    )
    .exitOverride()
    .action((options: CheckOptions) => checkCommand(options));

  return authority;
}
