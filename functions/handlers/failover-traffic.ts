/**
 * Failover, per wave once it is steady: moves the traffic of its steady services to staging
 * (Route 53 failover signal or ARC routing controls: data-plane calls only), fenced.
 */
import { z } from 'zod';
import type { FailoverRecordStore, TrafficSwitch } from '../core/failover/ports';
import type { FailoverSettings } from '../core/failover/settings';
import { switchWaveTraffic, type TrafficResult } from '../core/failover/traffic';
import type { AuthorityLease, Clock } from '../core/ports';
import { systemClock } from '../shared/clock';
import { authorityLease, failoverAwsAdapters, failoverSettings } from '../shared/failover-wiring';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';

/** The state's input. */
export const FailoverTrafficEvent = z.object({
  executionName: z.string().min(1).max(80),
  epoch: z.number().int().min(1),
  wave: z.number().int().min(0),
});

/** What the handler needs. */
export interface FailoverTrafficDeps {
  readonly traffic: TrafficSwitch;
  readonly lease: Pick<AuthorityLease, 'assertHeld'>;
  readonly records: FailoverRecordStore;
  readonly clock: Clock;
  readonly settings: FailoverSettings;
}

/** Builds the handler. */
export function createFailoverTrafficHandler(deps: Deps<FailoverTrafficDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<TrafficResult> => {
    const input = parseEvent(FailoverTrafficEvent, event, 'failover-traffic');
    const { settings, ...ports } = get();
    return switchWaveTraffic(ports, input, settings);
  };
}

/** Lambda entry. */
export const handler = createFailoverTrafficHandler(() => {
  const aws = failoverAwsAdapters();
  return {
    traffic: aws.traffic,
    lease: authorityLease(),
    records: aws.records,
    clock: systemClock,
    settings: failoverSettings(),
  };
});
