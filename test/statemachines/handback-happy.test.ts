// The handback workflow on its happy paths: a real failover first (failover ASL, handlers,
// sandbox, dynalite), then the real handback ASL over the same world: replace (the primary
// redeploys, traffic back, staging to standby) and integrate (ownership flips, the shadow's
// changes listed), each ending with the lease at the primary at epoch + 1.
import { seededServiceKey } from '../../bin/local/clone-pipeline';
import { createLocalFailoverWorld, runFailover } from '../../bin/local/failover-world';
import {
  handbackWorldOf,
  type LocalHandbackRun,
  type LocalHandbackWorld,
  runHandback,
} from '../../bin/local/handback-world';
import { SandboxTrafficSwitch } from '../../functions/adapters/sandbox/failover-ports';
import { parseFailoverSettings } from '../../functions/core/failover/settings';
import { isHandbackLine } from '../../functions/core/handback/ports';
import { parseHandbackSettings } from '../../functions/core/handback/settings';
import type { LeaseMetrics, LeaseSample } from '../../functions/shared/workflow-metrics';
import { useDynalite } from '../support/dynalite-per-file';

jest.setTimeout(180_000);

const dynalite = useDynalite();

const ROUTE = {
  kind: 'route53-failover-signal',
  namespace: 'Understudy/Traffic',
  metricName: 'PrimaryEnabled',
  dimensions: [{ name: 'Service', value: 'shop/svc-000' }],
} as const;

/** A failover world that has failed over (epoch 2), the primary dark during it. */
async function failedOver(services = 3, leaseMetrics?: LeaseMetrics): Promise<LocalHandbackWorld> {
  const failover = await createLocalFailoverWorld({ services, dynamo: dynalite() });
  failover.failoverSettings = parseFailoverSettings({ traffic: { [seededServiceKey(0)]: ROUTE } });
  const world = handbackWorldOf(failover);
  world.primaryRegion.goDark();
  const run = await runFailover(world, {
    config: { approvalMode: 'auto' },
    ...(leaseMetrics ? { leaseMetrics } : {}),
  });
  if (run.status !== 'SUCCEEDED') throw new Error(`failover failed: ${run.error} ${run.cause}`);
  world.primaryRegion.comeBack();
  return world;
}

