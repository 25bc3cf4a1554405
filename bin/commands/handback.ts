/**
 * `understudy handback start|approve|decline|status`: the operator's side of the handback workflow. `start` asks
 * for a handback by hand through the same rules as the starter Lambda (the shadow must hold the
 * lease and the quorum be OK; it does not wait for the N OK periods, the operator decided), with
 * a deterministic name per minute so a repeated command collapses. `status` shows one handback:
 * its record (kind `handback`) and where each service stands. `approve` and `decline` resolve the
 * approval step (the failover's approval store and task tokens); an approval is refused while the
 * detection quorum is in ALARM.
 *
 * Exit codes: 0 done; 3 refused (the shadow does not hold authority, the quorum is not OK,
 * another handback runs); 2 bad flags or an unknown execution; 1 anything else.
 */

import os from 'node:os';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type Command, Option } from 'commander';
import { CloudWatchQuorumAlarm } from '../../functions/adapters/aws/cloudwatch-quorum-alarm';
import { DynamoDbApprovalStore } from '../../functions/adapters/aws/dynamodb-approval-store';
import { DynamoDbAuthorityLease } from '../../functions/adapters/aws/dynamodb-authority-lease';
import { DynamoDbFailoverRecordStore } from '../../functions/adapters/aws/failover-record-store';
import { callAws } from '../../functions/adapters/aws/sdk-errors';
import { SfnFailoverExecutions } from '../../functions/adapters/aws/sfn-failover-executions';
import { SfnTaskTokens } from '../../functions/adapters/aws/sfn-task-tokens';
import { TaskGoneError } from '../../functions/core/approval';
import { ConflictError, NotFoundError, ValidationError } from '../../functions/core/errors';
import { decideHandbackApproval } from '../../functions/core/handback/approval';
import { isHandbackLine } from '../../functions/core/handback/ports';
import { startHandback } from '../../functions/core/handback/start';
import { QUORUM_ALARM_NAME } from '../../functions/shared/alarm-names';
// The same environment and exit codes as `failover`: handback records live in the failover
// table, and an operator scripts both commands alike.
import {
  addDecisionOptions,
  EXIT_REFUSED,
  executionNameOf,
  FAILOVER_TABLE_ENV,
  HEALTH_REGION_ENV,
  LEASE_TABLE_ENV,
} from './failover';
import {
  INVENTORY_FORMATS,
  type InventoryFormat,
  requiredFlag,
  stagingClientConfig,
} from './inventory-connection';

/** Environment variable naming the handback state machine when `--state-machine` is absent. */
export const HANDBACK_STATE_MACHINE_ENV = 'UNDERSTUDY_HANDBACK_STATE_MACHINE';

interface ConnectionOptions {
  readonly region?: string;
  readonly endpoint?: string;
  readonly format: InventoryFormat;
}

interface StartOptions extends ConnectionOptions {
  readonly stateMachine?: string;
  readonly leaseTable?: string;
  readonly leaseId?: string;
  readonly alarmName: string;
  readonly healthRegion?: string;
  readonly actor?: string;
  readonly forceApproval: boolean;
}

interface DecideOptions extends ConnectionOptions {
  readonly execution: string;
  readonly table?: string;
  readonly reason?: string;
  readonly actor?: string;
  readonly healthRegion?: string;
}

interface StatusOptions extends ConnectionOptions {
  readonly execution: string;
  readonly table?: string;
  readonly stateMachine?: string;
}

function write(format: InventoryFormat, json: unknown, text: string): void {
  process.stdout.write(format === 'json' ? `${JSON.stringify(json)}\n` : `${text}\n`);
}

async function startCommand(options: StartOptions): Promise<void> {
  const stateMachineArn = requiredFlag(
    options.stateMachine,
    'handback state machine',
    '--state-machine ARN',
    HANDBACK_STATE_MACHINE_ENV,
  );
  const leaseTable = requiredFlag(
    options.leaseTable,
    'lease table',
    '--lease-table NAME',
    LEASE_TABLE_ENV,
  );
  const { local, region, base } = stagingClientConfig(options);
  const dynamo = new DynamoDBClient(base(region));
  const sfn = new SFNClient(base(region));
  const cloudwatch = new CloudWatchClient(base(options.healthRegion?.trim() || region));
  const sts = new STSClient({ ...base(region), useGlobalEndpoint: false });
  try {
    let requestedBy = options.actor?.trim();
    if (!requestedBy) {
      requestedBy = local
        ? `local:${os.userInfo().username}`
        : await callAws({ operation: 'sts:GetCallerIdentity' }, async () => {
            const identity = await sts.send(new GetCallerIdentityCommand({}));
            if (!identity.Arn) throw new Error('GetCallerIdentity returned no ARN');
            return identity.Arn;
          });
    }
    const outcome = await startHandback(
      {
        lease: new DynamoDbAuthorityLease(dynamo, leaseTable, {
          ...(options.leaseId ? { leaseId: options.leaseId } : {}),
        }),
        alarm: new CloudWatchQuorumAlarm(cloudwatch),
        executions: new SfnFailoverExecutions(sfn, stateMachineArn),
        clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
      },
      // Periods are not counted for a manual start: the operator decided.
      { alarmName: options.alarmName, okPeriods: 1, periodSeconds: 60 },
      {
        trigger: 'manual',
        requestedBy: requestedBy.slice(0, 200),
        ...(options.forceApproval ? { approvalMode: 'manual' as const } : {}),
      },
    );
    if (outcome.outcome === 'ignored' || outcome.outcome === 'waiting') {
      write(options.format, outcome, '');
      process.stderr.write(`understudy: handback refused: ${outcome.reason}\n`);
      process.exitCode = EXIT_REFUSED;
      return;
    }
    write(
      options.format,
      outcome,
      `${outcome.executionName}: ${outcome.outcome === 'started' ? 'started' : 'already started'} at epoch ${outcome.epoch} (${outcome.executionArn})`,
    );
  } finally {
    for (const client of [dynamo, sfn, cloudwatch, sts]) client.destroy();
  }
}

