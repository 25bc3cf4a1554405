/**
 * `understudy cost`: what keeping each protected service staged costs per month — config-only
 * (pilot light) against warm (N tasks running) — and which tier the expected-value rule picks,
 * for the services listed in the `understudy` context of `cdk.json`.
 *
 * The configuration names the services and their warm size (`minTasks`) and the integrity cadence
 * (`freshnessTargetMinutes`); what it does not hold (image sizes, task size, outage economics) comes
 * from flags whose defaults are stated assumptions, printed with the report so nobody mistakes them
 * for measurements.
 */
import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  type CostReport,
  DEFAULT_PRICES,
  estimateCosts,
  type ServiceCostInput,
  type TierPolicy,
} from '../../functions/core/cost/cost';
import { ValidationError } from '../../functions/core/errors';
import { CONTEXT_KEY, loadConfig, type UnderstudyConfig } from '../../lib/config';
import { renderTable } from './inventory-format';

/** Output formats of `understudy cost`. */
export const COST_FORMATS = ['table', 'json'] as const;

/** Tier policies `--tier` accepts. */
export const TIER_POLICIES: readonly TierPolicy[] = ['auto', 'config-only', 'warm'];

/** Assumptions applied to every service; each has a flag. */
export interface CostAssumptions {
  /** P(the primary's deployment authority fails in a month), in (0, 1). */
  readonly outageProbability: number;
  /** USD one minute of a service's outage costs. */
  readonly costPerMinute: number;
  /** Minutes to recover from config-only (tasks start from zero, images pulled). */
  readonly coldStartMinutes: number;
  /** Minutes to recover when warm (traffic switch, scale out from N). */
  readonly warmStartMinutes: number;
  /** vCPU of one task. */
  readonly taskVcpu: number;
  /** GiB of memory of one task. */
  readonly taskMemoryGiB: number;
  readonly architecture: 'x86_64' | 'arm64';
  /** GB of unique image blobs staged per service (all retained versions). */
  readonly imageGb: number;
  /** Clones per service per month (deploy events, forecast triggers, manual starts). */
  readonly clonesPerMonth: number;
  /** GB copied across regions per clone (new layers only). */
  readonly transferGbPerClone: number;
  readonly tier: TierPolicy;
}

/** Flag defaults: assumptions, not measurements (see each flag's help). */
export const DEFAULT_COST_ASSUMPTIONS: CostAssumptions = {
  outageProbability: 0.02,
  costPerMinute: 100,
  coldStartMinutes: 15,
  warmStartMinutes: 3,
  taskVcpu: 0.5,
  taskMemoryGiB: 1,
  architecture: 'x86_64',
  imageGb: 0.5,
  clonesPerMonth: 60,
  transferGbPerClone: 0.1,
  tier: 'auto',
};

/** The document `understudy cost --format json` prints. */
export interface CostJson {
  readonly config: string;
  readonly assumptions: CostAssumptions & { readonly integrityChecksPerMonth: number };
  readonly services: CostReport['services'];
  readonly totalMonthly: number;
  /** Sum of every service's config-only cost: the floor. */
  readonly configOnlyMonthly: number;
  /** What keeping every service warm would cost. */
  readonly allWarmMonthly: number;
  readonly warmServices: CostReport['warmServices'];
}

const GB = 1e9;

/** Commander parser: a probability strictly between 0 and 1. */
export function parseProbability(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value >= 1) {
    throw new InvalidArgumentError(`must be a probability strictly between 0 and 1, got "${text}"`);
  }
  return value;
}

/** Commander parser: a finite number ≥ 0. */
export function parseNonNegative(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(`must be a number ≥ 0, got "${text}"`);
  }
  return value;
}

/** Commander parser: a finite number > 0. */
export function parsePositive(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`must be a number > 0, got "${text}"`);
  }
  return value;
}

/** Reads `cdk.json` and validates its `understudy` context with the CDK app's own schema. */
export async function readCdkConfig(path: string): Promise<UnderstudyConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ValidationError(`cannot read --config ${path}: ${why}`, [], { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`--config ${path} is not JSON: ${(error as Error).message}`, [], {
      cause: error,
    });
  }
  const context = (json as { context?: Record<string, unknown> } | null)?.context;
  return loadConfig(context?.[CONTEXT_KEY]);
}

