import { ThrottlingError } from '../../../functions/core/errors';
import type { FailoverRecordStore, ServiceOutcome } from '../../../functions/core/failover/ports';
import type { HandbackServiceLine } from '../../../functions/core/handback/ports';
import {
  type HandbackServiceDeps,
  runServiceStep,
} from '../../../functions/core/handback/services';
import type { ContainerPlatform } from '../../../functions/core/ports';

const EXECUTION = 'handback-e2-20261202T041500Z';

function line(service: string): HandbackServiceLine {
  const [cluster = '', serviceName = ''] = service.split('/');
  return {
    service: service as HandbackServiceLine['service'],
    wave: 0,
    cluster: `${cluster}-failover`,
    serviceName,
    taskDefinitionArn: `arn:aws:ecs:eu-central-1:222222222222:task-definition/${serviceName}:1`,
    desiredCount: 4,
    targetGroupArns: [],
    status: 'steady',
    warnings: [],
    handback: { mode: 'replace', phase: 'traffic-back', standbyCount: 0 },
  };
}

/** The record store's service lines only: what runServiceStep reads and writes. */
function records(lines: HandbackServiceLine[]) {
  const byService = new Map(lines.map((l) => [l.service, l as ServiceOutcome]));
  const store = {
    listServices: async () =>
      [...byService.values()].sort((a, b) => a.service.localeCompare(b.service)),
    putServices: async (_: string, changed: readonly ServiceOutcome[]) => {
      for (const l of changed) byService.set(l.service, l);
    },
  };
  return { store: store as unknown as FailoverRecordStore, byService };
}

describe('handback scale-down under throttling', () => {
  it('rethrows a throttled service for the Retry after saving the others, and finishes it on the re-run', async () => {
    // Arrange
    const { store, byService } = records([line('shop/api'), line('shop/web'), line('shop/worker')]);
    const updates: string[] = [];
    let throttleOnce = true;
    const platform = {
      describeService: async () => ({ scaling: undefined }),
      updateService: async (_cluster: string, name: string) => {
        if (name === 'web' && throttleOnce) {
          throttleOnce = false;
          throw new ThrottlingError('UpdateService');
        }
        updates.push(name);
      },
    } as unknown as ContainerPlatform;
    const deps = {
      lease: { assertHeld: async () => {} },
      records: store,
      platform,
      clock: { now: () => Date.UTC(2026, 11, 2, 4, 20), sleep: async () => {} },
    } as unknown as HandbackServiceDeps;
    const input = {
      action: 'scale-down',
      executionName: EXECUTION,
      epoch: 2,
      pageSize: 50,
    } as const;

    // Act
    const first = runServiceStep(deps, input);
    await expect(first).rejects.toBeInstanceOf(ThrottlingError);
    const afterFirst = [...byService.values()].map((l) => [
      l.service,
      (l as HandbackServiceLine).handback.phase,
    ]);
    const second = await runServiceStep(deps, input);

    // Assert
    expect(afterFirst).toEqual([
      ['shop/api', 'standby'],
      ['shop/web', 'traffic-back'],
      ['shop/worker', 'standby'],
    ]);
    expect(second).toMatchObject({ handled: 1, failed: 0, skipped: 2, done: true });
    expect(updates.sort()).toEqual(['api', 'web', 'worker']);
    expect([...byService.values()].every((l) => l.status === 'steady')).toBe(true);
  });
});
