import {
  createSdkDispatcher,
  parseSdkResource,
  SANDBOX_PRIMARY,
  SFN_ERROR_NAMES,
  SfnTaskError,
  SUPPORTED_SDK_INTEGRATIONS,
  toPascal,
} from '../../../functions/adapters/sandbox';
import { newCloud, START_MS, seedWorld } from './fixtures';

function setup() {
  const cloud = newCloud({ latency: { jitterFraction: 0 } });
  const world = seedWorld(cloud);
  cloud.createService(SANDBOX_PRIMARY, {
    cluster: 'shop',
    serviceName: 'web',
    taskDefinition: world.taskDefinition.taskDefinitionArn,
    desiredCount: 2,
    launchType: 'FARGATE',
    networkConfiguration: world.networkConfiguration,
    tags: [{ name: 'team', value: 'shop' }],
  });
  return { cloud, world, sdk: createSdkDispatcher(cloud, SANDBOX_PRIMARY) };
}

describe('Function: parseSdkResource', () => {
  it('splits an aws-sdk Task resource', () => {
    // Act / Assert
    expect(parseSdkResource('arn:aws:states:::aws-sdk:ecs:describeServices')).toEqual({
      service: 'ecs',
      action: 'describeServices',
    });
    expect(parseSdkResource('arn:aws:states:::lambda:invoke')).toBeUndefined();
  });
});

