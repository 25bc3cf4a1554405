/**
 * clone-validate-store, last state: reads the run's per-service outcomes (each clone-batch child
 * wrote its batch's to the inventory table), rebuilds the deployment plan from the inventory,
 * sizes it from the forecasts, checks staging quotas, and reports the run (counts and warnings,
 * plus EMF metrics so a dashboard and alarm see failures and quota shortfalls).
 */

import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { ValidationError } from '../core/errors';
import type {
  Clock,
  CloneRunLog,
  ForecastRepository,
  InventoryRepository,
  LoggerLike,
  PlanRepository,
} from '../core/ports';
import { type CloneRunFacts, refreshPlan } from '../core/prebake/plan-refresh';
import type { PipelineSettings } from '../core/prebake/settings';
import { systemClock } from '../shared/clock';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import {
  cloneRunLog,
  forecastRepository,
  inventoryRepository,
  pipelineSettings,
  planRepository,
} from '../shared/pipeline-wiring';
import { createLogger, createMetrics } from '../shared/powertools';

const outcome = z.union([
  z.object({
    service: z.string(),
    outcome: z.literal('stored'),
    version: z.number().int().positive(),
    created: z.boolean(),
    status: z.string(),
    primaryDesiredCount: z.number().int().nonnegative().optional(),
  }),
  z.object({
    service: z.string(),
    outcome: z.literal('failed'),
    error: z.string(),
    cause: z.string().optional(),
  }),
]);

/** What each child execution returned to the parent's Map (or the parent made of its failure). */
const batchResult = z.union([
  z.object({ batch: z.number().int().nonnegative(), services: z.number().int().nonnegative() }),
  z.object({ batch: z.number().int().nonnegative(), failed: z.literal(true), error: z.string() }),
]);

/** The state's input: the run (parent execution name) and what each batch returned. */
export const CloneRefreshPlanEvent = z.object({
  trigger: z.string(),
  run: z.string().min(1),
  batches: z.array(batchResult).min(1),
});

/** One service's outcome as a clone-batch child recorded it. */
export type CloneServiceOutcome = z.infer<typeof outcome>;

/** The execution's output. */
export interface CloneRunReport {
  readonly trigger: string;
  readonly stored: number;
  readonly created: number;
  readonly validated: number;
  readonly failed: readonly { readonly service: string; readonly error: string }[];
  /** Child executions that did not finish: their services' outcomes are unknown to this report. */
  readonly failedBatches: readonly { readonly batch: number; readonly error: string }[];
  readonly notValidated: readonly { readonly service: string; readonly status: string }[];
  readonly planEntries: number;
  readonly vcpuShortfall: number;
  readonly warnings: readonly string[];
}

/** Where the run's figures go (EMF in Lambda; a list in tests). */
export interface RunMetrics {
  publish(report: CloneRunReport): void;
}

/** What the handler needs. */
export interface CloneRefreshPlanDeps {
  readonly inventory: InventoryRepository;
  readonly runs: CloneRunLog;
  readonly plans: PlanRepository;
  readonly forecasts: ForecastRepository;
  readonly clock: Clock;
  readonly settings: PipelineSettings;
  readonly logger: LoggerLike;
  readonly metrics: RunMetrics;
}

