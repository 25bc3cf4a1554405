// The failover workflow off its happy path: auto mode, decline, approval timeout, a quorum that
// cleared, services that never become steady against the partial-failure threshold both ways,
// the circuit breaker, the vCPU quota, and injected throttling and 5xx. Real ASL, real handlers,
// sandbox cloud, estate pre-baked by the real clone pipeline, real lease on dynalite.
import { seededServiceKey } from '../../bin/local/clone-pipeline';
import {
  approveAt,
  createLocalFailoverWorld,
  type LocalFailoverWorld,
  QUORUM_ALARM,
  runFailover,
} from '../../bin/local/failover-world';
import { stagingServiceName } from '../../functions/core/clone/service-definition';
import { useDynalite } from '../support/dynalite-per-file';

jest.setTimeout(180_000);

const dynalite = useDynalite();

async function world(services = 4, options: { prebake?: boolean } = {}) {
  return createLocalFailoverWorld({ services, dynamo: dynalite(), ...options });
}

/** Name of the i-th seeded service in staging. */
function stagingName(index: number): string {
  return stagingServiceName('shop', seededServiceKey(index).split('/')[1] as string);
}

/** A timed-out `.waitForTaskToken` as Step Functions reports it. */
function timesOut(): Promise<never> {
  const error = new Error('no SendTaskSuccess within TimeoutSeconds');
  error.name = 'States.Timeout';
  return Promise.reject(error);
}

