/**
 * Switches traffic to staging for the steady services of a wave that have a configured route:
 * a data-plane call per service (a Route 53 failover signal metric or ARC routing controls),
 * fenced like every mutating call, idempotent (a service already switched is skipped).
 */
import { StaleEpochError } from '../errors';
import type { AuthorityLease, Clock } from '../ports';
import { seededRandom, seedOf, withRetry } from './pacing';
import type { FailoverRecordStore, ServiceOutcome, TrafficSwitch } from './ports';
import type { FailoverSettings } from './settings';

/** Result of {@link switchWaveTraffic}. */
export interface TrafficResult {
  readonly wave: number;
  readonly switched: number;
  readonly failed: number;
  readonly skipped: number;
}

/** Switches the wave's steady services. */
export async function switchWaveTraffic(
  deps: {
    readonly traffic: TrafficSwitch;
    readonly lease: Pick<AuthorityLease, 'assertHeld'>;
    readonly records: FailoverRecordStore;
    readonly clock: Clock;
  },
  input: { readonly executionName: string; readonly epoch: number; readonly wave: number },
  settings: FailoverSettings,
): Promise<TrafficResult> {
  const { clock, records } = deps;
  const random = seededRandom(seedOf(`${input.executionName}/${input.wave}/traffic`));
  const steady = await records.listServices(input.executionName, {
    wave: input.wave,
    status: 'steady',
  });
  const changed: ServiceOutcome[] = [];
  let skipped = 0;
  let failed = 0;
  let firstAt: string | undefined;
  for (const line of steady) {
    const route = settings.traffic[line.service];
    if (!route || line.trafficSwitchedAt !== undefined) {
      skipped += 1;
      continue;
    }
    try {
      await deps.lease.assertHeld('shadow', input.epoch);
      await withRetry(clock, random, () => deps.traffic.shift(route, 'to-staging'));
      const at = new Date(clock.now()).toISOString();
      firstAt ??= at;
      changed.push({ ...line, trafficSwitchedAt: at });
    } catch (error) {
      if (error instanceof StaleEpochError) {
        await records.putServices(input.executionName, changed);
        throw error;
      }
      failed += 1;
      changed.push({
        ...line,
        status: 'failed',
        failure: { kind: 'traffic-error', message: (error as Error).message },
      });
    }
  }
  await records.putServices(input.executionName, changed);
  await records.update(input.executionName, {
    ...(firstAt ? { milestones: { trafficSwitched: firstAt } } : {}),
    transitions: [
      {
        phase: `wave-${input.wave}:traffic`,
        at: new Date(clock.now()).toISOString(),
        detail: `${changed.length - failed} switched, ${failed} failed, ${skipped} without a route`,
      },
    ],
  });
  return { wave: input.wave, switched: changed.length - failed, failed, skipped };
}