describe('Function: createSdkDispatcher', () => {
  describe('Method: dispatch ecs:describeServices', () => {
    it('returns PascalCase services and MISSING failures', async () => {
      // Arrange
      const { sdk } = setup();

      // Act
      const output = await sdk('ecs', 'describeServices', {
        Cluster: 'shop',
        Services: ['web', 'ghost'],
        Include: ['TAGS'],
      });

      // Assert
      expect(output).toMatchObject({
        Services: [
          {
            ServiceName: 'web',
            ClusterArn: 'arn:aws:ecs:eu-west-1:111111111111:cluster/shop',
            RunningCount: 2,
            DesiredCount: 2,
            PendingCount: 0,
            Deployments: [{ Status: 'PRIMARY', RolloutState: 'COMPLETED', RunningCount: 2 }],
            NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED' } },
            Tags: [{ Key: 'team', Value: 'shop' }],
          },
        ],
        Failures: [
          { Arn: 'arn:aws:ecs:eu-west-1:111111111111:service/shop/ghost', Reason: 'MISSING' },
        ],
      });
    });

    it('raises Ecs.ClusterNotFoundException for an unknown cluster', async () => {
      // Arrange
      const { sdk } = setup();

      // Act
      const error = await sdk('ecs', 'describeServices', {
        Cluster: 'nope',
        Services: ['web'],
      }).catch((e: unknown) => e);

      // Assert
      expect(error).toBeInstanceOf(SfnTaskError);
      expect((error as Error).name).toBe('Ecs.ClusterNotFoundException');
    });
  });

  describe('Method: dispatch ecs:updateService', () => {
    it('updates the desired count and raises Ecs.ServiceNotFoundException for a missing service', async () => {
      // Arrange
      const { sdk } = setup();

      // Act
      const output = await sdk('ecs', 'updateService', {
        Cluster: 'shop',
        Service: 'web',
        DesiredCount: 4,
      });
      const error = await sdk('ecs', 'updateService', {
        Cluster: 'shop',
        Service: 'ghost',
        DesiredCount: 1,
      }).catch((e: unknown) => e);

      // Assert
      expect(output).toMatchObject({
        Service: { DesiredCount: 4, RunningCount: 2, PendingCount: 2 },
      });
      expect((error as Error).name).toBe(SFN_ERROR_NAMES.ecs.serviceNotFound);
    });

    it('presents throttling as Ecs.ThrottlingException', async () => {
      // Arrange
      const { sdk } = setup();

      // Act
      const results = await Promise.allSettled(
        Array.from({ length: 51 }, () =>
          sdk('ecs', 'updateService', { Cluster: 'shop', Service: 'web', DesiredCount: 3 }),
        ),
      );

      // Assert
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected).toHaveLength(1);
      expect(rejected[0]?.reason).toMatchObject({
        name: 'Ecs.ThrottlingException',
        message: 'Rate exceeded',
      });
    });
  });

  describe('Method: dispatch ecs:createService', () => {
    it('creates a service from PascalCase parameters, and refuses a duplicate as InvalidParameterException', async () => {
      // Arrange
      const { sdk, world } = setup();
      const params = {
        Cluster: 'shop',
        ServiceName: 'api',
        TaskDefinition: world.taskDefinition.taskDefinitionArn,
        DesiredCount: 1,
        LaunchType: 'FARGATE',
        NetworkConfiguration: {
          AwsvpcConfiguration: {
            Subnets: world.networkConfiguration.subnets,
            SecurityGroups: world.networkConfiguration.securityGroups,
          },
        },
        Tags: [{ Key: 'understudy:clone-version', Value: '3' }],
      };

      // Act
      const output = await sdk('ecs', 'createService', params);
      const duplicate = await sdk('ecs', 'createService', params).catch((e: unknown) => e);

      // Assert
      expect(output).toMatchObject({
        Service: {
          ServiceName: 'api',
          DesiredCount: 1,
          RunningCount: 0,
          Tags: [{ Key: 'understudy:clone-version', Value: '3' }],
        },
      });
      expect((duplicate as Error).name).toBe('Ecs.InvalidParameterException');
    });
  });

  describe('Method: dispatch ecs:describeTaskDefinition', () => {
    it('returns the definition with PascalCase keys and tags on request', async () => {
      // Arrange
      const { sdk, cloud } = setup();
      cloud.registerTaskDefinition(
        SANDBOX_PRIMARY,
        {
          family: 'tagged',
          containerDefinitions: [
            {
              name: 'app',
              image: 'nginx',
              logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g' } },
            },
          ],
        },
        [{ name: 'k', value: 'v' }],
      );

      // Act
      const output = await sdk('ecs', 'describeTaskDefinition', {
        TaskDefinition: 'tagged',
        Include: ['TAGS'],
      });
      const missing = await sdk('ecs', 'describeTaskDefinition', {
        TaskDefinition: 'nope:1',
      }).catch((e: unknown) => e);

      // Assert
      expect(output).toEqual({
        TaskDefinition: {
          Family: 'tagged',
          ContainerDefinitions: [
            {
              Name: 'app',
              Image: 'nginx',
              LogConfiguration: { LogDriver: 'awslogs', Options: { 'awslogs-group': 'g' } },
            },
          ],
          TaskDefinitionArn: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/tagged:1',
          Revision: 1,
          Status: 'ACTIVE',
          RegisteredAt: new Date(START_MS).toISOString(),
        },
        Tags: [{ Key: 'k', Value: 'v' }],
      });
      expect((missing as Error).name).toBe('Ecs.ClientException');
    });
  });

  describe('Method: dispatch ecs:listTaskDefinitions', () => {
    it('lists ACTIVE revisions of a family, newest first by default', async () => {
      // Arrange
      const { sdk, cloud, world } = setup();
      const {
        tags: _tags,
        taskDefinitionArn: _arn,
        revision: _rev,
        status: _status,
        registeredAt: _at,
        ...spec
      } = world.taskDefinition;
      cloud.registerTaskDefinition(SANDBOX_PRIMARY, spec);

      // Act
      const output = await sdk('ecs', 'listTaskDefinitions', { FamilyPrefix: 'web' });

      // Assert
      expect((output.TaskDefinitionArns as string[]).map((arn) => arn.split(':').at(-1))).toEqual([
        '2',
        '1',
      ]);
    });
  });

  describe('Method: dispatch ecr:describeImages and ecr:batchGetImage', () => {
    it('describes images and returns manifests byte for byte, with failures for missing ones', async () => {
      // Arrange
      const { sdk, world } = setup();

      // Act
      const described = await sdk('ecr', 'describeImages', {
        RepositoryName: 'shop/web',
        ImageIds: [{ ImageTag: 'v1' }],
      });
      const got = await sdk('ecr', 'batchGetImage', {
        RepositoryName: 'shop/web',
        ImageIds: [{ ImageDigest: world.image.reference.digest }, { ImageTag: 'nope' }],
      });
      const noRepo = await sdk('ecr', 'describeImages', { RepositoryName: 'ghost' }).catch(
        (e: unknown) => e,
      );

      // Assert
      expect(described).toMatchObject({
        ImageDetails: [
          {
            ImageDigest: world.image.reference.digest,
            ImageTags: ['v1'],
            RegistryId: '111111111111',
          },
        ],
      });
      expect(got).toMatchObject({
        Images: [
          {
            ImageManifest: world.image.manifests[0]?.bytes,
            ImageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
          },
        ],
        Failures: [{ ImageId: { ImageTag: 'nope' }, FailureCode: 'ImageNotFound' }],
      });
      expect((noRepo as Error).name).toBe('Ecr.RepositoryNotFoundException');
    });
  });

  describe('Method: dispatch ec2:describeSecurityGroups', () => {
    it('returns EC2-shaped groups and Ec2.Ec2Exception for a missing id', async () => {
      // Arrange
      const { sdk, world } = setup();

      // Act
      const output = await sdk('ec2', 'describeSecurityGroups', { GroupIds: [world.groupId] });
      const filtered = await sdk('ec2', 'describeSecurityGroups', {
        Filters: [{ Name: 'group-name', Values: ['web'] }],
      });
      const error = await sdk('ec2', 'describeSecurityGroups', { GroupIds: ['sg-nope'] }).catch(
        (e: unknown) => e,
      );

      // Assert
      expect(output).toEqual({
        SecurityGroups: [
          {
            GroupId: world.groupId,
            GroupName: 'web',
            Description: 'web',
            VpcId: world.vpcId,
            OwnerId: '111111111111',
            IpPermissions: [
              {
                IpProtocol: 'tcp',
                FromPort: 8080,
                ToPort: 8080,
                IpRanges: [{ CidrIp: '10.0.0.0/8' }],
                Ipv6Ranges: [],
                PrefixListIds: [],
                UserIdGroupPairs: [],
              },
            ],
            IpPermissionsEgress: [
              {
                IpProtocol: '-1',
                IpRanges: [{ CidrIp: '0.0.0.0/0' }],
                Ipv6Ranges: [],
                PrefixListIds: [],
                UserIdGroupPairs: [],
              },
            ],
            Tags: [],
          },
        ],
      });
      expect(filtered.SecurityGroups).toHaveLength(1);
      expect((error as Error).name).toBe('Ec2.Ec2Exception');
      expect((error as Error).message).toContain('InvalidGroup.NotFound');
    });
  });

  describe('Method: dispatch cloudwatch:putMetricData', () => {
    it('stores the datapoints so getMetricData reads them back', async () => {
      // Arrange
      const { sdk } = setup();
      const dimensions = [{ Name: 'Authority', Value: 'primary' }];

      // Act
      const put = await sdk('cloudwatch', 'putMetricData', {
        Namespace: 'Understudy/Health',
        MetricData: [
          {
            MetricName: 'AuthorityHeartbeat',
            Dimensions: dimensions,
            Timestamp: new Date(START_MS).toISOString(),
            Value: 1,
          },
        ],
      });
      const read = (await sdk('cloudwatch', 'getMetricData', {
        StartTime: new Date(START_MS).toISOString(),
        EndTime: new Date(START_MS + 60_000).toISOString(),
        MetricDataQueries: [
          {
            Id: 'beat',
            MetricStat: {
              Metric: {
                Namespace: 'Understudy/Health',
                MetricName: 'AuthorityHeartbeat',
                Dimensions: dimensions,
              },
              Period: 60,
              Stat: 'Minimum',
            },
          },
        ],
      })) as { MetricDataResults: { Values: number[] }[] };

      // Assert
      expect(put).toEqual({});
      expect(read.MetricDataResults[0]?.Values).toEqual([1]);
    });

    it('refuses a request without a namespace with the CloudWatch error name', async () => {
      // Arrange
      const { sdk } = setup();

      // Act + Assert
      await expect(
        sdk('cloudwatch', 'putMetricData', { MetricData: [{ MetricName: 'x', Value: 1 }] }),
      ).rejects.toMatchObject({ name: 'CloudWatch.InvalidParameterValueException' });
    });
  });

  describe('Method: dispatch cloudwatch:getMetricData', () => {
    it('returns only periods with data, newest first', async () => {
      // Arrange
      const { sdk, cloud } = setup();
      const metric = {
        namespace: 'AWS/ECS',
        metricName: 'CPUUtilization',
        dimensions: [{ name: 'ServiceName', value: 'web' }],
      };
      cloud.loadMetricSeries(SANDBOX_PRIMARY, metric, {
        start: START_MS,
        intervalSeconds: 60,
        values: [1, null, 3],
      });

      // Act
      const output = await sdk('cloudwatch', 'getMetricData', {
        StartTime: new Date(START_MS).toISOString(),
        EndTime: new Date(START_MS + 180_000).toISOString(),
        MetricDataQueries: [
          {
            Id: 'cpu',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/ECS',
                MetricName: 'CPUUtilization',
                Dimensions: [{ Name: 'ServiceName', Value: 'web' }],
              },
              Period: 60,
              Stat: 'Average',
            },
          },
        ],
      });

      // Assert
      expect(output).toEqual({
        MetricDataResults: [
          {
            Id: 'cpu',
            Label: 'CPUUtilization',
            Timestamps: [
              new Date(START_MS + 120_000).toISOString(),
              new Date(START_MS).toISOString(),
            ],
            Values: [3, 1],
            StatusCode: 'Complete',
          },
        ],
        Messages: [],
      });
    });
  });

  describe('Method: dispatch during a region outage', () => {
    it('presents a dark region as the service exception and logs every supported call', async () => {
      // Arrange
      const { sdk, cloud } = setup();
      cloud.setRegionDark(SANDBOX_PRIMARY.region, true);

      // Act
      const error = await sdk('ecs', 'describeServices', {
        Cluster: 'shop',
        Services: ['web'],
      }).catch((e: unknown) => e);

      // Assert
      expect((error as Error).name).toBe('Ecs.ServerException');
      expect(SUPPORTED_SDK_INTEGRATIONS).toHaveLength(10);
    });
  });

  describe('Method: dispatch an unknown action', () => {
    it('fails loudly instead of inventing a response', async () => {
      // Arrange
      const { sdk } = setup();

      // Act / Assert
      await expect(sdk('ecs', 'deleteCluster', {})).rejects.toThrow(
        /no SDK integration for ecs:deleteCluster/,
      );
    });
  });
});

describe('Function: toPascal', () => {
  it('upper-cases structure keys, keeps map keys, and turns dates into ISO strings', () => {
    // Act
    const out = toPascal({
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g' } },
      items: [{ createdAt: new Date(0) }],
    });

    // Assert
    expect(out).toEqual({
      LogConfiguration: { LogDriver: 'awslogs', Options: { 'awslogs-group': 'g' } },
      Items: [{ CreatedAt: '1970-01-01T00:00:00.000Z' }],
    });
  });
});
