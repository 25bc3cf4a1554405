import { SANDBOX_PRIMARY, SandboxCloud } from '../../functions/adapters/sandbox';
import { SfnTaskError } from '../../functions/adapters/sandbox/sdk-integrations';
import {
  runStateMachine,
  type StateMachineEvent,
} from '../../functions/adapters/sandbox/state-machine-runner';
import {
  AccessDeniedError,
  ServiceUnavailableError,
  ThrottlingError,
} from '../../functions/core/errors';
import {
  healthProbeHarness,
  probeInput,
  sandboxHealthProbeHarness,
  substitutions,
} from './bindings/health-probe';

const entered = (events: readonly StateMachineEvent[]): string[] =>
  events.flatMap((event) => (event.type === 'StateEntered' ? [event.state.name] : []));

const retriesOf = (events: readonly StateMachineEvent[], state: string): number[] =>
  events.flatMap((event) =>
    event.type === 'StateRetried' && event.state.name === state ? [event.retry.attempt] : [],
  );

const unavailable = () =>
  new ServiceUnavailableError('ecs:ListClusters', 'eu-west-1 endpoint returned 503');

const missedHeartbeatCall = {
  service: 'cloudwatch',
  action: 'putMetricData',
  params: {
    Namespace: 'Understudy/Health',
    MetricData: [
      {
        MetricName: 'AuthorityHeartbeat',
        Dimensions: [{ Name: 'Authority', Value: 'primary' }],
        Value: 0,
        Unit: 'Count',
      },
      {
        MetricName: 'AuthorityProbeErrors',
        Dimensions: [{ Name: 'Authority', Value: 'primary' }],
        Value: 1,
        Unit: 'Count',
      },
    ],
  },
};

