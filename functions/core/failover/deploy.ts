/**
 * Deploys one page of a wave, fenced: before every mutating call (UpdateService, scaling bounds,
 * the epoch tag) a strongly consistent lease read must find the shadow at the granted epoch, or
 * the page stops with StaleEpochError and nothing more is touched. Each service is pointed at the
 * plan's staged revision with the desired count from its latest forecast (read at deploy time,
 * `forecast-sizing.ts`; the plan's count when the forecast is missing or stale, with a warning in
 * its record line), its cloned scaling bounds registered with min capacity raised to that count,
 * and tagged with the epoch. Calls are paced at ECS's limits (see `pacing.ts`) and throttling is
 * retried with jitter; a service whose calls still fail is recorded as failed and the page goes on.
 */
import { StaleEpochError } from '../errors';
import type { PlanEntry } from '../model';
import type { AuthorityLease, Clock, ContainerPlatform, ForecastRepository } from '../ports';
import { DEFAULT_FORECAST_SIZING, type SizingDecision, sizeFromForecast } from './forecast-sizing';
import { Pacer, type PaceState, seededRandom, seedOf, withRetry } from './pacing';
import type { FailoverPlatform, FailoverRecordStore, PlanPages, ServiceOutcome } from './ports';
import type { FailoverSettings } from './settings';

/** Services of one page deployed at once (each waits for the pacer before its UpdateService). */
export const DEPLOY_CONCURRENCY = 10;

/** What a deploy page uses. */
export interface DeployDeps {
  readonly plans: PlanPages;
  readonly platform: Pick<ContainerPlatform, 'updateService' | 'applyScaling'>;
  readonly fleet: Pick<FailoverPlatform, 'tagService'>;
  readonly lease: Pick<AuthorityLease, 'assertHeld'>;
  readonly records: FailoverRecordStore;
  readonly clock: Clock;
  /**
   * The staging copy of the latest forecasts. Absent (older wiring), every service keeps the
   * plan's count, with a warning when sizing is configured for it.
   */
  readonly forecasts?: Pick<ForecastRepository, 'listLatest'>;
}

/** Input of {@link deployPage}. */
export interface DeployPageInput {
  readonly executionName: string;
  readonly epoch: number;
  readonly wave: number;
  readonly pageSize: number;
  readonly cursor?: string;
  readonly pace?: PaceState;
}

/** Result of one page (counts and a cursor only: it is part of the payload). */
export interface DeployPageResult {
  readonly wave: number;
  readonly deployed: number;
  readonly failed: number;
  /** Cursor of the next page; null on the last one (the ASL reads it by path). */
  readonly nextCursor: string | null;
  readonly done: boolean;
  readonly pace: PaceState;
}

/** The staging service name of a plan entry (older entries: the key's service part). */
export function stagingNameOf(entry: {
  readonly service: string;
  readonly serviceName?: string;
}): string {
  return entry.serviceName ?? entry.service.slice(entry.service.indexOf('/') + 1);
}

/**
 * Sizes one entry from its latest forecasts; a failed read keeps the plan's count (a failover
 * must deploy), with the reason.
 */
async function sizeEntry(
  deps: Pick<DeployDeps, 'forecasts' | 'clock'>,
  entry: PlanEntry,
  settings: FailoverSettings,
): Promise<SizingDecision> {
  const sizing = settings.sizing ?? DEFAULT_FORECAST_SIZING;
  if (!sizing.enabled || sizing.services[entry.service] === undefined || !deps.forecasts) {
    return sizeFromForecast({ entry, forecasts: [], settings: sizing, nowMs: deps.clock.now() });
  }
  try {
    const forecasts = await deps.forecasts.listLatest(entry.service);
    return sizeFromForecast({ entry, forecasts, settings: sizing, nowMs: deps.clock.now() });
  } catch (error) {
    const decision = sizeFromForecast({
      entry,
      forecasts: [],
      settings: sizing,
      nowMs: deps.clock.now(),
    });
    return {
      ...decision,
      warnings: [
        `sized from the plan (${entry.desiredCount} tasks): forecast read failed: ${(error as Error).message}`,
      ],
    };
  }
}

