/**
 * The authority heartbeat probe: one authenticated, read-only ECS call into the primary region,
 * timed, and judged against what a healthy deployment authority looks like. The detection quorum
 * (Route 53 health check + this heartbeat) decides failover; this module only says whether one
 * probe saw a healthy authority.
 *
 * Transient failures (throttling, 5xx, unreachable region) are not verdicts: they propagate as
 * typed errors so the state machine retries with jittered backoff and, when retries run out,
 * records a missed heartbeat.
 */
import type { Clock, ContainerPlatform, LoggerLike } from '../ports';

/** What to probe and what counts as healthy. */
export interface ProbeRequest {
  /** Name of the deployment authority being probed (a metric dimension), e.g. `primary`. */
  readonly authority: string;
  /** Clusters the authority must list; a missing one means the control plane is not serving them. */
  readonly expectedClusters: readonly string[];
  /** Slowest answer still counted as healthy, in milliseconds. */
  readonly maxLatencyMs: number;
}

/** What one probe saw. Plain JSON: it is the Lambda's result and the state machine's data. */
export interface ProbeVerdict {
  readonly authority: string;
  readonly healthy: boolean;
  /** Time the authenticated read took, in milliseconds (by the injected clock). */
  readonly latencyMs: number;
  /** ISO-8601 UTC time the probe started. */
  readonly checkedAt: string;
  /** Clusters the authority listed. */
  readonly clustersSeen: number;
  /** Why it is unhealthy; empty when healthy. */
  readonly reasons: readonly string[];
}

/** What the probe needs from outside: the primary's ECS (read-only) and time. */
export interface ProbeDependencies {
  readonly platform: Pick<ContainerPlatform, 'listClusters'>;
  readonly clock: Clock;
  readonly logger?: LoggerLike;
}

/** Judges an answer that arrived: pure, so every threshold is testable without I/O. */
export function judgeProbe(
  request: ProbeRequest,
  observation: { readonly latencyMs: number; readonly clusters: readonly string[] },
): { readonly healthy: boolean; readonly reasons: readonly string[] } {
  const reasons: string[] = [];
  if (observation.latencyMs > request.maxLatencyMs) {
    reasons.push(
      `authority answered in ${observation.latencyMs} ms, slower than the ${request.maxLatencyMs} ms limit`,
    );
  }
  const listed = new Set(observation.clusters);
  for (const cluster of request.expectedClusters) {
    if (!listed.has(cluster)) reasons.push(`cluster ${cluster} is not listed by the authority`);
  }
  return { healthy: reasons.length === 0, reasons };
}

/**
 * Probes the authority once. Errors of the read (ThrottlingError, ServiceUnavailableError,
 * AccessDeniedError, …) propagate unchanged: retrying and recording are the workflow's job.
 */
export async function probeAuthority(
  request: ProbeRequest,
  deps: ProbeDependencies,
): Promise<ProbeVerdict> {
  const started = deps.clock.now();
  const clusters = await deps.platform.listClusters();
  const latencyMs = Math.max(0, deps.clock.now() - started);
  const { healthy, reasons } = judgeProbe(request, { latencyMs, clusters });
  deps.logger?.debug('authority answered', {
    authority: request.authority,
    latencyMs,
    clustersSeen: clusters.length,
  });
  return {
    authority: request.authority,
    healthy,
    latencyMs,
    checkedAt: new Date(started).toISOString(),
    clustersSeen: clusters.length,
    reasons,
  };
}
