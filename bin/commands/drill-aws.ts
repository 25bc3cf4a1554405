/**
 * `understudy drill --aws`: starts the drill deployment's state machine (`UnderstudyDrill`,
 * never the production failover: an ARN whose name is not the drill wrapper's is refused before
 * any call), follows the execution (DescribeExecution + GetExecutionHistory polling), prints each
 * state it enters and the drill's summary. `--history` prints the RTO trend of past drills from
 * the drill deployment's table instead.
 *
 * Exit codes: 0 the drill succeeded (or the history printed); 1 the drill failed or was aborted
 * (it tore down); 2 bad flags.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DynamoDbDrillHistory } from '../../functions/adapters/aws/drill-history';
import { callAws } from '../../functions/adapters/aws/sdk-errors';
import type { DrillRecord } from '../../functions/core/drill/ports';
import { type DrillTrend, drillTrend } from '../../functions/core/drill/trend';
import { ValidationError } from '../../functions/core/errors';
import { checkEndpoint } from './inventory-connection';

/** Env var of the drill wrapper's ARN (the stack's `DrillStateMachineArn` output). */
export const DRILL_STATE_MACHINE_ENV = 'UNDERSTUDY_DRILL_STATE_MACHINE';
/** Env var of the drill deployment's table (the stack's `DrillTableName` output). */
export const DRILL_TABLE_ENV = 'UNDERSTUDY_DRILL_TABLE';

/** Names CloudFormation gives the drill wrapper (logical id `Workflow` of `UnderstudyDrill`). */
const DRILL_MACHINE_NAME = /^(UnderstudyDrill-)?Workflow[0-9A-F]{8}-[A-Za-z0-9]+$/;
const STATE_MACHINE_ARN =
  /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})$/;

/** Flags of `drill --aws` (beside the local drill's). */
export interface DrillAwsOptions {
  readonly aws?: boolean;
  readonly history?: boolean;
  readonly stateMachine?: string;
  readonly table?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly pollSeconds: number;
  readonly limit: number;
  readonly name?: string;
  readonly json?: boolean;
}

/**
 * Checks that `arn` names the drill wrapper: a Step Functions state machine ARN whose name is the
 * one CloudFormation gives the `UnderstudyDrill` stack's `Workflow`. Anything else (the
 * production failover, the drill's own failover child, a typo) is refused with a ValidationError.
 */
export function checkDrillStateMachineArn(arn: string): { region: string; name: string } {
  const match = STATE_MACHINE_ARN.exec(arn.trim());
  if (!match) {
    throw new ValidationError(
      `--state-machine ${arn} is not a state machine ARN (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)`,
    );
  }
  const [, region, , name] = match as unknown as [string, string, string, string];
  if (!DRILL_MACHINE_NAME.test(name)) {
    throw new ValidationError(
      `--state-machine ${name} is not the drill deployment's workflow (the UnderstudyDrill stack's DrillStateMachineArn output): drill --aws never starts another state machine`,
    );
  }
  return { region, name };
}

/** `--poll-seconds N`: 1 to 60. */
export function parsePollSeconds(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 60) {
    throw new InvalidArgumentError(
      `poll seconds must be a whole number from 1 to 60, got "${text}"`,
    );
  }
  return n;
}

/** `--limit N`: 1 to 1000. */
export function parseLimit(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 1000) {
    throw new InvalidArgumentError(`limit must be a whole number from 1 to 1000, got "${text}"`);
  }
  return n;
}

/** One progress line: a state the execution entered, or how it ended. */
export interface DrillProgressLine {
  readonly at: string;
  readonly text: string;
}

