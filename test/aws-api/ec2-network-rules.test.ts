// The EC2 adapter end to end over HTTP against moto: copying a security group's rules from one
// VPC to a new group in another VPC, as the clone workflow does, and doing it again changes
// nothing.
import { CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { Ec2NetworkRules } from '../../functions/adapters/aws/ec2-network-rules';
import { NotFoundError } from '../../functions/core/errors';
import type { NetworkRule } from '../../functions/core/model';
import { clientConfig } from '../../functions/shared/clients';
import { type MotoServer, startMoto } from '../support/moto-server';

let moto: MotoServer;
let client: EC2Client;
let network: Ec2NetworkRules;

beforeAll(async () => {
  moto = await startMoto('eu-west-1');
  client = new EC2Client(clientConfig(moto.clientConfig));
  network = new Ec2NetworkRules(client);
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
});

async function vpc(cidr: string): Promise<string> {
  const output = await client.send(new CreateVpcCommand({ CidrBlock: cidr }));
  return output.Vpc?.VpcId ?? '';
}

/** Sorts rules so comparisons do not depend on the order EC2 lists them in. */
function sorted(rules: readonly NetworkRule[]): NetworkRule[] {
  return [...rules].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe('Class: Ec2NetworkRules (moto)', () => {
  describe('Method: createGroup / syncRules / describeGroups / findGroup', () => {
    it('copies rules to a new group in another VPC, idempotently', async () => {
      // Arrange: a source group in the primary VPC, allowing its load balancer group and a CIDR.
      const primaryVpc = await vpc('10.0.0.0/16');
      const stagingVpc = await vpc('10.50.0.0/16');
      const albGroup = await network.createGroup({
        vpcId: primaryVpc,
        groupName: 'alb',
        description: 'alb',
      });
      const sourceGroup = await network.createGroup({
        vpcId: primaryVpc,
        groupName: 'web',
        description: 'web tier',
        tags: [{ name: 'team', value: 'shop' }],
      });
      await network.syncRules(sourceGroup, {
        ingress: [
          {
            protocol: 'tcp',
            fromPort: 8080,
            toPort: 8080,
            referencedGroupId: albGroup,
            description: 'alb',
          },
          {
            protocol: 'tcp',
            fromPort: 443,
            toPort: 443,
            cidrIpv4: '10.0.0.0/16',
            description: 'vpc',
          },
          { protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv6: '2001:db8::/32' },
        ],
        egress: [{ protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
      });
      const stagingAlb = await network.createGroup({
        vpcId: stagingVpc,
        groupName: 'alb',
        description: 'alb',
      });

      // Act: describe the source, create its twin, map group references, sync twice.
      const [source] = await network.describeGroups([sourceGroup]);
      if (!source) throw new Error('source group not described');
      expect(await network.findGroup(stagingVpc, 'web')).toBeUndefined();
      const twin = await network.createGroup({
        vpcId: stagingVpc,
        groupName: source.groupName,
        description: source.description,
        tags: [{ name: 'understudy:source', value: source.groupId }],
      });
      const mapped = {
        ingress: source.ingress.map((rule) =>
          rule.referencedGroupId === albGroup ? { ...rule, referencedGroupId: stagingAlb } : rule,
        ),
        egress: source.egress,
      };
      const first = await network.syncRules(twin, mapped);
      const second = await network.syncRules(twin, mapped);

      // Assert
      expect(source.tags).toEqual([{ name: 'team', value: 'shop' }]);
      expect(source.ingress).toHaveLength(3);
      expect(first).toEqual({ added: 3, revoked: 0 });
      expect(second).toEqual({ added: 0, revoked: 0 });
      const found = await network.findGroup(stagingVpc, 'web');
      expect(found?.groupId).toBe(twin);
      expect(found?.vpcId).toBe(stagingVpc);
      expect(found?.tags).toEqual([{ name: 'understudy:source', value: sourceGroup }]);
      expect(sorted(found?.ingress ?? [])).toEqual(sorted(mapped.ingress));
      expect(sorted(found?.egress ?? [])).toEqual(sorted(mapped.egress));
    });

    it('revokes rules that are no longer wanted', async () => {
      // Arrange
      const vpcId = await vpc('10.0.0.0/16');
      const group = await network.createGroup({ vpcId, groupName: 'web', description: 'web' });
      const ssh: NetworkRule = { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' };
      const https: NetworkRule = {
        protocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        cidrIpv4: '0.0.0.0/0',
      };
      await network.syncRules(group, { ingress: [ssh, https], egress: [] });

      // Act
      const result = await network.syncRules(group, { ingress: [https], egress: [] });

      // Assert
      expect(result).toEqual({ added: 0, revoked: 1 });
      const [after] = await network.describeGroups([group]);
      expect(after?.ingress).toEqual([https]);
      expect(after?.egress).toEqual([]);
    });

    it('throws NotFoundError naming a missing group', async () => {
      // Act / Assert
      await expect(network.describeGroups(['sg-0123456789abcdef0'])).rejects.toMatchObject({
        name: 'NotFoundError',
        id: 'sg-0123456789abcdef0',
      });
      await expect(
        network.syncRules('sg-0123456789abcdef0', { ingress: [], egress: [] }),
      ).rejects.toThrow(NotFoundError);
    });
  });
});
