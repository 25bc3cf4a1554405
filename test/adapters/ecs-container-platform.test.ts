import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  ClientException,
  CreateServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  InvalidParameterException,
  ListClustersCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type Service,
  type TaskDefinition,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { EcsContainerPlatform } from '../../functions/adapters/aws/ecs-container-platform';
import { ConflictError, NotFoundError, ThrottlingError } from '../../functions/core/errors';
import type { ServiceSpec, TaskDefinitionSpec } from '../../functions/core/model';
import { awsError } from './support/aws-error';

const ecs = mockClient(ECSClient);
const autoScaling = mockClient(ApplicationAutoScalingClient);
const REGION_ARN = 'arn:aws:ecs:eu-west-1:111122223333';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const IMAGE = `111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/web@${DIGEST}`;

/** A spec exercising every modelled field, so the round trip proves the mapping lossless. */
const spec: TaskDefinitionSpec = {
  family: 'web',
  cpu: '512',
  memory: '1024',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  executionRoleArn: 'arn:aws:iam::111122223333:role/exec',
  taskRoleArn: 'arn:aws:iam::111122223333:role/task',
  runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
  ephemeralStorage: { sizeInGiB: 30 },
  volumes: [{ name: 'scratch' }],
  containerDefinitions: [
    {
      name: 'web',
      image: IMAGE,
      cpu: 256,
      memory: 512,
      memoryReservation: 256,
      essential: true,
      command: ['node', 'server.js'],
      entryPoint: ['/bin/sh', '-c'],
      environment: [{ name: 'STAGE', value: 'staging' }],
      secrets: [
        { name: 'DB', valueFrom: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db' },
      ],
      portMappings: [
        { containerPort: 8080, hostPort: 8080, protocol: 'tcp', name: 'http', appProtocol: 'http' },
      ],
      logConfiguration: {
        logDriver: 'awslogs',
        options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'eu-west-1' },
      },
      readonlyRootFilesystem: true,
      user: '1000',
      linuxParameters: { initProcessEnabled: true },
      healthCheck: { command: ['CMD-SHELL', 'curl -f localhost:8080'], interval: 30, retries: 3 },
      dependsOn: [{ containerName: 'sidecar', condition: 'START' }],
    },
    { name: 'sidecar', image: IMAGE, essential: false },
  ],
};

function registered(revision: number): TaskDefinition {
  return {
    ...(spec as unknown as TaskDefinition),
    taskDefinitionArn: `${REGION_ARN}:task-definition/web:${revision}`,
    revision,
    status: 'ACTIVE',
    registeredAt: new Date('2026-11-01T10:00:00Z'),
    // AWS-filled fields the model does not carry must not leak into it.
    compatibilities: ['EC2', 'FARGATE'],
    requiresAttributes: [{ name: 'ecs.capability.execution-role-awslogs' }],
  };
}

const service: Service = {
  serviceArn: `${REGION_ARN}:service/prod/web`,
  serviceName: 'web',
  clusterArn: `${REGION_ARN}:cluster/prod`,
  taskDefinition: `${REGION_ARN}:task-definition/web:7`,
  desiredCount: 4,
  runningCount: 3,
  pendingCount: 1,
  status: 'ACTIVE',
  launchType: 'FARGATE',
  networkConfiguration: {
    awsvpcConfiguration: {
      subnets: ['subnet-1'],
      securityGroups: ['sg-1'],
      assignPublicIp: 'DISABLED',
    },
  },
  loadBalancers: [
    {
      targetGroupArn: 'arn:aws:elasticloadbalancing:tg/web',
      containerName: 'web',
      containerPort: 8080,
    },
  ],
  healthCheckGracePeriodSeconds: 60,
  tags: [{ key: 'team', value: 'shop' }],
  deployments: [
    {
      id: 'ecs-svc/1',
      status: 'PRIMARY',
      taskDefinition: `${REGION_ARN}:task-definition/web:7`,
      desiredCount: 4,
      runningCount: 3,
      pendingCount: 1,
      rolloutState: 'IN_PROGRESS',
      serviceConnectConfiguration: { enabled: true, namespace: 'shop.local' },
    },
  ],
};

