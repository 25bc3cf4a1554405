import fc from 'fast-check';
import { CloneValidationError } from '../../../functions/core/clone/errors';
import {
  normalizeRule,
  normalizeRules,
  planNetworkCopy,
  resolveStagingRules,
  rulesEqual,
  stagingGroupName,
} from '../../../functions/core/clone/network';
import { contentHash } from '../../../functions/core/content-hash';
import type { NetworkRule, NetworkRuleSet } from '../../../functions/core/model';
import { mappings, SOURCE, sourceGroups } from './fixtures';

const ruleArb: fc.Arbitrary<NetworkRule> = fc.record(
  {
    protocol: fc.constantFrom('tcp', 'udp', '6', '17', '-1', 'all', 'TCP'),
    fromPort: fc.integer({ min: 0, max: 65535 }),
    toPort: fc.integer({ min: 0, max: 65535 }),
    cidrIpv4: fc.constantFrom('10.0.0.0/8', '0.0.0.0/0', '192.168.1.0/24'),
    referencedGroupId: fc.constantFrom('sg-a', 'sg-b'),
    description: fc.string({ maxLength: 5 }),
  },
  { requiredKeys: ['protocol'] },
);
const rulesArb = fc.record({
  ingress: fc.array(ruleArb, { maxLength: 6 }),
  egress: fc.array(ruleArb, { maxLength: 6 }),
});

