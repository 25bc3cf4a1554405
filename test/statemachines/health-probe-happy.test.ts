import { readFileSync } from 'node:fs';
import path from 'node:path';
import aslValidator from 'asl-validator';
import {
  loadDefinition,
  STATE_MACHINES_DIRECTORY,
  substitutePlaceholders,
} from '../../functions/adapters/sandbox/state-machine-definition';
import {
  runStateMachine,
  type StateMachineEvent,
} from '../../functions/adapters/sandbox/state-machine-runner';
import { healthProbeHarness, probeInput, substitutions } from './bindings/health-probe';

const entered = (events: readonly StateMachineEvent[]): string[] =>
  events.flatMap((event) => (event.type === 'StateEntered' ? [event.state.name] : []));

describe('Class: health-probe state machine', () => {
  describe('Method: loadDefinition', () => {
    it('passes asl-validator once every placeholder is substituted', () => {
      // Arrange
      const file = path.join(STATE_MACHINES_DIRECTORY, 'health-probe.asl.json');
      const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));

      // Act
      const result = aslValidator(substitutePlaceholders(raw, substitutions, 'health-probe'), {
        checkArn: true,
        checkPaths: true,
      });
      const loaded = loadDefinition('health-probe', substitutions);

      // Assert
      expect(result.errors).toEqual([]);
      expect(result.isValid).toBe(true);
      expect(loaded.StartAt).toBe('Probe authority');
    });

    it('retries transient probe errors with capped, fully jittered backoff', () => {
      // Arrange
      const definition = loadDefinition('health-probe', substitutions);

      // Act
      const probe = definition.States['Probe authority'];

      // Assert
      expect(probe?.Retry).toEqual([
        expect.objectContaining({
          ErrorEquals: expect.arrayContaining([
            'ServiceUnavailableError',
            'ThrottlingError',
            'Lambda.TooManyRequestsException',
            'Lambda.ServiceException',
          ]),
          JitterStrategy: 'FULL',
          MaxDelaySeconds: 8,
          BackoffRate: 2,
        }),
      ]);
    });
  });

  describe('Method: run', () => {
    it('publishes a heartbeat of 1 and reports healthy when the authority answers in time', async () => {
      // Arrange
      const harness = healthProbeHarness([
        { clusters: ['shop', 'payments', 'batch'], latencyMs: 140 },
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
      expect(run.output).toEqual({
        authority: 'primary',
        status: 'healthy',
        healthy: true,
        latencyMs: 140,
        checkedAt: '2026-11-26T12:00:00.000Z',
        reasons: [],
      });
      expect(harness.probeEvents).toEqual([
        { authority: 'primary', expectedClusters: ['shop', 'payments'], maxLatencyMs: 2000 },
      ]);
      expect(harness.sdkCalls).toEqual([
        {
          service: 'cloudwatch',
          action: 'putMetricData',
          params: {
            Namespace: 'Understudy/Health',
            MetricData: [
              {
                MetricName: 'AuthorityHeartbeat',
                Dimensions: [{ Name: 'Authority', Value: 'primary' }],
                Value: 1,
                Unit: 'Count',
              },
              {
                MetricName: 'AuthorityProbeLatency',
                Dimensions: [{ Name: 'Authority', Value: 'primary' }],
                Value: 140,
                Unit: 'Milliseconds',
              },
            ],
          },
        },
      ]);
    });

    it('takes the healthy branch of the Choice and no failure path', async () => {
      // Arrange
      const harness = healthProbeHarness();

      // Act
      const run = await runStateMachine({
        name: 'health-probe',
        substitutions,
        input: probeInput,
        bindings: harness.bindings,
      });

      // Assert
      expect(entered(run.events)).toEqual([
        'Probe authority',
        'Authority healthy?',
        'Heartbeat',
        'Publish heartbeat',
        'Report',
      ]);
      expect(run.events.filter((event) => event.type === 'StateRetried')).toEqual([]);
      expect(harness.ecsReads()).toBe(1);
    });

    it('reports healthy when no cluster is expected and the answer is fast', async () => {
      // Arrange
      const harness = healthProbeHarness([{ clusters: [], latencyMs: 10 }]);

      // Act
      const run = await runStateMachine({
        name: 'health-probe',
        substitutions,
        input: { authority: 'primary', expectedClusters: [], maxLatencyMs: 3000 },
        bindings: harness.bindings,
      });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({ status: 'healthy', latencyMs: 10 });
    });
  });
});
