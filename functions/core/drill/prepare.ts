/**
 * Before a drill's failover runs: every service of the plan gets a twin in the drill cluster,
 * created at desired count 0 from the pre-baked clone's task definition and network
 * configuration, so the failover's own deploy step (UpdateService to the plan's revision and
 * count) finds it there. Idempotent: a service that already exists (a retried page, a previous
 * drill's leftover) is left for the deploy step to update. Every page first checks that no real
 * failover holds authority (`guard.ts`): a drill never starts, or goes on preparing, beside one.
 */
import { ConflictError } from '../errors';
import { stagingNameOf } from '../failover/deploy';
import { seededRandom, seedOf, withRetry } from '../failover/pacing';
import type { PlanPages } from '../failover/ports';
import type { Clock, ContainerPlatform } from '../ports';
import { type ProductionLeaseReader, refuseDuringFailover } from './guard';

/** Tag key every drill service carries (value: the drill's execution name). */
export const DRILL_TAG_KEY = 'understudy:drill';

/** What preparing needs. */
export interface PrepareDrillDeps {
  /** The plan, already redirected to the drill cluster (`drillPlanPages`). */
  readonly plans: PlanPages;
  readonly platform: Pick<ContainerPlatform, 'createService'>;
  readonly clock: Clock;
  /** Production's authority lease, read only: a drill refuses while the shadow holds it. */
  readonly productionLease: ProductionLeaseReader;
}

/** Where the walk over the plan stands (travels in the payload between pages). */
export interface PreparePosition {
  /** Index into the plan summary's waves. */
  readonly waveIndex: number;
  readonly cursor?: string;
}

/** Input of {@link prepareDrillPage}. */
export interface PrepareDrillInput {
  readonly drillName: string;
  readonly pageSize: number;
  readonly position?: PreparePosition;
}

/** Result of one page (counts and a position only). */
export interface PrepareDrillResult {
  readonly created: number;
  readonly existing: number;
  readonly services: number;
  /** Where the next page starts; null when the whole plan is prepared. */
  readonly next: PreparePosition | null;
  readonly done: boolean;
  /**
   * ISO-8601 UTC when this page finished: on the last page, the drill's "detection" time, from
   * which its failover's RTO is measured (the twins existing, as staging services do for a
   * failover, the preparation is not part of the RTO).
   */
  readonly at: string;
}

const nowIso = (clock: Clock): string => new Date(clock.now()).toISOString();

/** Creates the drill twins of one page of the plan; DrillRefusedError during a real failover. */
export async function prepareDrillPage(
  deps: PrepareDrillDeps,
  input: PrepareDrillInput,
): Promise<PrepareDrillResult> {
  await refuseDuringFailover(deps.productionLease);
  const summary = await deps.plans.summary();
  const waveIndex = input.position?.waveIndex ?? 0;
  const wave = summary.waves[waveIndex];
  if (wave === undefined) {
    return { created: 0, existing: 0, services: 0, next: null, done: true, at: nowIso(deps.clock) };
  }
  const page = await deps.plans.page(wave.wave, input.pageSize, input.position?.cursor);
  const random = seededRandom(seedOf(`${input.drillName}/${waveIndex}/${input.position?.cursor}`));
  let created = 0;
  let existing = 0;
  for (const entry of page.entries) {
    try {
      await withRetry(deps.clock, random, () =>
        deps.platform.createService({
          cluster: entry.cluster,
          serviceName: stagingNameOf(entry),
          taskDefinition: entry.taskDefinitionArn,
          // The failover's deploy step sets the plan's count: a twin starts with no tasks.
          desiredCount: 0,
          ...(entry.networkConfiguration
            ? { networkConfiguration: entry.networkConfiguration }
            : {}),
          tags: [
            { name: DRILL_TAG_KEY, value: input.drillName },
            { name: 'understudy:service', value: entry.service },
          ],
        }),
      );
      created += 1;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      existing += 1;
    }
  }
  const next: PreparePosition | null = page.nextCursor
    ? { waveIndex, cursor: page.nextCursor }
    : waveIndex + 1 < summary.waves.length
      ? { waveIndex: waveIndex + 1 }
      : null;
  return {
    created,
    existing,
    services: page.entries.length,
    next,
    done: next === null,
    at: nowIso(deps.clock),
  };
}