/**
 * Integrity checks per month: one per freshness target, since a clone cannot be known fresher
 * than the last time it was checked.
 */
export function integrityChecksPerMonth(config: UnderstudyConfig): number {
  return Math.round((DEFAULT_PRICES.hoursPerMonth * 60) / config.freshnessTargetMinutes);
}

/** The cost inputs of every listed service under the given assumptions. */
export function costInputs(
  config: UnderstudyConfig,
  assumptions: CostAssumptions,
): ServiceCostInput[] {
  if (!config.services) {
    throw new ValidationError(
      `understudy cost needs the services listed in ${CONTEXT_KEY}.services; ${CONTEXT_KEY}.serviceSelector finds them only at run time`,
    );
  }
  if (assumptions.warmStartMinutes > assumptions.coldStartMinutes) {
    throw new ValidationError(
      `--warm-start-minutes ${assumptions.warmStartMinutes} exceeds --cold-start-minutes ${assumptions.coldStartMinutes}`,
    );
  }
  const checks = integrityChecksPerMonth(config);
  return config.services.map((service) => ({
    service: `${service.cluster}/${service.service}`,
    stagedImageBytes: assumptions.imageGb * GB,
    clonesPerMonth: assumptions.clonesPerMonth,
    transferBytesPerClone: assumptions.transferGbPerClone * GB,
    integrityChecksPerMonth: checks,
    task: {
      vcpu: assumptions.taskVcpu,
      memoryGiB: assumptions.taskMemoryGiB,
      architecture: assumptions.architecture,
    },
    // Warm means the floor a take-over would deploy anyway, already running.
    warmTasks: service.minTasks,
    outage: {
      probability: assumptions.outageProbability,
      coldStartMinutes: assumptions.coldStartMinutes,
      warmStartMinutes: assumptions.warmStartMinutes,
      costPerMinute: assumptions.costPerMinute,
    },
    tierPolicy: assumptions.tier,
  }));
}

/** The report as the documented JSON document. */
export function toCostJson(
  configPath: string,
  config: UnderstudyConfig,
  assumptions: CostAssumptions,
  report: CostReport,
): CostJson {
  return {
    config: configPath,
    assumptions: { ...assumptions, integrityChecksPerMonth: integrityChecksPerMonth(config) },
    services: report.services,
    totalMonthly: report.totalMonthly,
    configOnlyMonthly: report.services.reduce((sum, s) => sum + s.configOnlyMonthly, 0),
    allWarmMonthly: report.services.reduce(
      (sum, s) => sum + s.configOnlyMonthly + s.warmStandingMonthly,
      0,
    ),
    warmServices: report.warmServices,
  };
}

function usd(value: number): string {
  if (value !== 0 && Math.abs(value) < 0.01) return `$${value.toFixed(4)}`;
  return `$${value.toFixed(2)}`;
}

/** Unit prices are often fractions of a cent: three significant digits, never `$0.0000`. */
function unitPrice(value: number): string {
  return value >= 0.01 || value === 0 ? usd(value) : `$${Number(value.toPrecision(3))}`;
}

function quantity(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1);
}

/** The table rendering: per service its lines, both standing costs and the tier; then totals. */
export function formatCostTable(doc: CostJson): string {
  const a = doc.assumptions;
  const out = [
    `Monthly staging cost of ${doc.services.length} service(s) from ${doc.config} (USD, us-east-1 list prices)`,
    `assumptions: P(outage)/month ${a.outageProbability}, outage $${a.costPerMinute}/min, recovery ${a.coldStartMinutes} min cold vs ${a.warmStartMinutes} min warm, task ${a.taskVcpu} vCPU/${a.taskMemoryGiB} GiB ${a.architecture}, ${a.imageGb} GB images, ${a.clonesPerMonth} clones x ${a.transferGbPerClone} GB, ${a.integrityChecksPerMonth} integrity checks, tier policy ${a.tier}`,
  ];
  for (const service of doc.services) {
    out.push(
      '',
      `${service.service}`,
      renderTable(
        ['ITEM', 'QUANTITY', 'UNIT', 'UNIT PRICE', 'MONTHLY'],
        service.lines.map((line) => [
          line.item,
          quantity(line.quantity),
          line.unit,
          unitPrice(line.unitPrice),
          usd(line.monthly),
        ]),
      )
        .split('\n')
        .map((text) => `  ${text}`)
        .join('\n'),
      `  config-only ${usd(service.configOnlyMonthly)}/month; warm adds ${usd(service.warmStandingMonthly)}/month`,
      `  tier: ${service.decision.tier} — ${service.decision.reason}`,
      `  total ${usd(service.totalMonthly)}/month`,
    );
  }
  out.push(
    '',
    `total ${usd(doc.totalMonthly)}/month (all config-only ${usd(doc.configOnlyMonthly)}, all warm ${usd(doc.allWarmMonthly)}); warm: ${doc.warmServices.length ? doc.warmServices.join(', ') : 'none'}`,
  );
  return `${out.join('\n')}\n`;
}

