/**
 * Pre-flight: seconds, before the lease is taken. Hard failures stop the run with their reason;
 * warnings go into the record. Checks that the quorum is still in ALARM (a primary that came back
 * needs no failover), that the plan exists and is fresh, that every planned clone is validated
 * (a plan on an older version than the effective one deploys with a warning, per the pin rules),
 * and that the staging Fargate vCPU quota holds the plan.
 */
import { NotFoundError } from '../errors';
import type { Clock, InventoryRepository } from '../ports';
import type {
  FailoverRecordStore,
  PlanPages,
  PlanSummary,
  QuorumAlarm,
  QuotaReader,
} from './ports';
import type { FailoverSettings } from './settings';

/** Entries read per plan page during pre-flight. */
const PREFLIGHT_PAGE = 500;
/** How many reasons/warnings travel in the payload (all of them go to the record). */
export const PAYLOAD_LIST_LIMIT = 10;

/** What pre-flight reads. */
export interface PreflightDeps {
  readonly alarm: QuorumAlarm;
  readonly plans: PlanPages;
  readonly inventory: Pick<InventoryRepository, 'listServices'>;
  readonly quota: QuotaReader;
  readonly records: FailoverRecordStore;
  readonly clock: Clock;
}

/** The pre-flight's input. */
export interface PreflightInput {
  readonly executionName: string;
  readonly executionArn: string;
  readonly alarm: { readonly name: string; readonly stateChangeTime: string };
  readonly mode: 'auto' | 'manual';
  /** ISO-8601 UTC the execution started. */
  readonly startedAt: string;
}

/** The pre-flight's verdict (small: it is part of the execution payload). */
export interface PreflightResult {
  readonly ok: boolean;
  /** Hard failures (the first {@link PAYLOAD_LIST_LIMIT}). */
  readonly reasons: readonly string[];
  /** How many warnings went into the record. */
  readonly warnings: number;
  readonly planSummary: PlanSummary;
  readonly detectedAt: string;
}

const EMPTY_SUMMARY: PlanSummary = {
  planId: 'none',
  generatedAt: new Date(0).toISOString(),
  services: 0,
  tasks: 0,
  waves: [],
  warnings: [],
};

const round = (value: number): number => Math.round(value * 1000) / 1000;

/** Runs pre-flight and records it (idempotent: a retried pre-flight rewrites the same record). */
export async function runPreflight(
  deps: PreflightDeps,
  input: PreflightInput,
  settings: FailoverSettings,
): Promise<PreflightResult> {
  const { clock, records } = deps;
  await records.begin({
    executionName: input.executionName,
    executionArn: input.executionArn,
    alarmName: input.alarm.name,
    mode: input.mode,
    detectedAt: input.alarm.stateChangeTime,
    startedAt: input.startedAt,
  });
  const reasons: string[] = [];
  const warnings: string[] = [];

  try {
    const alarm = await deps.alarm.read(input.alarm.name);
    if (alarm.state !== 'ALARM') {
      reasons.push(
        `the quorum alarm ${alarm.name} is ${alarm.state} since ${alarm.stateChangeTime}: the primary's authority is back, no failover`,
      );
    }
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    reasons.push(`the quorum alarm ${input.alarm.name} does not exist`);
  }

  const summary = await deps.plans.summary().catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
  if (!summary || summary.services === 0) {
    reasons.push('there is no deployment plan (no validated clone has been planned)');
  } else {
    warnings.push(...summary.warnings);
    const ageSeconds = (clock.now() - Date.parse(summary.generatedAt)) / 1000;
    if (ageSeconds > settings.planMaxAgeSeconds) {
      warnings.push(
        `the plan ${summary.planId} is ${Math.round(ageSeconds)} s old (more than ${settings.planMaxAgeSeconds} s): deploying it anyway`,
      );
    }
    const pointers = new Map(
      (await deps.inventory.listServices()).map((pointer) => [pointer.service, pointer]),
    );
    let requiredVcpu = 0;
    const unknownVcpu: string[] = [];
    for (const { wave } of summary.waves) {
      let cursor: string | undefined;
      do {
        const page = await deps.plans.page(wave, PREFLIGHT_PAGE, cursor);
        for (const entry of page.entries) {
          const pointer = pointers.get(entry.service);
          const effective = pointer?.pinned ?? pointer?.latestValidated;
          if (effective === undefined) {
            reasons.push(`${entry.service}: no validated clone in the inventory`);
          } else if (effective !== entry.cloneVersion) {
            warnings.push(
              `${entry.service}: the plan deploys clone version ${entry.cloneVersion}, the effective one is ${effective} (stale plan entry)`,
            );
          }
          if (entry.taskVcpu === undefined) unknownVcpu.push(entry.service);
          else requiredVcpu += entry.taskVcpu * entry.desiredCount;
        }
        cursor = page.nextCursor;
      } while (cursor !== undefined);
    }
    const quota = await deps.quota.fargateVcpu();
    if (quota.inUse === undefined) {
      warnings.push('Fargate vCPU in use is unknown: counted as 0 against the quota');
    }
    const available = quota.quota - (quota.inUse ?? 0);
    if (requiredVcpu > available) {
      reasons.push(
        `the plan needs ${round(requiredVcpu)} Fargate vCPU but staging has ${round(available)} of its quota of ${quota.quota} available (raise quota L-3032A538)`,
      );
    }
    if (unknownVcpu.length > 0) {
      warnings.push(
        `${unknownVcpu.length} plan entries have no task vCPU (not counted against the quota): ${unknownVcpu.slice(0, 5).join(', ')}`,
      );
    }
  }

  const now = new Date(clock.now()).toISOString();
  await records.update(input.executionName, {
    milestones: { started: input.startedAt, preflightDone: now },
    transitions: [
      {
        phase: 'preflight',
        at: now,
        detail: reasons.length > 0 ? `failed: ${reasons.length} reasons` : 'passed',
      },
    ],
    warnings: [...warnings, ...reasons.map((reason) => `pre-flight: ${reason}`)],
    ...(summary ? { planId: summary.planId } : {}),
  });
  const planSummary = summary ?? EMPTY_SUMMARY;
  return {
    ok: reasons.length === 0,
    reasons: reasons.slice(0, PAYLOAD_LIST_LIMIT),
    warnings: warnings.length,
    planSummary: { ...planSummary, warnings: planSummary.warnings.slice(0, PAYLOAD_LIST_LIMIT) },
    detectedAt: input.alarm.stateChangeTime,
  };
}
