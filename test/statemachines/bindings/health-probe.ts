// Local bindings of statemachines/health-probe.asl.json: the real probe handler over a scripted
// primary ECS, and a recording CloudWatch for the SDK integration. The folder scan test
// (`every-task-bound.test.ts`) checks these cover every Task state of the file.

import type { SandboxCloud } from '../../../functions/adapters/sandbox';
import {
  type StateMachineBindings,
  sdkIntegrationDispatcher,
} from '../../../functions/adapters/sandbox/state-machine-runner';
import type { Location } from '../../../functions/core/model';
import type { Clock, LoggerLike } from '../../../functions/core/ports';
import { createHealthProbeHandler } from '../../../functions/handlers/health-probe';

/** The function ARN the CDK would substitute for `${ProbeFunctionArn}`. */
export const PROBE_FUNCTION_ARN =
  'arn:aws:lambda:eu-central-1:222222222222:function:understudy-health-probe';

/** Every placeholder of the file with a realistic value. */
export const substitutions = {
  ProbeFunctionArn: PROBE_FUNCTION_ARN,
  MetricNamespace: 'Understudy/Health',
} as const;

/** One scripted answer of the primary's ECS `ListClusters`: clusters after a latency, or an error. */
export type ScriptedAnswer =
  | { readonly clusters: readonly string[]; readonly latencyMs: number }
  | { readonly error: Error };

/** One recorded SDK-integration call. */
export interface RecordedSdkCall {
  readonly service: string;
  readonly action: string;
  readonly params: unknown;
}

/** Bindings plus what they observed. */
export interface HealthProbeHarness {
  readonly bindings: StateMachineBindings;
  /** How many times the primary's ECS was read (= probe handler invocations that got that far). */
  readonly ecsReads: () => number;
  /** Events the probe handler received. */
  readonly probeEvents: unknown[];
  readonly sdkCalls: RecordedSdkCall[];
  readonly logger: LoggerLike;
}

const silentLogger = (): LoggerLike => ({
  debug: jest.fn(),
  info: jest.fn(),
  warn: jest.fn(),
  error: jest.fn(),
});

/**
 * Builds the bindings. `answers` are consumed one per ECS read; the last one repeats.
 * `putMetricData` errors are thrown by the recording CloudWatch while `cloudWatchErrors` lasts.
 */
export function healthProbeHarness(
  answers: readonly ScriptedAnswer[] = [{ clusters: ['shop', 'payments'], latencyMs: 120 }],
  cloudWatchErrors: readonly Error[] = [],
): HealthProbeHarness {
  let now = Date.parse('2026-11-26T12:00:00.000Z');
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  };
  let reads = 0;
  const platform = {
    listClusters: async (): Promise<readonly string[]> => {
      const answer = answers[Math.min(reads, answers.length - 1)];
      reads += 1;
      if (!answer) throw new Error('no scripted answer');
      if ('error' in answer) throw answer.error;
      now += answer.latencyMs;
      return answer.clusters;
    },
  };
  const logger = silentLogger();
  const probe = createHealthProbeHandler({ platform, clock, logger });
  const probeEvents: unknown[] = [];
  const sdkCalls: RecordedSdkCall[] = [];
  const pendingCloudWatchErrors = [...cloudWatchErrors];
  const sdk = sdkIntegrationDispatcher({
    'cloudwatch:putMetricData': async (params) => {
      sdkCalls.push({ service: 'cloudwatch', action: 'putMetricData', params });
      const error = pendingCloudWatchErrors.shift();
      if (error) throw error;
      // PutMetricData answers with an empty body; the SDK integration returns {}.
      return {};
    },
  });
  return {
    bindings: {
      lambdas: {
        [PROBE_FUNCTION_ARN]: (event: unknown, context) => {
          probeEvents.push(event);
          return probe(event, context);
        },
      },
      sdk,
    },
    ecsReads: () => reads,
    probeEvents,
    sdkCalls,
    logger,
  };
}

/**
 * Bindings over the sandbox cloud: the probe reads the primary's ECS through the sandbox
 * (latency model, rate limits, outages, virtual clock) — the wiring the local drill uses.
 * CloudWatch publishing stays the recording fake: the sandbox dispatcher has no putMetricData.
 */
export function sandboxHealthProbeHarness(
  cloud: SandboxCloud,
  primary: Location,
): Omit<HealthProbeHarness, 'ecsReads'> {
  const base = healthProbeHarness();
  const probe = createHealthProbeHandler({
    platform: cloud.containerPlatform(primary),
    clock: cloud.clock,
    logger: base.logger,
  });
  return {
    ...base,
    bindings: {
      ...base.bindings,
      lambdas: {
        [PROBE_FUNCTION_ARN]: (event: unknown, context) => {
          base.probeEvents.push(event);
          return probe(event, context);
        },
      },
    },
  };
}

/** The bindings the folder scan checks. */
export function bindings(): StateMachineBindings {
  return healthProbeHarness().bindings;
}

/** A typical execution input: what the EventBridge schedule sends. */
export const probeInput = {
  authority: 'primary',
  expectedClusters: ['shop', 'payments'],
  maxLatencyMs: 2000,
};
