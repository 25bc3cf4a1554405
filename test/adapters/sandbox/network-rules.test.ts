import { SANDBOX_STAGING } from '../../../functions/adapters/sandbox';
import { ConflictError, NotFoundError } from '../../../functions/core/errors';
import { newCloud } from './fixtures';

function setup() {
  const cloud = newCloud();
  const { vpcId } = cloud.createVpc(SANDBOX_STAGING);
  return { cloud, vpcId, rules: cloud.networkRules(SANDBOX_STAGING) };
}

describe('Class: SandboxNetworkRules', () => {
  describe('Method: createGroup', () => {
    it('creates a group with the default egress rule, and refuses a duplicate name in the VPC', async () => {
      // Arrange
      const { rules, vpcId } = setup();

      // Act
      const groupId = await rules.createGroup({
        vpcId,
        groupName: 'web',
        description: 'web tier',
        tags: [{ name: 'a', value: 'b' }],
      });
      const duplicate = await rules
        .createGroup({ vpcId, groupName: 'web', description: 'again' })
        .catch((e: unknown) => e);
      const [group] = await rules.describeGroups([groupId]);

      // Assert
      expect(groupId).toMatch(/^sg-/);
      expect(group).toMatchObject({
        groupName: 'web',
        vpcId,
        description: 'web tier',
        ingress: [],
        egress: [{ protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
      });
      expect(duplicate).toBeInstanceOf(ConflictError);
    });
  });

  describe('Method: describeGroups', () => {
    it('names the first missing group', async () => {
      // Arrange
      const { rules, vpcId } = setup();
      const groupId = await rules.createGroup({ vpcId, groupName: 'web', description: 'web' });

      // Act
      const error = await rules.describeGroups([groupId, 'sg-missing']).catch((e: unknown) => e);

      // Assert
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).id).toBe('sg-missing');
    });
  });

  describe('Method: findGroup', () => {
    it('finds a group by VPC and name, or returns undefined', async () => {
      // Arrange
      const { rules, vpcId } = setup();
      const groupId = await rules.createGroup({ vpcId, groupName: 'web', description: 'web' });

      // Act
      const found = await rules.findGroup(vpcId, 'web');
      const missing = await rules.findGroup(vpcId, 'db');

      // Assert
      expect(found?.groupId).toBe(groupId);
      expect(missing).toBeUndefined();
    });
  });

  describe('Method: syncRules', () => {
    it('adds missing and revokes extra rules, and changes nothing the second time', async () => {
      // Arrange
      const { cloud, rules, vpcId } = setup();
      const lb = await rules.createGroup({ vpcId, groupName: 'lb', description: 'lb' });
      const web = await rules.createGroup({ vpcId, groupName: 'web', description: 'web' });
      const wanted = {
        ingress: [
          { protocol: 'tcp', fromPort: 8080, toPort: 8080, referencedGroupId: lb },
          {
            protocol: 'tcp',
            fromPort: 9090,
            toPort: 9090,
            cidrIpv4: '10.0.0.0/8',
            description: 'metrics',
          },
        ],
        egress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' }],
      };

      // Act
      const first = await rules.syncRules(web, wanted);
      const callsAfterFirst = cloud.totalCalls;
      const second = await rules.syncRules(web, wanted);
      const callsOfSecond = cloud.totalCalls - callsAfterFirst;
      const [group] = await rules.describeGroups([web]);

      // Assert
      expect(first).toEqual({ added: 3, revoked: 1 });
      expect(second).toEqual({ added: 0, revoked: 0 });
      expect(callsOfSecond).toBe(1);
      expect(group?.ingress).toEqual(wanted.ingress);
      expect(group?.egress).toEqual(wanted.egress);
    });

    it('refuses a rule referencing an unknown group', async () => {
      // Arrange
      const { rules, vpcId } = setup();
      const web = await rules.createGroup({ vpcId, groupName: 'web', description: 'web' });

      // Act
      const error = await rules
        .syncRules(web, {
          ingress: [{ protocol: 'tcp', fromPort: 1, toPort: 1, referencedGroupId: 'sg-nope' }],
          egress: [],
        })
        .catch((e: unknown) => e);

      // Assert
      expect(error).toBeInstanceOf(NotFoundError);
    });
  });
});
