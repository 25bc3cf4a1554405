// The pure parts of drills on AWS: the RTO trend, the abort reason round trip, the plan view.
import { trendLines } from '../../bin/commands/drill-aws';
import { abortedBy, abortReason } from '../../functions/core/drill/abort';
import { drillEntryOf } from '../../functions/core/drill/plan';
import type { DrillRecord } from '../../functions/core/drill/ports';
import { causeMessage, drillOutcomeOf, recordDrill } from '../../functions/core/drill/record';
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

describe('Function: trendLines', () => {
  it('prints why a drill did not succeed under its row, and no reason under a success', () => {
    // Arrange
    const refused: DrillRecord = {
      ...line('2026-02-01T00:00:00Z', 'aborted'),
      reason: 'refused: a real failover holds authority (shadow at epoch 2, failover real-1)',
    };
    // Act
    const lines = trendLines(drillTrend([line('2026-01-01T00:00:00Z', 'succeeded', 100), refused]));
    // Assert
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(/^2026-01-01T00:00:00Z +succeeded +100\.0/);
    expect(lines[2]).toMatch(/^2026-02-01T00:00:00Z +aborted /);
    expect(lines[3]).toBe(`    ${refused.reason}`);
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
    expect(drillOutcomeOf({ ...base, result: { error: { Error: 'DrillRefusedError' } } })).toBe(
      'aborted',
    );
  });
});

describe('Function: recordDrill', () => {
  it('records a refused drill as aborted, with the Lambda error’s message as its reason', async () => {
    // Arrange
    const lines: DrillRecord[] = [];
    const history = { put: async (r: DrillRecord) => void lines.push(r), list: async () => lines };
    const cause = JSON.stringify({
      errorType: 'DrillRefusedError',
      errorMessage: 'a real failover holds authority (shadow at epoch 4, failover real-2)',
      trace: ['at refuseDuringFailover'],
    });
    // Act
    const line = await recordDrill(
      { history, clock: { now: () => 0, sleep: async () => {} } },
      {
        drillName: 'd',
        failoverExecutionName: 'd',
        startedAt: '1970-01-01T00:00:00.000Z',
        result: { error: { Error: 'DrillRefusedError', Cause: cause } },
        servicesDeleted: 0,
      },
    );
    // Assert
    expect(line).toMatchObject({
      outcome: 'aborted',
      reason: 'refused: a real failover holds authority (shadow at epoch 4, failover real-2)',
    });
    expect(lines).toEqual([line]);
  });
});

describe('Function: causeMessage', () => {
  it('takes a Lambda error’s message and any other Cause as it is', () => {
    expect(causeMessage(JSON.stringify({ errorType: 'E', errorMessage: 'm' }))).toBe('m');
    expect(causeMessage('plain words')).toBe('plain words');
    expect(causeMessage('{"no":"message"}')).toBe('{"no":"message"}');
    expect(causeMessage(undefined)).toBe('');
  });
});