/** Deploys the services of one page of `wave`. */
export async function deployPage(
  deps: DeployDeps,
  input: DeployPageInput,
  settings: FailoverSettings,
): Promise<DeployPageResult> {
  const { clock, records } = deps;
  const page = await deps.plans.page(input.wave, input.pageSize, input.cursor);
  const pacer = new Pacer(clock, input.pace);
  const random = seededRandom(seedOf(`${input.executionName}/${input.wave}/${input.cursor ?? ''}`));
  const retry = <T>(call: () => Promise<T>) => withRetry(clock, random, call);
  const fence = () => deps.lease.assertHeld('shadow', input.epoch);
  const outcomes: (ServiceOutcome | undefined)[] = new Array(page.entries.length);
  let firstDeployMs = Number.POSITIVE_INFINITY;
  let failed = 0;
  let fallbacks = 0;
  let fenced: StaleEpochError | undefined;

  const deployOne = async (entry: PlanEntry): Promise<ServiceOutcome> => {
    const serviceName = stagingNameOf(entry);
    // Read before taking a pacer slot: while this worker reads, the others' calls keep the
    // pacer busy, so the read costs the page no UpdateService tokens' worth of time.
    const sized = await sizeEntry(deps, entry, settings);
    const desiredCount = sized.desiredCount;
    const base: ServiceOutcome = {
      service: entry.service,
      wave: entry.wave,
      cluster: entry.cluster,
      serviceName,
      taskDefinitionArn: entry.taskDefinitionArn,
      desiredCount,
      targetGroupArns: (entry.loadBalancers ?? []).map((binding) => binding.targetGroupArn),
      status: 'deploying',
      warnings: sized.warnings,
    };
    if (sized.source === 'plan' && sized.warnings.length > 0) fallbacks += 1;
    try {
      await pacer.beforeServiceCall(desiredCount);
      await fence();
      const deployedMs = clock.now();
      firstDeployMs = Math.min(firstDeployMs, deployedMs);
      const described = await retry(() =>
        deps.platform.updateService(entry.cluster, serviceName, {
          taskDefinition: entry.taskDefinitionArn,
          desiredCount,
        }),
      );
      if (entry.scaling) {
        const scaling = entry.scaling;
        await fence();
        await retry(() =>
          deps.platform.applyScaling(entry.cluster, serviceName, {
            ...scaling,
            minCapacity: Math.max(scaling.minCapacity, desiredCount),
            maxCapacity: Math.max(scaling.maxCapacity, desiredCount),
          }),
        );
      }
      await fence();
      await retry(() =>
        deps.fleet.tagService(described.serviceArn, [
          { name: settings.epochTagKey, value: String(input.epoch) },
          { name: 'understudy:failover', value: input.executionName },
        ]),
      );
      return {
        ...base,
        serviceArn: described.serviceArn,
        deployedAt: new Date(deployedMs).toISOString(),
      };
    } catch (error) {
      if (error instanceof StaleEpochError) throw error;
      failed += 1;
      return {
        ...base,
        status: 'failed',
        failure: { kind: 'deploy-error', message: (error as Error).message },
      };
    }
  };

  // A few services in flight at once: each takes three round trips (update, scaling, tag) plus
  // its fence reads, so one at a time would fall behind the 5/s the pacer allows. The pacer
  // still decides when each UpdateService may go.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (fenced === undefined && next < page.entries.length) {
      const index = next;
      next += 1;
      const entry = page.entries[index] as PlanEntry;
      try {
        outcomes[index] = await deployOne(entry);
      } catch (error) {
        if (!(error instanceof StaleEpochError)) throw error;
        fenced ??= error;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(DEPLOY_CONCURRENCY, page.entries.length) }, () => worker()),
  );
  const done = outcomes.filter((outcome): outcome is ServiceOutcome => outcome !== undefined);
  // Record what this page did before the fence closed, then stop the run.
  await records.putServices(input.executionName, done);
  if (fenced) throw fenced;
  const firstDeployAt = Number.isFinite(firstDeployMs)
    ? new Date(firstDeployMs).toISOString()
    : undefined;
  // One line per page on the header; each service's own line says why.
  const fallbackWarning =
    fallbacks > 0
      ? [
          `wave ${input.wave}, page from ${page.entries[0]?.service}: ${fallbacks} of ${page.entries.length} services sized from the plan, not the latest forecast (see their lines)`,
        ]
      : [];
  if (firstDeployAt !== undefined || fallbackWarning.length > 0) {
    await records.update(input.executionName, {
      ...(firstDeployAt !== undefined ? { milestones: { firstDeployCall: firstDeployAt } } : {}),
      ...(firstDeployAt !== undefined && input.cursor === undefined
        ? { transitions: [{ phase: `wave-${input.wave}:deploy`, at: firstDeployAt }] }
        : {}),
      ...(fallbackWarning.length > 0 ? { warnings: fallbackWarning } : {}),
    });
  }
  return {
    wave: input.wave,
    deployed: done.length - failed,
    failed,
    nextCursor: page.nextCursor ?? null,
    done: page.nextCursor === undefined,
    pace: pacer.state(),
  };
}
