/**
 * `understudy failover approve|decline|status|list|start`: the operator's side of the failover
 * workflow. `approve` and `decline` resolve the approval step an execution waits on (the task
 * token the request stored); an approval is refused once the detection quorum has cleared.
 * `start` asks for a failover by hand through the same admission as the alarm. It never starts a
 * drill: a drill runs in its own deployment (`understudy drill --aws`), never on the production
 * failover state machine.
 *
 * Exit codes: 0 done; 3 refused (the quorum cleared, already decided, timed out, no longer
 * waiting, or the admission refused a start); 2 bad flags or an unknown execution; 1 anything else.
 */

import os from 'node:os';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type Command, Option } from 'commander';
import { CloudWatchQuorumAlarm } from '../../functions/adapters/aws/cloudwatch-quorum-alarm';
import { DynamoDbApprovalStore } from '../../functions/adapters/aws/dynamodb-approval-store';
import { DynamoDbFailoverAdmission } from '../../functions/adapters/aws/dynamodb-failover-admission';
import { callAws } from '../../functions/adapters/aws/sdk-errors';
import { SfnFailoverExecutions } from '../../functions/adapters/aws/sfn-failover-executions';
import { SfnTaskTokens } from '../../functions/adapters/aws/sfn-task-tokens';
import {
  type ApprovalRecord,
  decideApproval,
  QuorumClearedError,
  TaskGoneError,
} from '../../functions/core/approval';
import { ConflictError, ValidationError } from '../../functions/core/errors';
import { admitFailover, executionNameFor } from '../../functions/core/failover/admission';
import { QUORUM_ALARM_NAME } from '../../functions/shared/alarm-names';
import {
  INVENTORY_FORMATS,
  type InventoryFormat,
  requiredFlag,
  stagingClientConfig,
} from './inventory-connection';

/** Environment variable naming the failover table when `--table` is absent. */
export const FAILOVER_TABLE_ENV = 'UNDERSTUDY_FAILOVER_TABLE';
/** Environment variable naming the failover state machine when `--state-machine` is absent. */
export const FAILOVER_STATE_MACHINE_ENV = 'UNDERSTUDY_FAILOVER_STATE_MACHINE';
/** Environment variable naming the lease table (the admission record) for `start`. */
export const LEASE_TABLE_ENV = 'UNDERSTUDY_LEASE_TABLE';
/** Environment variable naming the health region (the quorum alarm's). */
export const HEALTH_REGION_ENV = 'UNDERSTUDY_HEALTH_REGION';

/** Exit code when the request was refused (quorum cleared, already decided, admission refused). */
export const EXIT_REFUSED = 3;

/** Flags every subcommand shares. */
interface ConnectionOptions {
  readonly table?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly format: InventoryFormat;
}

/** Flags of `approve` and `decline`. */
interface DecideOptions extends ConnectionOptions {
  readonly execution: string;
  readonly reason?: string;
  readonly actor?: string;
  readonly healthRegion?: string;
}

/** Flags of `status`. */
interface StatusOptions extends ConnectionOptions {
  readonly execution: string;
  readonly stateMachine?: string;
}

/** Flags of `list`. */
interface ListOptions extends ConnectionOptions {
  readonly stateMachine?: string;
  readonly status?: string;
  readonly limit: number;
}

/** Flags of `start`. */
interface StartOptions extends ConnectionOptions {
  readonly stateMachine?: string;
  readonly leaseTable?: string;
  readonly alarmName: string;
  readonly healthRegion?: string;
  readonly minDelaySeconds: number;
  readonly actor?: string;
}

const EXECUTION_STATUSES = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
] as const;

/** The clients one run uses, all from the same flags. */
interface Clients {
  readonly region: string;
  readonly local: boolean;
  dynamo(): DynamoDBClient;
  sfn(): SFNClient;
  cloudwatch(region: string): CloudWatchClient;
  sts(): STSClient;
  close(): void;
}

