/**
 * {@link QuorumAlarm} on CloudWatch: DescribeAlarms of the detection quorum, with a client of
 * the health region (the alarm never lives in the primary's region, nor necessarily in staging's).
 */
import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { NotFoundError } from '../../core/errors';
import type { AlarmReading, AlarmStateValue, QuorumAlarm } from '../../core/failover/ports';
import { callAws } from './sdk-errors';

const STATES: readonly AlarmStateValue[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

/** Reads the quorum alarm (composite or metric) by name. */
export class CloudWatchQuorumAlarm implements QuorumAlarm {
  /** @param client - CloudWatch client of the health region. */
  public constructor(private readonly client: CloudWatchClient) {}

  /** The alarm's state now; NotFoundError when no alarm has that name. */
  public async read(alarmName: string): Promise<AlarmReading> {
    const output = await callAws(
      { operation: 'cloudwatch:DescribeAlarms', kind: 'alarm', id: alarmName },
      () =>
        this.client.send(
          new DescribeAlarmsCommand({
            AlarmNames: [alarmName],
            AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
          }),
        ),
    );
    const alarm = output.CompositeAlarms?.[0] ?? output.MetricAlarms?.[0];
    if (!alarm) throw new NotFoundError('alarm', alarmName);
    const state = alarm.StateValue as AlarmStateValue | undefined;
    if (!state || !STATES.includes(state)) {
      throw new Error(`alarm ${alarmName} has an unknown state ${String(alarm.StateValue)}`);
    }
    const changed = alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp;
    return {
      name: alarm.AlarmName ?? alarmName,
      state,
      stateChangeTime: changed ? changed.toISOString() : '',
    };
  }
}
