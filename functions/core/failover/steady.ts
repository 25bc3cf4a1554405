/**
 * When a deployed service counts as steady: its PRIMARY deployment is on the plan's revision with
 * rollout COMPLETED, running = desired, and — where it sits behind load balancers — every target
 * group has at least `desired` healthy targets. A FAILED rollout is the ECS deployment circuit
 * breaker giving up (threshold 0.5 × desired, min 3, max 200 failed tasks, LATENCY.md §1).
 */
import type { ServiceDescription } from '../model';
import type { ServiceFailureKind, TargetHealthCounts } from './ports';

/** What a steady check concluded about one service. */
export type SteadyVerdict =
  | { readonly status: 'steady' }
  | { readonly status: 'pending'; readonly reason: string; readonly needsTargets: boolean }
  | { readonly status: 'failed'; readonly kind: ServiceFailureKind; readonly message: string };

/** What the plan asked of the service. */
export interface SteadyExpectation {
  readonly taskDefinitionArn: string;
  readonly desiredCount: number;
  readonly targetGroupArns: readonly string[];
}

/**
 * Judges one service. `targets` holds the health of its target groups when the caller read them
 * (it reads them only once ECS itself reports the tasks running: `needsTargets`), else undefined.
 */
export function judgeService(
  service: ServiceDescription | undefined,
  expected: SteadyExpectation,
  targets?: readonly TargetHealthCounts[],
): SteadyVerdict {
  if (service?.status !== 'ACTIVE') {
    return { status: 'failed', kind: 'missing', message: 'the staging service does not exist' };
  }
  const primary = service.deployments.find((deployment) => deployment.status === 'PRIMARY');
  if (!primary)
    return { status: 'pending', reason: 'no PRIMARY deployment yet', needsTargets: false };
  if (primary.rolloutState === 'FAILED') {
    return {
      status: 'failed',
      kind: 'circuit-breaker',
      message: `the deployment circuit breaker failed the rollout of ${primary.taskDefinition}`,
    };
  }
  if (primary.taskDefinition !== expected.taskDefinitionArn) {
    return {
      status: 'pending',
      reason: `PRIMARY deployment is on ${primary.taskDefinition}, not ${expected.taskDefinitionArn}`,
      needsTargets: false,
    };
  }
  if (primary.rolloutState !== undefined && primary.rolloutState !== 'COMPLETED') {
    return { status: 'pending', reason: `rollout ${primary.rolloutState}`, needsTargets: false };
  }
  if (
    primary.runningCount !== expected.desiredCount ||
    service.desiredCount !== expected.desiredCount
  ) {
    return {
      status: 'pending',
      reason: `running ${primary.runningCount} of ${expected.desiredCount}`,
      needsTargets: false,
    };
  }
  if (expected.targetGroupArns.length === 0 || expected.desiredCount === 0)
    return { status: 'steady' };
  if (!targets) return { status: 'pending', reason: 'target health not read', needsTargets: true };
  for (const arn of expected.targetGroupArns) {
    const health = targets.find((t) => t.targetGroupArn === arn);
    if (!health || health.healthy < expected.desiredCount) {
      return {
        status: 'pending',
        reason: `${health?.healthy ?? 0} of ${expected.desiredCount} targets healthy in ${arn}`,
        needsTargets: true,
      };
    }
  }
  return { status: 'steady' };
}

/** Bounds of the steady-check polling (seconds). */
export const POLL = {
  /** Polling interval while a deployment is young (tasks start in 30–60 s, LATENCY.md §1). */
  fastSeconds: 5,
  /** Polls at the fast interval before backing off (3 minutes of them). */
  fastPolls: 36,
  maxSeconds: 30,
  factor: 1.5,
} as const;

/**
 * The wait before the next steady check: 5 s while services keep becoming steady or the wave is
 * young (a Fargate task takes 30–60 s to start and a target 10–150 s to turn healthy, so the
 * first minutes are when it settles), then backing off by 1.5× up to 30 s while nothing moves.
 * Wait states do the waiting, never a sleeping Lambda; each poll costs about 9 history events.
 */
export function nextWaitSeconds(
  previousWaitSeconds: number,
  progressed: boolean,
  polls: number,
): number {
  if (progressed || polls < POLL.fastPolls) return POLL.fastSeconds;
  return Math.min(
    POLL.maxSeconds,
    Math.max(POLL.fastSeconds, Math.round(previousWaitSeconds * POLL.factor)),
  );
}
