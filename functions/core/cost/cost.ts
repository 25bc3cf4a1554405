/**
 * Cost model of keeping a service staged, and the staging tier chosen by expected value:
 * `config-only` (pilot light — everything staged, zero tasks) or `warm` (N tasks running). Warm
 * pays a standing cost every month to save minutes of outage on the rare month the primary
 * fails; it is worth it when P(outage) × minutes saved × cost per minute exceeds that standing
 * cost, or when the forecast expects a peak soon.
 *
 * All figures are per month. Prices are inputs with defaults from AWS's public price pages
 * (us-east-1, on-demand, list prices); pass a {@link PriceBook} for another region or a discount.
 */
import { ValidationError } from '../errors';
import type { ServiceKey } from '../model';

/** Unit prices in USD. */
export interface PriceBook {
  /** ECR storage, per GB-month. https://aws.amazon.com/ecr/pricing/ ($0.10). */
  readonly ecrStorageGbMonth: number;
  /**
   * Data transfer to another AWS region, per GB (image copies and ECR replication are billed
   * like EC2 inter-region transfer). https://aws.amazon.com/ec2/pricing/on-demand/ ($0.02).
   */
  readonly crossRegionTransferGb: number;
  /** Fargate Linux/x86 per vCPU-hour. https://aws.amazon.com/fargate/pricing/ ($0.04048). */
  readonly fargateVcpuHour: number;
  /** Fargate Linux/x86 per GB-hour, same page ($0.004445). */
  readonly fargateGbHour: number;
  /** Fargate Linux/ARM (Graviton) per vCPU-hour, same page ($0.03238). */
  readonly fargateArmVcpuHour: number;
  /** Fargate Linux/ARM per GB-hour, same page ($0.00356). */
  readonly fargateArmGbHour: number;
  /**
   * Step Functions Standard, per state transition ($0.025 per 1,000).
   * https://aws.amazon.com/step-functions/pricing/
   */
  readonly stepFunctionsTransition: number;
  /** Lambda, per request ($0.20 per 1M). https://aws.amazon.com/lambda/pricing/ */
  readonly lambdaRequest: number;
  /** Lambda ARM, per GB-second ($0.0000133334), same page (the handlers run on ARM_64). */
  readonly lambdaGbSecond: number;
  /**
   * DynamoDB on-demand, per write request unit ($0.625 per million since the November 2024
   * reduction). https://aws.amazon.com/dynamodb/pricing/on-demand/
   */
  readonly dynamoWriteRequest: number;
  /** DynamoDB on-demand, per read request unit ($0.125 per million), same page. */
  readonly dynamoReadRequest: number;
  /** Hours in a billing month (AWS price pages use 730). */
  readonly hoursPerMonth: number;
}

/** Defaults: us-east-1 on-demand list prices from the pages cited on each field. */
export const DEFAULT_PRICES: PriceBook = {
  ecrStorageGbMonth: 0.1,
  crossRegionTransferGb: 0.02,
  fargateVcpuHour: 0.04048,
  fargateGbHour: 0.004445,
  fargateArmVcpuHour: 0.03238,
  fargateArmGbHour: 0.00356,
  stepFunctionsTransition: 0.025 / 1000,
  lambdaRequest: 0.2 / 1_000_000,
  lambdaGbSecond: 0.0000133334,
  dynamoWriteRequest: 0.625 / 1_000_000,
  dynamoReadRequest: 0.125 / 1_000_000,
  hoursPerMonth: 730,
};

/**
 * Per-clone activity of the clone-validate-store pipeline, measured by `npm run bench:clone`
 * (200 cold services, `bench/results/clone.md`): billable state transitions 15.7 per service
 * (retries included), Lambda invocations 7.7, DynamoDB items written 8. GB-seconds stay an
 * assumption: the sandbox has no Lambda duration model.
 */