function clientsOf(options: Pick<ConnectionOptions, 'region' | 'endpoint'>): Clients {
  const { local, region, base } = stagingClientConfig(options);
  const built: { destroy(): void }[] = [];
  const keep = <T extends { destroy(): void }>(client: T): T => {
    built.push(client);
    return client;
  };
  return {
    region,
    local,
    dynamo: () => keep(new DynamoDBClient(base(region))),
    sfn: () => keep(new SFNClient(base(region))),
    cloudwatch: (alarmRegion) => keep(new CloudWatchClient(base(alarmRegion))),
    sts: () => keep(new STSClient({ ...base(region), useGlobalEndpoint: false })),
    close: () => {
      for (const client of built) client.destroy();
    },
  };
}

/** `name` or the name at the end of an execution ARN. */
export function executionNameOf(execution: string): string {
  const trimmed = execution.trim();
  const fromArn = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:([^:]+)$/.exec(trimmed);
  const name = fromArn?.[1] ?? trimmed;
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
    throw new ValidationError(
      `--execution ${execution} is neither an execution name nor an execution ARN`,
    );
  }
  return name;
}

/** Who is deciding: `--actor`, else the caller's AWS identity (the local user against loopback). */
async function actorOf(options: { readonly actor?: string }, clients: Clients): Promise<string> {
  const given = options.actor?.trim();
  if (given) return given;
  if (clients.local) return `local:${os.userInfo().username}`;
  const identity = await callAws({ operation: 'sts:GetCallerIdentity' }, () =>
    clients.sts().send(new GetCallerIdentityCommand({})),
  );
  if (!identity.Arn) throw new Error('GetCallerIdentity returned no ARN');
  return identity.Arn;
}

function write(format: InventoryFormat, json: unknown, text: string): void {
  process.stdout.write(format === 'json' ? `${JSON.stringify(json)}\n` : `${text}\n`);
}

function refuse(error: unknown): boolean {
  if (
    error instanceof QuorumClearedError ||
    error instanceof TaskGoneError ||
    error instanceof ConflictError
  ) {
    process.stderr.write(`understudy: ${error.message}\n`);
    process.exitCode = EXIT_REFUSED;
    return true;
  }
  return false;
}

async function decideCommand(
  decision: 'approved' | 'declined',
  options: DecideOptions,
): Promise<void> {
  const table = requiredFlag(options.table, 'failover table', '--table NAME', FAILOVER_TABLE_ENV);
  const executionName = executionNameOf(options.execution);
  if (decision === 'declined' && !options.reason?.trim()) {
    throw new ValidationError(
      'decline needs --reason: the record keeps why the failover was declined',
    );
  }
  const clients = clientsOf(options);
  try {
    const store = new DynamoDbApprovalStore(clients.dynamo(), table);
    const stored = await store.get(executionName);
    const alarmRegion = options.healthRegion?.trim() || stored?.alarmRegion || clients.region;
    const actor = await actorOf(options, clients);
    const result = await decideApproval(
      { executionName, decision, actor, reason: options.reason?.trim() ?? '' },
      {
        store,
        tokens: new SfnTaskTokens(clients.sfn()),
        alarm: new CloudWatchQuorumAlarm(clients.cloudwatch(alarmRegion)),
        clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
      },
    );
    write(
      options.format,
      { executionName, ...result.decision, resumed: result.resumed },
      `${executionName}: ${result.decision.decision} by ${result.decision.actor} at ${result.decision.at}${result.resumed ? ' (re-sent)' : ''}`,
    );
  } catch (error) {
    if (!refuse(error)) throw error;
  } finally {
    clients.close();
  }
}

function approvalText(record: ApprovalRecord | undefined): string[] {
  if (!record) return ['approval  none requested'];
  const lines = [
    `approval  ${record.status}${record.decision ? ` by ${record.decision.actor} at ${record.decision.at}` : ` (decide by ${record.deadline})`}`,
    `alarm     ${record.alarmName} (${record.alarmRegion}), detected ${record.detectedAt}`,
    `plan      ${record.planSummary.planId}: ${record.planSummary.services} services, ${record.planSummary.tasks} tasks`,
  ];
  if (record.decision?.reason) lines.push(`reason    ${record.decision.reason}`);
  return lines;
}