afterEach(() => {
  ecs.reset();
  autoScaling.reset();
});

describe('Class: EcsContainerPlatform', () => {
  describe('Method: describeService', () => {
    it('adds scaling bounds and the target-tracking target from Application Auto Scaling', async () => {
      // Arrange
      ecs.on(DescribeServicesCommand).resolves({ services: [service], failures: [] });
      autoScaling.on(DescribeScalableTargetsCommand).resolves({
        ScalableTargets: [
          {
            ServiceNamespace: 'ecs',
            ResourceId: 'service/prod/web',
            ScalableDimension: 'ecs:service:DesiredCount',
            MinCapacity: 2,
            MaxCapacity: 12,
            RoleARN: 'arn:aws:iam::1:role/x',
            CreationTime: new Date(0),
          },
        ],
      });
      autoScaling.on(DescribeScalingPoliciesCommand).resolves({
        ScalingPolicies: [
          {
            PolicyARN: 'arn:p',
            PolicyName: 'cpu60',
            ServiceNamespace: 'ecs',
            ResourceId: 'service/prod/web',
            ScalableDimension: 'ecs:service:DesiredCount',
            PolicyType: 'TargetTrackingScaling',
            CreationTime: new Date(0),
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: 60,
              PredefinedMetricSpecification: {
                PredefinedMetricType: 'ECSServiceAverageCPUUtilization',
              },
            },
          },
        ],
      });
      const platform = new EcsContainerPlatform(
        new ECSClient({}),
        new ApplicationAutoScalingClient({}),
      );

      // Act
      const described = await platform.describeService('prod', 'web');

      // Assert
      expect(autoScaling).toHaveReceivedCommandWith(DescribeScalableTargetsCommand, {
        ServiceNamespace: 'ecs',
        ScalableDimension: 'ecs:service:DesiredCount',
        ResourceIds: ['service/prod/web'],
      });
      expect(described.scaling).toEqual({
        minCapacity: 2,
        maxCapacity: 12,
        targetValue: 60,
        metric: 'cpu',
        policy: {
          policyName: 'cpu60',
          predefinedMetricType: 'ECSServiceAverageCPUUtilization',
          targetValue: 60,
        },
      });
    });

    it('leaves scaling out for a service that is not scalable', async () => {
      // Arrange
      ecs.on(DescribeServicesCommand).resolves({ services: [service], failures: [] });
      autoScaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });
      const platform = new EcsContainerPlatform(
        new ECSClient({}),
        new ApplicationAutoScalingClient({}),
      );

      // Act
      const described = await platform.describeService('prod', 'web');

      // Assert
      expect(described).not.toHaveProperty('scaling');
      expect(autoScaling).not.toHaveReceivedCommand(DescribeScalingPoliciesCommand);
    });

    it('asks for tags and maps the service to the model', async () => {
      // Arrange
      ecs.on(DescribeServicesCommand).resolves({ services: [service], failures: [] });
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act
      const described = await platform.describeService('prod', 'web');

      // Assert
      expect(ecs).toHaveReceivedCommandWith(DescribeServicesCommand, {
        cluster: 'prod',
        services: ['web'],
        include: ['TAGS'],
      });
      expect(described).toEqual({
        cluster: 'prod',
        serviceName: 'web',
        serviceArn: `${REGION_ARN}:service/prod/web`,
        taskDefinition: `${REGION_ARN}:task-definition/web:7`,
        desiredCount: 4,
        runningCount: 3,
        pendingCount: 1,
        status: 'ACTIVE',
        launchType: 'FARGATE',
        networkConfiguration: {
          subnets: ['subnet-1'],
          securityGroups: ['sg-1'],
          assignPublicIp: 'DISABLED',
        },
        loadBalancers: [
          {
            targetGroupArn: 'arn:aws:elasticloadbalancing:tg/web',
            containerName: 'web',
            containerPort: 8080,
          },
        ],
        namespace: 'shop.local',
        healthCheckGracePeriodSeconds: 60,
        tags: [{ name: 'team', value: 'shop' }],
        deployments: [
          {
            id: 'ecs-svc/1',
            status: 'PRIMARY',
            taskDefinition: `${REGION_ARN}:task-definition/web:7`,
            desiredCount: 4,
            runningCount: 3,
            pendingCount: 1,
            rolloutState: 'IN_PROGRESS',
          },
        ],
      });
    });

    it('throws NotFoundError when ECS reports the service in failures', async () => {
      // Arrange
      ecs.on(DescribeServicesCommand).resolves({
        services: [],
        failures: [{ arn: `${REGION_ARN}:service/prod/gone`, reason: 'MISSING' }],
      });
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act / Assert
      await expect(platform.describeService('prod', 'gone')).rejects.toThrow(NotFoundError);
      await expect(platform.describeService('prod', 'gone')).rejects.toMatchObject({
        kind: 'service',
        id: 'prod/gone',
      });
    });

    it('throws NotFoundError for an INACTIVE (deleted) service', async () => {
      // Arrange
      ecs.on(DescribeServicesCommand).resolves({ services: [{ ...service, status: 'INACTIVE' }] });
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act / Assert
      await expect(platform.describeService('prod', 'web')).rejects.toThrow(NotFoundError);
    });

    it('throws NotFoundError when the cluster does not exist', async () => {
      // Arrange
      ecs
        .on(DescribeServicesCommand)
        .rejects(awsError('ClusterNotFoundException', 'Cluster not found.'));
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act / Assert
      await expect(platform.describeService('nope', 'web')).rejects.toThrow(NotFoundError);
    });

    it('translates throttling into ThrottlingError', async () => {
      // Arrange
      ecs.on(DescribeServicesCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act / Assert
      await expect(platform.describeService('prod', 'web')).rejects.toThrow(ThrottlingError);
    });
  });

  describe('Method: describeTaskDefinition', () => {
    it('asks for tags and maps every modelled field losslessly', async () => {
      // Arrange
      ecs.on(DescribeTaskDefinitionCommand).resolves({
        taskDefinition: registered(7),
        tags: [{ key: 'understudy:clone', value: 'true' }],
      });
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act
      const described = await platform.describeTaskDefinition('web:7');

      // Assert
      expect(ecs).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, {
        taskDefinition: 'web:7',
        include: ['TAGS'],
      });
      expect(described).toEqual({
        ...spec,
        taskDefinitionArn: `${REGION_ARN}:task-definition/web:7`,
        revision: 7,
        status: 'ACTIVE',
        registeredAt: '2026-11-01T10:00:00.000Z',
        tags: [{ name: 'understudy:clone', value: 'true' }],
      });
    });

    it('throws NotFoundError for ClientException "Unable to describe task definition."', async () => {
      // Arrange
      ecs
        .on(DescribeTaskDefinitionCommand)
        .rejects(
          new ClientException({ message: 'Unable to describe task definition.', $metadata: {} }),
        );
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act / Assert
      await expect(platform.describeTaskDefinition('web:99')).rejects.toMatchObject({
        name: 'NotFoundError',
        kind: 'task definition',
        id: 'web:99',
      });
    });
  });

  describe('Method: registerTaskDefinition', () => {
    it('registers the digest-pinned spec with its tags, field for field', async () => {
      // Arrange
      ecs.on(RegisterTaskDefinitionCommand).resolves({
        taskDefinition: registered(8),
        tags: [{ key: 'understudy:service', value: 'prod/web' }],
      });
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act
      const result = await platform.registerTaskDefinition(spec, [
        { name: 'understudy:service', value: 'prod/web' },
      ]);

      // Assert
      expect(ecs).toHaveReceivedCommandTimes(RegisterTaskDefinitionCommand, 1);
      const input = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input;
      expect(input).toEqual({ ...spec, tags: [{ key: 'understudy:service', value: 'prod/web' }] });
      expect(input?.containerDefinitions?.map((container) => container.image)).toEqual([
        IMAGE,
        IMAGE,
      ]);
      expect(result.revision).toBe(8);
      expect(result.tags).toEqual([{ name: 'understudy:service', value: 'prod/web' }]);
    });

    it('sends no tags field when there are no tags', async () => {
      // Arrange
      ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: registered(1) });
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act
      await platform.registerTaskDefinition(spec, []);

      // Assert
      const input = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input;
      expect(input).not.toHaveProperty('tags');
    });
  });

  describe('Method: listTaskDefinitionRevisions', () => {
    it('pages through ACTIVE revisions newest first and keeps the exact family only', async () => {
      // Arrange
      ecs
        .on(ListTaskDefinitionsCommand, { nextToken: undefined })
        .resolves({
          taskDefinitionArns: [
            `${REGION_ARN}:task-definition/web:12`,
            `${REGION_ARN}:task-definition/web-worker:40`,
          ],
          nextToken: 'page-2',
        })
        .on(ListTaskDefinitionsCommand, { nextToken: 'page-2' })
        .resolves({
          taskDefinitionArns: [
            `${REGION_ARN}:task-definition/web:3`,
            `${REGION_ARN}:task-definition/web:11`,
          ],
        });
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act
      const arns = await platform.listTaskDefinitionRevisions('web');

      // Assert
      expect(ecs).toHaveReceivedCommandTimes(ListTaskDefinitionsCommand, 2);
      expect(ecs).toHaveReceivedNthSpecificCommandWith(1, ListTaskDefinitionsCommand, {
        familyPrefix: 'web',
        status: 'ACTIVE',
        sort: 'DESC',
      });
      expect(ecs).toHaveReceivedNthSpecificCommandWith(2, ListTaskDefinitionsCommand, {
        familyPrefix: 'web',
        nextToken: 'page-2',
      });
      expect(arns).toEqual([
        `${REGION_ARN}:task-definition/web:12`,
        `${REGION_ARN}:task-definition/web:11`,
        `${REGION_ARN}:task-definition/web:3`,
      ]);
    });
  });

  describe('Method: deregisterTaskDefinition', () => {
    it('deregisters the revision by ARN', async () => {
      // Arrange
      ecs.on(DeregisterTaskDefinitionCommand).resolves({ taskDefinition: registered(3) });
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act
      await platform.deregisterTaskDefinition(`${REGION_ARN}:task-definition/web:3`);

      // Assert
      expect(ecs).toHaveReceivedCommandWith(DeregisterTaskDefinitionCommand, {
        taskDefinition: `${REGION_ARN}:task-definition/web:3`,
      });
    });
  });

  describe('Method: createService', () => {
    const serviceSpec: ServiceSpec = {
      cluster: 'prod',
      serviceName: 'web',
      taskDefinition: `${REGION_ARN}:task-definition/web:7`,
      desiredCount: 4,
      launchType: 'FARGATE',
      networkConfiguration: {
        subnets: ['subnet-1'],
        securityGroups: ['sg-1'],
        assignPublicIp: 'DISABLED',
      },
      loadBalancers: [
        {
          targetGroupArn: 'arn:aws:elasticloadbalancing:tg/web',
          containerName: 'web',
          containerPort: 8080,
        },
      ],
      namespace: 'shop.local',
      healthCheckGracePeriodSeconds: 60,
      tags: [{ name: 'team', value: 'shop' }],
    };

    it('creates the service with tags propagated from the service and ECS-managed tags', async () => {
      // Arrange
      ecs.on(CreateServiceCommand).resolves({ service });
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act
      const created = await platform.createService(serviceSpec);

      // Assert
      expect(ecs).toHaveReceivedCommandWith(CreateServiceCommand, {
        cluster: 'prod',
        serviceName: 'web',
        taskDefinition: `${REGION_ARN}:task-definition/web:7`,
        desiredCount: 4,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: ['subnet-1'],
            securityGroups: ['sg-1'],
            assignPublicIp: 'DISABLED',
          },
        },
        loadBalancers: [
          {
            targetGroupArn: 'arn:aws:elasticloadbalancing:tg/web',
            containerName: 'web',
            containerPort: 8080,
          },
        ],
        serviceConnectConfiguration: { enabled: true, namespace: 'shop.local' },
        healthCheckGracePeriodSeconds: 60,
        tags: [{ key: 'team', value: 'shop' }],
        propagateTags: 'SERVICE',
        enableECSManagedTags: true,
      });
      expect(created.serviceArn).toBe(`${REGION_ARN}:service/prod/web`);
    });

    it('throws ConflictError when a different service of that name is already active', async () => {
      // Arrange
      ecs.on(CreateServiceCommand).rejects(
        new InvalidParameterException({
          message: 'Creation of service was not idempotent.',
          $metadata: {},
        }),
      );
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act / Assert
      await expect(platform.createService(serviceSpec)).rejects.toThrow(ConflictError);
    });
  });

  describe('Method: describeService → createService (lossless)', () => {
    it('carries every copied service field from DescribeServices into CreateService', async () => {
      // Arrange: a service as ECS describes it, Service Connect and EBS on its PRIMARY deployment.
      const full: Service = {
        ...service,
        platformVersion: '1.4.0',
        deploymentConfiguration: {
          deploymentCircuitBreaker: { enable: true, rollback: true },
          maximumPercent: 200,
          minimumHealthyPercent: 50,
        },
        deploymentController: { type: 'ECS' },
        placementConstraints: [{ type: 'distinctInstance' }],
        placementStrategy: [{ type: 'binpack', field: 'memory' }],
        schedulingStrategy: 'REPLICA',
        enableExecuteCommand: true,
        propagateTags: 'TASK_DEFINITION',
        enableECSManagedTags: false,
        availabilityZoneRebalancing: 'ENABLED',
        roleArn: 'arn:aws:iam::111122223333:role/ecsServiceRole',
        deployments: [
          {
            id: 'ecs-svc/1',
            status: 'PRIMARY',
            taskDefinition: `${REGION_ARN}:task-definition/web:7`,
            serviceConnectConfiguration: {
              enabled: true,
              namespace: 'shop.local',
              services: [
                {
                  portName: 'http',
                  discoveryName: 'web',
                  clientAliases: [{ port: 80, dnsName: 'web.shop.local' }],
                },
              ],
              logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/sc' } },
            },
            volumeConfigurations: [
              {
                name: 'data',
                managedEBSVolume: {
                  roleArn: 'arn:aws:iam::111122223333:role/ecsInfrastructureRole',
                  sizeInGiB: 20,
                },
              },
            ],
          },
        ],
      };
      ecs.on(DescribeServicesCommand).resolves({ services: [full], failures: [] });
      ecs.on(CreateServiceCommand).resolves({ service: full });
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act
      const described = await platform.describeService('prod', 'web');
      await platform.createService(described);

      // Assert
      expect(ecs).toHaveReceivedCommandWith(CreateServiceCommand, {
        platformVersion: '1.4.0',
        deploymentConfiguration: full.deploymentConfiguration,
        deploymentController: { type: 'ECS' },
        placementConstraints: [{ type: 'distinctInstance' }],
        placementStrategy: [{ type: 'binpack', field: 'memory' }],
        schedulingStrategy: 'REPLICA',
        enableExecuteCommand: true,
        propagateTags: 'TASK_DEFINITION',
        enableECSManagedTags: false,
        availabilityZoneRebalancing: 'ENABLED',
        serviceConnectConfiguration: full.deployments?.[0]?.serviceConnectConfiguration,
        volumeConfigurations: full.deployments?.[0]?.volumeConfigurations,
      });
      // ECS uses its service-linked role in staging; passing one fails for awsvpc services.
      expect(ecs.commandCalls(CreateServiceCommand)[0]?.args[0].input).not.toHaveProperty('role');
    });

    it('sends no desired count for a DAEMON service, which ECS refuses', async () => {
      // Arrange
      ecs.on(CreateServiceCommand).resolves({ service });
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act
      await platform.createService({
        cluster: 'prod',
        serviceName: 'agent',
        taskDefinition: `${REGION_ARN}:task-definition/agent:1`,
        desiredCount: 0,
        schedulingStrategy: 'DAEMON',
      });

      // Assert
      const input = ecs.commandCalls(CreateServiceCommand)[0]?.args[0].input;
      expect(input).not.toHaveProperty('desiredCount');
      expect(input?.schedulingStrategy).toBe('DAEMON');
    });
  });

  describe('Method: applyScaling', () => {
    it('registers the scalable target and puts the target-tracking policy', async () => {
      // Arrange
      autoScaling.on(RegisterScalableTargetCommand).resolves({});
      autoScaling.on(PutScalingPolicyCommand).resolves({ PolicyARN: 'arn:p', Alarms: [] });
      const platform = new EcsContainerPlatform(
        new ECSClient({}),
        new ApplicationAutoScalingClient({}),
      );

      // Act
      await platform.applyScaling('staging', 'prod-web-0123456789', {
        minCapacity: 0,
        maxCapacity: 12,
        policy: {
          policyName: 'cpu60',
          predefinedMetricType: 'ECSServiceAverageCPUUtilization',
          targetValue: 60,
          scaleInCooldown: 300,
        },
      });

      // Assert
      expect(autoScaling).toHaveReceivedCommandWith(RegisterScalableTargetCommand, {
        ServiceNamespace: 'ecs',
        ScalableDimension: 'ecs:service:DesiredCount',
        ResourceId: 'service/staging/prod-web-0123456789',
        MinCapacity: 0,
        MaxCapacity: 12,
      });
      expect(autoScaling.commandCalls(PutScalingPolicyCommand)[0]?.args[0].input).toEqual({
        PolicyName: 'cpu60',
        ServiceNamespace: 'ecs',
        ScalableDimension: 'ecs:service:DesiredCount',
        ResourceId: 'service/staging/prod-web-0123456789',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 60,
          PredefinedMetricSpecification: {
            PredefinedMetricType: 'ECSServiceAverageCPUUtilization',
          },
          ScaleInCooldown: 300,
        },
      });
    });

    it('registers bounds only when there is no policy', async () => {
      // Arrange
      autoScaling.on(RegisterScalableTargetCommand).resolves({});
      const platform = new EcsContainerPlatform(
        new ECSClient({}),
        new ApplicationAutoScalingClient({}),
      );

      // Act
      await platform.applyScaling('staging', 'svc', { minCapacity: 1, maxCapacity: 3 });

      // Assert
      expect(autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 1);
      expect(autoScaling).toHaveReceivedCommandTimes(PutScalingPolicyCommand, 0);
    });
  });

  describe('Method: updateService', () => {
    it('sends only the fields that change', async () => {
      // Arrange
      ecs.on(UpdateServiceCommand).resolves({ service: { ...service, desiredCount: 9 } });
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act
      const updated = await platform.updateService('prod', 'web', { desiredCount: 9 });

      // Assert
      const input = ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input;
      expect(input).toEqual({ cluster: 'prod', service: 'web', desiredCount: 9 });
      expect(updated.desiredCount).toBe(9);
    });

    it('throws NotFoundError for a missing service', async () => {
      // Arrange
      ecs
        .on(UpdateServiceCommand)
        .rejects(awsError('ServiceNotFoundException', 'Service not found.'));
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act / Assert
      await expect(
        platform.updateService('prod', 'gone', { desiredCount: 1 }),
      ).rejects.toMatchObject({
        name: 'NotFoundError',
        id: 'prod/gone',
      });
    });
  });

  describe('Method: listClusters', () => {
    it('pages through all clusters and returns names', async () => {
      // Arrange
      ecs
        .on(ListClustersCommand, { nextToken: undefined })
        .resolves({ clusterArns: [`${REGION_ARN}:cluster/prod`], nextToken: 't' })
        .on(ListClustersCommand, { nextToken: 't' })
        .resolves({ clusterArns: [`${REGION_ARN}:cluster/batch`] });
      const platform = new EcsContainerPlatform(new ECSClient({}));

      // Act
      const names = await platform.listClusters();

      // Assert
      expect(names).toEqual(['prod', 'batch']);
      expect(ecs).toHaveReceivedCommandTimes(ListClustersCommand, 2);
    });
  });
});
