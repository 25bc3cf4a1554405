// The drill deployment's workflow: the real drill wrapper ASL and the real failover ASL files
// (run as its child with the drill's parts) by aws-local-stepfunctions, the real drill and
// failover handlers over the sandbox cloud, an estate pre-baked by the real clone pipeline, the
// production and drill leases on dynalite. Every scenario asserts on the sandbox state that the
// drill left nothing behind and never touched production.

import {
  DRILL_CLUSTER,
  drillWorldOf,
  type LocalDrillRun,
  type LocalDrillWorld,
  runDrill,
} from '../../bin/local/drill-aws-world';
import { createLocalFailoverWorld, type LocalFailoverWorld } from '../../bin/local/failover-world';
import { ServiceUnavailableError } from '../../functions/core/errors';
import type { Lease } from '../../functions/core/model';
import { createFailoverAcquireLeaseHandler } from '../../functions/handlers/failover-acquire-lease';
import type { DrillMetrics } from '../../functions/shared/workflow-metrics';
import { useDynalite } from '../support/dynalite-per-file';

jest.setTimeout(120_000);

const dynalite = useDynalite();

/** What production looks like: staging services (count, revision, scaling, tags), lease, traffic. */
interface ProductionSnapshot {
  readonly services: Record<string, unknown>;
  readonly lease: Omit<Lease, 'updatedAt'>;
  readonly routes: number;
}

async function productionOf(w: LocalFailoverWorld): Promise<ProductionSnapshot> {
  const ecs = w.cloud.state(w.staging).ecs;
  const now = w.cloud.clock.now();
  const services: Record<string, unknown> = {};
  for (const key of ecs.listServiceKeys()) {
    if (key.startsWith(`${DRILL_CLUSTER}/`)) continue;
    const [cluster, name] = key.split('/') as [string, string];
    const described = ecs.describeService(cluster, name, now);
    services[key] = {
      taskDefinition: described.taskDefinition,
      desiredCount: described.deployments.reduce((sum, d) => sum + d.desiredCount, 0),
      runningCount: described.runningCount,
      scaling: described.scaling ?? null,
      tags: described.tags ?? [],
    };
  }
  const { updatedAt: _updatedAt, ...lease } = await w.lease.read();
  return { services, lease, routes: w.traffic.routes.size };
}

/** Application Auto Scaling writes the sandbox has seen so far. */
function scalingCalls(w: LocalFailoverWorld): Record<string, number | undefined> {
  const calls = w.cloud.callCounts();
  return Object.fromEntries(
    [
      'application-autoscaling:RegisterScalableTarget',
      'application-autoscaling:PutScalingPolicy',
      'application-autoscaling:DeregisterScalableTarget',
    ].map((op) => [op, calls[op]]),
  );
}

function drillServicesOf(w: LocalFailoverWorld): string[] {
  return w.cloud
    .state(w.staging)
    .ecs.listServiceKeys()
    .filter((key) => key.startsWith(`${DRILL_CLUSTER}/`));
}

/**
 * A real failover (`real-failover`) takes authority through the production acquire-lease step,
 * wired with the drill lease as the stack wires it (so a running drill is aborted). Its epoch.
 */
async function realFailoverTakesAuthority(d: LocalDrillWorld): Promise<number> {
  const w = d.world;
  await w.records.begin({
    executionName: 'real-failover',
    executionArn: 'arn:aws:states:eu-central-1:222222222222:execution:f:real-failover',
    alarmName: 'understudy-authority-quorum',
    mode: 'auto',
    detectedAt: new Date(w.cloud.clock.now()).toISOString(),
    startedAt: new Date(w.cloud.clock.now()).toISOString(),
  });
  const acquire = createFailoverAcquireLeaseHandler({
    lease: w.lease,
    records: w.records,
    clock: w.cloud.clock,
    drillLease: d.drillLease,
  });
  return (await acquire({ executionName: 'real-failover' })).epoch;
}

