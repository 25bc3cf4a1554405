/**
 * `understudy drill`: the whole story on a laptop (bin/local/drill/engine.ts), with live progress
 * per phase on the simulated clock, a summary, and `drill-report.json` + `drill-report.html` in
 * `--out`. No AWS, no Docker, no network.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { ValidationError } from '../../functions/core/errors';
import { type DrillProgress, runDrill } from '../local/drill/engine';
import { loadEstate } from '../local/drill/estate';
import { renderDrillReportHtml } from '../local/drill/html';
import { DRILL_SCENARIOS, type DrillReport, type DrillScenario } from '../local/drill/report';
import { type DrillStateDump, stateDirOf, writeDrillState } from '../local/drill/state';
import { addDrillAwsOptions, DRILL_AWS_HELP, type DrillAwsOptions, runDrillAws } from './drill-aws';

/** Options as commander parses them. */
interface DrillCommandOptions {
  readonly services: number;
  readonly seed: number;
  readonly faultRate: number;
  readonly cold?: boolean;
  readonly json?: boolean;
  readonly out: string;
  readonly yes?: boolean;
  readonly scenario: DrillScenario;
  readonly estate?: string;
}

/** The largest demo estate: the drill must stay under a minute on two cores. */
export const MAX_DRILL_SERVICES = 40;

/** `--services N`: a whole number from 1 to {@link MAX_DRILL_SERVICES}. */
export function parseServices(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_DRILL_SERVICES) {
    throw new InvalidArgumentError(
      `services must be a whole number from 1 to ${MAX_DRILL_SERVICES}, got "${text}"`,
    );
  }
  return n;
}

/** `--seed S`: a whole number. */
export function parseSeed(text: string): number {
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new InvalidArgumentError(`seed must be a whole number, got "${text}"`);
  }
  return Number(text);
}

/** `--fault-rate R`: a probability in [0, 0.3] (higher rates exhaust the handlers' retries). */
export function parseFaultRate(text: string): number {
  const r = Number(text);
  if (text.trim() === '' || !Number.isFinite(r) || r < 0 || r > 0.3) {
    throw new InvalidArgumentError(`fault rate must be a number from 0 to 0.3, got "${text}"`);
  }
  return r;
}

/** The summary lines printed at the end (plain text). */
export function summaryLines(report: DrillReport): string[] {
  const pct = (v: number) => `${Math.round(v * 100)} %`;
  const s = report.summary;
  return [
    `services steady: ${s.servicesSteady}/${s.servicesTotal}${s.servicesRefused > 0 ? ` (${s.servicesRefused} refused)` : ''}`,
    `RTO pre-baked: ${report.rto.prebakedSeconds} s   cold: ${report.rto.coldSeconds} s   (detection + approval ${report.rto.detectionSeconds} s)`,
    `forecast coverage on what happened: 80 % band ${pct(report.forecast.coverage80)}, 95 % band ${pct(report.forecast.coverage95)} (${report.forecast.points} points)`,
    `standby cost: $${report.cost.monthlyUsd.toFixed(2)} per month`,
    `lease: ${report.lease.changes.map((c) => `${c.holder}@${c.epoch}`).join(' → ')}`,
    `adapt: ${report.adapt.length} minimum change(s) (${report.adapt.filter((a) => a.action === 'raise').length} raised, ${report.adapt.filter((a) => a.action === 'lower').length} lowered) in ${report.adaptRuns.runs} runs every ${report.adaptRuns.periodSeconds / 60} min${report.adaptRuns.failures.length ? `, ${report.adaptRuns.failures.length} failure(s)` : ''}`,
    `fencing: ${report.fencing.length} stale deploy(s) refused`,
    `violations: ${report.violations.length === 0 ? 'none' : report.violations.map((v) => v.kind).join(', ')}`,
    `${report.handback.label}: ${report.handback.completed ? 'done' : 'not done'} after ${report.handback.attempts} attempt(s)`,
  ];
}

/** Progress on a TTY (a spinner line rewritten in place) or one plain line per phase. */
function progressWriter(enabled: boolean): { update: DrillProgress; end: () => void } {
  if (!enabled) return { update: () => {}, end: () => {} };
  const tty = process.stderr.isTTY === true;
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  let last = '';
  const update: DrillProgress = (phase, at, label) => {
    const time = at.slice(11, 19);
    if (tty) {
      if (last) process.stderr.write(`\r\x1b[2K✔ ${last}\n`);
      last = `[${time} sim] ${phase.padEnd(15)} ${label}`;
      frame = (frame + 1) % frames.length;
      process.stderr.write(`${frames[frame]} ${last}`);
    } else {
      process.stderr.write(`[${time} sim] ${phase.padEnd(15)} ${label}\n`);
    }
  };
  const end = () => {
    if (tty && last) process.stderr.write(`\r\x1b[2K✔ ${last}\n`);
  };
  return { update, end };
}

