/** The summary of a deployment plan the pre-flight and the approval request show. */
import type { DeploymentPlan } from '../model';
import type { PlanSummary } from './ports';

/** Services, tasks and services per wave (ascending) of `plan`, with its warnings. */
export function summarisePlan(plan: DeploymentPlan): PlanSummary {
  const waves = new Map<number, number>();
  let tasks = 0;
  for (const entry of plan.entries) {
    waves.set(entry.wave, (waves.get(entry.wave) ?? 0) + 1);
    tasks += entry.desiredCount;
  }
  return {
    planId: plan.planId,
    generatedAt: plan.generatedAt,
    services: plan.entries.length,
    tasks,
    waves: [...waves.entries()]
      .sort(([a], [b]) => a - b)
      .map(([wave, services]) => ({ wave, services })),
    warnings: [...plan.warnings],
  };
}