async function statusCommand(options: StatusOptions): Promise<void> {
  const table = requiredFlag(options.table, 'failover table', '--table NAME', FAILOVER_TABLE_ENV);
  const executionName = executionNameOf(options.execution);
  const clients = clientsOf(options);
  try {
    const approval = await new DynamoDbApprovalStore(clients.dynamo(), table).get(executionName);
    const stateMachine = options.stateMachine?.trim();
    const executionArn = options.execution.startsWith('arn:')
      ? options.execution.trim()
      : (approval?.executionArn ??
        (stateMachine
          ? new SfnFailoverExecutions(clients.sfn(), stateMachine).arnOf(executionName)
          : undefined));
    if (!executionArn) {
      throw new ValidationError(
        `execution ${executionName} has no approval request: pass its ARN, or --state-machine ARN (or ${FAILOVER_STATE_MACHINE_ENV})`,
      );
    }
    const execution = await callAws(
      { operation: 'states:DescribeExecution', kind: 'execution', id: executionArn },
      () => clients.sfn().send(new DescribeExecutionCommand({ executionArn })),
    );
    const json = {
      executionName,
      executionArn,
      status: execution.status,
      startDate: execution.startDate?.toISOString(),
      stopDate: execution.stopDate?.toISOString(),
      approval: approval ? { ...approval, taskToken: undefined } : null,
    };
    write(
      options.format,
      json,
      [
        `execution ${executionName}`,
        `status    ${execution.status}${execution.stopDate ? ` (stopped ${execution.stopDate.toISOString()})` : ''}`,
        `started   ${execution.startDate?.toISOString() ?? 'unknown'}`,
        ...approvalText(approval),
      ].join('\n'),
    );
  } finally {
    clients.close();
  }
}

async function listCommand(options: ListOptions): Promise<void> {
  const table = requiredFlag(options.table, 'failover table', '--table NAME', FAILOVER_TABLE_ENV);
  const stateMachineArn = requiredFlag(
    options.stateMachine,
    'failover state machine',
    '--state-machine ARN',
    FAILOVER_STATE_MACHINE_ENV,
  );
  const clients = clientsOf(options);
  try {
    const output = await callAws(
      { operation: 'states:ListExecutions', kind: 'state machine', id: stateMachineArn },
      () =>
        clients.sfn().send(
          new ListExecutionsCommand({
            stateMachineArn,
            maxResults: options.limit,
            ...(options.status ? { statusFilter: options.status as 'RUNNING' } : {}),
          }),
        ),
    );
    const store = new DynamoDbApprovalStore(clients.dynamo(), table);
    const rows = [];
    for (const execution of output.executions ?? []) {
      const name = execution.name ?? '';
      const approval = name ? await store.get(name) : undefined;
      rows.push({
        executionName: name,
        status: execution.status,
        startDate: execution.startDate?.toISOString(),
        stopDate: execution.stopDate?.toISOString(),
        approval: approval?.status ?? 'none',
      });
    }
    if (options.format === 'json') {
      process.stdout.write(`${JSON.stringify(rows)}\n`);
      return;
    }
    const lines = rows.map(
      (r) =>
        `${r.executionName.padEnd(44)} ${String(r.status).padEnd(10)} ${r.approval.padEnd(9)} ${r.startDate ?? ''}`,
    );
    process.stdout.write(
      `${['EXECUTION'.padEnd(44), 'STATUS'.padEnd(10), 'APPROVAL'.padEnd(9), 'STARTED'].join(' ')}\n${lines.join('\n')}${lines.length ? '\n' : ''}`,
    );
  } finally {
    clients.close();
  }
}

