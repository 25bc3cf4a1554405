/**
 * After a clone run: rebuild the deployment plan from the effective clone version of every
 * protected service, size each entry from the forecast, and check that staging's quotas can hold
 * the whole plan — a shortfall is a warning and a metric now, not a surprise during a failover.
 */
import { type DemandSignal, desiredCount, taskCapacityOf } from '../capacity';
import type { DeploymentPlan, ServiceKey } from '../model';
import { serviceKey } from '../model';
import { buildDeploymentPlan, type PlanServiceInput } from '../plan/plan';
import { checkPlanQuotas, type QuotaCheck, taskVcpuOf } from '../plan/quota';
import type { Clock, ForecastRepository, InventoryRepository, PlanRepository } from '../ports';
import type { PipelineSettings, ServiceSettings } from './settings';

/** What the clone run learnt per service (from the store step's summaries). */
export interface CloneRunFacts {
  /** Tasks the primary wanted when cloned. */
  readonly primaryDesiredCount?: number;
}

/** Outcome of {@link refreshPlan}. */
export interface PlanRefresh {
  readonly plan: DeploymentPlan;
  readonly quota: QuotaCheck;
  /** Protected services with no usable clone (left out of the plan). */
  readonly unplanned: readonly ServiceKey[];
  readonly warnings: readonly string[];
}

/** Peak over the horizon of the forecast quantile closest to `level`. */
function peakQuantile(
  quantiles: Readonly<Record<string, readonly number[]>>,
  level: number,
): number | undefined {
  const levels = Object.keys(quantiles)
    .map(Number)
    .filter(Number.isFinite)
    .sort((a, b) => Math.abs(a - level) - Math.abs(b - level));
  const nearest = levels[0];
  if (nearest === undefined) return undefined;
  const values = quantiles[String(nearest)] ?? [];
  return values.length > 0 ? Math.max(...values) : undefined;
}

/**
 * Desired count of one service on failover: the forecast's capacity quantile of CPU and memory
 * utilisation (service-level %, measured at the primary's task count) turned into tasks at the
 * target utilisation, never below what the primary ran, within [minTasks, maxTasks].
 */
export async function plannedDesiredCount(
  forecasts: ForecastRepository,
  service: ServiceSettings,
  facts: CloneRunFacts,
  taskSpec: Parameters<typeof taskCapacityOf>[0],
): Promise<{ count: number; basis: string }> {
  const key = serviceKey(service);
  const running = facts.primaryDesiredCount ?? service.minTasks;
  const signals: DemandSignal[] = [];
  for (const forecast of await forecasts.listLatest(key)) {
    if (forecast.metric !== 'cpu' && forecast.metric !== 'memory') continue;
    const peak = peakQuantile(forecast.quantiles, service.capacityQuantile);
    if (peak === undefined || running === 0) continue;
    signals.push({
      kind: forecast.metric === 'cpu' ? 'cpu-percent' : 'memory-percent',
      percent: peak,
      runningTasks: running,
    });
  }
  const floor = Math.min(Math.max(service.minTasks, running), service.maxTasks);
  const sized = desiredCount({
    signals,
    task: taskCapacityOf(taskSpec),
    targetUtilization: service.targetUtilization,
    minCount: floor,
    maxCount: service.maxTasks,
  });
  return {
    count: sized.desiredCount,
    basis:
      signals.length > 0
        ? `forecast p${Math.round(service.capacityQuantile * 100)} ${sized.binding ?? ''}`.trim()
        : 'primary desired count (no forecast)',
  };
}

/** Rebuilds and stores the plan; see the module comment. */
export async function refreshPlan(
  ports: {
    readonly inventory: InventoryRepository;
    readonly plans: PlanRepository;
    readonly forecasts: ForecastRepository;
    readonly clock: Clock;
  },
  settings: PipelineSettings,
  facts: Readonly<Record<ServiceKey, CloneRunFacts>>,
): Promise<PlanRefresh> {
  const inputs: PlanServiceInput[] = [];
  const unplanned: ServiceKey[] = [];
  const taskVcpu: Record<ServiceKey, number> = {};
  const effective = new Map<
    ServiceKey,
    NonNullable<Awaited<ReturnType<InventoryRepository['getEffective']>>>
  >();
  const warnings: string[] = [];
  for (const service of settings.services) {
    const key = serviceKey(service);
    let clone = await ports.inventory.getEffective(key);
    if (!clone) {
      // A stale clone is intact but older than the primary's revision (a re-clone is on its
      // way): deploying it beats deploying nothing if a failover comes first.
      clone = (await ports.inventory.listVersions(key)).find((v) => v.status === 'stale');
      if (clone) {
        warnings.push(`${key}: planning stale clone version ${clone.version} (no validated clone)`);
      }
    }
    if (!clone) {
      unplanned.push(key);
      warnings.push(`${key}: no validated clone to plan`);
    } else {
      effective.set(key, clone);
    }
  }
  for (const service of settings.services) {
    const key = serviceKey(service);
    const clone = effective.get(key);
    if (!clone) continue;
    const { count } = await plannedDesiredCount(
      ports.forecasts,
      service,
      facts[key] ?? {},
      clone.content.taskDefinition,
    );
    const vcpu = taskVcpuOf(clone.content.taskDefinition);
    if (vcpu !== undefined) taskVcpu[key] = vcpu;
    // A dependency without a clone cannot be waited for: plan without it, and say so.
    const dependsOn = service.dependsOn.filter((dependency) => {
      if (effective.has(dependency)) return true;
      warnings.push(`${key}: depends on ${dependency}, which has no clone in the plan`);
      return false;
    });
    inputs.push({ clone, desiredCount: count, dependsOn });
  }
  const nowIso = new Date(ports.clock.now()).toISOString();
  const plan = buildDeploymentPlan({
    planId: `plan-${nowIso}`,
    generatedAt: nowIso,
    services: inputs,
  });
  for (const entry of plan.entries) await ports.plans.putEntry(entry);
  const quota = checkPlanQuotas(plan, taskVcpu, { fargateVcpu: settings.fargateVcpuQuota });
  return {
    plan,
    quota,
    unplanned,
    warnings: [...warnings, ...plan.warnings, ...quota.warnings],
  };
}
