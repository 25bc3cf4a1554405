// The pure parts of drills on AWS: the RTO trend, the abort reason round trip, the plan view.
import { abortedBy, abortReason } from '../../functions/core/drill/abort';
import { drillEntryOf } from '../../functions/core/drill/plan';
import type { DrillRecord } from '../../functions/core/drill/ports';
import { drillOutcomeOf } from '../../functions/core/drill/record';
import { drillTrend } from '../../functions/core/drill/trend';

const line = (startedAt: string, outcome: DrillRecord['outcome'], rto?: number): DrillRecord => ({
  drillName: `d-${startedAt}`,
  failoverExecutionName: `d-${startedAt}`,
  drill: true,
  outcome,
  ...(rto === undefined ? {} : { allSteadySeconds: rto }),
  startedAt,
  tornDownAt: startedAt,
  servicesDeleted: 3,
});

describe('Function: drillTrend', () => {
  it('orders drills by start, gives each successful RTO its change, the median and the drift', () => {
    // Act
    const trend = drillTrend([
      line('2026-03-01T00:00:00Z', 'succeeded', 150),
      line('2026-01-01T00:00:00Z', 'succeeded', 100),
      line('2026-02-01T00:00:00Z', 'aborted'),
    ]);
    // Assert
    expect(trend.rows.map((r) => [r.outcome, r.rtoSeconds, r.deltaSeconds])).toEqual([
      ['succeeded', 100, undefined],
      ['aborted', undefined, undefined],
      ['succeeded', 150, 50],
    ]);
    expect(trend).toMatchObject({
      succeeded: 2,
      failedOrAborted: 1,
      medianRtoSeconds: 125,
      driftSeconds: 50,
    });
  });

  it('has no median and no drift without a successful drill', () => {
    // Act
    const trend = drillTrend([line('2026-01-01T00:00:00Z', 'failed')]);
    // Assert
    expect(trend.medianRtoSeconds).toBeUndefined();
    expect(trend.driftSeconds).toBeUndefined();
  });
});

describe('Function: abortedBy', () => {
  it('names the failover that took this drill’s lease, and no other drill’s', () => {
    // Arrange
    const reason = abortReason('real-1', 'failover drill-7');
    // Act / Assert
    expect(abortedBy(reason, 'failover drill-7')).toBe('real-1');
    expect(abortedBy(reason, 'failover drill-8')).toBeUndefined();
    expect(abortedBy('drill drill-7 torn down', 'failover drill-7')).toBeUndefined();
  });
});

describe('Function: drillEntryOf', () => {
  it('moves the entry to the drill cluster and drops its load balancers', () => {
    // Act
    const entry = drillEntryOf(
      {
        service: 'shop/web',
        cloneVersion: 1,
        cluster: 'understudy',
        taskDefinitionArn: 'arn:td',
        desiredCount: 2,
        loadBalancers: [{ targetGroupArn: 'arn:tg', containerName: 'web', containerPort: 80 }],
        dependsOn: [],
        wave: 0,
      },
      'understudy-drill',
    );
    // Assert
    expect(entry.cluster).toBe('understudy-drill');
    expect(entry.loadBalancers).toBeUndefined();
    expect(entry.desiredCount).toBe(2);
  });
});

describe('Function: drillOutcomeOf', () => {
  it('reads aborted first, then the failover record, else failed', () => {
    // Arrange
    const base = { drillName: 'd', failoverExecutionName: 'd', startedAt: '', servicesDeleted: 0 };
    // Act / Assert
    expect(drillOutcomeOf({ ...base, result: { record: { outcome: 'succeeded' } } })).toBe(
      'succeeded',
    );
    expect(
      drillOutcomeOf({ ...base, abortedBy: 'f', result: { record: { outcome: 'succeeded' } } }),
    ).toBe('aborted');
    expect(drillOutcomeOf({ ...base, result: { record: { outcome: 'declined' } } })).toBe('failed');
    expect(drillOutcomeOf({ ...base, result: { error: { Error: 'X' } } })).toBe('failed');
  });
});