describe('State machine: handback (happy)', () => {
  describe('Path: replace (the default), manual approval', () => {
    let w: LocalHandbackWorld;
    let run: LocalHandbackRun;
    const leaseSamples: LeaseSample[] = [];
    const durations: { outcome: string; durationSeconds: number }[] = [];
    beforeAll(async () => {
      const leaseMetrics = { publish: (sample: LeaseSample) => leaseSamples.push(sample) };
      w = await failedOver(3, leaseMetrics);
      for (let i = 0; i < 3; i += 1) {
        const [cluster, service] = seededServiceKey(i).split('/') as [string, string];
        await w.primaryRegion.redeploy(cluster, service);
      }
      run = await runHandback(w, {
        leaseMetrics,
        handbackMetrics: {
          publish: ({ outcome, durationSeconds }) => durations.push({ outcome, durationSeconds }),
        },
      });
    });

    it('publishes the lease as it changes hands (shadow@2, then primary@3) and the handback duration', async () => {
      // Act
      const record = await w.records.get(run.executionName);

      // Assert
      expect(leaseSamples).toEqual([
        { holder: 'shadow', epoch: 2 },
        { holder: 'primary', epoch: 3 },
      ]);
      const started = Date.parse(record?.milestones.started ?? '');
      const finished = Date.parse(record?.milestones.finished ?? '');
      expect(durations).toEqual([
        { outcome: 'succeeded', durationSeconds: Math.round((finished - started) / 1000) },
      ]);
      expect(durations[0]?.durationSeconds).toBeGreaterThan(0);
    });

    it('succeeds and hands the lease to the primary at epoch + 1, with who approved', async () => {
      // Act
      const lease = await w.lease.read();

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({ outcome: 'succeeded' });
      expect(lease).toMatchObject({
        holder: 'primary',
        epoch: 3,
        reason: `handback ${run.executionName} approved by oncall@example.com`,
      });
    });

    it('asks for approval with the handback summary', () => {
      // Assert
      expect(w.approvalRequests.at(-1)).toMatchObject({
        executionName: run.executionName,
        planSummary: { services: 3 },
      });
    });

    it('moves traffic back to the primary and only then scales staging to its standby tier', async () => {
      // Act
      const lines = (await w.records.listServices(run.executionName)).filter(isHandbackLine);
      const line = lines.find((l) => l.service === seededServiceKey(0));

      // Assert
      expect(w.traffic.routes.get(SandboxTrafficSwitch.idOf(ROUTE))?.direction).toBe('to-primary');
      expect(lines.map((l) => l.handback.phase)).toEqual(['standby', 'standby', 'standby']);
      expect(Date.parse(line?.handback.scaledDownAt ?? '')).toBeGreaterThanOrEqual(
        Date.parse(line?.trafficSwitchedAt ?? ''),
      );
      expect(Date.parse(line?.trafficSwitchedAt ?? '')).toBeGreaterThanOrEqual(
        Date.parse(line?.handback.primary?.steadyAt ?? ''),
      );
      for (const l of lines) {
        const described = await w.cloud
          .containerPlatform(w.staging)
          .describeService(l.cluster, l.serviceName);
        expect(described.desiredCount).toBe(0);
        expect(described.scaling?.minCapacity ?? 0).toBe(0);
      }
    });

    it('writes the handback record and report, kind handback, with the milestones', async () => {
      // Act
      const record = await w.records.get(run.executionName);

      // Assert
      expect(record).toMatchObject({
        kind: 'handback',
        outcome: 'succeeded',
        epoch: 3,
        approval: { decision: 'approved', actor: 'oncall@example.com' },
      });
      for (const m of ['frozen', 'primarySteady', 'released', 'finished'] as const) {
        expect(record?.milestones[m]).toBeDefined();
      }
      const report = w.records.reports.get(record?.reportUri ?? '') as { services: unknown[] };
      expect(report.services).toHaveLength(3);
    });

    it('notifies the outcome', () => {
      // Assert
      expect(w.notifications.at(-1)).toMatchObject({
        subject: 'Understudy handback: succeeded',
        message: { outcome: 'succeeded' },
      });
    });

    it('leaves adaptation frozen at the shadow epoch (the primary holds authority now)', async () => {
      // Assert
      expect(await w.freeze.read()).toMatchObject({ epoch: 2, executionName: run.executionName });
    });
  });

  describe('Path: integrate, auto approval', () => {
    let w: LocalHandbackWorld;
    let run: LocalHandbackRun;
    beforeAll(async () => {
      w = await failedOver();
      w.handbackSettings = parseHandbackSettings({
        defaultMode: 'integrate',
        traffic: { [seededServiceKey(0)]: ROUTE },
      });
      run = await runHandback(w, { config: { approvalMode: 'auto' } });
    });

    it('hands the lease to the primary at epoch + 1 without waiting for the primary services', async () => {
      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(await w.lease.read()).toMatchObject({ holder: 'primary', epoch: 3 });
      expect(w.approvalRequests).toHaveLength(0);
    });

    it('keeps the staging services up and serving, owned by the primary at its epoch', async () => {
      // Act
      const lines = (await w.records.listServices(run.executionName)).filter(isHandbackLine);

      // Assert
      expect(w.traffic.routes.get(SandboxTrafficSwitch.idOf(ROUTE))?.direction).toBe('to-staging');
      for (const l of lines) {
        expect(l.handback.phase).toBe('integrated');
        const described = await w.cloud
          .containerPlatform(w.staging)
          .describeService(l.cluster, l.serviceName);
        expect(described.runningCount).toBeGreaterThan(0);
        expect(described.tags).toEqual(
          expect.arrayContaining([
            { name: 'understudy:owner', value: 'primary' },
            { name: 'understudy:authority-epoch', value: '3' },
          ]),
        );
      }
    });

    it("lists exactly what the shadow changed against the clone's source", async () => {
      // Act
      const lines = (await w.records.listServices(run.executionName)).filter(isHandbackLine);

      // Assert: the clone stood config-only (0 tasks); the failover ran the plan's 2.
      for (const l of lines) {
        expect(l.handback.primary?.taskDefinitionArn).toMatch(/^arn:aws:ecs:.*:task-definition\//);
        expect(l.handback.changes?.map((c) => c.field)).not.toContain('taskDefinition');
      }
      for (const l of lines) {
        expect(l.handback.changes).toEqual([{ field: 'desiredCount', source: 0, shadow: 2 }]);
      }
    });
  });
});