/** Parsed options of `understudy cost`. */
interface CostOptions extends Omit<CostAssumptions, 'taskMemoryGiB'> {
  /** Commander's camel case of `--task-memory-gib`. */
  readonly taskMemoryGib: number;
  readonly config: string;
  readonly format: (typeof COST_FORMATS)[number];
}

async function runCost(options: CostOptions): Promise<void> {
  const config = await readCdkConfig(options.config);
  const { config: path, format, taskMemoryGib, ...rest } = options;
  const assumptions: CostAssumptions = { ...rest, taskMemoryGiB: taskMemoryGib };
  const report = estimateCosts(costInputs(config, assumptions));
  const doc = toCostJson(path, config, assumptions, report);
  process.stdout.write(
    format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : formatCostTable(doc),
  );
}

/** Adds `understudy cost` to the program. */
export function registerCostCommand(program: Command): Command {
  const d = DEFAULT_COST_ASSUMPTIONS;
  return (
    program
      .command('cost')
      .description(
        'Monthly cost per protected service of staying config-only (pilot light) vs warm (minTasks running), and the tier chosen by expected value: P(outage) x minutes saved x cost per minute against the standing cost.',
      )
      .option(
        '--config <file>',
        'cdk.json whose "understudy" context lists the services',
        'cdk.json',
      )
      .option(
        '--outage-probability <p>',
        `assumed P(the primary's deployment authority fails in a month), in (0,1)`,
        parseProbability,
        d.outageProbability,
      )
      .option(
        '--cost-per-minute <usd>',
        'assumed cost of one minute of outage',
        parseNonNegative,
        d.costPerMinute,
      )
      .option(
        '--cold-start-minutes <n>',
        'assumed recovery from config-only',
        parseNonNegative,
        d.coldStartMinutes,
      )
      .option(
        '--warm-start-minutes <n>',
        'assumed recovery when warm',
        parseNonNegative,
        d.warmStartMinutes,
      )
      .option('--task-vcpu <n>', 'vCPU of one task', parsePositive, d.taskVcpu)
      .option('--task-memory-gib <n>', 'GiB of memory of one task', parsePositive, d.taskMemoryGiB)
      .addOption(
        new Option('--architecture <arch>', 'task CPU architecture')
          .choices(['x86_64', 'arm64'])
          .default(d.architecture),
      )
      .option(
        '--image-gb <n>',
        'assumed GB of staged image blobs per service',
        parseNonNegative,
        d.imageGb,
      )
      .option(
        '--clones-per-month <n>',
        'assumed clones per service per month',
        parseNonNegative,
        d.clonesPerMonth,
      )
      .option(
        '--transfer-gb-per-clone <n>',
        'assumed GB copied across regions per clone',
        parseNonNegative,
        d.transferGbPerClone,
      )
      .addOption(
        new Option('--tier <policy>', 'auto (expected value) or force a tier')
          .choices(TIER_POLICIES)
          .default(d.tier),
      )
      .addOption(
        new Option('--format <format>', 'output format').choices(COST_FORMATS).default('table'),
      )
      .addHelpText(
        'after',
        `
Example:
  $ understudy cost --config cdk.json --outage-probability 0.05 --cost-per-minute 250
  $ understudy cost --format json | jq '.services[] | {service, tier: .decision.tier}'

Warm size is each service's minTasks; integrity checks run once per freshnessTargetMinutes.
Prices are AWS's us-east-1 on-demand list prices (functions/core/cost/cost.ts cites each).
`,
      )
      // See bin/commands/forecast.ts: a subcommand needs its own exitOverride to reach runCli.
      .exitOverride()
      .action(async (options: CostOptions) => {
        await runCost(options);
      })
  );
}
