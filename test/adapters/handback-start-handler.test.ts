// The handback starter Lambda's event handling: the quorum's OK transition, the scheduled
// re-check and a manual start reach the core; an ALARM transition is ignored; a bad event is a
// typed error and starts nothing.
import { ValidationError } from '../../functions/core/errors';
import type { ExecutionStart } from '../../functions/core/failover/admission';
import {
  createHandbackStartHandler,
  type HandbackStartHandlerDeps,
} from '../../functions/handlers/handback-start';

const OK_SINCE = '2026-03-02T10:00:00.000Z';

function deps(nowMs: number) {
  const started: string[] = [];
  const d: HandbackStartHandlerDeps = {
    lease: {
      peek: async () => ({
        holder: 'shadow',
        epoch: 4,
        reason: 'failover f-1',
        acquiredAt: OK_SINCE,
        updatedAt: OK_SINCE,
      }),
    },
    alarm: { read: async (name) => ({ name, state: 'OK', stateChangeTime: OK_SINCE }) },
    executions: {
      start: async (name): Promise<ExecutionStart> => {
        started.push(name);
        return {
          executionArn: `arn:aws:states:eu-central-1:1:execution:hb:${name}`,
          alreadyStarted: false,
        };
      },
      running: async () => [],
    },
    clock: { now: () => nowMs, sleep: async () => {} },
    settings: { alarmName: 'understudy-authority-quorum', okPeriods: 3, periodSeconds: 60 },
  };
  return { d, started };
}

const alarmEvent = (value: 'OK' | 'ALARM') => ({
  id: 'e-1',
  source: 'aws.cloudwatch',
  'detail-type': 'CloudWatch Alarm State Change',
  resources: ['arn:aws:cloudwatch:us-east-1:222222222222:alarm:understudy-authority-quorum'],
  detail: {
    alarmName: 'understudy-authority-quorum',
    state: { value, reason: 'test', timestamp: OK_SINCE },
  },
});

describe('Handler: handback-start', () => {
  it('waits on the OK transition itself (N periods have not passed yet)', async () => {
    // Arrange
    const { d, started } = deps(Date.parse(OK_SINCE) + 1000);

    // Act
    const result = await createHandbackStartHandler(d)(alarmEvent('OK'));

    // Assert
    expect(result).toMatchObject({ outcome: 'waiting', neededSeconds: 180 });
    expect(started).toEqual([]);
  });

  it('starts on the scheduled re-check once N periods have passed', async () => {
    // Arrange
    const { d, started } = deps(Date.parse(OK_SINCE) + 180_000);

    // Act
    const result = await createHandbackStartHandler(d)({
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      id: 's-1',
    });

    // Assert
    expect(result).toMatchObject({ outcome: 'started', epoch: 4 });
    expect(started).toEqual(['handback-e4-20260302T100000Z']);
  });

  it('ignores an ALARM transition', async () => {
    // Arrange
    const { d, started } = deps(Date.parse(OK_SINCE) + 180_000);

    // Act
    const result = await createHandbackStartHandler(d)(alarmEvent('ALARM'));

    // Assert
    expect(result).toMatchObject({ outcome: 'ignored', state: 'ALARM' });
    expect(started).toEqual([]);
  });

  it('starts a manual request at once', async () => {
    // Arrange
    const { d, started } = deps(Date.parse(OK_SINCE) + 1000);

    // Act
    const result = await createHandbackStartHandler(d)({ trigger: 'manual', requestedBy: 'alice' });

    // Assert
    expect(result).toMatchObject({ outcome: 'started' });
    expect(started).toHaveLength(1);
  });

  it.each([
    ['an empty event', {}],
    ['a manual start without who', { trigger: 'manual' }],
    ['another source', { source: 'aws.ecs', 'detail-type': 'Scheduled Event' }],
  ])('rejects %s with a ValidationError and starts nothing', async (_what, event) => {
    // Arrange
    const { d, started } = deps(Date.parse(OK_SINCE) + 180_000);

    // Act
    const result = createHandbackStartHandler(d)(event);

    // Assert
    await expect(result).rejects.toBeInstanceOf(ValidationError);
    expect(started).toEqual([]);
  });
});
