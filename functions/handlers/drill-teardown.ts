/**
 * Drill, last step of every path (success, failure, abort): deletes one page of the drill
 * cluster's services (scale to 0, DeleteService force); once a whole pass finds
 * nothing left, releases the drill lease and writes the drill's history line (`drill: true`).
 * Every part is idempotent, so the state's Retry can run it again after any failure.
 */
import { z } from 'zod';
import { DynamoDbDrillHistory } from '../adapters/aws/drill-history';
import { AwsDrillPlatform } from '../adapters/aws/drill-platform';
import { DynamoDbAuthorityLease } from '../adapters/aws/dynamodb-authority-lease';
import { abortedBy } from '../core/drill/abort';
import type { DrillHistory, DrillPlatform, DrillRecord } from '../core/drill/ports';
import { recordDrill } from '../core/drill/record';
import { releaseDrillLease, type TeardownResult, teardownPage } from '../core/drill/teardown';
import { failoverLeaseReason } from '../core/failover/lease';
import type { AuthorityLease, Clock, ContainerPlatform } from '../core/ports';
import { dynamoDbClient, localClients } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { DEFAULT_DRILL_LEASE_ID, DRILL_ENV } from '../shared/drill-env';
import { optionalString, requireString } from '../shared/env';
import { stagingContainerPlatform } from '../shared/failover-wiring';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { type DrillMetrics, emfDrillMetrics } from '../shared/workflow-metrics';

/** The state's input. */
export const DrillTeardownEvent = z.object({
  drillName: z.string().min(1).max(80),
  failoverExecutionName: z.string().min(1).max(80),
  startedAt: z.string().refine((t) => Number.isFinite(Date.parse(t)), 'not an ISO-8601 time'),
  cursor: z.string().min(1).nullish(),
  deletedInPass: z.number().int().min(0).nullish(),
  deletedTotal: z.number().int().min(0).nullish(),
  result: z
    .object({
      record: z
        .object({
          outcome: z
            .enum(['succeeded', 'partial', 'failed', 'declined', 'preflight-failed', 'fenced'])
            .optional(),
          allSteadySeconds: z.number().optional(),
          durationSeconds: z.number().optional(),
          totals: z
            .object({ services: z.number().optional(), steady: z.number().optional() })
            .optional(),
        })
        .passthrough()
        .nullish(),
      error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).nullish(),
    })
    .default({}),
});

/** What the handler needs. */
export interface DrillTeardownDeps {
  readonly cluster: string;
  readonly drill: DrillPlatform;
  readonly platform: Pick<ContainerPlatform, 'updateService'>;
  /** The drill lease (never production's). */
  readonly lease: AuthorityLease;
  readonly history: DrillHistory;
  readonly clock: Clock;
  /** Where the drill's durations are published (the dashboard's drill widget). */
  readonly metrics?: DrillMetrics;
}

/** One page's result; the drill's history line once it is done. */
export interface DrillTeardownResult extends TeardownResult {
  readonly record?: DrillRecord;
}

/** Builds the handler. */
export function createDrillTeardownHandler(deps: Deps<DrillTeardownDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<DrillTeardownResult> => {
    const input = parseEvent(DrillTeardownEvent, event, 'drill-teardown');
    const { cluster, lease, history, metrics, ...ports } = get();
    const page = await teardownPage(ports, {
      drillName: input.drillName,
      cluster,
      ...(input.cursor ? { cursor: input.cursor } : {}),
      deletedInPass: input.deletedInPass ?? 0,
      deletedTotal: input.deletedTotal ?? 0,
    });
    if (!page.done) return page;
    const released = await releaseDrillLease(lease, input);
    const by = abortedBy(released.reason, failoverLeaseReason(input.failoverExecutionName));
    const record = await recordDrill(
      { history, clock: ports.clock },
      {
        drillName: input.drillName,
        failoverExecutionName: input.failoverExecutionName,
        startedAt: input.startedAt,
        result: {
          ...(input.result.record ? { record: input.result.record } : {}),
          ...(input.result.error ? { error: input.result.error } : {}),
        },
        servicesDeleted: page.deletedTotal,
        ...(by ? { abortedBy: by } : {}),
      },
    );
    metrics?.publish({
      outcome: record.outcome,
      startedAt: record.startedAt,
      tornDownAt: record.tornDownAt,
      ...(record.allSteadySeconds === undefined
        ? {}
        : { allSteadySeconds: record.allSteadySeconds }),
    });
    return { ...page, record };
  };
}

/** Lambda entry. */
export const handler = createDrillTeardownHandler(() => ({
  cluster: requireString(DRILL_ENV.cluster),
  drill: new AwsDrillPlatform(localClients.ecs),
  platform: stagingContainerPlatform(),
  lease: new DynamoDbAuthorityLease(dynamoDbClient, requireString(DRILL_ENV.leaseTable), {
    leaseId: optionalString(DRILL_ENV.leaseId, DEFAULT_DRILL_LEASE_ID),
  }),
  history: new DynamoDbDrillHistory(dynamoDbClient, requireString(DRILL_ENV.historyTable)),
  clock: systemClock,
  metrics: emfDrillMetrics(),
}));
