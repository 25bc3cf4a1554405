/**
 * clone-validate-store, last state: rebuilds the deployment plan from the inventory, sizes it
 * from the forecasts, checks staging quotas, and reports the run (counts and warnings, plus EMF
 * metrics so a dashboard and alarm see failures and quota shortfalls).
 */

import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import type {
  Clock,
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

/** The state's input: the Map's per-service outcomes. */
export const CloneRefreshPlanEvent = z.object({
  trigger: z.string(),
  results: z.array(outcome),
});

/** The execution's output. */
export interface CloneRunReport {
  readonly trigger: string;
  readonly stored: number;
  readonly created: number;
  readonly validated: number;
  readonly failed: readonly { readonly service: string; readonly error: string }[];
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
    const facts: Record<string, CloneRunFacts> = {};
    for (const result of input.results) {
      if (result.outcome === 'stored' && result.primaryDesiredCount !== undefined) {
        facts[result.service] = { primaryDesiredCount: result.primaryDesiredCount };
      }
    }
    const refresh = await refreshPlan(d, d.settings, facts);
    const stored = input.results.filter((r) => r.outcome === 'stored');
    const report: CloneRunReport = {
      trigger: input.trigger,
      stored: stored.length,
      created: stored.filter((r) => r.outcome === 'stored' && r.created).length,
      validated: stored.filter((r) => r.outcome === 'stored' && r.status === 'validated').length,
      failed: input.results.flatMap((r) =>
        r.outcome === 'failed' ? [{ service: r.service, error: r.error }] : [],
      ),
      notValidated: stored.flatMap((r) =>
        r.outcome === 'stored' && r.status !== 'validated'
          ? [{ service: r.service, status: r.status }]
          : [],
      ),
      planEntries: refresh.plan.entries.length,
      vcpuShortfall: refresh.quota.vcpuShortfall,
      warnings: refresh.warnings,
    };
    d.metrics.publish(report);
    if (report.failed.length > 0 || report.warnings.length > 0) {
      d.logger.warn('clone run finished with problems', { ...report });
    } else d.logger.info('clone run finished', { ...report });
    return report;
  };
}

/** Publishes a run report as EMF metrics (one flush per invocation). */
export function emfRunMetrics(metrics: Metrics): RunMetrics {
  return {
    publish(report) {
      metrics.addMetric('ClonesStored', MetricUnit.Count, report.stored);
      metrics.addMetric('ClonesCreated', MetricUnit.Count, report.created);
      metrics.addMetric('ClonesValidated', MetricUnit.Count, report.validated);
      metrics.addMetric('CloneFailures', MetricUnit.Count, report.failed.length);
      metrics.addMetric('ClonesNotValidated', MetricUnit.Count, report.notValidated.length);
      metrics.addMetric('PlanVcpuShortfall', MetricUnit.Count, report.vcpuShortfall);
      metrics.publishStoredMetrics();
    },
  };
}

/** Lambda entry. */
export const handler = createCloneRefreshPlanHandler(() => ({
  inventory: inventoryRepository(),
  plans: planRepository(),
  forecasts: forecastRepository(),
  clock: systemClock,
  settings: pipelineSettings(),
  logger: createLogger('clone-refresh-plan'),
  metrics: emfRunMetrics(createMetrics()),
}));
