/**
 * Health-probe Lambda: the heartbeat half of the detection quorum. Runs outside the primary
 * region, makes one authenticated ECS read there and returns a verdict for the
 * `health-probe` state machine, which retries transient errors and publishes the heartbeat.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { EcsContainerPlatform } from '../adapters/aws/ecs-container-platform';
import { type ProbeDependencies, type ProbeVerdict, probeAuthority } from '../core/health/probe';
import type { LoggerLike } from '../core/ports';
import { primaryReadClients } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { type EnvSource, requireRegion, requireRoleArn } from '../shared/env';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';

/** The event the state machine sends (its `Payload`). */
export const HealthProbeEvent = z.strictObject({
  authority: z.string().min(1).max(128),
  expectedClusters: z.array(z.string().min(1).max(255)).max(100).default([]),
  maxLatencyMs: z.number().int().positive().max(60_000).default(3_000),
});

/** A parsed {@link HealthProbeEvent}. */
export type HealthProbeEventInput = z.input<typeof HealthProbeEvent>;

/** What the handler needs: the core probe's dependencies plus a logger. */
export interface HealthProbeHandlerDependencies extends ProbeDependencies {
  readonly logger: LoggerLike;
}

/** The handler's signature (context is optional: the probe reads nothing from it). */
export type HealthProbeHandler = (event: unknown, context?: unknown) => Promise<ProbeVerdict>;

/** The one Powertools Logger of this function. */
export const logger = new Logger({ serviceName: 'understudy' });

/**
 * Builds the handler around its dependencies. `deps` may be a function so the production wiring
 * reads the environment on the first invocation of a cold start, not when tests or the local
 * drill import this module to bind the handler to sandbox dependencies.
 */
export function createHealthProbeHandler(
  deps: Deps<HealthProbeHandlerDependencies>,
): HealthProbeHandler {
  const get = lazyDeps(deps);
  return async (event) => {
    const input = parseEvent(HealthProbeEvent, event, 'health-probe');
    const resolved = get();
    try {
      const verdict = await probeAuthority(input, resolved);
      resolved.logger.info('authority probed', {
        authority: verdict.authority,
        healthy: verdict.healthy,
        latencyMs: verdict.latencyMs,
        reasons: verdict.reasons,
      });
      return verdict;
    } catch (error) {
      // Rethrown unchanged: the error's name is what the state machine's Retry/Catch match on.
      resolved.logger.warn('authority probe failed', {
        authority: input.authority,
        error: error instanceof Error ? { name: error.name, message: error.message } : error,
      });
      throw error;
    }
  };
}

/**
 * Production dependencies: ECS in `PRIMARY_REGION`, read as the primary's read-only role
 * (`PRIMARY_READ_ROLE_ARN`) so the heartbeat proves an authenticated read works. The SDK makes
 * one attempt: a slow or failing authority must show up in the verdict and in the workflow's
 * jittered retries, not be hidden by client-side retries.
 */
export function productionDependencies(
  env: EnvSource = process.env,
): HealthProbeHandlerDependencies {
  const region = requireRegion('PRIMARY_REGION', env);
  const roleArn = requireRoleArn('PRIMARY_READ_ROLE_ARN', env);
  const clients = primaryReadClients(roleArn, region, {
    sessionName: 'understudy-health-probe',
    overrides: { maxAttempts: 1 },
  });
  return { platform: new EcsContainerPlatform(clients.ecs), clock: systemClock, logger };
}

/** Lambda entry. */
export const handler: HealthProbeHandler = createHealthProbeHandler(() => productionDependencies());
