// When a handback starts: N consecutive OK periods counted from the quorum's last state change,
// only while the shadow holds the lease, one deterministic execution name per OK episode.
import type { ExecutionStart } from '../../../functions/core/failover/admission';
import type { AlarmReading, AlarmStateValue } from '../../../functions/core/failover/ports';
import {
  type HandbackStartDeps,
  handbackExecutionName,
  startHandback,
} from '../../../functions/core/handback/start';
import type { Lease } from '../../../functions/core/model';

const OK_SINCE = '2026-03-02T10:00:00.000Z';
const SETTINGS = { alarmName: 'quorum', okPeriods: 5, periodSeconds: 60 };

function deps(options: {
  readonly holder?: Lease['holder'];
  readonly state?: AlarmStateValue;
  readonly nowMs: number;
  readonly running?: string[];
}) {
  const started: { name: string; input: unknown }[] = [];
  const names = new Set<string>();
  const d: HandbackStartDeps = {
    lease: {
      peek: async () => ({
        holder: options.holder ?? 'shadow',
        epoch: 2,
        reason: 'failover f-1',
        acquiredAt: OK_SINCE,
        updatedAt: OK_SINCE,
      }),
    },
    alarm: {
      read: async (name: string): Promise<AlarmReading> => ({
        name,
        state: options.state ?? 'OK',
        stateChangeTime: OK_SINCE,
      }),
    },
    executions: {
      start: async (name: string, input: unknown): Promise<ExecutionStart> => {
        const alreadyStarted = names.has(name);
        names.add(name);
        if (!alreadyStarted) started.push({ name, input });
        return {
          executionArn: `arn:aws:states:eu-central-1:1:execution:hb:${name}`,
          alreadyStarted,
        };
      },
      running: async () => options.running ?? [],
    },
    clock: { now: () => options.nowMs, sleep: async () => {} },
  };
  return { d, started };
}

const at = (seconds: number) => Date.parse(OK_SINCE) + seconds * 1000;

describe('Unit: startHandback', () => {
  it('waits while the quorum has been OK for fewer than N periods', async () => {
    // Arrange
    const { d, started } = deps({ nowMs: at(299) });

    // Act
    const outcome = await startHandback(d, SETTINGS, {
      trigger: 'alarm-ok',
      requestedBy: 'eventbridge',
    });

    // Assert
    expect(outcome).toMatchObject({ outcome: 'waiting', okForSeconds: 299, neededSeconds: 300 });
    expect(started).toEqual([]);
  });

  it('starts once N periods have passed, with the epoch it saw as the expected epoch', async () => {
    // Arrange
    const { d, started } = deps({ nowMs: at(300) });

    // Act
    const outcome = await startHandback(d, SETTINGS, {
      trigger: 'schedule',
      requestedBy: 'schedule',
    });

    // Assert
    expect(outcome).toMatchObject({
      outcome: 'started',
      epoch: 2,
      executionName: 'handback-e2-20260302T100000Z',
    });
    expect(started).toEqual([
      {
        name: 'handback-e2-20260302T100000Z',
        input: {
          alarm: { name: 'quorum' },
          expectedEpoch: 2,
          requestedBy: 'schedule',
          trigger: 'schedule',
        },
      },
    ]);
  });

  it('collapses duplicates of one OK episode into one execution', async () => {
    // Arrange
    const { d, started } = deps({ nowMs: at(900) });

    // Act
    await startHandback(d, SETTINGS, { trigger: 'schedule', requestedBy: 'schedule' });
    const second = await startHandback(d, SETTINGS, {
      trigger: 'alarm-ok',
      requestedBy: 'eventbridge',
    });

    // Assert
    expect(second).toMatchObject({ outcome: 'already-started' });
    expect(started).toHaveLength(1);
  });

  it.each([
    ['the primary holds the lease', { holder: 'primary' as const }],
    ['the quorum is in ALARM', { state: 'ALARM' as const }],
    ['another handback runs', { running: ['handback-e2-20260301T000000Z'] }],
  ])('ignores the request when %s', async (_why, options) => {
    // Arrange
    const { d, started } = deps({ nowMs: at(900), ...options });

    // Act
    const outcome = await startHandback(d, SETTINGS, {
      trigger: 'schedule',
      requestedBy: 'schedule',
    });

    // Assert
    expect(outcome.outcome).toBe('ignored');
    expect(started).toEqual([]);
  });

  it('starts a manual handback at once, named per minute, forcing approval when asked', async () => {
    // Arrange
    const { d, started } = deps({ nowMs: at(10) });

    // Act
    const outcome = await startHandback(d, SETTINGS, {
      trigger: 'manual',
      requestedBy: 'alice',
      approvalMode: 'manual',
    });

    // Assert
    expect(outcome).toMatchObject({
      outcome: 'started',
      executionName: 'handback-e2-20260302T100000Z-manual-20260302T1000',
    });
    expect(started[0]?.input).toMatchObject({ approvalMode: 'manual', requestedBy: 'alice' });
  });
});

describe('Unit: handbackExecutionName', () => {
  it('is a valid Step Functions name, the same for the same epoch and episode', () => {
    // Act
    const a = handbackExecutionName(12, '2026-03-02T10:00:00.123Z');
    const b = handbackExecutionName(12, '2026-03-02T10:00:00.123Z');

    // Assert
    expect(a).toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(handbackExecutionName(13, '2026-03-02T10:00:00.123Z')).not.toBe(a);
  });
});
