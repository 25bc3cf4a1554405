/**
 * The detection quorum as a drill sees it: a rehearsal has no outage, so the drill's pre-flight
 * reads an alarm that is in ALARM since the drill started. The RTO is then measured the same way
 * as a failover's, from "detection" (the drill's start, the alarm time in its input) to every
 * service steady.
 */
import type { AlarmReading, QuorumAlarm } from '../failover/ports';
import type { Clock } from '../ports';

/** A quorum alarm that reads ALARM (since now) under any name. */
export function rehearsalAlarm(clock: Clock): QuorumAlarm {
  return {
    async read(alarmName: string): Promise<AlarmReading> {
      return {
        name: alarmName,
        state: 'ALARM',
        stateChangeTime: new Date(clock.now()).toISOString(),
      };
    },
  };
}
