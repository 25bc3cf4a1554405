// The handback workflow off its happy path, on the real ASL, handlers, sandbox and dynalite: a
// declined or timed-out approval, an approval the quorum contradicts, a primary that fails again
// mid-handback, a primary that never becomes steady, a stale epoch, a lease moved under the run,
// and bad events. Each leaves the lease with the shadow and traffic where it is serving.
import { seededServiceKey } from '../../bin/local/clone-pipeline';
import {
  type ApprovalBehaviour,
  createLocalFailoverWorld,
  QUORUM_ALARM,
  runFailover,
} from '../../bin/local/failover-world';
import {
  handbackWorldOf,
  type LocalHandbackRun,
  type LocalHandbackWorld,
  runHandback,
} from '../../bin/local/handback-world';
import { SandboxTrafficSwitch } from '../../functions/adapters/sandbox/failover-ports';
import { ValidationError } from '../../functions/core/errors';
import { parseFailoverSettings } from '../../functions/core/failover/settings';
import { isHandbackLine } from '../../functions/core/handback/ports';
import { createHandbackGateHandler } from '../../functions/handlers/handback-gate';
import { createHandbackRecordHandler } from '../../functions/handlers/handback-record';
import { createHandbackServicesHandler } from '../../functions/handlers/handback-services';
import { useDynalite } from '../support/dynalite-per-file';

jest.setTimeout(240_000);

const dynalite = useDynalite();

const ROUTE = {
  kind: 'route53-failover-signal',
  namespace: 'Understudy/Traffic',
  metricName: 'PrimaryEnabled',
  dimensions: [{ name: 'Service', value: 'shop/svc-000' }],
} as const;

async function failedOver(): Promise<LocalHandbackWorld> {
  const failover = await createLocalFailoverWorld({ services: 2, dynamo: dynalite() });
  failover.failoverSettings = parseFailoverSettings({ traffic: { [seededServiceKey(0)]: ROUTE } });
  const world = handbackWorldOf(failover);
  const run = await runFailover(world, { config: { approvalMode: 'auto' } });
  if (run.status !== 'SUCCEEDED') throw new Error(`failover failed: ${run.error} ${run.cause}`);
  return world;
}

const decline: ApprovalBehaviour = async () => ({
  decision: 'declined',
  actor: 'oncall@example.com',
  reason: 'primary still flaky',
  at: '2026-03-02T10:00:00.000Z',
});

const timeout: ApprovalBehaviour = async () => {
  const error = new Error('no SendTaskSuccess within TimeoutSeconds');
  error.name = 'States.Timeout';
  throw error;
};

/** Lease with the shadow at epoch 2, traffic at staging, staging services still running. */
async function expectShadowStillServing(w: LocalHandbackWorld): Promise<void> {
  expect(await w.lease.read()).toMatchObject({ holder: 'shadow', epoch: 2 });
  expect(w.traffic.routes.get(SandboxTrafficSwitch.idOf(ROUTE))?.direction).toBe('to-staging');
  const lines = await w.records.listServices(
    (await w.lease.read()).reason.replace('failover ', ''),
  );
  for (const line of lines) {
    const described = await w.cloud
      .containerPlatform(w.staging)
      .describeService(line.cluster, line.serviceName);
    expect(described.desiredCount).toBe(2);
  }
}

