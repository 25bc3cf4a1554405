import type { PlanEntry } from '../../../functions/core/model';
import type { PlanRepository } from '../../../functions/core/ports';
import { refreshPlan } from '../../../functions/core/prebake/plan-refresh';
import { MemoryForecastRepository } from '../../support/memory-forecast-repository';
import { cloneService, coreWorld } from './integrity-support';

class MemoryPlans implements PlanRepository {
  public readonly entries = new Map<string, PlanEntry>();
  public async putEntry(entry: PlanEntry): Promise<void> {
    this.entries.set(entry.service, entry);
  }
  public async getPlan() {
    return { planId: 'p', generatedAt: '', entries: [...this.entries.values()], warnings: [] };
  }
}

async function setup(services = 2) {
  const world = coreWorld(services);
  for (const s of world.settings.services) await cloneService(world, `${s.cluster}/${s.service}`);
  const ports = {
    inventory: world.inventory,
    plans: new MemoryPlans(),
    forecasts: new MemoryForecastRepository(),
    clock: world.cloud.clock,
  };
  return { world, ports };
}

describe('Function: refreshPlan', () => {
  it('sizes an entry from the CPU forecast quantile, never below what the primary ran', async () => {
    // Arrange: svc-000 ran 2 tasks at a forecast p90 peak of 90 % CPU → 2 × 0.9 / 0.6 = 3 tasks
    const { world, ports } = await setup(2);
    await ports.forecasts.put({
      service: 'shop/svc-000',
      metric: 'cpu',
      generatedAt: new Date(0).toISOString(),
      timestamps: ['a', 'b'],
      intervalSeconds: 3600,
      mean: [50, 60],
      quantiles: { '0.5': [50, 60], '0.9': [80, 90] },
      model: 'test',
      warnings: [],
    });

    // Act
    const refresh = await refreshPlan(ports, world.settings, {
      'shop/svc-000': { primaryDesiredCount: 2 },
      'shop/svc-001': { primaryDesiredCount: 2 },
    });

    // Assert
    const counts = Object.fromEntries(refresh.plan.entries.map((e) => [e.service, e.desiredCount]));
    expect(counts).toEqual({ 'shop/svc-000': 3, 'shop/svc-001': 2 });
    expect(ports.plans.entries.size).toBe(2);
  });

  it('plans a stale clone, with a warning, when a service has no validated one', async () => {
    // Arrange
    const { world, ports } = await setup(2);
    await world.inventory.setStatus('shop/svc-001', 1, 'stale', ['primary moved on'], 'test');

    // Act
    const refresh = await refreshPlan(ports, world.settings, {});

    // Assert
    expect(refresh.plan.entries.map((e) => [e.service, e.cloneVersion])).toEqual([
      ['shop/svc-000', 1],
      ['shop/svc-001', 1],
    ]);
    expect(refresh.warnings.join('\n')).toMatch(/shop\/svc-001: planning stale clone version 1/);
  });

  it('leaves out a service whose only clone is invalid and says so', async () => {
    // Arrange
    const { world, ports } = await setup(2);
    await world.inventory.setStatus('shop/svc-001', 1, 'invalid', ['image deleted'], 'test');

    // Act
    const refresh = await refreshPlan(ports, world.settings, {});

    // Assert
    expect(refresh.unplanned).toEqual(['shop/svc-001']);
    expect(refresh.warnings).toContain('shop/svc-001: no validated clone to plan');
  });

  it('warns when the plan needs more Fargate vCPU than the staging quota', async () => {
    // Arrange: 2 services × 2 tasks × 0.5 vCPU = 2 vCPU against a quota of 1
    const { world, ports } = await setup(2);
    const settings = { ...world.settings, fargateVcpuQuota: 1 };

    // Act
    const refresh = await refreshPlan(ports, settings, {
      'shop/svc-000': { primaryDesiredCount: 2 },
      'shop/svc-001': { primaryDesiredCount: 2 },
    });

    // Assert
    expect(refresh.quota.vcpuShortfall).toBe(1);
    expect(refresh.warnings.join('\n')).toMatch(/short by 1/);
  });
});
