import fc from 'fast-check';
import { ValidationError } from '../../functions/core/errors';
import {
  executionInputFor,
  executionNameFor,
  normaliseStateTime,
} from '../../functions/core/failover/admission';

const ARN = 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:understudy-detection-quorum';

describe('Function: executionNameFor', () => {
  it('names an alarm transition by trigger, time and a hash, the same for each delivery', () => {
    // Act
    const name = executionNameFor({ arn: ARN, stateChangeTime: '2026-12-02T00:40:49.123+0000' });

    // Assert
    expect(name).toMatch(/^alarm-20261202T004049Z-[0-9a-f]{12}$/);
    expect(executionNameFor({ arn: ARN, stateChangeTime: '2026-12-02T00:40:49.123Z' })).toBe(name);
  });

  it('gives every transition, trigger and request its own valid Step Functions name', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2199-12-31'), noInvalidDate: true }),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2199-12-31'), noInvalidDate: true }),
        fc.constantFrom('alarm', 'manual', 'drill' as const),
        (a, b, trigger) => {
          const nameA = executionNameFor({ arn: ARN, stateChangeTime: a.toISOString() }, trigger);
          const nameB = executionNameFor({ arn: ARN, stateChangeTime: b.toISOString() }, trigger);
          expect(nameA).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
          expect(nameA === nameB).toBe(a.getTime() === b.getTime());
        },
      ),
    );
  });

  it('rejects a state time that is not a time', () => {
    // Act / Assert
    expect(() => normaliseStateTime('yesterday')).toThrow(ValidationError);
  });
});

describe('Function: executionInputFor', () => {
  it('carries the contract fields, and the same admission gives the same input', () => {
    // Arrange
    const request = {
      executionName: 'alarm-x',
      trigger: 'alarm' as const,
      alarm: {
        name: 'q',
        arn: ARN,
        stateChangeTime: '2026-12-02T00:40:49.123+0000',
        reason: 'all in ALARM',
      },
    };

    // Act
    const input = executionInputFor(request, Date.UTC(2026, 11, 2, 0, 41));

    // Assert
    expect(input).toEqual({
      alarm: { name: 'q', stateChangeTime: '2026-12-02T00:40:49.123Z' },
      drill: false,
      trigger: 'alarm',
      detection: { alarmArn: ARN, reason: 'all in ALARM' },
      admittedAt: '2026-12-02T00:41:00.000Z',
    });
    expect(executionInputFor(request, Date.UTC(2026, 11, 2, 0, 41))).toEqual(input);
    expect(
      executionInputFor({ ...request, trigger: 'drill', forceApproval: true }, 0),
    ).toMatchObject({ drill: true, approvalMode: 'manual' });
  });
});