async function startCommand(options: StartOptions): Promise<void> {
  const stateMachineArn = requiredFlag(
    options.stateMachine,
    'failover state machine',
    '--state-machine ARN',
    FAILOVER_STATE_MACHINE_ENV,
  );
  const leaseTable = requiredFlag(
    options.leaseTable,
    'lease table',
    '--lease-table NAME',
    LEASE_TABLE_ENV,
  );
  const clients = clientsOf(options);
  try {
    const alarmRegion = options.healthRegion?.trim() || clients.region;
    const reading = await new CloudWatchQuorumAlarm(clients.cloudwatch(alarmRegion)).read(
      options.alarmName,
    );
    const trigger = 'manual';
    if (reading.state !== 'ALARM') {
      throw new QuorumClearedError(
        `the detection quorum ${reading.name} is ${reading.state}: a manual failover needs it in ALARM (rehearse with understudy drill --aws)`,
      );
    }
    const requestedBy = await actorOf(options, clients);
    const now = Date.now();
    const alarm = {
      name: reading.name,
      arn: `alarm:${alarmRegion}:${reading.name}`,
      stateChangeTime: reading.stateChangeTime || new Date(now).toISOString(),
      reason: `${trigger} start by ${requestedBy}`,
    };
    const outcome = await admitFailover(
      {
        // One name per request: a manual start is not a redelivery of anything.
        executionName: executionNameFor(alarm, trigger, new Date(now).toISOString()),
        trigger,
        alarm,
        requestedBy,
        forceApproval: true,
      },
      {
        store: new DynamoDbFailoverAdmission(clients.dynamo(), leaseTable),
        executions: new SfnFailoverExecutions(clients.sfn(), stateMachineArn),
        clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
        settings: { minDelayMs: options.minDelaySeconds * 1000 },
      },
    );
    if (outcome.outcome === 'refused') {
      write(options.format, outcome, '');
      process.stderr.write(`understudy: failover refused: ${outcome.message}\n`);
      process.exitCode = EXIT_REFUSED;
      return;
    }
    write(
      options.format,
      outcome,
      `${outcome.executionName}: started (${outcome.executionArn}); it waits for approval`,
    );
  } catch (error) {
    if (!refuse(error)) throw error;
  } finally {
    clients.close();
  }
}

function addConnectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--table <name>', 'failover DynamoDB table').env(FAILOVER_TABLE_ENV))
    .addOption(new Option('--region <region>', 'staging region').env('AWS_REGION'))
    .option(
      '--endpoint <url>',
      'endpoint of a local moto or dynalite server for every AWS call (loopback only)',
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(INVENTORY_FORMATS).default('table'),
    );
}

function parseLimit(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new ValidationError(`--limit must be a whole number within 1-1000, got "${text}"`);
  }
  return n;
}

function parseSeconds(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    throw new ValidationError(`--min-delay-seconds must be a whole number ≥ 0, got "${text}"`);
  }
  return n;
}

const CONNECTION_HELP = `
  The table comes from --table or ${FAILOVER_TABLE_ENV} (stack output FailoverTableName), the
  region from --region or AWS_REGION (the staging region), credentials from the default AWS
  chain. --endpoint points every call at a local moto or dynalite server.`;

const EXIT_HELP = `
Exit codes:
  0 done
  ${EXIT_REFUSED} refused: the quorum cleared, already decided, timed out, no longer waiting,
    or (start) the admission refused: another failover runs or the minimum delay holds
  2 bad flags, or no approval request for that execution
  1 any other error`;

/**
 * The flags of an approve or decline command (failover's and handback's) after its execution:
 * `--reason` (required to decline, checked by the command), `--actor`, `--health-region`.
 */
export function addDecisionOptions(command: Command, verb: 'approve' | 'decline'): Command {
  return command
    .option('--reason <text>', verb === 'approve' ? 'why (kept in the record)' : 'why (required)')
    .option('--actor <who>', 'who decides (default: your AWS identity ARN)')
    .addOption(
      new Option(
        '--health-region <region>',
        'region of the quorum alarm (default: the one the request stored)',
      ).env(HEALTH_REGION_ENV),
    );
}

