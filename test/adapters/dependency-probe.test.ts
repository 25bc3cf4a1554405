import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  ECSClient,
} from '@aws-sdk/client-ecs';
import {
  DescribeFileSystemsCommand,
  EFSClient,
  type FileSystemDescription,
} from '@aws-sdk/client-efs';
import {
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  GetNamespaceCommand,
  GetServiceCommand,
  ListNamespacesCommand,
  ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  AwsDependencyProbe,
  type DependencyProbeClients,
  roleNameOf,
} from '../../functions/adapters/aws/dependency-probe';
import { AwsRequestError } from '../../functions/adapters/aws/sdk-errors';
import {
  AccessDeniedError,
  ServiceUnavailableError,
  ThrottlingError,
} from '../../functions/core/errors';
import type { DependencyRef } from '../../functions/core/ports';
import { awsError } from './support/aws-error';

const ecs = mockClient(ECSClient);
const ec2 = mockClient(EC2Client);
const secretsManager = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);
const iam = mockClient(IAMClient);
const logs = mockClient(CloudWatchLogsClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const kms = mockClient(KMSClient);
const serviceDiscovery = mockClient(ServiceDiscoveryClient);
const efs = mockClient(EFSClient);
const mocks = [ecs, ec2, secretsManager, ssm, iam, logs, elbv2, kms, serviceDiscovery, efs];

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

function clients(): DependencyProbeClients {
  return {
    ecs: new ECSClient({}),
    ec2: new EC2Client({}),
    secretsManager: new SecretsManagerClient({}),
    ssm: new SSMClient({}),
    iam: new IAMClient({}),
    logs: new CloudWatchLogsClient({}),
    elbv2: new ElasticLoadBalancingV2Client({}),
    kms: new KMSClient({}),
    serviceDiscovery: new ServiceDiscoveryClient({}),
    efs: new EFSClient({}),
  };
}

function probe(concurrency?: number): AwsDependencyProbe {
  return new AwsDependencyProbe(clients(), concurrency === undefined ? {} : { concurrency });
}

function refs(kind: string, ids: readonly string[]): DependencyRef[] {
  return ids.map((id) => ({ kind, id }));
}

function keys(kind: string, ids: readonly string[]): Set<string> {
  return new Set(ids.map((id) => `${kind}:${id}`));
}

function totalCalls(): number {
  return mocks.reduce((sum, mock) => sum + mock.calls().length, 0);
}

const clusterArn = (name: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${name}`;
const targetGroupArn = (name: string) =>
  `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/${name}/0123456789abcdef`;

afterEach(() => {
  for (const mock of mocks) mock.reset();
});

describe('Class: AwsDependencyProbe', () => {
  describe('Method: present', () => {
    it('returns an empty set and calls nothing for no dependencies', async () => {
      // Act
      const present = await probe().present([]);

      // Assert
      expect(present.size).toBe(0);
      expect(totalCalls()).toBe(0);
    });

    it('counts unknown kinds and empty ids as absent without calling AWS', async () => {
      // Act
      const present = await probe().present([
        { kind: 'bucket', id: 'my-bucket' },
        { kind: 'secret', id: '' },
      ]);

      // Assert
      expect(present.size).toBe(0);
      expect(totalCalls()).toBe(0);
    });

    it('asks once for an id listed twice', async () => {
      // Arrange
      secretsManager.on(DescribeSecretCommand).resolves({ Name: 'db' });

      // Act
      const present = await probe().present(refs('secret', ['db', 'db']));

      // Assert
      expect(present).toEqual(keys('secret', ['db']));
      expect(secretsManager).toHaveReceivedCommandTimes(DescribeSecretCommand, 1);
    });
  });

  describe('Method: present (cluster)', () => {
    it('describes clusters in batches of 100 and matches by name or ARN', async () => {
      // Arrange: 150 names; the ARN form of one of them; a deleted one; the rest missing.
      const names = Array.from({ length: 150 }, (_, index) => `cluster-${index}`);
      ecs.on(DescribeClustersCommand).callsFake(({ clusters }: { clusters: string[] }) => ({
        clusters: clusters
          .filter((id) => id === 'cluster-0' || id === clusterArn('cluster-149') || id === 'gone')
          .map((id) => {
            const name = id.startsWith('arn:') ? 'cluster-149' : id;
            return {
              clusterName: name,
              clusterArn: clusterArn(name),
              status: name === 'gone' ? 'INACTIVE' : 'ACTIVE',
            };
          }),
        failures: clusters
          .filter((id) => id !== 'cluster-0' && id !== clusterArn('cluster-149') && id !== 'gone')
          .map((id) => ({ arn: id, reason: 'MISSING' })),
      }));
      const ids = [...names.slice(0, 149), clusterArn('cluster-149'), 'gone'];

      // Act
      const present = await probe().present(refs('cluster', ids));

      // Assert
      expect(present).toEqual(keys('cluster', ['cluster-0', clusterArn('cluster-149')]));
      expect(ecs).toHaveReceivedCommandTimes(DescribeClustersCommand, 2);
      expect(ecs).toHaveReceivedNthSpecificCommandWith(1, DescribeClustersCommand, {
        clusters: ids.slice(0, 100),
      });
      expect(ecs).toHaveReceivedNthSpecificCommandWith(2, DescribeClustersCommand, {
        clusters: ids.slice(100),
      });
    });

    it('raises a failure other than MISSING instead of calling the cluster absent', async () => {
      // Arrange
      ecs.on(DescribeClustersCommand).resolves({
        clusters: [],
        failures: [{ arn: clusterArn('web'), reason: 'INTERNAL' }],
      });

      // Act
      const result = probe().present(refs('cluster', ['web']));

      // Assert
      await expect(result).rejects.toBeInstanceOf(AwsRequestError);
    });
  });

  describe('Method: present (capacity-provider)', () => {
    it('describes providers by name and follows the pages, ignoring INACTIVE ones', async () => {
      // Arrange
      ecs
        .on(DescribeCapacityProvidersCommand)
        .resolvesOnce({
          capacityProviders: [{ name: 'spot-asg', status: 'ACTIVE' }],
          nextToken: 'page-2',
        })
        .resolvesOnce({
          capacityProviders: [
            { name: 'old-asg', status: 'INACTIVE' },
            {
              name: 'arm-asg',
              capacityProviderArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:capacity-provider/arm-asg`,
              status: 'ACTIVE',
            },
          ],
          failures: [{ arn: 'nope', reason: 'MISSING' }],
        });
      const ids = [
        'spot-asg',
        'old-asg',
        `arn:aws:ecs:${REGION}:${ACCOUNT}:capacity-provider/arm-asg`,
        'nope',
      ];

      // Act
      const present = await probe().present(refs('capacity-provider', ids));

      // Assert
      expect(present).toEqual(
        keys('capacity-provider', [
          'spot-asg',
          `arn:aws:ecs:${REGION}:${ACCOUNT}:capacity-provider/arm-asg`,
        ]),
      );
      expect(ecs).toHaveReceivedNthSpecificCommandWith(1, DescribeCapacityProvidersCommand, {
        capacityProviders: ids,
      });
      expect(ecs).toHaveReceivedNthSpecificCommandWith(2, DescribeCapacityProvidersCommand, {
        capacityProviders: ids,
        nextToken: 'page-2',
      });
    });
  });

  describe('Method: present (role)', () => {
    it('gets a role by the name at the end of a path-qualified ARN', async () => {
      // Arrange
      const arn = `arn:aws:iam::${ACCOUNT}:role/service-role/ecs/task-exec`;
      iam.on(GetRoleCommand).resolves({
        Role: {
          RoleName: 'task-exec',
          Arn: arn,
          Path: '/service-role/ecs/',
          RoleId: 'AROA1',
          CreateDate: new Date(0),
        },
      });

      // Act
      const present = await probe().present(refs('role', [arn]));

      // Assert
      expect(present).toEqual(keys('role', [arn]));
      expect(iam).toHaveReceivedCommandWith(GetRoleCommand, { RoleName: 'task-exec' });
    });

    it('does not count a role of the same name on another path', async () => {
      // Arrange
      iam.on(GetRoleCommand).resolves({
        Role: {
          RoleName: 'task-exec',
          Arn: `arn:aws:iam::${ACCOUNT}:role/task-exec`,
          Path: '/',
          RoleId: 'AROA1',
          CreateDate: new Date(0),
        },
      });

      // Act
      const present = await probe().present(
        refs('role', [`arn:aws:iam::${ACCOUNT}:role/app/task-exec`]),
      );

      // Assert
      expect(present.size).toBe(0);
    });

    it('counts a missing role (NoSuchEntity) as absent', async () => {
      // Arrange
      iam.on(GetRoleCommand).rejects(awsError('NoSuchEntityException', 'role not found', 404));

      // Act
      const present = await probe().present(refs('role', [`arn:aws:iam::${ACCOUNT}:role/gone`]));

      // Assert
      expect(present.size).toBe(0);
      expect(iam).toHaveReceivedCommandWith(GetRoleCommand, { RoleName: 'gone' });
    });

    it('does not call IAM for an ARN that is not a role', async () => {
      // Act
      const present = await probe().present(refs('role', [`arn:aws:iam::${ACCOUNT}:user/alice`]));

      // Assert
      expect(present.size).toBe(0);
      expect(iam).toHaveReceivedCommandTimes(GetRoleCommand, 0);
    });
  });

  describe('Function: roleNameOf', () => {
    it.each([
      ['arn:aws:iam::123:role/path/name', 'name'],
      ['arn:aws:iam::123:role/name', 'name'],
      ['arn:aws-cn:iam::123456789012:role/a/b/c/deep', 'deep'],
      ['plain-name', 'plain-name'],
      ['arn:aws:iam::123:policy/p', undefined],
      ['arn:aws:iam::123:role/', undefined],
      ['a/b', undefined],
    ])('takes %s to %s', (id, name) => {
      // Act / Assert
      expect(roleNameOf(id)).toBe(name);
    });
  });

  describe('Method: present (secret)', () => {
    it('describes a secret by its full ARN, random suffix included', async () => {
      // Arrange
      const arn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db-AbCdEf`;
      secretsManager.on(DescribeSecretCommand).resolves({ ARN: arn, Name: 'prod/db' });

      // Act
      const present = await probe().present(refs('secret', [arn]));

      // Assert
      expect(present).toEqual(keys('secret', [arn]));
      expect(secretsManager).toHaveReceivedCommandWith(DescribeSecretCommand, { SecretId: arn });
    });

    it('counts a missing secret and one scheduled for deletion as absent', async () => {
      // Arrange
      secretsManager
        .on(DescribeSecretCommand, { SecretId: 'missing' })
        .rejects(awsError('ResourceNotFoundException', "Secrets Manager can't find it"))
        .on(DescribeSecretCommand, { SecretId: 'deleting' })
        .resolves({ Name: 'deleting', DeletedDate: new Date(0) });

      // Act
      const present = await probe().present(refs('secret', ['missing', 'deleting']));

      // Assert
      expect(present.size).toBe(0);
      expect(secretsManager).toHaveReceivedCommandTimes(DescribeSecretCommand, 2);
    });
  });

  describe('Method: present (parameter)', () => {
    it('gets parameters ten names at a time and matches names and ARNs', async () => {
      // Arrange: 23 parameters; every even one exists.
      const names = Array.from({ length: 22 }, (_, index) => `/app/p${index}`);
      const arn = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/app/by-arn`;
      const ids = [...names, arn];
      ssm.on(GetParametersCommand).callsFake(({ Names }: { Names: string[] }) => ({
        Parameters: Names.filter((id) => id === arn || Number(id.slice(6)) % 2 === 0).map((id) =>
          id === arn
            ? { Name: '/app/by-arn', ARN: arn }
            : { Name: id, ARN: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${id}` },
        ),
        InvalidParameters: Names.filter((id) => id !== arn && Number(id.slice(6)) % 2 === 1),
      }));

      // Act
      const present = await probe().present(refs('parameter', ids));

      // Assert
      expect(present).toEqual(
        keys('parameter', [...names.filter((_, index) => index % 2 === 0), arn]),
      );
      expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 3);
      expect(ssm).toHaveReceivedNthSpecificCommandWith(1, GetParametersCommand, {
        Names: ids.slice(0, 10),
      });
      expect(ssm).toHaveReceivedNthSpecificCommandWith(2, GetParametersCommand, {
        Names: ids.slice(10, 20),
      });
      expect(ssm).toHaveReceivedNthSpecificCommandWith(3, GetParametersCommand, {
        Names: ids.slice(20),
      });
    });

    it('rethrows a throttled batch as ThrottlingError, not as missing parameters', async () => {
      // Arrange
      ssm.on(GetParametersCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));

      // Act
      const result = probe().present(refs('parameter', ['/app/a']));

      // Assert
      await expect(result).rejects.toBeInstanceOf(ThrottlingError);
    });
  });

  describe('Method: present (log-group)', () => {
    it('lists by prefix and counts only an exact name match', async () => {
      // Arrange
      logs
        .on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/ecs/web' })
        .resolves({ logGroups: [{ logGroupName: '/ecs/web' }, { logGroupName: '/ecs/web-2' }] })
        .on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/ecs/api' })
        .resolves({ logGroups: [{ logGroupName: '/ecs/api-old' }] });

      // Act
      const present = await probe().present(refs('log-group', ['/ecs/web', '/ecs/api']));

      // Assert
      expect(present).toEqual(keys('log-group', ['/ecs/web']));
      expect(logs).toHaveReceivedCommandWith(DescribeLogGroupsCommand, {
        logGroupNamePrefix: '/ecs/web',
      });
      expect(logs).toHaveReceivedCommandWith(DescribeLogGroupsCommand, {
        logGroupNamePrefix: '/ecs/api',
      });
    });

    it('follows pages until the exact name shows up', async () => {
      // Arrange
      logs
        .on(DescribeLogGroupsCommand)
        .resolvesOnce({ logGroups: [{ logGroupName: '/ecs/web-a' }], nextToken: 't2' })
        .resolvesOnce({ logGroups: [{ logGroupName: '/ecs/web' }], nextToken: 't3' });

      // Act
      const present = await probe().present(refs('log-group', ['/ecs/web']));

      // Assert
      expect(present).toEqual(keys('log-group', ['/ecs/web']));
      expect(logs).toHaveReceivedCommandTimes(DescribeLogGroupsCommand, 2);
      expect(logs).toHaveReceivedNthSpecificCommandWith(2, DescribeLogGroupsCommand, {
        logGroupNamePrefix: '/ecs/web',
        nextToken: 't2',
      });
    });

    it('takes the name out of a log group ARN', async () => {
      // Arrange
      const arn = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/web:*`;
      logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: '/ecs/web' }] });

      // Act
      const present = await probe().present(refs('log-group', [arn]));

      // Assert
      expect(present).toEqual(keys('log-group', [arn]));
      expect(logs).toHaveReceivedCommandWith(DescribeLogGroupsCommand, {
        logGroupNamePrefix: '/ecs/web',
      });
    });
  });

  describe('Method: present (target-group)', () => {
    it('describes target groups twenty ARNs at a time', async () => {
      // Arrange
      const arns = Array.from({ length: 25 }, (_, index) => targetGroupArn(`tg-${index}`));
      elbv2
        .on(DescribeTargetGroupsCommand)
        .callsFake(({ TargetGroupArns }: { TargetGroupArns: string[] }) => ({
          TargetGroups: TargetGroupArns.map((arn) => ({ TargetGroupArn: arn })),
        }));

      // Act
      const present = await probe().present(refs('target-group', arns));

      // Assert
      expect(present).toEqual(keys('target-group', arns));
      expect(elbv2).toHaveReceivedCommandTimes(DescribeTargetGroupsCommand, 2);
      expect(elbv2).toHaveReceivedNthSpecificCommandWith(1, DescribeTargetGroupsCommand, {
        TargetGroupArns: arns.slice(0, 20),
      });
      expect(elbv2).toHaveReceivedNthSpecificCommandWith(2, DescribeTargetGroupsCommand, {
        TargetGroupArns: arns.slice(20),
      });
    });

    it('falls back to one ARN per call when one in the batch does not exist', async () => {
      // Arrange
      const live = targetGroupArn('live');
      const gone = targetGroupArn('gone');
      elbv2
        .on(DescribeTargetGroupsCommand)
        .rejects(awsError('TargetGroupNotFoundException', 'One or more target groups not found'))
        .on(DescribeTargetGroupsCommand, { TargetGroupArns: [live] })
        .resolves({ TargetGroups: [{ TargetGroupArn: live }] });

      // Act
      const present = await probe().present(refs('target-group', [live, gone]));

      // Assert
      expect(present).toEqual(keys('target-group', [live]));
      expect(elbv2).toHaveReceivedCommandTimes(DescribeTargetGroupsCommand, 3);
      expect(elbv2).toHaveReceivedNthSpecificCommandWith(1, DescribeTargetGroupsCommand, {
        TargetGroupArns: [live, gone],
      });
      expect(elbv2).toHaveReceivedCommandWith(DescribeTargetGroupsCommand, {
        TargetGroupArns: [gone],
      });
    });

    it('does not send an id that is not a target group ARN', async () => {
      // Act
      const present = await probe().present(refs('target-group', ['my-target-group']));

      // Assert
      expect(present.size).toBe(0);
      expect(elbv2).toHaveReceivedCommandTimes(DescribeTargetGroupsCommand, 0);
    });
  });

  describe('Method: present (kms-key)', () => {
    it('describes each key by the id, ARN or alias given', async () => {
      // Arrange
      const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
      kms
        .on(DescribeKeyCommand)
        .resolves({ KeyMetadata: { KeyId: '1234abcd', KeyState: 'Enabled' } })
        .on(DescribeKeyCommand, { KeyId: 'alias/missing' })
        .rejects(awsError('NotFoundException', 'Alias is not found.'))
        .on(DescribeKeyCommand, { KeyId: 'alias/retired' })
        .resolves({ KeyMetadata: { KeyId: 'retired', KeyState: 'PendingDeletion' } });

      // Act
      const present = await probe().present(
        refs('kms-key', [keyArn, 'alias/app', 'alias/missing', 'alias/retired']),
      );

      // Assert
      expect(present).toEqual(keys('kms-key', [keyArn, 'alias/app']));
      for (const KeyId of [keyArn, 'alias/app', 'alias/missing', 'alias/retired']) {
        expect(kms).toHaveReceivedCommandWith(DescribeKeyCommand, { KeyId });
      }
    });

    it('rethrows access denied instead of calling the key absent', async () => {
      // Arrange
      kms.on(DescribeKeyCommand).rejects(awsError('AccessDeniedException', 'not allowed', 400));

      // Act
      const result = probe().present(refs('kms-key', ['alias/app']));

      // Assert
      await expect(result).rejects.toBeInstanceOf(AccessDeniedError);
    });
  });

  describe('Method: present (namespace)', () => {
    it('gets a namespace by id and matches names and ARNs in one paged listing', async () => {
      // Arrange
      const arn = `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:namespace/ns-arn`;
      serviceDiscovery
        .on(GetNamespaceCommand, { Id: 'ns-live' })
        .resolves({ Namespace: { Id: 'ns-live', Name: 'internal' } })
        .on(GetNamespaceCommand, { Id: 'ns-gone' })
        .rejects(awsError('NamespaceNotFound', 'no such namespace'))
        .on(ListNamespacesCommand)
        .resolvesOnce({ Namespaces: [{ Id: 'ns-1', Name: 'shop.local' }], NextToken: 'n2' })
        .resolvesOnce({ Namespaces: [{ Id: 'ns-arn', Name: 'other', Arn: arn }] });

      // Act
      const present = await probe().present(
        refs('namespace', ['ns-live', 'ns-gone', 'shop.local', arn, 'made-up.local']),
      );

      // Assert
      expect(present).toEqual(keys('namespace', ['ns-live', 'shop.local', arn]));
      expect(serviceDiscovery).toHaveReceivedCommandTimes(GetNamespaceCommand, 2);
      expect(serviceDiscovery).toHaveReceivedCommandTimes(ListNamespacesCommand, 2);
      expect(serviceDiscovery).toHaveReceivedNthSpecificCommandWith(2, ListNamespacesCommand, {
        NextToken: 'n2',
      });
    });
  });

  describe('Method: present (service-registry)', () => {
    it('gets the Cloud Map service named by the registry ARN', async () => {
      // Arrange
      const live = `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:service/srv-live`;
      const gone = `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:service/srv-gone`;
      serviceDiscovery
        .on(GetServiceCommand, { Id: 'srv-live' })
        .resolves({ Service: { Id: 'srv-live', Arn: live } })
        .on(GetServiceCommand, { Id: 'srv-gone' })
        .rejects(awsError('ServiceNotFound', 'no such service'));

      // Act
      const present = await probe().present(refs('service-registry', [live, gone]));

      // Assert
      expect(present).toEqual(keys('service-registry', [live]));
      expect(serviceDiscovery).toHaveReceivedCommandWith(GetServiceCommand, { Id: 'srv-live' });
      expect(serviceDiscovery).toHaveReceivedCommandWith(GetServiceCommand, { Id: 'srv-gone' });
    });
  });

  describe('Method: present (subnet, security-group)', () => {
    it('filters subnets by subnet-id, which returns only the existing ones', async () => {
      // Arrange
      ec2
        .on(DescribeSubnetsCommand)
        .resolvesOnce({ Subnets: [{ SubnetId: 'subnet-a' }], NextToken: 's2' })
        .resolvesOnce({ Subnets: [{ SubnetId: 'subnet-c' }] });
      const ids = ['subnet-a', 'subnet-b', 'subnet-c'];

      // Act
      const present = await probe().present(refs('subnet', ids));

      // Assert
      expect(present).toEqual(keys('subnet', ['subnet-a', 'subnet-c']));
      expect(ec2).toHaveReceivedNthSpecificCommandWith(1, DescribeSubnetsCommand, {
        Filters: [{ Name: 'subnet-id', Values: ids }],
      });
      expect(ec2).toHaveReceivedNthSpecificCommandWith(2, DescribeSubnetsCommand, {
        Filters: [{ Name: 'subnet-id', Values: ids }],
        NextToken: 's2',
      });
      expect(ec2.commandCalls(DescribeSubnetsCommand)[0]?.args[0].input.SubnetIds).toBeUndefined();
    });

    it('filters security groups by group-id', async () => {
      // Arrange
      ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-live' }] });

      // Act
      const present = await probe().present(refs('security-group', ['sg-live', 'sg-gone']));

      // Assert
      expect(present).toEqual(keys('security-group', ['sg-live']));
      expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, {
        Filters: [{ Name: 'group-id', Values: ['sg-live', 'sg-gone'] }],
      });
      expect(
        ec2.commandCalls(DescribeSecurityGroupsCommand)[0]?.args[0].input.GroupIds,
      ).toBeUndefined();
    });

    it('splits more than 200 subnet ids over several filtered calls', async () => {
      // Arrange
      const ids = Array.from({ length: 201 }, (_, index) => `subnet-${index}`);
      ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });

      // Act
      await probe().present(refs('subnet', ids));

      // Assert
      expect(ec2).toHaveReceivedCommandTimes(DescribeSubnetsCommand, 2);
      expect(ec2).toHaveReceivedNthSpecificCommandWith(2, DescribeSubnetsCommand, {
        Filters: [{ Name: 'subnet-id', Values: ['subnet-200'] }],
      });
    });

    it('rethrows a server error as ServiceUnavailableError', async () => {
      // Arrange
      ec2.on(DescribeSubnetsCommand).rejects(awsError('InternalError', 'boom', 500));

      // Act
      const result = probe().present(refs('subnet', ['subnet-a']));

      // Assert
      await expect(result).rejects.toBeInstanceOf(ServiceUnavailableError);
    });
  });

  describe('Method: present (file-system)', () => {
    it('describes file systems one by one and ignores missing and deleting ones', async () => {
      // Arrange
      efs
        .on(DescribeFileSystemsCommand, { FileSystemId: 'fs-live' })
        .resolves({ FileSystems: [fileSystem('fs-live', 'available')] })
        .on(DescribeFileSystemsCommand, { FileSystemId: 'fs-deleting' })
        .resolves({ FileSystems: [fileSystem('fs-deleting', 'deleting')] })
        .on(DescribeFileSystemsCommand, { FileSystemId: 'fs-gone' })
        .rejects(awsError('FileSystemNotFound', 'File system does not exist.', 404));

      // Act
      const present = await probe().present(
        refs('file-system', ['fs-live', 'fs-deleting', 'fs-gone']),
      );

      // Assert
      expect(present).toEqual(keys('file-system', ['fs-live']));
      expect(efs).toHaveReceivedCommandTimes(DescribeFileSystemsCommand, 3);
      expect(efs).toHaveReceivedCommandWith(DescribeFileSystemsCommand, {
        FileSystemId: 'fs-gone',
      });
    });
  });

  describe('Method: present (errors and concurrency)', () => {
    it('rethrows throttling as ThrottlingError, never as an absent dependency', async () => {
      // Arrange
      secretsManager.on(DescribeSecretCommand).rejects(awsError('ThrottlingException', 'slow'));

      // Act
      const result = probe().present(refs('secret', ['db']));

      // Assert
      await expect(result).rejects.toBeInstanceOf(ThrottlingError);
    });

    it('rethrows throttling met while falling back to single target groups', async () => {
      // Arrange
      const arns = [targetGroupArn('a'), targetGroupArn('b')];
      elbv2
        .on(DescribeTargetGroupsCommand)
        .rejectsOnce(awsError('TargetGroupNotFoundException', 'not found'))
        .rejects(awsError('Throttling', 'Rate exceeded'));

      // Act
      const result = probe().present(refs('target-group', arns));

      // Assert
      await expect(result).rejects.toBeInstanceOf(ThrottlingError);
    });

    it('keeps at most `concurrency` calls in flight across kinds', async () => {
      // Arrange: every call waits a few event-loop turns so calls would overlap if allowed.
      let inFlight = 0;
      let peak = 0;
      const slow = async <T>(value: T): Promise<T> => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        for (let turn = 0; turn < 5; turn += 1) await new Promise(setImmediate);
        inFlight -= 1;
        return value;
      };
      secretsManager.on(DescribeSecretCommand).callsFake(() => slow({ Name: 'x' }));
      kms.on(DescribeKeyCommand).callsFake(() => slow({ KeyMetadata: { KeyId: 'k' } }));
      efs.on(DescribeFileSystemsCommand).callsFake(() => slow({ FileSystems: [] }));
      const dependencies = [
        ...refs('secret', ['s1', 's2', 's3', 's4']),
        ...refs('kms-key', ['k1', 'k2', 'k3']),
        ...refs('file-system', ['fs-1', 'fs-2']),
      ];

      // Act
      const present = await probe(2).present(dependencies);

      // Assert
      expect(peak).toBe(2);
      expect(present.size).toBe(7);
      expect(totalCalls()).toBe(9);
    });
  });
});

function fileSystem(id: string, state: 'available' | 'deleting'): FileSystemDescription {
  return {
    FileSystemId: id,
    LifeCycleState: state,
    OwnerId: ACCOUNT,
    CreationToken: id,
    CreationTime: new Date(0),
    NumberOfMountTargets: 0,
    SizeInBytes: { Value: 0 },
    PerformanceMode: 'generalPurpose',
    Tags: [],
  };
}