async function runDrillCommand(options: DrillCommandOptions): Promise<void> {
  if (!options.yes) {
    throw new ValidationError(
      'the drill fails over without asking: pass --yes to approve it (npm run drill does)',
    );
  }
  // Read and matched before anything runs: bad input is one line and exit 2, nothing written.
  const estate = options.estate !== undefined ? loadEstate(options.estate) : undefined;
  const progress = progressWriter(!options.json);
  let report: DrillReport;
  let state: DrillStateDump | undefined;
  try {
    report = await runDrill(
      {
        services: options.services,
        seed: options.seed,
        faultRate: options.faultRate,
        cold: options.cold === true,
        scenario: options.scenario,
        approver: 'drill --yes',
        ...(estate ? { estate } : {}),
      },
      progress.update,
      (dump) => {
        state = dump;
      },
    );
  } finally {
    progress.end();
  }
  await mkdir(options.out, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const jsonPath = join(options.out, 'drill-report.json');
  const htmlPath = join(options.out, 'drill-report.html');
  await writeFile(jsonPath, json);
  await writeFile(htmlPath, renderDrillReportHtml(report));
  // The tables the `--local` inventory and plan commands read (bin/local/drill/state.ts).
  if (state) await writeDrillState(stateDirOf(options.out), state);
  if (options.json) {
    process.stdout.write(json);
    return;
  }
  process.stdout.write(
    [
      '',
      `Drill: ${options.scenario}${options.cold ? ' (cold)' : ''}, ${report.services.length} services${estate ? ` from ${options.estate}` : ''}, seed ${options.seed}`,
      ...summaryLines(report).map((line) => `  ${line}`),
      '',
      `  report: ${jsonPath}`,
      `          ${htmlPath}`,
      `  state:  ${stateDirOf(options.out)} (try: understudy inventory list --local ${options.out})`,
      '',
    ].join('\n'),
  );
  if (!report.summary.ok) process.exitCode = 1;
}

/** Registers `understudy drill`. */
export function registerDrillCommand(program: Command): void {
  const command = program.command('drill');
  addDrillAwsOptions(command);
  command
    .description(
      'Run the whole story locally on a simulated clock: forecast, clone, outage, failover under the lease, adapt, handback. No AWS, no network. With --aws: a drill in the UnderstudyDrill stack.',
    )
    .option(
      '--services <n>',
      'services in the demo estate (1–40; --estate brings its own)',
      parseServices,
      8,
    )
    .option('--seed <s>', 'seed of every random draw (same seed → same JSON report)', parseSeed, 1)
    .option(
      '--fault-rate <r>',
      'throttling rate injected into every sandbox call during the failover (5xx at half of it)',
      parseFaultRate,
      0,
    )
    .option('--cold', 'tell the story without clones (the cold run is always measured too)')
    .option('--json', 'print the JSON report on stdout instead of progress and a summary')
    .option('--out <dir>', 'where drill-report.json and drill-report.html go', './drill-out')
    .option('--yes', 'approve the failover (required: the drill does not prompt)')
    .addOption(
      new Option('--scenario <name>', 'what goes wrong')
        .choices([...DRILL_SCENARIOS])
        .default('regional-outage'),
    )
    .option(
      '--estate <dir>',
      'your own services: task-definitions/*.json, services/*.json (AWS CLI shapes), optional metrics/<service>.csv',
    )
    .addHelpText(
      'after',
      [
        '',
        'Scenarios:',
        '  regional-outage                the primary goes dark, the shadow takes over, the primary returns',
        '  flapping                       the quorum alarm fires and clears: the first failover stops at pre-flight',
        '  partial-failure                one service never gets healthy in staging; the rest fail over',
        '  primary-returns-early          the primary comes back mid-failover: its stale-epoch deploy is fenced',
        '  primary-fails-during-handback  the primary fails again mid-handback: it stops, the shadow keeps authority and traffic; a later one succeeds',
        '',
        'Examples:',
        '  $ understudy drill --yes',
        '  $ understudy drill --yes --services 4 --seed 7 --scenario flapping',
        '  $ understudy drill --yes --cold --out /tmp/drill',
        '  $ understudy drill --yes --estate test/fixtures/ecs',
        '  $ understudy drill --yes --json | jq .rto',
        DRILL_AWS_HELP,
      ].join('\n'),
    )
    .action(async (options: DrillCommandOptions & DrillAwsOptions) => {
      // The AWS drill runs the UnderstudyDrill deployment (bin/commands/drill-aws.ts).
      if (options.aws) return runDrillAws(options);
      if (options.history) throw new ValidationError('--history needs --aws');
      await runDrillCommand(options);
    });
}