/** Adds `understudy failover` and its subcommands to the program. */
export function registerFailoverCommand(program: Command): Command {
  const failover = program
    .command('failover')
    .description('Approve, decline, inspect or start failover executions.')
    .exitOverride();

  for (const [verb, decision] of [
    ['approve', 'approved'],
    ['decline', 'declined'],
  ] as const) {
    addConnectionOptions(
      addDecisionOptions(
        failover
          .command(verb)
          .description(
            verb === 'approve'
              ? 'Approve a waiting failover (refused once the detection quorum has cleared).'
              : 'Decline a waiting failover: nothing is deployed, the authority stays with the primary.',
          )
          .requiredOption('--execution <name|arn>', 'the execution waiting for approval'),
        verb,
      ),
    )
      .addHelpText(
        'after',
        `\nExample:\n  $ understudy failover ${verb} --execution alarm-20261202T004049Z-3f2a9c1b0d4e --reason "${verb === 'approve' ? 'primary region down, confirmed by on-call' : 'false alarm: probe credentials expired'}" --table understudy-Failover --region eu-central-1\n${CONNECTION_HELP}\n${EXIT_HELP}\n`,
      )
      .exitOverride()
      .action((options: DecideOptions) => decideCommand(decision, options));
  }

  addConnectionOptions(
    failover
      .command('status')
      .description('Show one execution: its status and its approval.')
      .requiredOption('--execution <name|arn>', 'the execution')
      .addOption(
        new Option(
          '--state-machine <arn>',
          'failover state machine (for a name without approval)',
        ).env(FAILOVER_STATE_MACHINE_ENV),
      ),
  )
    .addHelpText(
      'after',
      `\nExample:\n  $ understudy failover status --execution alarm-20261202T004049Z-3f2a9c1b0d4e --table understudy-Failover --region eu-central-1\n${CONNECTION_HELP}\n`,
    )
    .exitOverride()
    .action((options: StatusOptions) => statusCommand(options));

  addConnectionOptions(
    failover
      .command('list')
      .description('List recent failover executions, newest first, with their approval.')
      .addOption(
        new Option('--state-machine <arn>', 'failover state machine').env(
          FAILOVER_STATE_MACHINE_ENV,
        ),
      )
      .addOption(
        new Option('--status <status>', 'only executions in this status').choices(
          EXECUTION_STATUSES,
        ),
      )
      .option('--limit <n>', 'at most this many', parseLimit, 20),
  )
    .addHelpText(
      'after',
      `\nExample:\n  $ understudy failover list --status RUNNING --state-machine arn:aws:states:eu-central-1:111122223333:stateMachine:UnderstudyFailover --table understudy-Failover\n${CONNECTION_HELP}\n`,
    )
    .exitOverride()
    .action((options: ListOptions) => listCommand(options));

  addConnectionOptions(
    failover
      .command('start')
      .description(
        'Ask for a failover by hand (the quorum must be in ALARM), through the same admission as the alarm; it always waits for approval. Drills: understudy drill --aws.',
      )
      .addOption(
        new Option('--state-machine <arn>', 'failover state machine').env(
          FAILOVER_STATE_MACHINE_ENV,
        ),
      )
      .addOption(
        new Option('--lease-table <name>', 'authority lease table (holds the admission)').env(
          LEASE_TABLE_ENV,
        ),
      )
      .option('--alarm-name <name>', 'the detection quorum alarm', QUORUM_ALARM_NAME)
      .addOption(
        new Option('--health-region <region>', 'region of the quorum alarm').env(HEALTH_REGION_ENV),
      )
      .option(
        '--min-delay-seconds <n>',
        'minimum delay since the last failover',
        parseSeconds,
        1800,
      )
      .option('--actor <who>', 'who asks (default: your AWS identity ARN)'),
  )
    .addHelpText(
      'after',
      `\nExample:\n  $ understudy failover start --health-region us-east-1 --state-machine arn:aws:states:eu-central-1:111122223333:stateMachine:UnderstudyFailover --lease-table understudy-AuthorityLease --region eu-central-1\n${CONNECTION_HELP}\n${EXIT_HELP}\n`,
    )
    .exitOverride()
    .action((options: StartOptions) => startCommand(options));

  return failover;
}
