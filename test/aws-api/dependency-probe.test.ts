// The dependency probe end to end over HTTP against moto: real protocols (JSON, query/XML) and
// real not-found errors for every service it asks. Resources are created in moto, then
// `present()` must find exactly those and none of the made-up ones beside them.
import { CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  DeleteClusterCommand,
} from '@aws-sdk/client-ecs';
import { CreateFileSystemCommand } from '@aws-sdk/client-efs';
import { CreateTargetGroupCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateSecretCommand, DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import {
  CreateHttpNamespaceCommand,
  CreateServiceCommand,
  ListNamespacesCommand,
} from '@aws-sdk/client-servicediscovery';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import {
  AwsDependencyProbe,
  type DependencyProbeClients,
} from '../../functions/adapters/aws/dependency-probe';
import type { DependencyRef } from '../../functions/core/ports';
import { dependencyProbeClients } from '../../functions/shared/clients';
import { type MotoServer, startMoto } from '../support/moto-server';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012'; // moto's default account

let moto: MotoServer;
let clients: DependencyProbeClients;
let probe: AwsDependencyProbe;

beforeAll(async () => {
  // No try/catch: if moto cannot start, this hook fails and so does every test below.
  moto = await startMoto(REGION);
  clients = dependencyProbeClients(moto.clientConfig);
  probe = new AwsDependencyProbe(clients);
}, 60_000);

afterAll(async () => {
  for (const client of Object.values(clients ?? {})) client.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
});

const keyOf = ({ kind, id }: DependencyRef) => `${kind}:${id}`;

/** Asserts `present()` finds exactly `existing` among `existing` + `madeUp`. */
async function expectExactly(
  existing: readonly DependencyRef[],
  madeUp: readonly DependencyRef[],
): Promise<void> {
  const present = await probe.present([...existing, ...madeUp]);
  expect([...present].sort()).toEqual(existing.map(keyOf).sort());
}

describe('Class: AwsDependencyProbe (moto)', () => {
  describe('Method: present', () => {
    it('finds the secret, parameter, role, log group, key, cluster, subnet and group that exist', async () => {
      // Arrange
      const secret = await clients.secretsManager.send(
        new CreateSecretCommand({ Name: 'prod/db', SecretString: 's3cr3t' }),
      );
      const secretArn = secret.ARN ?? '';
      await clients.ssm.send(
        new PutParameterCommand({ Name: '/shop/api-key', Value: 'k', Type: 'SecureString' }),
      );
      await clients.ssm.send(
        new PutParameterCommand({ Name: 'plain', Value: 'v', Type: 'String' }),
      );
      const role = await clients.iam.send(
        new CreateRoleCommand({
          RoleName: 'task-exec',
          Path: '/service-role/ecs/',
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'ecs-tasks.amazonaws.com' },
                Action: 'sts:AssumeRole',
              },
            ],
          }),
        }),
      );
      const roleArn = role.Role?.Arn ?? '';
      await clients.logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/web' }));
      await clients.logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/web-worker' }));
      const key = await clients.kms.send(new CreateKeyCommand({ Description: 'secrets' }));
      const keyArn = key.KeyMetadata?.Arn ?? '';
      const keyId = key.KeyMetadata?.KeyId ?? '';
      await clients.kms.send(
        new CreateAliasCommand({ AliasName: 'alias/shop', TargetKeyId: keyId }),
      );
      const cluster = await clients.ecs.send(new CreateClusterCommand({ clusterName: 'staging' }));
      const clusterArn = cluster.cluster?.clusterArn ?? '';
      const vpc = await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.8.0.0/16' }));
      const vpcId = vpc.Vpc?.VpcId ?? '';
      const subnet = await clients.ec2.send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.8.1.0/24' }),
      );
      const subnetId = subnet.Subnet?.SubnetId ?? '';
      const group = await clients.ec2.send(
        new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web', VpcId: vpcId }),
      );
      const groupId = group.GroupId ?? '';

      const existing: DependencyRef[] = [
        { kind: 'secret', id: secretArn },
        { kind: 'secret', id: 'prod/db' },
        { kind: 'parameter', id: '/shop/api-key' },
        { kind: 'parameter', id: 'plain' },
        { kind: 'role', id: roleArn },
        { kind: 'log-group', id: '/ecs/web' },
        { kind: 'kms-key', id: keyArn },
        { kind: 'kms-key', id: keyId },
        { kind: 'kms-key', id: 'alias/shop' },
        { kind: 'cluster', id: 'staging' },
        { kind: 'cluster', id: clusterArn },
        { kind: 'subnet', id: subnetId },
        { kind: 'security-group', id: groupId },
      ];
      const madeUp: DependencyRef[] = [
        {
          kind: 'secret',
          id: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/none-AbCdEf`,
        },
        { kind: 'secret', id: 'prod/none' },
        { kind: 'parameter', id: '/shop/none' },
        { kind: 'role', id: `arn:aws:iam::${ACCOUNT}:role/service-role/ecs/none` },
        // Right name, wrong path: not the role the definition names.
        { kind: 'role', id: `arn:aws:iam::${ACCOUNT}:role/task-exec` },
        // Only a prefix of an existing log group.
        { kind: 'log-group', id: '/ecs/we' },
        { kind: 'log-group', id: '/ecs/none' },
        { kind: 'kms-key', id: 'alias/none' },
        { kind: 'kms-key', id: '00000000-0000-0000-0000-000000000000' },
        { kind: 'cluster', id: 'none' },
        { kind: 'subnet', id: 'subnet-0000000000000000a' },
        { kind: 'security-group', id: 'sg-0000000000000000a' },
        { kind: 'unknown-kind', id: 'anything' },
      ];

      // Act / Assert
      await expectExactly(existing, madeUp);
    });

    it('counts a deleted cluster and a secret scheduled for deletion as absent', async () => {
      // Arrange
      await clients.ecs.send(new CreateClusterCommand({ clusterName: 'old' }));
      await clients.ecs.send(new DeleteClusterCommand({ cluster: 'old' }));
      await clients.secretsManager.send(
        new CreateSecretCommand({ Name: 'old', SecretString: 'x' }),
      );
      await clients.secretsManager.send(
        new DeleteSecretCommand({ SecretId: 'old', RecoveryWindowInDays: 7 }),
      );

      // Act
      const present = await probe.present([
        { kind: 'cluster', id: 'old' },
        { kind: 'secret', id: 'old' },
      ]);

      // Assert
      expect(present.size).toBe(0);
    });

    it('finds target groups, including among missing ones in the same batch', async () => {
      // Arrange
      const vpc = await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }));
      const created = await clients.elbv2.send(
        new CreateTargetGroupCommand({
          Name: 'web',
          Protocol: 'HTTP',
          Port: 8080,
          VpcId: vpc.Vpc?.VpcId ?? '',
          TargetType: 'ip',
        }),
      );
      const arn = created.TargetGroups?.[0]?.TargetGroupArn ?? '';
      const missing = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/none/0123456789abcdef`;

      // Act / Assert
      await expectExactly(
        [{ kind: 'target-group', id: arn }],
        [{ kind: 'target-group', id: missing }],
      );
    });

    it('finds Cloud Map namespaces by id, name and ARN, and service registries by ARN', async () => {
      // Arrange
      await clients.serviceDiscovery.send(new CreateHttpNamespaceCommand({ Name: 'shop' }));
      const listed = await clients.serviceDiscovery.send(new ListNamespacesCommand({}));
      const namespace = listed.Namespaces?.find((item) => item.Name === 'shop');
      const namespaceId = namespace?.Id ?? '';
      const registry = await clients.serviceDiscovery.send(
        new CreateServiceCommand({ Name: 'web', NamespaceId: namespaceId }),
      );
      const registryArn = registry.Service?.Arn ?? '';

      // Act / Assert
      await expectExactly(
        [
          { kind: 'namespace', id: namespaceId },
          { kind: 'namespace', id: 'shop' },
          { kind: 'namespace', id: namespace?.Arn ?? '' },
          { kind: 'service-registry', id: registryArn },
        ],
        [
          { kind: 'namespace', id: 'ns-0000000000000000' },
          { kind: 'namespace', id: 'other' },
          {
            kind: 'service-registry',
            id: `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:service/srv-0000000000000000`,
          },
        ],
      );
    });

    it('finds an ECS capacity provider by name and ARN', async () => {
      // Arrange
      const created = await clients.ecs.send(
        new CreateCapacityProviderCommand({
          name: 'arm-asg',
          autoScalingGroupProvider: {
            autoScalingGroupArn: `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/arm`,
          },
        }),
      );

      // Act / Assert
      await expectExactly(
        [
          { kind: 'capacity-provider', id: 'arm-asg' },
          { kind: 'capacity-provider', id: created.capacityProvider?.capacityProviderArn ?? '' },
        ],
        [{ kind: 'capacity-provider', id: 'none-asg' }],
      );
    });

    it('finds an EFS file system by id', async () => {
      // Arrange
      const created = await clients.efs.send(
        new CreateFileSystemCommand({ CreationToken: 'data' }),
      );

      // Act / Assert
      await expectExactly(
        [{ kind: 'file-system', id: created.FileSystemId ?? '' }],
        [{ kind: 'file-system', id: 'fs-00000000' }],
      );
    });
  });
});
