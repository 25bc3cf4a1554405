import { checkPolicy } from '../../../functions/core/clone/policy';
import {
  expectationFromContent,
  type StagingObservation,
  validateClone,
} from '../../../functions/core/clone/validate';
import { cloneContent, intactStaging, STAGED_ARN } from './clone-content';
import { STG_TG } from './fixtures';

describe('Module: clone/validate', () => {
  describe('Function: validateClone', () => {
    it('validates a clone whose staging matches it', () => {
      // Arrange
      const content = cloneContent();

      // Act
      const result = validateClone({
        expected: expectationFromContent(content),
        observed: intactStaging(content),
      });

      // Assert
      expect(result).toEqual({ status: 'validated', reasons: [], findings: [] });
    });

    it.each<[string, (observed: StagingObservation) => StagingObservation, string, RegExp]>([
      [
        'a digest missing from the registry',
        (o) => ({ ...o, imagesPresent: new Set([...o.imagesPresent].slice(1)) }),
        'invalid',
        /image .*@sha256:.* of container .* is not in the staging registry/,
      ],
      [
        'the revision deleted',
        (o) => ({ ...o, taskDefinition: undefined }),
        'invalid',
        /does not exist in staging/,
      ],
      [
        'the revision INACTIVE',
        (o) => ({
          ...o,
          taskDefinition: { status: 'INACTIVE', hash: o.taskDefinition?.hash ?? '' },
        }),
        'invalid',
        /is INACTIVE, not ACTIVE/,
      ],
      [
        'the revision hashing differently',
        (o) => ({ ...o, taskDefinition: { status: 'ACTIVE', hash: 'f'.repeat(64) } }),
        'invalid',
        /hashes to f{64}, recorded/,
      ],
      [
        'a group missing',
        (o) => ({ ...o, rules: {} }),
        'invalid',
        /security group sg-staging-web .* does not exist/,
      ],
      [
        'rules differing',
        (o) => ({ ...o, rules: { 'sg-staging-web': { ingress: [], egress: [] } } }),
        'invalid',
        /rules differ from the clone/,
      ],
      [
        'a target group missing',
        (o) => ({
          ...o,
          dependenciesPresent: new Set(
            [...o.dependenciesPresent].filter((k) => !k.startsWith('target-group')),
          ),
        }),
        'not-ready',
        new RegExp(`^target-group ${STG_TG} does not exist in staging$`),
      ],
    ])('finds %s', (_name, change, status, reason) => {
      // Arrange
      const content = cloneContent();

      // Act
      const result = validateClone({
        expected: expectationFromContent(content),
        observed: change(intactStaging(content)),
      });

      // Assert
      expect(result.status).toBe(status);
      expect(result.reasons).toEqual([expect.stringMatching(reason)]);
    });

    it('reports invalidating reasons before missing dependencies', () => {
      // Arrange
      const content = cloneContent();
      const observed = {
        ...intactStaging(content),
        taskDefinition: undefined,
        dependenciesPresent: new Set<string>(),
      };

      // Act
      const result = validateClone({ expected: expectationFromContent(content), observed });

      // Assert
      expect(result.status).toBe('invalid');
      expect(result.reasons[0]).toBe(`task definition ${STAGED_ARN} does not exist in staging`);
      expect(result.reasons.length).toBe(1 + content.dependencies.length);
    });

    it('makes a clone with a blocking policy finding invalid', () => {
      // Arrange
      const content = cloneContent();
      const dangerous = { ...content.taskDefinition, networkMode: 'host' as const };
      const expected = {
        ...expectationFromContent(content),
        policyFindings: checkPolicy(dangerous),
      };

      // Act
      const result = validateClone({ expected, observed: intactStaging(content) });

      // Assert
      expect(result.status).toBe('invalid');
      expect(result.reasons).toEqual([
        expect.stringMatching(/^policy error networkMode: host network mode/),
      ]);
    });
  });
});
