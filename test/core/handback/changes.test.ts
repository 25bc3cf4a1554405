// What the shadow changed, for the primary's IaC, and the handback settings.
import { ValidationError } from '../../../functions/core/errors';
import { isFrozen } from '../../../functions/core/handback/ports';
import { shadowChanges } from '../../../functions/core/handback/services';
import {
  modeOf,
  parseHandbackSettings,
  standbyCountOf,
} from '../../../functions/core/handback/settings';

const SOURCE = {
  taskDefinitionArn: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/web:7',
  stagedTaskDefinitionArn: 'arn:aws:ecs:eu-central-1:222222222222:task-definition/web:3',
  desiredCount: 4,
  scaling: { minCapacity: 2, maxCapacity: 10, targetValue: 60 },
};

describe('Unit: shadowChanges', () => {
  it('lists nothing when the shadow runs the clone as it was', () => {
    // Act
    const changes = shadowChanges(SOURCE, {
      taskDefinitionArn: SOURCE.stagedTaskDefinitionArn,
      desiredCount: 4,
      scaling: SOURCE.scaling,
    });

    // Assert
    expect(changes).toEqual([]);
  });

  it('lists the revision, the count and each scaling bound the shadow changed', () => {
    // Act
    const changes = shadowChanges(SOURCE, {
      taskDefinitionArn: 'arn:aws:ecs:eu-central-1:222222222222:task-definition/web:4',
      desiredCount: 9,
      scaling: { minCapacity: 6, maxCapacity: 10 },
    });

    // Assert
    expect(changes).toEqual([
      {
        field: 'taskDefinition',
        source: SOURCE.taskDefinitionArn,
        shadow: 'arn:aws:ecs:eu-central-1:222222222222:task-definition/web:4',
      },
      { field: 'desiredCount', source: 4, shadow: 9 },
      { field: 'minCapacity', source: 2, shadow: 6 },
      { field: 'targetValue', source: 60, shadow: null },
    ]);
  });
});

describe('Unit: handback settings', () => {
  it('defaults to replace, config-only standby', () => {
    // Act
    const settings = parseHandbackSettings('{}');

    // Assert
    expect(modeOf(settings, 'shop/web')).toBe('replace');
    expect(standbyCountOf(settings, 'shop/web')).toBe(0);
  });

  it('takes a mode and a standby count per service', () => {
    // Act
    const settings = parseHandbackSettings({
      services: { 'shop/web': { mode: 'integrate', standbyCount: 2 } },
    });

    // Assert
    expect(modeOf(settings, 'shop/web')).toBe('integrate');
    expect(standbyCountOf(settings, 'shop/web')).toBe(2);
  });

  it.each([
    ['not JSON', '{'],
    ['an unknown mode', { defaultMode: 'merge' }],
    ['a negative standby', { services: { 'shop/web': { standbyCount: -1 } } }],
    ['an unknown key', { okPeriods: 3 }],
  ])('rejects %s with a ValidationError', (_what, input) => {
    // Act
    const parse = () => parseHandbackSettings(input);

    // Assert
    expect(parse).toThrow(ValidationError);
  });
});

describe('Unit: isFrozen', () => {
  const marker = { epoch: 2, executionName: 'hb', frozenAt: '2026-03-02T10:00:00.000Z' };

  it('freezes only the marker epoch, until thawed', () => {
    // Assert
    expect(isFrozen(marker, 2)).toBe(true);
    expect(isFrozen(marker, 3)).toBe(false);
    expect(isFrozen({ ...marker, thawedAt: '2026-03-02T11:00:00.000Z' }, 2)).toBe(false);
    expect(isFrozen(undefined, 2)).toBe(false);
  });
});