/** What {@link followExecution} returns. */
export interface FollowedExecution {
  readonly status: string;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

/** Options of {@link followExecution}. */
export interface FollowOptions {
  readonly pollMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly onProgress: (line: DrillProgressLine) => void;
  /** Stop following after this many polls (the execution goes on). @default unbounded */
  readonly maxPolls?: number;
}

function progressOf(event: HistoryEvent): string | undefined {
  const entered = event.stateEnteredEventDetails?.name;
  if (entered) return `entered ${entered}`;
  if (event.type === 'TaskFailed')
    return `task failed: ${event.taskFailedEventDetails?.error ?? ''}`;
  if (event.type === 'LambdaFunctionFailed') {
    return `task failed: ${event.lambdaFunctionFailedEventDetails?.error ?? ''}`;
  }
  return undefined;
}

/**
 * Polls one execution until it ends: each poll reads the history (GetExecutionHistory, oldest
 * first, following `nextToken`) and reports each state entered since the last poll, then
 * DescribeExecution for the status. Returns the final status, output, error and cause.
 */
export async function followExecution(
  sfn: SFNClient,
  executionArn: string,
  options: FollowOptions,
): Promise<FollowedExecution> {
  // Events already reported (each poll reads the history from the start: a drill's history
  // is a few hundred events, and a page without nextToken cannot be resumed).
  let reported = 0;
  for (let poll = 0; options.maxPolls === undefined || poll < options.maxPolls; poll += 1) {
    let index = 0;
    let nextToken: string | undefined;
    do {
      const page = await callAws({ operation: 'states:GetExecutionHistory' }, () =>
        sfn.send(
          new GetExecutionHistoryCommand({
            executionArn,
            maxResults: 100,
            reverseOrder: false,
            ...(nextToken ? { nextToken } : {}),
          }),
        ),
      );
      for (const event of page.events ?? []) {
        index += 1;
        if (index <= reported) continue;
        const text = progressOf(event);
        if (text) {
          options.onProgress({
            at: event.timestamp ? new Date(event.timestamp).toISOString() : '',
            text,
          });
        }
      }
      nextToken = page.nextToken;
    } while (nextToken);
    reported = Math.max(reported, index);
    const described: DescribeExecutionCommandOutput = await callAws(
      { operation: 'states:DescribeExecution' },
      () => sfn.send(new DescribeExecutionCommand({ executionArn })),
    );
    if (described.status && described.status !== 'RUNNING') {
      return {
        status: described.status,
        ...(described.output ? { output: JSON.parse(described.output) as unknown } : {}),
        ...(described.error ? { error: described.error } : {}),
        ...(described.cause ? { cause: described.cause } : {}),
      };
    }
    await options.sleep(options.pollMs);
  }
  return { status: 'RUNNING' };
}

/** The trend as lines (oldest first). */
export function trendLines(trend: DrillTrend): string[] {
  const lines = ['started                   outcome    RTO (s)   Δ (s)  deleted  drill'];
  for (const row of trend.rows) {
    lines.push(
      [
        row.startedAt.padEnd(25),
        row.outcome.padEnd(10),
        (row.rtoSeconds === undefined ? '-' : row.rtoSeconds.toFixed(1)).padStart(7),
        (row.deltaSeconds === undefined
          ? '-'
          : `${row.deltaSeconds > 0 ? '+' : ''}${row.deltaSeconds.toFixed(1)}`
        ).padStart(7),
        String(row.servicesDeleted).padStart(8),
        ` ${row.drillName}`,
      ].join(' '),
    );
    // Why it did not succeed, on its own line (a reason can be a few hundred characters).
    if (row.reason)
      lines.push(`    ${row.reason.length > 160 ? `${row.reason.slice(0, 157)}…` : row.reason}`);
  }
  lines.push(
    `${trend.rows.length} drill(s): ${trend.succeeded} succeeded, ${trend.failedOrAborted} failed or aborted; median RTO ${trend.medianRtoSeconds ?? '-'} s${trend.driftSeconds === undefined ? '' : `, drift ${trend.driftSeconds > 0 ? '+' : ''}${trend.driftSeconds} s since the first`}`,
  );
  return lines;
}

function connection(options: DrillAwsOptions): { region: string; endpoint?: string } {
  if (options.endpoint) checkEndpoint(options.endpoint);
  const region =
    options.region?.trim() ||
    process.env.AWS_REGION ||
    (options.endpoint ? 'us-east-1' : undefined);
  if (!region) throw new ValidationError('no region: pass --region REGION or set AWS_REGION');
  return { region, ...(options.endpoint ? { endpoint: options.endpoint } : {}) };
}

function local(endpoint: string | undefined) {
  // A loopback server needs some credentials; AWS uses the default chain.
  return endpoint
    ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
    : {};
}

async function historyCommand(options: DrillAwsOptions): Promise<void> {
  const table = options.table ?? process.env[DRILL_TABLE_ENV];
  if (!table) {
    throw new ValidationError(
      `no drill table: pass --table NAME or set ${DRILL_TABLE_ENV} (the UnderstudyDrill stack's DrillTableName output)`,
    );
  }
  const { region, endpoint } = connection(options);
  const client = new DynamoDBClient({ region, ...local(endpoint) });
  try {
    const records: readonly DrillRecord[] = await new DynamoDbDrillHistory(client, table).list(
      options.limit,
    );
    const trend = drillTrend(records);
    process.stdout.write(
      options.json ? `${JSON.stringify(trend, null, 2)}\n` : `${trendLines(trend).join('\n')}\n`,
    );
  } finally {
    client.destroy();
  }
}

async function startCommand(options: DrillAwsOptions): Promise<void> {
  const arn = options.stateMachine ?? process.env[DRILL_STATE_MACHINE_ENV];
  if (!arn) {
    throw new ValidationError(
      `no drill state machine: pass --state-machine ARN or set ${DRILL_STATE_MACHINE_ENV} (the UnderstudyDrill stack's DrillStateMachineArn output)`,
    );
  }
  checkDrillStateMachineArn(arn);
  if (options.name !== undefined && !/^[A-Za-z0-9_-]{1,80}$/.test(options.name)) {
    throw new ValidationError(`--name ${options.name}: 1 to 80 letters, digits, - or _`);
  }
  const { region, endpoint } = connection(options);
  const sfn = new SFNClient({ region, ...local(endpoint) });
  try {
    const started = await callAws({ operation: 'states:StartExecution' }, () =>
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: arn.trim(),
          input: '{}',
          ...(options.name ? { name: options.name } : {}),
        }),
      ),
    );
    const executionArn = started.executionArn as string;
    process.stderr.write(`drill started: ${executionArn}\n`);
    const result = await followExecution(sfn, executionArn, {
      pollMs: options.pollSeconds * 1000,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      onProgress: (line) => {
        if (!options.json) process.stderr.write(`[${line.at.slice(11, 19)}] ${line.text}\n`);
      },
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ executionArn, ...result }, null, 2)}\n`);
    } else {
      process.stdout.write(`${summaryLines(result).join('\n')}\n`);
    }
    if (result.status !== 'SUCCEEDED') process.exitCode = 1;
  } finally {
    sfn.destroy();
  }
}

/** The summary of a finished drill execution. */
export function summaryLines(result: FollowedExecution): string[] {
  const drill = (result.output as { drill?: Partial<DrillRecord> } | undefined)?.drill;
  if (result.status === 'SUCCEEDED' && drill) {
    return [
      `drill ${drill.drillName}: ${drill.outcome}`,
      `  RTO (prepared → all steady): ${drill.allSteadySeconds ?? '-'} s, ${drill.steady ?? '-'}/${drill.services ?? '-'} services steady`,
      `  torn down: ${drill.servicesDeleted ?? 0} service(s) deleted at ${drill.tornDownAt ?? '-'}`,
    ];
  }
  return [
    `drill ${result.status}${result.error ? `: ${result.error}` : ''}`,
    ...(result.cause ? [`  ${result.cause}`] : []),
    '  see understudy drill --aws --history for its line (it tore down on every path)',
  ];
}

/** Adds the `--aws` flags to the `drill` command. */
export function addDrillAwsOptions(command: Command): Command {
  return command
    .option('--aws', 'run the drill on AWS: start the UnderstudyDrill workflow and follow it')
    .option('--history', 'with --aws: print the RTO trend of past drills instead')
    .addOption(
      new Option('--state-machine <arn>', 'with --aws: the drill workflow ARN').env(
        DRILL_STATE_MACHINE_ENV,
      ),
    )
    .addOption(
      new Option('--table <name>', 'with --aws --history: the drill table').env(DRILL_TABLE_ENV),
    )
    .addOption(new Option('--region <region>', 'with --aws: the staging region').env('AWS_REGION'))
    .option('--endpoint <url>', 'with --aws: a loopback endpoint (tests)')
    .option('--poll-seconds <n>', 'with --aws: seconds between polls', parsePollSeconds, 5)
    .option('--limit <n>', 'with --aws --history: how many drills', parseLimit, 50)
    .option('--name <name>', 'with --aws: the execution name (default: generated)');
}

/** Help lines of the `--aws` branch. */
export const DRILL_AWS_HELP = [
  '',
  'On AWS (the UnderstudyDrill stack; never the production failover):',
  '  $ understudy drill --aws --state-machine arn:aws:states:eu-central-1:111122223333:stateMachine:Workflow193EF7C1-AbCdEf012345 --region eu-central-1',
  '  $ UNDERSTUDY_DRILL_TABLE=UnderstudyDrill-DrillFailoverTable… understudy drill --aws --history --region eu-central-1',
].join('\n');

/** Runs the `--aws` branch. */
export async function runDrillAws(options: DrillAwsOptions): Promise<void> {
  if (options.history) return historyCommand(options);
  return startCommand(options);
}
