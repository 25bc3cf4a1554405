import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Ec2NetworkRules, ruleKey } from '../../functions/adapters/aws/ec2-network-rules';
import { ConflictError, NotFoundError } from '../../functions/core/errors';
import type { NetworkRule } from '../../functions/core/model';
import { awsError } from './support/aws-error';

const ec2 = mockClient(EC2Client);

const group: SecurityGroup = {
  GroupId: 'sg-0123456789abcdef0',
  GroupName: 'web',
  VpcId: 'vpc-1',
  Description: 'web tier',
  Tags: [{ Key: 'team', Value: 'shop' }],
  IpPermissions: [
    {
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      IpRanges: [{ CidrIp: '10.0.0.0/16', Description: 'vpc' }, { CidrIp: '10.1.0.0/16' }],
      Ipv6Ranges: [{ CidrIpv6: '2001:db8::/32' }],
      UserIdGroupPairs: [{ GroupId: 'sg-0aaaaaaaaaaaaaaaa', Description: 'alb' }],
      PrefixListIds: [{ PrefixListId: 'pl-123' }],
    },
  ],
  IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
};

afterEach(() => {
  ec2.reset();
});

describe('Class: Ec2NetworkRules', () => {
  describe('Method: describeGroups', () => {
    it('splits each permission into one rule per CIDR, group and prefix list', async () => {
      // Arrange
      ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [group] });
      const rules = new Ec2NetworkRules(new EC2Client({}));

      // Act
      const [described] = await rules.describeGroups(['sg-0123456789abcdef0']);

      // Assert
      expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, {
        GroupIds: ['sg-0123456789abcdef0'],
      });
      expect(described).toEqual({
        groupId: 'sg-0123456789abcdef0',
        groupName: 'web',
        vpcId: 'vpc-1',
        description: 'web tier',
        tags: [{ name: 'team', value: 'shop' }],
        ingress: [
          {
            protocol: 'tcp',
            fromPort: 443,
            toPort: 443,
            cidrIpv4: '10.0.0.0/16',
            description: 'vpc',
          },
          { protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '10.1.0.0/16' },
          { protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv6: '2001:db8::/32' },
          {
            protocol: 'tcp',
            fromPort: 443,
            toPort: 443,
            referencedGroupId: 'sg-0aaaaaaaaaaaaaaaa',
            description: 'alb',
          },
          { protocol: 'tcp', fromPort: 443, toPort: 443, prefixListId: 'pl-123' },
        ],
        egress: [{ protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
      });
    });

    it('throws NotFoundError naming the missing group', async () => {
      // Arrange
      ec2
        .on(DescribeSecurityGroupsCommand)
        .rejects(
          awsError(
            'InvalidGroup.NotFound',
            "The security group 'sg-0bbbbbbbbbbbbbbbb' does not exist",
          ),
        );
      const rules = new Ec2NetworkRules(new EC2Client({}));

      // Act / Assert
      await expect(
        rules.describeGroups(['sg-0123456789abcdef0', 'sg-0bbbbbbbbbbbbbbbb']),
      ).rejects.toMatchObject({
        name: 'NotFoundError',
        kind: 'security group',
        id: 'sg-0bbbbbbbbbbbbbbbb',
      });
    });
  });

  describe('Method: findGroup', () => {
    it('filters by VPC and group name', async () => {
      // Arrange
      ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [group] });
      const rules = new Ec2NetworkRules(new EC2Client({}));

      // Act
      const found = await rules.findGroup('vpc-1', 'web');

      // Assert
      expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, {
        Filters: [
          { Name: 'vpc-id', Values: ['vpc-1'] },
          { Name: 'group-name', Values: ['web'] },
        ],
      });
      expect(found?.groupId).toBe('sg-0123456789abcdef0');
    });

    it('returns undefined when no group matches', async () => {
      // Arrange
      ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
      const rules = new Ec2NetworkRules(new EC2Client({}));

      // Act / Assert
      await expect(rules.findGroup('vpc-1', 'nope')).resolves.toBeUndefined();
    });
  });

  describe('Method: createGroup', () => {
    it('creates the group with its tags in one call', async () => {
      // Arrange
      ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-0ccccccccccccccccc' });
      const rules = new Ec2NetworkRules(new EC2Client({}));

      // Act
      const id = await rules.createGroup({
        vpcId: 'vpc-2',
        groupName: 'web',
        description: 'web tier (understudy clone)',
        tags: [{ name: 'understudy:source', value: 'sg-0123456789abcdef0' }],
      });

      // Assert
      expect(id).toBe('sg-0ccccccccccccccccc');
      expect(ec2).toHaveReceivedCommandWith(CreateSecurityGroupCommand, {
        VpcId: 'vpc-2',
        GroupName: 'web',
        Description: 'web tier (understudy clone)',
        TagSpecifications: [
          {
            ResourceType: 'security-group',
            Tags: [{ Key: 'understudy:source', Value: 'sg-0123456789abcdef0' }],
          },
        ],
      });
    });

    it('throws ConflictError when the name is taken in that VPC', async () => {
      // Arrange
      ec2.on(CreateSecurityGroupCommand).rejects(awsError('InvalidGroup.Duplicate', 'exists'));
      const rules = new Ec2NetworkRules(new EC2Client({}));

      // Act / Assert
      await expect(
        rules.createGroup({ vpcId: 'vpc-2', groupName: 'web', description: 'x' }),
      ).rejects.toThrow(ConflictError);
    });
  });

  describe('Method: syncRules', () => {
    const target = 'sg-0ddddddddddddddddd';
    const https: NetworkRule = {
      protocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: '10.0.0.0/16',
    };
    const fromAlb: NetworkRule = {
      protocol: 'tcp',
      fromPort: 8080,
      toPort: 8080,
      referencedGroupId: 'sg-0eeeeeeeeeeeeeeee',
      description: 'alb',
    };

    function current(ingress: SecurityGroup['IpPermissions']): void {
      ec2.on(DescribeSecurityGroupsCommand).resolves({
        SecurityGroups: [
          {
            GroupId: target,
            GroupName: 'web',
            VpcId: 'vpc-2',
            Description: 'x',
            IpPermissions: ingress,
            IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
          },
        ],
      });
    }

    it('authorizes missing rules (one permission each) and revokes extra ones', async () => {
      // Arrange
      current([
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      ]);
      ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
      ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
      const rules = new Ec2NetworkRules(new EC2Client({}));

      // Act
      const result = await rules.syncRules(target, {
        ingress: [https, fromAlb],
        egress: [{ protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
      });

      // Assert
      expect(result).toEqual({ added: 2, revoked: 1 });
      expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
        GroupId: target,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/16' }] },
          {
            IpProtocol: 'tcp',
            FromPort: 8080,
            ToPort: 8080,
            UserIdGroupPairs: [{ GroupId: 'sg-0eeeeeeeeeeeeeeee', Description: 'alb' }],
          },
        ],
      });
      expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, {
        GroupId: target,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        ],
      });
      expect(ec2).not.toHaveReceivedCommand(AuthorizeSecurityGroupEgressCommand);
      expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupEgressCommand);
    });

    it('changes nothing when the rules already match (protocol numbers included)', async () => {
      // Arrange
      current([
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/16' }] },
        {
          IpProtocol: 'tcp',
          FromPort: 8080,
          ToPort: 8080,
          UserIdGroupPairs: [{ GroupId: 'sg-0eeeeeeeeeeeeeeee', UserId: '111122223333' }],
        },
      ]);
      const rules = new Ec2NetworkRules(new EC2Client({}));

      // Act
      const result = await rules.syncRules(target, {
        ingress: [{ ...https, protocol: '6' }, fromAlb],
        egress: [{ protocol: 'all', cidrIpv4: '0.0.0.0/0' }],
      });

      // Assert
      expect(result).toEqual({ added: 0, revoked: 0 });
      expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupsCommand, 1);
      expect(ec2).not.toHaveReceivedCommand(AuthorizeSecurityGroupIngressCommand);
      expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
    });

    it('retries rule by rule on InvalidPermission.Duplicate and counts duplicates as present', async () => {
      // Arrange
      current([]);
      ec2
        .on(AuthorizeSecurityGroupIngressCommand)
        .callsFake((input: { IpPermissions: { FromPort?: number }[] }) => {
          // A concurrent writer already added the 443 rule: EC2 fails any request containing it.
          if (input.IpPermissions.some((permission) => permission.FromPort === 443)) {
            throw awsError('InvalidPermission.Duplicate', 'the specified rule already exists');
          }
          return { Return: true };
        });
      const rules = new Ec2NetworkRules(new EC2Client({}));

      // Act
      const result = await rules.syncRules(target, {
        ingress: [https, fromAlb],
        egress: [{ protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
      });

      // Assert
      expect(result).toEqual({ added: 1, revoked: 0 });
      expect(ec2).toHaveReceivedCommandTimes(AuthorizeSecurityGroupIngressCommand, 3);
    });

    it('revokes the default allow-all egress when the desired egress lacks it', async () => {
      // Arrange
      current([]);
      ec2.on(AuthorizeSecurityGroupEgressCommand).resolves({ Return: true });
      ec2.on(RevokeSecurityGroupEgressCommand).resolves({ Return: true });
      const rules = new Ec2NetworkRules(new EC2Client({}));

      // Act
      const result = await rules.syncRules(target, { ingress: [], egress: [https] });

      // Assert
      expect(result).toEqual({ added: 1, revoked: 1 });
      expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupEgressCommand, {
        GroupId: target,
        IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      });
    });

    it('throws NotFoundError for a missing group', async () => {
      // Arrange
      ec2
        .on(DescribeSecurityGroupsCommand)
        .rejects(
          awsError('InvalidGroup.NotFound', `The security group '${target}' does not exist`),
        );
      const rules = new Ec2NetworkRules(new EC2Client({}));

      // Act / Assert
      await expect(rules.syncRules(target, { ingress: [], egress: [] })).rejects.toThrow(
        NotFoundError,
      );
    });
  });
});

describe('Function: ruleKey', () => {
  it('ignores descriptions and normalises protocol numbers and all-traffic ports', () => {
    expect(
      ruleKey({ protocol: '6', fromPort: 1, toPort: 2, cidrIpv4: '1.2.3.4/32', description: 'a' }),
    ).toBe(ruleKey({ protocol: 'TCP', fromPort: 1, toPort: 2, cidrIpv4: '1.2.3.4/32' }));
    expect(ruleKey({ protocol: '-1', fromPort: -1, toPort: -1, cidrIpv4: '0.0.0.0/0' })).toBe(
      ruleKey({ protocol: 'all', cidrIpv4: '0.0.0.0/0' }),
    );
    expect(ruleKey({ protocol: 'tcp', fromPort: 1, toPort: 2, cidrIpv4: '1.2.3.4/32' })).not.toBe(
      ruleKey({ protocol: 'udp', fromPort: 1, toPort: 2, cidrIpv4: '1.2.3.4/32' }),
    );
  });
});
