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
  initialSeconds: 10,
  progressSeconds: 5,
  maxSeconds: 30,
  factor: 1.5,
} as const;

/**
 * The wait before the next steady check: short while services keep becoming steady (the last one
 * is seldom far behind), backing off by 1.5× up to 30 s while nothing moves. Wait states do the
 * waiting, never a sleeping Lambda.
 */
export function nextWaitSeconds(previousWaitSeconds: number, progressed: boolean): number {
  if (progressed) return POLL.progressSeconds;
  return Math.min(
    POLL.maxSeconds,
    Math.max(POLL.progressSeconds, Math.round(previousWaitSeconds * POLL.factor)),
  );
}