describe('Module: clone/network', () => {
  describe('Function: stagingGroupName', () => {
    it('prefixes the source name deterministically', () => {
      expect(stagingGroupName('shop-web')).toBe('understudy-shop-web');
      expect(stagingGroupName('shop-web', 'dr-')).toBe('dr-shop-web');
    });

    it('shortens names EC2 would reject, keeping them distinct', () => {
      // Arrange
      const a = `${'x'.repeat(260)}a`;
      const b = `${'x'.repeat(260)}b`;

      // Act
      const [na, nb] = [stagingGroupName(a), stagingGroupName(b)];

      // Assert
      expect(na).toHaveLength(255);
      expect(nb).toHaveLength(255);
      expect(na).not.toBe(nb);
      expect(stagingGroupName(a)).toBe(na);
    });
  });

  describe('Function: normalizeRule', () => {
    it.each<[NetworkRule, NetworkRule]>([
      [
        { protocol: '6', fromPort: 443, toPort: 443 },
        { protocol: 'tcp', fromPort: 443, toPort: 443 },
      ],
      [
        { protocol: 'all', fromPort: -1, toPort: -1, cidrIpv4: '0.0.0.0/0' },
        { protocol: '-1', cidrIpv4: '0.0.0.0/0' },
      ],
      [
        { protocol: 'UDP', cidrIpv6: '2001:DB8::/32', description: '' },
        { protocol: 'udp', cidrIpv6: '2001:db8::/32' },
      ],
    ])('normalises %j', (rule, expected) => {
      expect(normalizeRule(rule)).toEqual(expected);
    });
  });

  describe('Function: rulesEqual', () => {
    it('ignores order, duplicates, descriptions and protocol spelling', () => {
      // Arrange
      const a = {
        ingress: [
          {
            protocol: 'tcp',
            fromPort: 443,
            toPort: 443,
            cidrIpv4: '10.0.0.0/8',
            description: 'https',
          },
          { protocol: '-1', referencedGroupId: 'sg-a' },
        ],
        egress: [{ protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
      };
      const b = {
        ingress: [
          { protocol: 'all', referencedGroupId: 'sg-a' },
          { protocol: '6', fromPort: 443, toPort: 443, cidrIpv4: '10.0.0.0/8' },
          { protocol: '6', fromPort: 443, toPort: 443, cidrIpv4: '10.0.0.0/8' },
        ],
        egress: [{ protocol: 'all', cidrIpv4: '0.0.0.0/0' }],
      };

      // Act / Assert
      expect(rulesEqual(a, b)).toBe(true);
    });

    it.each([
      ['a port changed', { protocol: 'tcp', fromPort: 444, toPort: 444, cidrIpv4: '10.0.0.0/8' }],
      ['a source changed', { protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' }],
    ])('detects %s', (_name, rule) => {
      // Arrange
      const base = {
        ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '10.0.0.0/8' }],
        egress: [],
      };

      // Act / Assert
      expect(rulesEqual(base, { ingress: [rule], egress: [] })).toBe(false);
      expect(rulesEqual(base, { ingress: [], egress: base.ingress })).toBe(false);
    });

    it.each<[string, NetworkRule[]]>([
      ['an egress rule removed', []],
      [
        'an egress rule added',
        [
          { protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '10.0.0.0/8' },
          { protocol: 'tcp', fromPort: 5432, toPort: 5432, cidrIpv4: '10.1.0.0/16' },
        ],
      ],
      [
        'an egress port changed',
        [{ protocol: 'tcp', fromPort: 8443, toPort: 8443, cidrIpv4: '10.0.0.0/8' }],
      ],
      [
        'an egress destination widened',
        [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' }],
      ],
      ['egress opened to all traffic', [{ protocol: '-1', cidrIpv4: '10.0.0.0/8' }]],
    ])('detects drift in egress alone: %s', (_name, egress) => {
      // Arrange: identical ingress on both sides, so only egress can tell them apart.
      const ingress = [{ protocol: 'tcp', fromPort: 80, toPort: 80, referencedGroupId: 'sg-alb' }];
      const base = {
        ingress,
        egress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '10.0.0.0/8' }],
      };

      // Act / Assert
      expect(rulesEqual(base, { ingress: [...ingress], egress })).toBe(false);
      expect(rulesEqual({ ingress: [...ingress], egress }, base)).toBe(false);
    });

    it('is symmetric (property)', () => {
      fc.assert(fc.property(rulesArb, rulesArb, (a, b) => rulesEqual(a, b) === rulesEqual(b, a)));
    });

    it('is reflexive and holds under shuffling and duplication (property)', () => {
      fc.assert(
        fc.property(rulesArb, fc.nat(), (rules, seed) => {
          const shuffle = <T>(list: readonly T[]) =>
            [...list, ...list.slice(0, seed % (list.length + 1))].sort(
              (x, y) =>
                ((JSON.stringify(x).length * (seed + 1)) % 7) -
                ((JSON.stringify(y).length * (seed + 1)) % 7),
            );
          expect(rulesEqual(rules, rules)).toBe(true);
          expect(
            rulesEqual(rules, { ingress: shuffle(rules.ingress), egress: shuffle(rules.egress) }),
          ).toBe(true);
        }),
      );
    });
  });

  describe('Function: planNetworkCopy', () => {
    it('plans staging twins with mapped external references and self references to the twin', () => {
      // Act
      const plan = planNetworkCopy(sourceGroups(), mappings());

      // Assert
      expect(plan.groups).toHaveLength(1);
      const [web] = plan.groups;
      expect(web?.groupName).toBe('understudy-shop-web');
      expect(web?.vpcId).toBe('vpc-staging');
      expect(web?.tags).toEqual([
        { name: 'Name', value: 'understudy-shop-web' },
        { name: 'understudy:source-group', value: 'sg-web' },
      ]);
      expect(web?.ingress).toEqual(
        expect.arrayContaining([
          { protocol: 'tcp', fromPort: 8080, toPort: 8080, referencedGroupId: 'sg-staging-alb' },
          { protocol: 'tcp', fromPort: 9901, toPort: 9901, twinOf: 'sg-web' },
        ]),
      );
    });

    it('refuses a reference outside the copied set without a mapping, and a regional prefix list', () => {
      // Arrange
      const groups: NetworkRuleSet[] = [
        {
          ...(sourceGroups()[0] as NetworkRuleSet),
          ingress: [
            { protocol: 'tcp', fromPort: 5432, toPort: 5432, referencedGroupId: 'sg-db' },
            { protocol: 'tcp', fromPort: 443, toPort: 443, prefixListId: 'pl-123' },
          ],
        },
      ];

      // Act
      const run = () => planNetworkCopy(groups, mappings());

      // Assert
      expect(run).toThrow(CloneValidationError);
      expect(run).toThrow(
        /sg-web\.ingress\[0\]: references sg-db, which is outside the copied groups/,
      );
      expect(run).toThrow(/sg-web\.ingress\[1\]: prefix list pl-123 is regional/);
    });

    it('maps a prefix list and refuses two groups that would share a staging name', () => {
      // Arrange
      const [web] = sourceGroups() as [NetworkRuleSet];
      const withPrefixList = {
        ...web,
        ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, prefixListId: 'pl-src' }],
      };
      const twin = { ...web, groupId: 'sg-other', ingress: [], egress: [] };

      // Act
      const plan = planNetworkCopy(
        [withPrefixList],
        mappings({ prefixLists: { 'pl-src': 'pl-stg' } }),
      );
      const clash = () => planNetworkCopy([web, twin], mappings());

      // Assert
      expect(plan.groups[0]?.ingress).toEqual([
        { protocol: 'tcp', fromPort: 443, toPort: 443, prefixListId: 'pl-stg' },
      ]);
      expect(clash).toThrow(
        /sg-web: staging name understudy-shop-web is also the copy of sg-other/,
      );
    });

    it('resolves twins into final staging rules, and names a missing twin', () => {
      // Arrange
      const plan = planNetworkCopy(sourceGroups(), mappings());

      // Act
      const [resolved] = resolveStagingRules(plan, { 'sg-web': 'sg-new' });

      // Assert
      expect(resolved?.groupId).toBe('sg-new');
      expect(resolved?.ingress).toEqual(
        expect.arrayContaining([
          { protocol: 'tcp', fromPort: 9901, toPort: 9901, referencedGroupId: 'sg-new' },
          { protocol: 'tcp', fromPort: 8080, toPort: 8080, referencedGroupId: 'sg-staging-alb' },
        ]),
      );
      expect(resolved?.egress).toEqual([{ protocol: '-1', cidrIpv4: '0.0.0.0/0' }]);
      expect(() => resolveStagingRules(plan, {})).toThrow(/sg-web: no staging copy/);
    });

    it('is deterministic: the same source plans the same copy', () => {
      // Arrange
      const reversed = sourceGroups().map((g) => ({ ...g, ingress: [...g.ingress].reverse() }));

      // Act / Assert
      expect(planNetworkCopy(reversed, mappings())).toEqual(
        planNetworkCopy(sourceGroups(), mappings()),
      );
    });
  });
});