/** Builds the handler. */
export function createCloneRefreshPlanHandler(deps: Deps<CloneRefreshPlanDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<CloneRunReport> => {
    const input = parseEvent(CloneRefreshPlanEvent, event, 'clone-refresh-plan');
    const d = get();
    const { results, failedBatches, missing } = await runOutcomes(d.runs, input);
    const facts: Record<string, CloneRunFacts> = {};
    for (const result of results) {
      if (result.outcome === 'stored' && result.primaryDesiredCount !== undefined) {
        facts[result.service] = { primaryDesiredCount: result.primaryDesiredCount };
      }
    }
    const refresh = await refreshPlan(d, d.settings, facts);
    const stored = results.filter((r) => r.outcome === 'stored');
    const report: CloneRunReport = {
      trigger: input.trigger,
      stored: stored.length,
      created: stored.filter((r) => r.outcome === 'stored' && r.created).length,
      validated: stored.filter((r) => r.outcome === 'stored' && r.status === 'validated').length,
      failed: results.flatMap((r) =>
        r.outcome === 'failed' ? [{ service: r.service, error: r.error }] : [],
      ),
      failedBatches,
      notValidated: stored.flatMap((r) =>
        r.outcome === 'stored' && r.status !== 'validated'
          ? [{ service: r.service, status: r.status }]
          : [],
      ),
      planEntries: refresh.plan.entries.length,
      vcpuShortfall: refresh.quota.vcpuShortfall,
      warnings: [
        ...failedBatches.map(
          (b) =>
            `batch ${b.batch} did not finish (${b.error}): its services' outcomes are not in this report; their failures are recorded in the inventory`,
        ),
        ...missing.map((batch) => `batch ${batch} finished but recorded no outcomes`),
        ...refresh.warnings,
      ],
    };
    d.metrics.publish(report);
    if (report.failed.length > 0 || report.failedBatches.length > 0 || report.warnings.length > 0) {
      d.logger.warn('clone run finished with problems', { ...report });
    } else d.logger.info('clone run finished', { ...report });
    return report;
  };
}

/**
 * The per-service outcomes of the run's finished batches, the batches that failed, and finished
 * batches with no record (which a correct workflow never leaves).
 * @throws ValidationError when a recorded outcome has the wrong shape.
 */
async function runOutcomes(
  runs: CloneRunLog,
  input: z.infer<typeof CloneRefreshPlanEvent>,
): Promise<{
  results: CloneServiceOutcome[];
  failedBatches: { batch: number; error: string }[];
  missing: number[];
}> {
  const records = new Map((await runs.listBatches(input.run)).map((r) => [r.batch, r.outcomes]));
  const results: CloneServiceOutcome[] = [];
  const failedBatches: { batch: number; error: string }[] = [];
  const missing: number[] = [];
  for (const batch of input.batches) {
    if ('failed' in batch) {
      failedBatches.push({ batch: batch.batch, error: batch.error });
      continue;
    }
    const recorded = records.get(batch.batch);
    if (recorded === undefined) {
      missing.push(batch.batch);
      continue;
    }
    const parsed = z.array(outcome).safeParse(recorded);
    if (!parsed.success) {
      throw new ValidationError(
        `invalid outcomes recorded for batch ${batch.batch} of run ${input.run}`,
        parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      );
    }
    results.push(...parsed.data);
  }
  return { results, failedBatches, missing };
}

/** Publishes a run report as EMF metrics (one flush per invocation). */
export function emfRunMetrics(metrics: Metrics): RunMetrics {
  return {
    publish(report) {
      metrics.addMetric('ClonesStored', MetricUnit.Count, report.stored);
      metrics.addMetric('ClonesCreated', MetricUnit.Count, report.created);
      metrics.addMetric('ClonesValidated', MetricUnit.Count, report.validated);
      // A batch that did not finish counts as (at least) one failure: its services are unknown.
      metrics.addMetric(
        'CloneFailures',
        MetricUnit.Count,
        report.failed.length + report.failedBatches.length,
      );
      metrics.addMetric('ClonesNotValidated', MetricUnit.Count, report.notValidated.length);
      metrics.addMetric('PlanVcpuShortfall', MetricUnit.Count, report.vcpuShortfall);
      metrics.publishStoredMetrics();
    },
  };
}

/** Lambda entry. */
export const handler = createCloneRefreshPlanHandler(() => ({
  inventory: inventoryRepository(),
  runs: cloneRunLog(),
  plans: planRepository(),
  forecasts: forecastRepository(),
  clock: systemClock,
  settings: pipelineSettings(),
  logger: createLogger('clone-refresh-plan'),
  metrics: emfRunMetrics(createMetrics()),
}));
