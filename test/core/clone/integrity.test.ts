import {
  checkIntegrity,
  type IntegrityInput,
  revisionOf,
} from '../../../functions/core/clone/integrity';
import { cloneContent, intactStaging, STAGED_ARN } from './clone-content';
import { digest } from './fixtures';

function input(change: (input: IntegrityInput) => IntegrityInput = (i) => i): IntegrityInput {
  const content = cloneContent();
  return change({
    content,
    staging: intactStaging(content),
    primary: { taskDefinitionArn: content.source.taskDefinitionArn },
  });
}

describe('Module: clone/integrity', () => {
  describe('Function: revisionOf', () => {
    it('reads the revision number of a task definition ARN', () => {
      expect(revisionOf(STAGED_ARN)).toBe(3);
      expect(revisionOf('family')).toBeUndefined();
    });
  });

  describe('Function: checkIntegrity', () => {
    it('keeps an intact, current clone validated', () => {
      // Act
      const result = checkIntegrity(input());

      // Assert
      expect(result).toEqual({ status: 'validated', findings: [], reasons: [], reclone: false });
    });

    it.each<[string, (i: IntegrityInput) => IntegrityInput, string, string]>([
      [
        'a staged revision deregistered (INACTIVE)',
        (i) => ({
          ...i,
          staging: {
            ...i.staging,
            taskDefinition: { status: 'INACTIVE', hash: i.staging.taskDefinition?.hash ?? '' },
          },
        }),
        'revision-inactive',
        'invalid',
      ],
      [
        'a staged revision deleted',
        (i) => ({ ...i, staging: { ...i.staging, taskDefinition: undefined } }),
        'revision-missing',
        'invalid',
      ],
      [
        'a newer revision registered out of band in the staged family',
        (i) => ({
          ...i,
          staging: { ...i.staging, familyRevisions: [STAGED_ARN.replace(/:3$/, ':4'), STAGED_ARN] },
        }),
        'out-of-band-revision',
        'invalid',
      ],
      [
        'a staged image deleted',
        (i) => ({
          ...i,
          staging: { ...i.staging, imagesPresent: new Set([...i.staging.imagesPresent].slice(1)) },
        }),
        'image-missing',
        'invalid',
      ],
      [
        'a staged tag re-pointed',
        (i) => ({
          ...i,
          staging: { ...i.staging, tagDigests: { ...i.staging.tagDigests, web: digest('e') } },
        }),
        'tag-repointed',
        'invalid',
      ],
      [
        'a rule changed',
        (i) => ({
          ...i,
          staging: {
            ...i.staging,
            rules: {
              'sg-staging-web': {
                ingress: [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }],
                egress: [],
              },
            },
          },
        }),
        'rules-changed',
        'invalid',
      ],
      [
        'a group removed',
        (i) => ({ ...i, staging: { ...i.staging, rules: {} } }),
        'group-missing',
        'invalid',
      ],
      [
        'a dependency gone',
        (i) => ({
          ...i,
          staging: {
            ...i.staging,
            dependenciesPresent: new Set([...i.staging.dependenciesPresent].slice(1)),
          },
        }),
        'dependency-missing',
        'not-ready',
      ],
      [
        'a clone older than the primary revision',
        (i) => ({
          ...i,
          primary: { taskDefinitionArn: i.content.source.taskDefinitionArn.replace(/:7$/, ':8') },
        }),
        'stale',
        'stale',
      ],
      [
        "the primary's image tag moved to a new digest",
        (i) => ({ ...i, primary: { ...i.primary, imageDigests: { web: digest('f') } } }),
        'stale',
        'stale',
      ],
    ])('detects %s', (_name, change, code, status) => {
      // Act
      const result = checkIntegrity(input(change));

      // Assert
      expect(result.findings.map((finding) => finding.code)).toEqual([code]);
      expect(result.status).toBe(status);
      expect(result.reasons).toHaveLength(1);
      expect(result.reclone).toBe(status !== 'not-ready');
    });

    it('detects drift in egress rules alone, ingress untouched', () => {
      // Arrange: someone narrowed the staged group's egress; its ingress is exactly the clone's.
      const content = cloneContent();
      const [group] = content.networkRules;
      if (!group) throw new Error('the fixture clone has no security group');
      const drifted = input((i) => ({
        ...i,
        staging: {
          ...i.staging,
          rules: {
            [group.groupId]: {
              ingress: group.ingress,
              egress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '10.0.0.0/8' }],
            },
          },
        },
      }));

      // Act
      const result = checkIntegrity(drifted);

      // Assert
      expect(group.ingress.length).toBeGreaterThan(0);
      expect(group.egress).not.toEqual(drifted.staging.rules[group.groupId]?.egress);
      expect(result.findings).toEqual([
        expect.objectContaining({ code: 'rules-changed', subject: group.groupId }),
      ]);
      expect(result.status).toBe('invalid');
      expect(result.reclone).toBe(true);
    });

    it('ignores newer revisions Understudy registered itself', () => {
      // Arrange
      const next = STAGED_ARN.replace(/:3$/, ':4');

      // Act
      const result = checkIntegrity(
        input((i) => ({
          ...i,
          staging: { ...i.staging, familyRevisions: [next, STAGED_ARN] },
          knownRevisions: new Set([next]),
        })),
      );

      // Assert
      expect(result.status).toBe('validated');
    });

    it('ranks invalid above not-ready above stale, and lists every reason', () => {
      // Act
      const result = checkIntegrity(
        input((i) => ({
          ...i,
          staging: {
            ...i.staging,
            imagesPresent: new Set<string>(),
            dependenciesPresent: new Set<string>(),
          },
          primary: { taskDefinitionArn: 'arn:new:8' },
        })),
      );

      // Assert
      expect(result.status).toBe('invalid');
      expect(result.reclone).toBe(true);
      expect(result.reasons[0]).toMatch(/is not in the staging registry/);
      expect(result.reasons.at(-1)).toMatch(/the primary now runs arn:new:8/);
    });
  });
});
