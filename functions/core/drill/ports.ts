/**
 * Ports of the drill deployment, beyond the failover's own (`../failover/ports.ts`): the ECS calls
 * a teardown needs that a failover never makes (a failover deletes nothing), and the drill
 * history. Each has a sandbox implementation (`functions/adapters/sandbox/drill-*.ts`) and an AWS
 * SDK one (`functions/adapters/aws/drill-*.ts`).
 */
import type { FailoverOutcome } from '../failover/ports';

/** ECS and Application Auto Scaling calls of the drill cluster only. */
export interface DrillPlatform {
  /**
   * Names of the ACTIVE services of `cluster`, one page (ListServices, at most 100 a page).
   * NotFoundError when the cluster does not exist.
   */
  listServices(
    cluster: string,
    cursor?: string,
  ): Promise<{ readonly serviceNames: readonly string[]; readonly nextCursor?: string }>;
  /** DeleteService with `force`; NotFoundError when the service is absent or INACTIVE. */
  deleteService(cluster: string, serviceName: string): Promise<void>;
}

/** How a drill ended. */
export type DrillOutcome = 'succeeded' | 'failed' | 'aborted';

/** One drill's line in the history (`drill: true`, like the record it summarises). */
export interface DrillRecord {
  /** The drill wrapper's execution name. */
  readonly drillName: string;
  /** The drill's failover execution (its RTO record is in the drill deployment's table). */
  readonly failoverExecutionName: string;
  readonly drill: true;
  readonly outcome: DrillOutcome;
  /** The failover's outcome when it got as far as its record step. */
  readonly failoverOutcome?: FailoverOutcome;
  /** Detection (the drill's start) to every service steady, as a failover measures it. */
  readonly allSteadySeconds?: number;
  /** Detection to the end of the failover run. */
  readonly durationSeconds?: number;
  readonly services?: number;
  readonly steady?: number;
  /** ISO-8601 UTC. */
  readonly startedAt: string;
  /** ISO-8601 UTC, when teardown finished. */
  readonly tornDownAt: string;
  /** Services the teardown deleted (over every invocation). */
  readonly servicesDeleted: number;
  /** Why it failed or was aborted. */
  readonly reason?: string;
}

/** The drill history (the drill deployment's failover table on AWS). */
export interface DrillHistory {
  /** Writes one drill's line; idempotent (a retried teardown rewrites the same line). */
  put(record: DrillRecord): Promise<void>;
  /** The newest `limit` drills, oldest first. */
  list(limit: number): Promise<readonly DrillRecord[]>;
}