async function actorOf(given: string | undefined, local: boolean, sts: STSClient): Promise<string> {
  const trimmed = given?.trim();
  if (trimmed) return trimmed;
  if (local) return `local:${os.userInfo().username}`;
  return callAws({ operation: 'sts:GetCallerIdentity' }, async () => {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (!identity.Arn) throw new Error('GetCallerIdentity returned no ARN');
    return identity.Arn;
  });
}

async function decideCommand(
  decision: 'approved' | 'declined',
  options: DecideOptions,
): Promise<void> {
  const table = requiredFlag(options.table, 'failover table', '--table NAME', FAILOVER_TABLE_ENV);
  const executionName = executionNameOf(options.execution);
  if (decision === 'declined' && !options.reason?.trim()) {
    throw new ValidationError(
      'decline needs --reason: the record keeps why the handback was declined',
    );
  }
  const { local, region, base } = stagingClientConfig(options);
  const dynamo = new DynamoDBClient(base(region));
  const sfn = new SFNClient(base(region));
  const sts = new STSClient({ ...base(region), useGlobalEndpoint: false });
  const store = new DynamoDbApprovalStore(dynamo, table);
  let cloudwatch: CloudWatchClient | undefined;
  try {
    const stored = await store.get(executionName);
    cloudwatch = new CloudWatchClient(
      base(options.healthRegion?.trim() || stored?.alarmRegion || region),
    );
    const actor = await actorOf(options.actor, local, sts);
    const result = await decideHandbackApproval(
      { executionName, decision, actor, reason: options.reason?.trim() ?? '' },
      {
        store,
        tokens: new SfnTaskTokens(sfn),
        alarm: new CloudWatchQuorumAlarm(cloudwatch),
        clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
      },
    );
    write(
      options.format,
      { executionName, ...result.decision, resumed: result.resumed },
      `${executionName}: ${result.decision.decision} by ${result.decision.actor} at ${result.decision.at}${result.resumed ? ' (re-sent)' : ''}`,
    );
  } catch (error) {
    if (!(error instanceof ConflictError || error instanceof TaskGoneError)) throw error;
    process.stderr.write(`understudy: ${error.message}\n`);
    process.exitCode = EXIT_REFUSED;
  } finally {
    for (const client of [dynamo, sfn, sts, cloudwatch]) client?.destroy();
  }
}

async function statusCommand(options: StatusOptions): Promise<void> {
  const table = requiredFlag(options.table, 'failover table', '--table NAME', FAILOVER_TABLE_ENV);
  const executionName = executionNameOf(options.execution);
  const { region, base } = stagingClientConfig(options);
  const dynamo = new DynamoDBClient(base(region));
  const sfn = new SFNClient(base(region));
  // The record store writes reports on finish only; status never calls S3.
  const s3 = new S3Client(base(region));
  try {
    const records = new DynamoDbFailoverRecordStore(dynamo, table, s3, { bucketName: 'unused' });
    const record = await records.get(executionName);
    if (record?.kind !== 'handback') throw new NotFoundError('handback', executionName);
    const lines = (await records.listServices(executionName)).filter(isHandbackLine);
    const phases: Record<string, number> = {};
    for (const line of lines) phases[line.handback.phase] = (phases[line.handback.phase] ?? 0) + 1;
    const stateMachine = options.stateMachine?.trim();
    const executionArn = options.execution.startsWith('arn:')
      ? options.execution.trim()
      : stateMachine
        ? new SfnFailoverExecutions(sfn, stateMachine).arnOf(executionName)
        : record.executionArn;
    const execution = await callAws(
      { operation: 'states:DescribeExecution', kind: 'execution', id: executionArn },
      () => sfn.send(new DescribeExecutionCommand({ executionArn })),
    );
    const json = {
      executionName,
      executionArn,
      status: execution.status,
      record,
      phases,
      services: lines.map((l) => ({
        service: l.service,
        mode: l.handback.mode,
        phase: l.handback.phase,
        ...(l.handback.changes ? { changes: l.handback.changes } : {}),
        ...(l.handback.primary?.waitingFor ? { waitingFor: l.handback.primary.waitingFor } : {}),
      })),
    };
    write(
      options.format,
      json,
      [
        `execution ${executionName}`,
        `status    ${execution.status}`,
        `outcome   ${record.outcome ?? 'running'}${record.reason ? `: ${record.reason}` : ''}`,
        `epoch     ${record.epoch ?? 'unknown'}`,
        `approval  ${record.approval ? `${record.approval.decision} by ${record.approval.actor} at ${record.approval.at}` : 'none yet'}`,
        `services  ${
          Object.entries(phases)
            .map(([phase, n]) => `${n} ${phase}`)
            .join(', ') || 'none'
        }`,
        ...(record.reportUri ? [`report    ${record.reportUri}`] : []),
      ].join('\n'),
    );
  } finally {
    for (const client of [dynamo, sfn, s3]) client.destroy();
  }
}

function addConnectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--region <region>', 'staging region').env('AWS_REGION'))
    .option(
      '--endpoint <url>',
      'endpoint of a local moto or dynalite server for every AWS call (loopback only)',
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(INVENTORY_FORMATS).default('table'),
    );
}

const EXIT_HELP = `
Exit codes:
  0 done
  ${EXIT_REFUSED} refused: the shadow does not hold authority, the quorum is not OK, or another
    handback runs
  2 bad flags, or no handback record for that execution
  1 any other error`;

/** Adds `understudy handback` and its subcommands to the program. */
export function registerHandbackCommand(program: Command): Command {
  const handback = program
    .command('handback')
    .description('Start or inspect handback executions (authority back to the primary).')
    .exitOverride();

  addConnectionOptions(
    handback
      .command('start')
      .description(
        'Ask for a handback by hand: the shadow must hold the lease and the quorum be OK; it does not wait for the N OK periods.',
      )
      .addOption(
        new Option('--state-machine <arn>', 'handback state machine').env(
          HANDBACK_STATE_MACHINE_ENV,
        ),
      )
      .addOption(new Option('--lease-table <name>', 'authority lease table').env(LEASE_TABLE_ENV))
      .option('--lease-id <id>', 'which lease (a drill deployment keeps its own)')
      .option('--alarm-name <name>', 'the detection quorum alarm', QUORUM_ALARM_NAME)
      .addOption(
        new Option('--health-region <region>', 'region of the quorum alarm').env(HEALTH_REGION_ENV),
      )
      .option('--actor <who>', 'who asks (default: your AWS identity ARN)')
      .option('--force-approval', 'wait for approval even in auto mode', false),
  )
    .addHelpText(
      'after',
      `\nExample:\n  $ understudy handback start --health-region us-east-1 --state-machine arn:aws:states:eu-central-1:111122223333:stateMachine:UnderstudyHandback --lease-table understudy-AuthorityLease --region eu-central-1\n${EXIT_HELP}\n`,
    )
    .exitOverride()
    .action((options: StartOptions) => startCommand(options));

  for (const [verb, decision] of [
    ['approve', 'approved'],
    ['decline', 'declined'],
  ] as const) {
    addConnectionOptions(
      addDecisionOptions(
        handback
          .command(verb)
          .description(
            verb === 'approve'
              ? 'Approve a waiting handback (refused while the detection quorum is in ALARM).'
              : 'Decline a waiting handback: the lease stays with the shadow, traffic where it is.',
          )
          .requiredOption('--execution <name|arn>', 'the handback waiting for approval')
          .addOption(
            new Option('--table <name>', 'failover DynamoDB table (holds the approval)').env(
              FAILOVER_TABLE_ENV,
            ),
          ),
        verb,
      ),
    )
      .addHelpText(
        'after',
        `\nExample:\n  $ understudy handback ${verb} --execution handback-e2-20261202T041500Z --reason "${verb === 'approve' ? 'primary redeployed and healthy' : 'primary still flapping'}" --table understudy-Failover --region eu-central-1\n${EXIT_HELP}\n`,
      )
      .exitOverride()
      .action((options: DecideOptions) => decideCommand(decision, options));
  }

  addConnectionOptions(
    handback
      .command('status')
      .description('Show one handback: its record, approval and where each service stands.')
      .requiredOption('--execution <name|arn>', 'the handback execution')
      .addOption(
        new Option('--table <name>', 'failover DynamoDB table (holds handback records)').env(
          FAILOVER_TABLE_ENV,
        ),
      )
      .addOption(
        new Option('--state-machine <arn>', 'handback state machine').env(
          HANDBACK_STATE_MACHINE_ENV,
        ),
      ),
  )
    .addHelpText(
      'after',
      `\nExample:\n  $ understudy handback status --execution handback-e2-20261202T041500Z --table understudy-Failover --region eu-central-1 --format json\n${EXIT_HELP}\n`,
    )
    .exitOverride()
    .action((options: StatusOptions) => statusCommand(options));

  return handback;
}