describe('Module: clone/network (pinned by mutation testing)', () => {
  describe('Function: stagingGroupName', () => {
    it('keeps a name of exactly 255 characters and shortens one of 256 with a hash suffix', () => {
      // Arrange
      const fits = 'f'.repeat(255 - 'understudy-'.length);
      const long = `${fits}g`;

      // Act
      const shortened = stagingGroupName(long);

      // Assert
      expect(stagingGroupName(fits)).toBe(`understudy-${fits}`);
      expect(shortened).toBe(
        `${`understudy-${long}`.slice(0, 246)}-${contentHash(`understudy-${long}`).slice(0, 8)}`,
      );
    });
  });

  describe('Function: normalizeRule', () => {
    it.each([
      ['17', 'udp'],
      ['1', 'icmp'],
      ['58', 'icmpv6'],
      ['-1', '-1'],
      ['ALL', '-1'],
      ['icmp', 'icmp'],
    ])('spells protocol %s as %s', (protocol, expected) => {
      expect(normalizeRule({ protocol, fromPort: 0, toPort: 0 }).protocol).toBe(expected);
    });

    it('keeps ports of an ICMP rule and every reference field and the description', () => {
      expect(
        normalizeRule({
          protocol: '1',
          fromPort: 8,
          toPort: 0,
          referencedGroupId: 'sg-a',
          prefixListId: 'pl-1',
          cidrIpv4: '10.0.0.0/8',
          description: 'ping',
        }),
      ).toEqual({
        protocol: 'icmp',
        fromPort: 8,
        toPort: 0,
        referencedGroupId: 'sg-a',
        prefixListId: 'pl-1',
        cidrIpv4: '10.0.0.0/8',
        description: 'ping',
      });
    });
  });

  describe('Function: rulesEqual', () => {
    const base: NetworkRule = { protocol: 'tcp', fromPort: 443, toPort: 443 };
    it.each<[string, NetworkRule, NetworkRule]>([
      ['the upper port', { ...base, toPort: 444 }, base],
      ['the IPv6 range', { ...base, cidrIpv6: '::/0' }, { ...base, cidrIpv6: '2001:db8::/32' }],
      [
        'the referenced group',
        { ...base, referencedGroupId: 'sg-a' },
        { ...base, referencedGroupId: 'sg-b' },
      ],
      ['the prefix list', { ...base, prefixListId: 'pl-a' }, { ...base, prefixListId: 'pl-b' }],
      ['the protocol', { ...base, protocol: 'udp' }, base],
    ])('tells rules apart by %s alone', (_what, a, b) => {
      expect(rulesEqual({ ingress: [a], egress: [] }, { ingress: [b], egress: [] })).toBe(false);
    });

    it('does not take a group with an extra rule for the same group', () => {
      const one = { ingress: [base], egress: [] };
      const two = { ingress: [base, { ...base, fromPort: 80, toPort: 80 }], egress: [] };
      expect(rulesEqual(one, two)).toBe(false);
      expect(rulesEqual(two, one)).toBe(false);
    });
  });

  describe('Function: normalizeRules', () => {
    it('keeps the first description of duplicates and sorts by identity', () => {
      expect(
        normalizeRules([
          { protocol: 'udp', fromPort: 53, toPort: 53, description: 'dns' },
          { protocol: '6', fromPort: 443, toPort: 443, description: 'first' },
          { protocol: 'tcp', fromPort: 443, toPort: 443, description: 'second' },
        ]),
      ).toEqual([
        { protocol: 'tcp', fromPort: 443, toPort: 443, description: 'first' },
        { protocol: 'udp', fromPort: 53, toPort: 53, description: 'dns' },
      ]);
    });
  });

  describe('Function: planNetworkCopy', () => {
    it('copies groups in id order with their description, egress, and tags minus aws: and Name', () => {
      // Arrange
      const [web] = sourceGroups() as [NetworkRuleSet];
      const api: NetworkRuleSet = {
        ...web,
        groupId: 'sg-api',
        groupName: 'shop-api',
        description: 'api tasks',
        tags: [
          { name: 'team', value: 'shop' },
          { name: 'aws:cloudformation:stack-id', value: 'x' },
          { name: 'Name', value: 'old' },
        ],
        egress: [
          { protocol: '6', fromPort: 5432, toPort: 5432, cidrIpv4: '10.1.0.0/16' },
          { protocol: 'tcp', fromPort: 5432, toPort: 5432, cidrIpv4: '10.1.0.0/16' },
        ],
      };

      // Act
      const plan = planNetworkCopy([web, api], mappings({ groupNamePrefix: 'dr-' }));

      // Assert
      expect(plan.groups.map((g) => [g.sourceGroupId, g.groupName])).toEqual([
        ['sg-api', 'dr-shop-api'],
        ['sg-web', 'dr-shop-web'],
      ]);
      expect(plan.groups[0]).toMatchObject({
        description: 'api tasks',
        tags: [
          { name: 'team', value: 'shop' },
          { name: 'Name', value: 'dr-shop-api' },
          { name: 'understudy:source-group', value: 'sg-api' },
        ],
        egress: [{ protocol: 'tcp', fromPort: 5432, toPort: 5432, cidrIpv4: '10.1.0.0/16' }],
      });
    });

    it('keeps an unmapped prefix list when staging is the same account and region', () => {
      // Arrange
      const [web] = sourceGroups() as [NetworkRuleSet];
      const group = {
        ...web,
        ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, prefixListId: 'pl-1' }],
      };

      // Act
      const plan = planNetworkCopy([group], mappings({ staging: SOURCE }));

      // Assert
      expect(plan.groups[0]?.ingress).toEqual([
        { protocol: 'tcp', fromPort: 443, toPort: 443, prefixListId: 'pl-1' },
      ]);
    });

    it('names every unmappable reference at once, with its direction and index', () => {
      // Arrange
      const [web] = sourceGroups() as [NetworkRuleSet];
      const group = {
        ...web,
        ingress: [{ protocol: 'tcp', fromPort: 1, toPort: 1, referencedGroupId: 'sg-x' }],
        egress: [{ protocol: 'tcp', fromPort: 2, toPort: 2, prefixListId: 'pl-x' }],
      };

      // Act
      let caught: unknown;
      try {
        planNetworkCopy([group], mappings());
      } catch (error) {
        caught = error;
      }

      // Assert
      expect(caught).toBeInstanceOf(CloneValidationError);
      expect((caught as CloneValidationError).message).toMatch(
        /^security groups cannot be copied to staging: /,
      );
      expect((caught as CloneValidationError).issues).toEqual([
        'sg-web.ingress[0]: references sg-x, which is outside the copied groups and has no mapping in securityGroups',
        'sg-web.egress[0]: prefix list pl-x is regional and has no mapping in prefixLists',
      ]);
    });
  });

  describe('Function: resolveStagingRules', () => {
    it('carries the planned name, VPC, description and tags, and names every missing twin', () => {
      // Arrange
      const plan = planNetworkCopy(sourceGroups(), mappings());

      // Act
      const [resolved] = resolveStagingRules(plan, { 'sg-web': 'sg-new' });

      // Assert
      expect(resolved).toMatchObject({
        groupName: 'understudy-shop-web',
        vpcId: 'vpc-staging',
        description: 'web tasks',
        tags: plan.groups[0]?.tags,
      });
      expect(() => resolveStagingRules(plan, {})).toThrow(
        new CloneValidationError('security group copies missing', [
          'sg-web: no staging copy (understudy-shop-web) was created',
        ]),
      );
    });
  });
});
