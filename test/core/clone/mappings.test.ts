import { DEFAULT_GROUP_NAME_PREFIX } from '../../../functions/core/clone/mappings';
import { stagingGroupName } from '../../../functions/core/clone/network';

describe('Module: clone/mappings', () => {
  it('names staging security-group copies understudy-<source name> unless config sets a prefix', () => {
    // Assert: the prefix is part of how a re-run finds existing copies, so it must not drift.
    expect(DEFAULT_GROUP_NAME_PREFIX).toBe('understudy-');
    expect(stagingGroupName('shop-web')).toBe('understudy-shop-web');
  });
});