export const DEFAULT_CLONE_ACTIVITY = {
  /** Measured: StateEntered + StateRetried per service, cold run of 200. */
  stateTransitionsPerClone: 16,
  /** Measured: Lambda invocations per service (retries and copy rounds included). */
  lambdaInvocationsPerClone: 8,
  /** Assumption: 8 invocations × ~0.75 s × 1 GB. */
  lambdaGbSecondsPerClone: 6,
  /** Measured: items written per service (version, claim, pointer, audit, plan entry). */
  dynamoWritesPerClone: 8,
  /** Assumption: one invocation share, 0.5 GB-s and 2 reads per service per integrity check. */
  lambdaGbSecondsPerCheck: 0.5,
  dynamoReadsPerCheck: 2,
} as const;

/** Staging tiers. */
export type StagingTier = 'config-only' | 'warm';

/** How the tier is chosen. `auto` = expected value (and forecast); the others force a tier. */
export type TierPolicy = 'auto' | StagingTier;

/** One service's cost inputs (monthly figures). */
export interface ServiceCostInput {
  readonly service: ServiceKey;
  /** Bytes of unique staged blobs kept in the staging registry (all retained versions). */
  readonly stagedImageBytes: number;
  /** Clones per month (deploy events + forecast triggers + manual starts). */
  readonly clonesPerMonth: number;
  /** Bytes copied across regions per clone (layers not yet staged). */
  readonly transferBytesPerClone: number;
  /** Integrity checks per month (e.g. 720 for hourly). @default 0 */
  readonly integrityChecksPerMonth?: number;
  /** Overrides of {@link DEFAULT_CLONE_ACTIVITY}. */
  readonly activity?: Partial<Record<keyof typeof DEFAULT_CLONE_ACTIVITY, number>>;
  /** Size of one task. */
  readonly task: {
    readonly vcpu: number;
    readonly memoryGiB: number;
    /** @default 'x86_64' */
    readonly architecture?: 'x86_64' | 'arm64';
  };
  /** N: tasks the warm tier keeps running (from the forecast or config). */
  readonly warmTasks: number;
  /** The outage the warm tier insures against. */
  readonly outage: {
    /** P(the primary's deployment authority fails in the month), 0..1. */
    readonly probability: number;
    /** Recovery time from config-only (launch from zero: task start, image pull), minutes. */
    readonly coldStartMinutes: number;
    /** Recovery time when warm (traffic switch, scale-out from N), minutes. */
    readonly warmStartMinutes: number;
    /** What a minute of this service's outage costs, USD. */
    readonly costPerMinute: number;
  };
  /** The forecast trigger predicts a peak within its horizon: raise the tier ahead of it. */
  readonly forecastPeakAhead?: boolean;
  /** @default 'auto' */
  readonly tierPolicy?: TierPolicy;
}

/** What a line of the breakdown is for. */
export type CostItem =
  | 'registry-storage'
  | 'cross-region-transfer'
  | 'state-transitions'
  | 'lambda-requests'
  | 'lambda-compute'
  | 'dynamodb-writes'
  | 'dynamodb-reads'
  | 'warm-vcpu'
  | 'warm-memory';

/** One priced line. */
export interface CostLine {
  readonly item: CostItem;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPrice: number;
  readonly monthly: number;
}

/** The tier decision, with the numbers behind it. */
export interface TierDecision {
  readonly tier: StagingTier;
  readonly reason: string;
  /** P(outage) × (cold − warm minutes) × cost per minute: what warm saves per month on average. */
  readonly expectedSaving: number;
  /** Monthly Fargate cost of N warm tasks. */
  readonly warmStandingCost: number;
}

/** Cost breakdown of one service. */
export interface ServiceCostBreakdown {
  readonly service: ServiceKey;
  /** Lines of the config-only footprint (staging, pipeline) followed by warm lines when warm. */
  readonly lines: readonly CostLine[];
  /** Monthly cost of keeping the clone staged and fresh (pilot light). */
  readonly configOnlyMonthly: number;
  /** Monthly cost of N warm tasks (paid only when the tier is warm). */
  readonly warmStandingMonthly: number;
  readonly decision: TierDecision;
  /** configOnlyMonthly + warmStandingMonthly when warm. */
  readonly totalMonthly: number;
}

