import { evaluateAuthority } from '../../functions/core/authority';
import type { Lease } from '../../functions/core/model';

const shadowAt4: Lease = {
  holder: 'shadow',
  epoch: 4,
  reason: 'failover: primary region dark',
  acquiredAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:00.000Z',
};

describe('Function: evaluateAuthority', () => {
  it('gives a never-written lease to the primary at epoch 1', () => {
    // Act
    const primary = evaluateAuthority(undefined, { holder: 'primary' });
    const shadow = evaluateAuthority(undefined, { holder: 'shadow' });
    const primaryAt1 = evaluateAuthority(undefined, { holder: 'primary', epoch: 1 });
    const primaryAt2 = evaluateAuthority(undefined, { holder: 'primary', epoch: 2 });

    // Assert
    expect(primary.held).toBe(true);
    expect(primary.reason).toBe('primary holds authority: never transferred: held by primary');
    expect(shadow.held).toBe(false);
    expect(primaryAt1.held).toBe(true);
    expect(primaryAt2.held).toBe(false);
  });

  it('refuses a primary that comes back while the shadow holds the lease', () => {
    // Act
    const answer = evaluateAuthority(shadowAt4, { holder: 'primary' });

    // Assert
    expect(answer).toEqual({
      held: false,
      lease: shadowAt4,
      reason:
        'primary does not hold authority: held by shadow at epoch 4 since 2026-12-01T10:00:00.000Z (failover: primary region dark)',
    });
  });

  it('accepts the holder at its epoch and refuses it at any other', () => {
    // Act
    const current = evaluateAuthority(shadowAt4, { holder: 'shadow', epoch: 4 });
    const stale = evaluateAuthority(shadowAt4, { holder: 'shadow', epoch: 3 });
    const future = evaluateAuthority(shadowAt4, { holder: 'shadow', epoch: 5 });
    const anyEpoch = evaluateAuthority(shadowAt4, { holder: 'shadow' });

    // Assert
    expect(current.held).toBe(true);
    expect(stale.held).toBe(false);
    expect(stale.reason).toMatch(/^epoch 3 is stale: the lease is held by shadow at epoch 4/);
    expect(future.held).toBe(false);
    expect(anyEpoch.held).toBe(true);
  });
});