describe('Class: health-probe state machine', () => {
  describe('Method: run (Retry)', () => {
    it('retries ServiceUnavailableError twice and then reports healthy', async () => {
      // Arrange
      const healthy = { clusters: ['shop', 'payments'], latencyMs: 200 };
      const harness = healthProbeHarness([
        { error: unavailable() },
        { error: unavailable() },
        healthy,
      ]);

      // Act
      const run = await runStateMachine({
        name: 'health-probe',
        substitutions,
        input: probeInput,
        bindings: harness.bindings,
      });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({ status: 'healthy', healthy: true, latencyMs: 200 });
      expect(harness.probeEvents).toHaveLength(3);
      expect(retriesOf(run.events, 'Probe authority')).toEqual([1, 2]);
      expect(
        run.events.flatMap((event) =>
          event.type === 'StateFailed' ? [[event.state.name, event.Error, event.Cause]] : [],
        ),
      ).toEqual([
        [
          'Probe authority',
          'ServiceUnavailableError',
          'ecs:ListClusters failed: eu-west-1 endpoint returned 503',
        ],
        [
          'Probe authority',
          'ServiceUnavailableError',
          'ecs:ListClusters failed: eu-west-1 endpoint returned 503',
        ],
      ]);
    });

    it('retries ThrottlingError like any other transient error', async () => {
      // Arrange
      const harness = healthProbeHarness([
        { error: new ThrottlingError('ecs:ListClusters') },
        { clusters: ['shop', 'payments'], latencyMs: 90 },
      ]);

      // Act
      const run = await runStateMachine({
        name: 'health-probe',
        substitutions,
        input: probeInput,
        bindings: harness.bindings,
      });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(retriesOf(run.events, 'Probe authority')).toEqual([1]);
    });

    it('retries a failed heartbeat publish and fails the execution when it keeps failing', async () => {
      // Arrange
      // Named as the sandbox SDK dispatcher names CloudWatch throttling under the integration.
      const throttled = () => new SfnTaskError('CloudWatch.ThrottlingException', 'Rate exceeded');
      const harness = healthProbeHarness(undefined, [throttled(), throttled(), throttled()]);

      // Act
      const run = await runStateMachine({
        name: 'health-probe',
        substitutions,
        input: probeInput,
        bindings: harness.bindings,
      });

      // Assert
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('CloudWatch.ThrottlingException');
      expect(run.cause).toBe('Rate exceeded');
      expect(retriesOf(run.events, 'Publish heartbeat')).toEqual([1, 2]);
      expect(harness.sdkCalls).toHaveLength(3);
    });
  });

  describe('Method: run (Catch)', () => {
    it('records a probe failure and a missed heartbeat when the authority stays unavailable', async () => {
      // Arrange
      const harness = healthProbeHarness([{ error: unavailable() }]);

      // Act
      const run = await runStateMachine({
        name: 'health-probe',
        substitutions,
        input: probeInput,
        bindings: harness.bindings,
      });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toEqual({
        authority: 'primary',
        status: 'probe-failed',
        healthy: false,
        error: 'ServiceUnavailableError',
        cause: 'ecs:ListClusters failed: eu-west-1 endpoint returned 503',
      });
      // One attempt plus MaxAttempts (3) retries, then the Catch.
      expect(harness.probeEvents).toHaveLength(4);
      expect(retriesOf(run.events, 'Probe authority')).toEqual([1, 2, 3]);
      expect(run.events.some((event) => event.type === 'StateCaught')).toBe(true);
      expect(entered(run.events)).toEqual([
        'Probe authority',
        'Record probe failure',
        'Publish missed heartbeat',
      ]);
      expect(harness.sdkCalls).toEqual([missedHeartbeatCall]);
    });

    it('does not retry AccessDeniedError and records it as a probe failure', async () => {
      // Arrange
      const denied = new AccessDeniedError('ecs:ListClusters', 'probe role lacks ecs:ListClusters');
      const harness = healthProbeHarness([{ error: denied }]);

      // Act
      const run = await runStateMachine({
        name: 'health-probe',
        substitutions,
        input: probeInput,
        bindings: harness.bindings,
      });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({ status: 'probe-failed', error: 'AccessDeniedError' });
      expect(harness.probeEvents).toHaveLength(1);
      expect(retriesOf(run.events, 'Probe authority')).toEqual([]);
      expect(harness.sdkCalls).toEqual([missedHeartbeatCall]);
    });

    it('records a malformed probe event as a ValidationError without calling ECS', async () => {
      // Arrange
      const harness = healthProbeHarness();

      // Act
      const run = await runStateMachine({
        name: 'health-probe',
        substitutions,
        input: { ...probeInput, maxLatencyMs: -5 },
        bindings: harness.bindings,
      });

      // Assert
      expect(run.output).toMatchObject({ status: 'probe-failed', error: 'ValidationError' });
      expect(run.output).toMatchObject({ cause: expect.stringContaining('maxLatencyMs') });
      expect(harness.ecsReads()).toBe(0);
    });
  });

  describe('Method: run (sandbox cloud)', () => {
    it('records a probe failure when the primary region goes dark', async () => {
      // Arrange
      const cloud = new SandboxCloud({ seed: 7 });
      cloud.createCluster(SANDBOX_PRIMARY, 'shop');
      cloud.setRegionDark(SANDBOX_PRIMARY.region, true);
      const harness = sandboxHealthProbeHarness(cloud, SANDBOX_PRIMARY);

      // Act
      const run = await runStateMachine({
        name: 'health-probe',
        substitutions,
        input: { ...probeInput, expectedClusters: ['shop'] },
        bindings: harness.bindings,
      });

      // Assert
      expect(run.output).toMatchObject({
        status: 'probe-failed',
        error: 'ServiceUnavailableError',
        cause: expect.stringContaining('eu-west-1'),
      });
      expect(retriesOf(run.events, 'Probe authority')).toEqual([1, 2, 3]);
      expect(harness.sdkCalls).toEqual([missedHeartbeatCall]);
    });

    it('reports healthy with the latency the sandbox charged for the read', async () => {
      // Arrange
      const cloud = new SandboxCloud({ seed: 7 });
      cloud.createCluster(SANDBOX_PRIMARY, 'shop');
      const harness = sandboxHealthProbeHarness(cloud, SANDBOX_PRIMARY);

      // Act
      const run = await runStateMachine({
        name: 'health-probe',
        substitutions,
        input: { ...probeInput, expectedClusters: ['shop'] },
        bindings: harness.bindings,
      });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({ status: 'healthy', healthy: true });
      expect((run.output as { latencyMs: number }).latencyMs).toBeGreaterThan(0);
      expect(cloud.callLog().map((call) => [call.operation, call.region, call.outcome])).toEqual([
        ['ecs:ListClusters', 'eu-west-1', 'ok'],
      ]);
    });
  });

  describe('Method: run (Choice: unhealthy)', () => {
    it('publishes a missed heartbeat when the authority answers too slowly', async () => {
      // Arrange
      const harness = healthProbeHarness([{ clusters: ['shop', 'payments'], latencyMs: 4500 }]);

      // Act
      const run = await runStateMachine({
        name: 'health-probe',
        substitutions,
        input: probeInput,
        bindings: harness.bindings,
      });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toEqual({
        authority: 'primary',
        status: 'unhealthy',
        healthy: false,
        latencyMs: 4500,
        checkedAt: '2026-11-26T12:00:00.000Z',
        reasons: ['authority answered in 4500 ms, slower than the 2000 ms limit'],
      });
      expect(entered(run.events)).toEqual([
        'Probe authority',
        'Authority healthy?',
        'Missed heartbeat',
        'Publish heartbeat',
        'Report',
      ]);
      expect(harness.sdkCalls[0]?.params).toMatchObject({
        MetricData: [
          { MetricName: 'AuthorityHeartbeat', Value: 0 },
          { MetricName: 'AuthorityProbeLatency', Value: 4500 },
        ],
      });
    });

    it('publishes a missed heartbeat when an expected cluster is not listed', async () => {
      // Arrange
      const harness = healthProbeHarness([{ clusters: ['shop'], latencyMs: 50 }]);

      // Act
      const run = await runStateMachine({
        name: 'health-probe',
        substitutions,
        input: probeInput,
        bindings: harness.bindings,
      });

      // Assert
      expect(run.output).toMatchObject({
        status: 'unhealthy',
        reasons: ['cluster payments is not listed by the authority'],
      });
      expect(harness.sdkCalls[0]?.params).toMatchObject({
        MetricData: [{ MetricName: 'AuthorityHeartbeat', Value: 0 }, {}],
      });
    });
  });
});