/** Costs of every service. */
export interface CostReport {
  readonly services: readonly ServiceCostBreakdown[];
  readonly totalMonthly: number;
  readonly warmServices: readonly ServiceKey[];
}

const GB = 1e9;

function line(item: CostItem, quantity: number, unit: string, unitPrice: number): CostLine {
  return { item, quantity, unit, unitPrice, monthly: quantity * unitPrice };
}

function validate(input: ServiceCostInput): void {
  const issues: string[] = [];
  const nonNegative: [string, number][] = [
    ['stagedImageBytes', input.stagedImageBytes],
    ['clonesPerMonth', input.clonesPerMonth],
    ['transferBytesPerClone', input.transferBytesPerClone],
    ['integrityChecksPerMonth', input.integrityChecksPerMonth ?? 0],
    ['task.vcpu', input.task.vcpu],
    ['task.memoryGiB', input.task.memoryGiB],
    ['warmTasks', input.warmTasks],
    ['outage.coldStartMinutes', input.outage.coldStartMinutes],
    ['outage.warmStartMinutes', input.outage.warmStartMinutes],
    ['outage.costPerMinute', input.outage.costPerMinute],
    ...Object.entries(input.activity ?? {}).map(
      ([key, value]) => [`activity.${key}`, value ?? 0] as [string, number],
    ),
  ];
  for (const [name, value] of nonNegative) {
    if (!Number.isFinite(value) || value < 0)
      issues.push(`${name}: ${value} is not a non-negative number`);
  }
  const p = input.outage.probability;
  if (!Number.isFinite(p) || p < 0 || p > 1)
    issues.push(`outage.probability: ${p} is not in [0, 1]`);
  if (issues.length > 0)
    throw new ValidationError(`cost input of ${input.service} is invalid`, issues);
}

/** Monthly Fargate cost of `tasks` tasks of the given size running all month. */
export function warmStandingCost(
  task: ServiceCostInput['task'],
  tasks: number,
  prices: PriceBook = DEFAULT_PRICES,
): { vcpu: CostLine; memory: CostLine } {
  const arm = task.architecture === 'arm64';
  const hours = tasks * prices.hoursPerMonth;
  return {
    vcpu: line(
      'warm-vcpu',
      hours * task.vcpu,
      'vCPU-hour',
      arm ? prices.fargateArmVcpuHour : prices.fargateVcpuHour,
    ),
    memory: line(
      'warm-memory',
      hours * task.memoryGiB,
      'GB-hour',
      arm ? prices.fargateArmGbHour : prices.fargateGbHour,
    ),
  };
}

/**
 * Chooses the tier. Forced policies win; in `auto`, zero warm tasks means config-only, a
 * forecast peak ahead means warm, else warm only when the expected saving strictly exceeds the
 * standing cost (a tie stays config-only: do not pay for nothing).
 */
export function chooseTier(input: {
  readonly policy: TierPolicy;
  readonly warmTasks: number;
  readonly forecastPeakAhead: boolean;
  readonly expectedSaving: number;
  readonly warmStandingCost: number;
}): { tier: StagingTier; reason: string } {
  const money = (value: number) => `$${value.toFixed(2)}`;
  if (input.warmTasks === 0) {
    return { tier: 'config-only', reason: 'no warm tasks requested (N = 0)' };
  }
  if (input.policy !== 'auto')
    return { tier: input.policy, reason: `forced by tier policy ${input.policy}` };
  if (input.forecastPeakAhead) {
    return { tier: 'warm', reason: 'the forecast predicts a peak ahead: tier raised before it' };
  }
  if (input.expectedSaving > input.warmStandingCost) {
    return {
      tier: 'warm',
      reason: `expected saving ${money(input.expectedSaving)}/month exceeds the standing cost ${money(input.warmStandingCost)}/month`,
    };
  }
  return {
    tier: 'config-only',
    reason: `expected saving ${money(input.expectedSaving)}/month does not exceed the standing cost ${money(input.warmStandingCost)}/month`,
  };
}