describe('State machine: failover (unhappy)', () => {
  describe('Path: auto mode', () => {
    it('skips the approval step and deploys every service', async () => {
      // Arrange
      const w = await world();

      // Act
      const run = await runFailover(w, { config: { approvalMode: 'auto' } });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(w.approvalRequests).toEqual([]);
      expect(await w.records.get(run.executionName)).toMatchObject({
        outcome: 'succeeded',
        approval: { decision: 'approved', actor: 'auto' },
      });
    });

    it('still asks for approval when the execution input forces manual mode', async () => {
      // Arrange
      const w = await world(2);

      // Act
      const run = await runFailover(w, {
        config: { approvalMode: 'auto' },
        input: { approvalMode: 'manual' },
        approval: approveAt(w.cloud.clock),
      });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(w.approvalRequests).toHaveLength(1);
    });
  });

  describe('Path: declined', () => {
    let w: LocalFailoverWorld;
    let run: Awaited<ReturnType<typeof runFailover>>;
    beforeAll(async () => {
      w = await world(3);
      w.cloud.resetCallLog();
      run = await runFailover(w, {
        approval: async () => ({
          decision: 'declined',
          actor: 'oncall@example.com',
          reason: 'false alarm: the primary answers',
          at: new Date(w.cloud.clock.now()).toISOString(),
        }),
      });
    });

    it('ends without taking the lease or touching a service', async () => {
      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(await w.lease.read()).toMatchObject({ holder: 'primary', epoch: 1 });
      expect(w.cloud.callCounts()['ecs:UpdateService']).toBeUndefined();
      expect(await w.records.listServices(run.executionName)).toEqual([]);
    });

    it('records and notifies the decline with who declined and why', async () => {
      // Assert
      expect(await w.records.get(run.executionName)).toMatchObject({
        outcome: 'declined',
        approval: { actor: 'oncall@example.com', reason: 'false alarm: the primary answers' },
      });
      expect(w.notifications.map((n) => n.subject)).toEqual(['Understudy failover declined']);
    });
  });

  describe('Path: approval times out', () => {
    it('declines by default', async () => {
      // Arrange
      const w = await world(2);

      // Act
      const run = await runFailover(w, { approval: timesOut });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(await w.records.get(run.executionName)).toMatchObject({
        outcome: 'declined',
        approval: { decision: 'declined', actor: 'timeout' },
      });
      expect(await w.lease.read()).toMatchObject({ holder: 'primary' });
    });

    it('fails over when the configured timeout outcome is approve', async () => {
      // Arrange
      const w = await world(2);

      // Act
      const run = await runFailover(w, {
        approval: timesOut,
        config: { approvalTimeoutOutcome: 'approved' },
      });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(await w.records.get(run.executionName)).toMatchObject({
        outcome: 'succeeded',
        approval: { decision: 'approved', actor: 'timeout' },
      });
    });
  });

  describe('Path: pre-flight', () => {
    it('stops before approval when the quorum alarm has cleared', async () => {
      // Arrange
      const w = await world(2);
      w.alarm.set(QUORUM_ALARM, 'OK');

      // Act
      const run = await runFailover(w, { detectedAt: new Date(w.cloud.clock.now()).toISOString() });

      // Assert
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('PreflightFailed');
      expect(w.approvalRequests).toEqual([]);
      const record = await w.records.get(run.executionName);
      expect(record?.outcome).toBe('preflight-failed');
      expect(record?.reason).toContain('is OK');
      expect(w.notifications.map((n) => n.subject)).toEqual([
        'Understudy failover stopped at pre-flight',
      ]);
    });

    it('stops when the staging Fargate vCPU quota cannot hold the plan', async () => {
      // Arrange: 3 services × 2 tasks × 0.5 vCPU = 3 vCPU against a quota of 2.
      const w = await world(3);
      w.cloud.setFargateVcpuQuota(w.staging, 2);

      // Act
      const run = await runFailover(w, { config: { approvalMode: 'auto' } });

      // Assert
      expect(run.error).toBe('PreflightFailed');
      expect((await w.records.get(run.executionName))?.reason).toContain('Fargate vCPU');
    });

    it('stops when nothing was pre-baked', async () => {
      // Arrange
      const w = await world(2, { prebake: false });

      // Act
      const run = await runFailover(w, { config: { approvalMode: 'auto' } });

      // Assert
      expect(run.error).toBe('PreflightFailed');
      expect((await w.records.get(run.executionName))?.reason).toContain('no deployment plan');
    });
  });

  describe('Path: a service never becomes steady', () => {
    it('times the service out and completes as partial below the threshold', async () => {
      // Arrange: 1 of 12 services fails (8 %), threshold 10 %.
      const w = await world(12);
      w.cloud.markUnhealthy(w.staging, 'understudy', stagingName(3));

      // Act
      const run = await runFailover(w, {
        config: { approvalMode: 'auto', serviceTimeoutSeconds: 300 },
      });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      const record = await w.records.get(run.executionName);
      expect(record).toMatchObject({ outcome: 'partial' });
      const failed = await w.records.listServices(run.executionName, { status: 'failed' });
      expect(failed.map((line) => [line.service, line.failure?.kind])).toEqual([
        [seededServiceKey(3), 'timeout'],
      ]);
      expect(w.notifications[0]?.message).toMatchObject({
        outcome: 'partial',
        totals: { failed: 1, steady: 11 },
      });
    });

    it('fails loudly above the threshold and does not switch that wave', async () => {
      // Arrange: 1 of 4 services fails (25 %), threshold 10 %.
      const w = await world(4);
      w.cloud.markUnhealthy(w.staging, 'understudy', stagingName(2));

      // Act
      const run = await runFailover(w, {
        config: { approvalMode: 'auto', serviceTimeoutSeconds: 300 },
      });

      // Assert
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('FailoverFailed');
      expect(run.waves.at(-1)?.error).toBe('PartialFailureThresholdExceeded');
      const record = await w.records.get(run.executionName);
      expect(record?.outcome).toBe('failed');
      expect(record?.reason).toContain('PartialFailureThresholdExceeded');
      expect(w.notifications.map((n) => n.subject)).toEqual(['Understudy failover FAILED']);
    });

    it('reports the deployment circuit breaker for a service whose image cannot be pulled', async () => {
      // Arrange: the staged image of service 1 is deleted after pre-bake.
      const w = await world(12);
      const version = await w.inventory.getVersion(seededServiceKey(1), 1);
      const image = version.content.images.app;
      if (!image) throw new Error('no staged image');
      w.cloud.state(w.staging).ecr.deleteImage(image.repository, image.digest);

      // Act
      const run = await runFailover(w, { config: { approvalMode: 'auto' } });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      const failed = await w.records.listServices(run.executionName, { status: 'failed' });
      expect(failed.map((line) => [line.service, line.failure?.kind])).toEqual([
        [seededServiceKey(1), 'circuit-breaker'],
      ]);
    });
  });

  describe('Path: throttling and server errors injected', () => {
    it('completes with 10 % throttling and 5 % 5xx on every call', async () => {
      // Arrange
      const w = await world(20);

      // Act
      const run = await runFailover(w, {
        config: { approvalMode: 'auto', pageSize: 7 },
        faults: { default: { throttle: 0.1, unavailable: 0.05 } },
      });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(await w.records.get(run.executionName)).toMatchObject({ outcome: 'succeeded' });
      const outcomes = w.cloud.callLog().map((call) => call.outcome);
      expect(outcomes).toContain('throttled');
      expect(outcomes).toContain('unavailable');
    });
  });
});