describe('State machine: drill (the drill deployment)', () => {
  describe('Path: a drill that succeeds', () => {
    let d: LocalDrillWorld;
    let before: ProductionSnapshot;
    let run: LocalDrillRun;
    let scalingCallsBefore: Record<string, number | undefined>;
    let drillEpochBefore: number;
    const published: Parameters<DrillMetrics['publish']>[0][] = [];
    beforeAll(async () => {
      const w = await createLocalFailoverWorld({ services: 6, dynamo: dynalite() });
      d = drillWorldOf(w);
      before = await productionOf(w);
      drillEpochBefore = (await d.drillLease.read()).epoch;
      scalingCallsBefore = scalingCalls(w);
      // Act: the console's Start execution sends an empty input.
      run = await runDrill(d, {
        input: {},
        drillMetrics: { publish: (record) => published.push(record) },
      });
    });

    it('succeeds, its failover deploying every planned service into the drill cluster', () => {
      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.failover?.status).toBe('SUCCEEDED');
      expect(run.failover?.output).toMatchObject({
        record: { outcome: 'succeeded', totals: { services: 6, steady: 6, failed: 0 } },
      });
    });

    it('writes the history line with drill: true and the RTO measured as a failover measures it', async () => {
      // Act
      const [line] = await d.history.list(10);
      // Assert
      expect(line).toMatchObject({
        drillName: run.drillName,
        drill: true,
        outcome: 'succeeded',
        failoverOutcome: 'succeeded',
        services: 6,
        steady: 6,
        servicesDeleted: 6,
      });
      expect(line?.allSteadySeconds).toBeGreaterThan(0);
      expect(published).toEqual([
        {
          outcome: 'succeeded',
          startedAt: line?.startedAt,
          tornDownAt: line?.tornDownAt,
          allSteadySeconds: line?.allSteadySeconds,
        },
      ]);
      expect(run.output).toMatchObject({
        drill: { drillName: run.drillName, outcome: 'succeeded' },
      });
    });

    it('leaves nothing in the drill cluster: no services, no tasks, no scalable targets', () => {
      // Assert
      expect(drillServicesOf(d.world)).toEqual([]);
      const calls = d.world.cloud.callCounts();
      expect(calls['ecs:DeleteService']).toBe(6);
      // The drill plan has no scaling bounds (IAM cannot hold scaling calls to the drill
      // cluster): the drill made no Application Auto Scaling write, so none is left behind.
      expect(scalingCalls(d.world)).toEqual(scalingCallsBefore);
    });

    it('changes nothing in production: services, lease and traffic as before', async () => {
      // Assert
      expect(await productionOf(d.world)).toEqual(before);
    });

    it('leaves the drill lease released (primary), one epoch up for the take and one for the release', async () => {
      // Act
      const lease = await d.drillLease.read();
      // Assert
      expect(lease.holder).toBe('primary');
      expect(lease.epoch).toBe(drillEpochBefore + 2);
      expect(lease.reason).toBe(`drill ${run.drillName} torn down`);
    });

    it('writes its RTO record to the drill deployment’s records, never production’s', async () => {
      // Assert
      expect(await d.drillRecords.get(run.drillName)).toMatchObject({ outcome: 'succeeded' });
      expect(await d.world.records.get(run.drillName)).toBeUndefined();
    });
  });

  describe('Path: a drill that fails halfway', () => {
    let d: LocalDrillWorld;
    let before: ProductionSnapshot;
    let run: LocalDrillRun;
    let teardownCalls = 0;
    beforeAll(async () => {
      const w = await createLocalFailoverWorld({ services: 6, dynamo: dynalite() });
      d = drillWorldOf(w);
      before = await productionOf(w);
      let pages = 0;
      run = await runDrill(d, {
        // Two services a page: the second page's deploy fails for good, after the first deployed.
        config: { pageSize: 2 },
        failover: {
          beforeDeployPage: () => {
            pages += 1;
            if (pages === 2) throw new Error('injected: the deploy step crashed');
          },
        },
        // The first teardown call fails as AWS might; the state's Retry runs it again.
        wrapTeardown: (teardown) => async (event) => {
          teardownCalls += 1;
          if (teardownCalls === 1)
            throw new ServiceUnavailableError('ecs:DeleteService', 'injected');
          return teardown(event);
        },
      });
    });

    it('fails as a drill, its failover failed', () => {
      // Assert
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('DrillFailed');
      expect(run.failover?.status).toBe('FAILED');
    });

    it('still tears down everything it created, through a retried teardown', () => {
      // Assert
      expect(teardownCalls).toBeGreaterThan(1);
      expect(drillServicesOf(d.world)).toEqual([]);
    });

    it('records the failure in the drill history and leaves the drill lease released', async () => {
      // Act
      const [line] = await d.history.list(10);
      const lease = await d.drillLease.read();
      // Assert
      expect(line).toMatchObject({ drill: true, outcome: 'failed', servicesDeleted: 6 });
      expect(lease.holder).toBe('primary');
    });

    it('changes nothing in production', async () => {
      // Assert
      expect(await productionOf(d.world)).toEqual(before);
    });
  });

  describe('Path: a real failover aborts a running drill', () => {
    let d: LocalDrillWorld;
    let before: ProductionSnapshot;
    let run: LocalDrillRun;
    let realEpoch = 0;
    beforeAll(async () => {
      const w = await createLocalFailoverWorld({ services: 6, dynamo: dynalite() });
      d = drillWorldOf(w);
      before = await productionOf(w);
      let pages = 0;
      run = await runDrill(d, {
        config: { pageSize: 2 },
        failover: {
          beforeDeployPage: async () => {
            pages += 1;
            if (pages !== 2) return;
            realEpoch = await realFailoverTakesAuthority(d);
          },
        },
      });
    });

    it('aborts the drill: its fenced deploy finds the drill lease taken', () => {
      // Assert
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('DrillAborted');
      expect(run.failover?.status).toBe('FAILED');
    });

    it('tears the drill down and records it as aborted by that failover', async () => {
      // Act
      const [line] = await d.history.list(10);
      // Assert
      expect(drillServicesOf(d.world)).toEqual([]);
      expect(line).toMatchObject({
        drill: true,
        outcome: 'aborted',
        reason: 'aborted: real-failover',
      });
    });

    it('leaves the drill lease with primary, as the real failover set it', async () => {
      // Act
      const lease = await d.drillLease.read();
      // Assert
      expect(lease.holder).toBe('primary');
      expect(lease.reason).toMatch(/^drill aborted by failover real-failover/);
    });

    it('touched only the lease in production, which the real failover now holds', async () => {
      // Act
      const after = await productionOf(d.world);
      // Assert
      expect(after.services).toEqual(before.services);
      expect(after.routes).toBe(before.routes);
      expect(after.lease).toMatchObject({ holder: 'shadow', epoch: realEpoch });
    });
  });

  describe('Path: a drill started while a real failover holds authority', () => {
    let d: LocalDrillWorld;
    let before: ProductionSnapshot;
    let run: LocalDrillRun;
    let drillLeaseBefore: Lease;
    let createsBefore: number;
    beforeAll(async () => {
      const w = await createLocalFailoverWorld({ services: 4, dynamo: dynalite() });
      d = drillWorldOf(w);
      await realFailoverTakesAuthority(d);
      before = await productionOf(w);
      drillLeaseBefore = await d.drillLease.read();
      createsBefore = w.cloud.callCounts()['ecs:CreateService'] ?? 0;
      run = await runDrill(d);
    });

    it('refuses at its first step and never starts its failover', () => {
      // Assert
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('DrillAborted');
      expect(run.failover).toBeUndefined();
      expect(d.world.cloud.callCounts()['ecs:CreateService'] ?? 0).toBe(createsBefore);
    });

    it('records the refusal, naming the failover that holds authority', async () => {
      // Act
      const [line] = await d.history.list(10);
      // Assert
      expect(line).toMatchObject({ drill: true, outcome: 'aborted', servicesDeleted: 0 });
      expect(line?.reason).toMatch(
        /^refused: a real failover holds authority \(shadow at epoch 2, failover real-failover\)/,
      );
    });

    it('leaves the drill lease and production exactly as they were', async () => {
      // Assert
      expect(await d.drillLease.read()).toEqual(drillLeaseBefore);
      expect(await productionOf(d.world)).toEqual(before);
    });
  });

  describe('Path: teardown only', () => {
    it('deletes a previous drill’s leftovers and leaves the lease alone', async () => {
      // Arrange
      const w = await createLocalFailoverWorld({ services: 3, dynamo: dynalite() });
      const d = drillWorldOf(w);
      const plan = await w.plans.getPlan();
      const entry = plan.entries[0];
      if (!entry) throw new Error('no plan entry');
      await w.cloud.containerPlatform(w.staging).createService({
        cluster: DRILL_CLUSTER,
        serviceName: 'leftover',
        taskDefinition: entry.taskDefinitionArn,
        desiredCount: 0,
        ...(entry.networkConfiguration ? { networkConfiguration: entry.networkConfiguration } : {}),
      });
      const lease = await d.drillLease.read();
      // Act
      const run = await runDrill(d, { input: { teardownOnly: true } });
      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.failover).toBeUndefined();
      expect(drillServicesOf(w)).toEqual([]);
      expect((await d.drillLease.read()).epoch).toBe(lease.epoch);
    });
  });
});
