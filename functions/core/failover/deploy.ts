/**
 * Deploys one page of a wave, fenced: before every mutating call (UpdateService, scaling bounds,
 * the epoch tag) a strongly consistent lease read must find the shadow at the granted epoch, or
 * the page stops with StaleEpochError and nothing more is touched. Each service is pointed at the
 * plan's staged revision with the forecast's desired count, its cloned scaling bounds registered
 * with min capacity raised to that count, and tagged with the epoch. Calls are paced at ECS's
 * limits (see `pacing.ts`) and throttling is retried with jitter; a service whose calls still
 * fail is recorded as failed and the page goes on.
 */
import { StaleEpochError } from '../errors';
import type { AuthorityLease, Clock, ContainerPlatform } from '../ports';
import { Pacer, type PaceState, seededRandom, seedOf, withRetry } from './pacing';
import type { FailoverPlatform, FailoverRecordStore, PlanPages, ServiceOutcome } from './ports';
import type { FailoverSettings } from './settings';

/** What a deploy page uses. */
export interface DeployDeps {
  readonly plans: PlanPages;
  readonly platform: Pick<ContainerPlatform, 'updateService' | 'applyScaling'>;
  readonly fleet: Pick<FailoverPlatform, 'tagService'>;
  readonly lease: Pick<AuthorityLease, 'assertHeld'>;
  readonly records: FailoverRecordStore;
  readonly clock: Clock;
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
  const outcomes: ServiceOutcome[] = [];
  let firstDeployAt: string | undefined;
  let failed = 0;

  for (const entry of page.entries) {
    const serviceName = stagingNameOf(entry);
    const base: ServiceOutcome = {
      service: entry.service,
      wave: entry.wave,
      cluster: entry.cluster,
      serviceName,
      taskDefinitionArn: entry.taskDefinitionArn,
      desiredCount: entry.desiredCount,
      targetGroupArns: (entry.loadBalancers ?? []).map((binding) => binding.targetGroupArn),
      status: 'deploying',
      warnings: [],
    };
    try {
      await pacer.beforeServiceCall(entry.desiredCount);
      await fence();
      const deployedAt = new Date(clock.now()).toISOString();
      firstDeployAt ??= deployedAt;
      const described = await retry(() =>
        deps.platform.updateService(entry.cluster, serviceName, {
          taskDefinition: entry.taskDefinitionArn,
          desiredCount: entry.desiredCount,
        }),
      );
      if (entry.scaling) {
        const scaling = entry.scaling;
        await fence();
        await retry(() =>
          deps.platform.applyScaling(entry.cluster, serviceName, {
            ...scaling,
            minCapacity: Math.max(scaling.minCapacity, entry.desiredCount),
            maxCapacity: Math.max(scaling.maxCapacity, entry.desiredCount),
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
      outcomes.push({ ...base, serviceArn: described.serviceArn, deployedAt });
    } catch (error) {
      if (error instanceof StaleEpochError) {
        // Record what this page did before the fence closed, then stop the run.
        await records.putServices(input.executionName, outcomes);
        throw error;
      }
      failed += 1;
      outcomes.push({
        ...base,
        status: 'failed',
        failure: { kind: 'deploy-error', message: (error as Error).message },
      });
    }
  }

  await records.putServices(input.executionName, outcomes);
  if (firstDeployAt !== undefined) {
    await records.update(input.executionName, {
      milestones: { firstDeployCall: firstDeployAt },
      ...(input.cursor === undefined
        ? { transitions: [{ phase: `wave-${input.wave}:deploy`, at: firstDeployAt }] }
        : {}),
    });
  }
  return {
    wave: input.wave,
    deployed: outcomes.length - failed,
    failed,
    nextCursor: page.nextCursor ?? null,
    done: page.nextCursor === undefined,
    pace: pacer.state(),
  };
}