/**
 * Prices one service: registry storage, cross-region transfer, the pipeline's state transitions,
 * Lambda requests and compute, DynamoDB writes (and integrity-check reads) — the config-only
 * footprint — plus N warm tasks, and chooses the tier.
 *
 * @throws ValidationError for negative or non-finite inputs or a probability outside [0, 1].
 */
export function estimateServiceCost(
  input: ServiceCostInput,
  prices: PriceBook = DEFAULT_PRICES,
): ServiceCostBreakdown {
  validate(input);
  const activity = { ...DEFAULT_CLONE_ACTIVITY, ...input.activity };
  const clones = input.clonesPerMonth;
  const checks = input.integrityChecksPerMonth ?? 0;
  const base: CostLine[] = [
    line('registry-storage', input.stagedImageBytes / GB, 'GB-month', prices.ecrStorageGbMonth),
    line(
      'cross-region-transfer',
      (clones * input.transferBytesPerClone) / GB,
      'GB',
      prices.crossRegionTransferGb,
    ),
    line(
      'state-transitions',
      clones * activity.stateTransitionsPerClone,
      'transition',
      prices.stepFunctionsTransition,
    ),
    line(
      'lambda-requests',
      clones * activity.lambdaInvocationsPerClone + checks,
      'request',
      prices.lambdaRequest,
    ),
    line(
      'lambda-compute',
      clones * activity.lambdaGbSecondsPerClone + checks * activity.lambdaGbSecondsPerCheck,
      'GB-second',
      prices.lambdaGbSecond,
    ),
    line(
      'dynamodb-writes',
      clones * activity.dynamoWritesPerClone,
      'write request unit',
      prices.dynamoWriteRequest,
    ),
    line(
      'dynamodb-reads',
      checks * activity.dynamoReadsPerCheck,
      'read request unit',
      prices.dynamoReadRequest,
    ),
  ];
  const configOnlyMonthly = base.reduce((sum, item) => sum + item.monthly, 0);
  const warm = warmStandingCost(input.task, input.warmTasks, prices);
  const warmStandingMonthly = warm.vcpu.monthly + warm.memory.monthly;
  const { outage } = input;
  const expectedSaving =
    outage.probability *
    Math.max(0, outage.coldStartMinutes - outage.warmStartMinutes) *
    outage.costPerMinute;
  const choice = chooseTier({
    policy: input.tierPolicy ?? 'auto',
    warmTasks: input.warmTasks,
    forecastPeakAhead: input.forecastPeakAhead ?? false,
    expectedSaving,
    warmStandingCost: warmStandingMonthly,
  });
  const isWarm = choice.tier === 'warm';
  return {
    service: input.service,
    lines: isWarm ? [...base, warm.vcpu, warm.memory] : base,
    configOnlyMonthly,
    warmStandingMonthly,
    decision: { ...choice, expectedSaving, warmStandingCost: warmStandingMonthly },
    totalMonthly: configOnlyMonthly + (isWarm ? warmStandingMonthly : 0),
  };
}

/** Prices every service; the report `understudy cost` prints. */
export function estimateCosts(
  inputs: readonly ServiceCostInput[],
  prices: PriceBook = DEFAULT_PRICES,
): CostReport {
  const services = inputs.map((input) => estimateServiceCost(input, prices));
  return {
    services,
    totalMonthly: services.reduce((sum, service) => sum + service.totalMonthly, 0),
    warmServices: services.filter((s) => s.decision.tier === 'warm').map((s) => s.service),
  };
}