describe('State machine: handback (unhappy)', () => {
  describe('Path: approval declined, timed out, or contradicted by the quorum', () => {
    let w: LocalHandbackWorld;
    beforeEach(async () => {
      w = await failedOver();
    });

    it('records a decline and changes nothing', async () => {
      // Act
      const run = await runHandback(w, { approval: decline });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({ outcome: 'declined' });
      await expectShadowStillServing(w);
      expect(await w.freeze.read()).toBeUndefined();
    });

    it('declines on an approval timeout by default', async () => {
      // Act
      const run = await runHandback(w, { approval: timeout });

      // Assert
      expect(run.output).toMatchObject({ outcome: 'declined' });
      expect(await w.records.get(run.executionName)).toMatchObject({
        approval: { decision: 'declined', actor: 'timeout' },
      });
      await expectShadowStillServing(w);
    });

    it('refuses an approval once the quorum is back in ALARM, and thaws nothing it never froze', async () => {
      // Arrange: the primary dies again while the operator reads the notification.
      const approveLate: ApprovalBehaviour = async () => {
        w.alarm.set(QUORUM_ALARM, 'ALARM');
        return {
          decision: 'approved',
          actor: 'oncall@example.com',
          reason: 'looks fine',
          at: new Date(w.cloud.clock.now()).toISOString(),
        };
      };

      // Act
      const run = await runHandback(w, { approval: approveLate });

      // Assert
      expect(run.output).toMatchObject({ outcome: 'declined' });
      expect(String((run.output as { reason: string }).reason)).toMatch(
        /approval refused: the detection quorum .* is ALARM/,
      );
      await expectShadowStillServing(w);
      expect(await w.freeze.read()).toBeUndefined();
    });
  });

  describe('Path: the primary fails again mid-handback', () => {
    let w: LocalHandbackWorld;
    let run: LocalHandbackRun;
    beforeAll(async () => {
      w = await failedOver();
      run = await runHandback(w, {
        config: { approvalMode: 'auto' },
        // The quorum trips while the handback waits for the primary's services.
        beforePrimaryCheck: () => {
          w.alarm.set(QUORUM_ALARM, 'ALARM');
          w.primaryRegion.goDark();
        },
      });
    });

    it('stops with the lease at the shadow and traffic on staging, saying why', async () => {
      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({ outcome: 'stopped' });
      expect(String((run.output as { reason: string }).reason)).toMatch(/ALARM/);
      await expectShadowStillServing(w);
    });

    it('lifts the freeze so adaptation goes on under the shadow', async () => {
      // Assert
      expect(await w.freeze.read()).toMatchObject({
        epoch: 2,
        executionName: run.executionName,
        thawedAt: expect.any(String),
      });
    });

    it('never moved traffic or scaled a service down', async () => {
      // Act
      const lines = (await w.records.listServices(run.executionName)).filter(isHandbackLine);

      // Assert
      expect(lines.every((l) => l.trafficSwitchedAt === undefined)).toBe(true);
      expect(lines.every((l) => l.handback.scaledDownAt === undefined)).toBe(true);
      expect(w.notifications.at(-1)).toMatchObject({ subject: 'Understudy handback: stopped' });
    });
  });

  describe('Path: the primary never becomes steady', () => {
    it('stops after the primary timeout with the lease at the shadow', async () => {
      // Arrange
      const w = await failedOver();
      const [cluster, service] = seededServiceKey(1).split('/') as [string, string];
      w.primaryRegion.markUnhealthy(cluster, service);
      await w.primaryRegion.redeploy(cluster, service);

      // Act
      const run = await runHandback(w, {
        config: { approvalMode: 'auto', primaryTimeoutSeconds: 300, pollSeconds: 30 },
      });

      // Assert
      expect(run.output).toMatchObject({ outcome: 'stopped' });
      expect(String((run.output as { reason: string }).reason)).toMatch(/not steady and healthy/);
      await expectShadowStillServing(w);
    });
  });

  describe('Path: stale epoch and a lease moved under the run', () => {
    it('refuses a handback started for a stale epoch, changing nothing', async () => {
      // Arrange
      const w = await failedOver();

      // Act
      const run = await runHandback(w, { input: { expectedEpoch: 1 } });

      // Assert
      expect([run.status, run.error, run.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
      expect(run.output).toMatchObject({ outcome: 'refused' });
      expect(String((run.output as { reason: string }).reason)).toMatch(/epoch 1 is stale/);
      expect(w.approvalRequests).toHaveLength(0);
      await expectShadowStillServing(w);
    });

    it('is fenced when the lease moves before a mutating call: the execution fails, nothing is released', async () => {
      // Arrange: another writer takes the lease (epoch 3) just before the first traffic page.
      const w = await failedOver();
      let moved = false;
      const run = await runHandback(w, {
        config: { approvalMode: 'auto' },
        beforeServicesPage: async (event) => {
          if (event.action === 'traffic' && !moved) {
            moved = true;
            await w.lease.transfer('shadow', 2, 'failover someone-else');
          }
        },
      });

      // Assert
      expect(run.status).toBe('FAILED');
      expect(await w.lease.read()).toMatchObject({ holder: 'shadow', epoch: 3 });
      expect(await w.records.get(run.executionName)).toMatchObject({ outcome: 'fenced' });
      expect(w.traffic.routes.get(SandboxTrafficSwitch.idOf(ROUTE))?.direction).toBe('to-staging');
    });
  });

  describe('Method: bad events', () => {
    it.each([
      [
        'gate',
        { action: 'release', executionName: 'x', alarmName: 'a', epoch: 0, approvedBy: 'me' },
      ],
      ['gate', { action: 'explode', executionName: 'x' }],
      ['services', { action: 'integrate', executionName: 'bad name!', epoch: 2, pageSize: 10 }],
      ['services', { action: 'traffic', executionName: 'x', epoch: 2, pageSize: 0 }],
      ['record', { executionName: 'x', ending: { result: 'maybe' } }],
    ])('%s rejects %j with a ValidationError and changes nothing', async (kind, event) => {
      // Arrange
      const w = await failedOver();
      const before = await w.lease.read();
      const deps = {
        lease: w.lease,
        alarm: w.alarm,
        records: w.records,
        freeze: w.freeze,
        clock: w.cloud.clock,
        settings: w.handbackSettings,
        fleet: w.fleet,
        platform: w.cloud.containerPlatform(w.staging),
        traffic: w.traffic,
        inventory: w.inventory,
      };
      const handler =
        kind === 'gate'
          ? createHandbackGateHandler(deps)
          : kind === 'services'
            ? createHandbackServicesHandler(deps)
            : createHandbackRecordHandler(deps);

      // Act
      const result = handler(event);

      // Assert
      await expect(result).rejects.toBeInstanceOf(ValidationError);
      expect(await w.lease.read()).toEqual(before);
      expect(await w.freeze.read()).toBeUndefined();
    });
  });
});
