import { CloneValidationError } from '../../../functions/core/clone/errors';
import {
  buildStagingServiceSpec,
  stagingServiceName,
} from '../../../functions/core/clone/service-definition';
import {
  rewriteForStaging,
  stripAwsFilledFields,
} from '../../../functions/core/clone/task-definition';
import type { ServiceDescription } from '../../../functions/core/model';
import {
  mappings,
  SRC_TG,
  STG_NAMESPACE,
  STG_TG,
  sourceService,
  sourceTaskDefinition,
  stagedImages,
} from './fixtures';

const STAGED_ARN = 'arn:aws:ecs:eu-central-1:222222222222:task-definition/shop-web:3';

function input(source: ServiceDescription = sourceService(), overrides = {}) {
  return {
    source,
    taskDefinition: rewriteForStaging(
      stripAwsFilledFields(sourceTaskDefinition()),
      mappings(),
      stagedImages(),
    ),
    taskDefinitionArn: STAGED_ARN,
    mappings: mappings(),
    groupCopies: { 'sg-web': 'sg-staging-web' },
    ...overrides,
  };
}

function issuesOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof CloneValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected a CloneValidationError');
}

describe('Module: clone/service-definition', () => {
  describe('Function: buildStagingServiceSpec', () => {
    it('translates a service into staging terms with zero desired tasks', () => {
      // Act
      const spec = buildStagingServiceSpec(input());

      // Assert
      expect(spec).toEqual({
        cluster: 'staging',
        serviceName: stagingServiceName('prod', 'web'),
        taskDefinition: STAGED_ARN,
        desiredCount: 0,
        launchType: 'FARGATE',
        networkConfiguration: {
          subnets: ['subnet-sa', 'subnet-sb'],
          securityGroups: ['sg-staging-web'],
          assignPublicIp: 'DISABLED',
        },
        loadBalancers: [{ targetGroupArn: STG_TG, containerName: 'web', containerPort: 8080 }],
        namespace: STG_NAMESPACE,
        healthCheckGracePeriodSeconds: 60,
        scaling: { minCapacity: 2, maxCapacity: 20, targetValue: 60, metric: 'cpu' },
        tags: [{ name: 'team', value: 'shop' }],
      });
    });

    it('uses the configured staging subnets when set', () => {
      // Arrange
      const config = mappings({ subnets: {}, stagingSubnets: ['subnet-x', 'subnet-y'] });

      // Act
      const spec = buildStagingServiceSpec(input(sourceService(), { mappings: config }));

      // Assert
      expect(spec.networkConfiguration?.subnets).toEqual(['subnet-x', 'subnet-y']);
    });

    it('maps a group that is not copied through the securityGroups table', () => {
      // Arrange
      const source = sourceService();
      const withAlb = {
        ...source,
        networkConfiguration: { subnets: ['subnet-a'], securityGroups: ['sg-web', 'sg-alb'] },
      };

      // Act
      const spec = buildStagingServiceSpec(input(withAlb));

      // Assert
      expect(spec.networkConfiguration?.securityGroups).toEqual([
        'sg-staging-web',
        'sg-staging-alb',
      ]);
    });

    it('lists every unmappable field: target group, subnet, group, namespace, capacity provider', () => {
      // Arrange
      const source: ServiceDescription = {
        ...sourceService(),
        launchType: undefined,
        capacityProviderStrategy: [
          { capacityProvider: 'FARGATE_SPOT', weight: 1 },
          { capacityProvider: 'prod-asg', weight: 1 },
        ],
        networkConfiguration: { subnets: ['subnet-z'], securityGroups: ['sg-unknown'] },
      };
      const config = mappings({ targetGroups: {}, namespaces: {} });

      // Act
      const issues = issuesOf(() =>
        buildStagingServiceSpec(input(source, { mappings: config, groupCopies: {} })),
      );

      // Assert
      expect(issues).toEqual([
        `namespace: ${sourceService().namespace} belongs to the primary (111111111111/eu-west-1) and has no mapping in namespaces`,
        'capacityProviderStrategy[prod-asg]: no mapping in capacityProviders',
        'networkConfiguration.subnets[subnet-z]: no mapping in subnets (or set stagingSubnets)',
        'networkConfiguration.securityGroups[sg-unknown]: not copied by the network step and no mapping in securityGroups',
        `loadBalancers[${SRC_TG}]: no pre-created staging target group in targetGroups`,
      ]);
    });

    it('refuses a load balancer bound to a container or port the task definition lacks', () => {
      // Arrange
      const source: ServiceDescription = {
        ...sourceService(),
        loadBalancers: [
          { targetGroupArn: SRC_TG, containerName: 'web', containerPort: 9999 },
          { targetGroupArn: SRC_TG, containerName: 'ghost', containerPort: 8080 },
        ],
      };

      // Act
      const issues = issuesOf(() => buildStagingServiceSpec(input(source)));

      // Assert
      expect(issues).toEqual([
        `loadBalancers[${SRC_TG}].containerPort: container web does not expose port 9999`,
        `loadBalancers[${SRC_TG}].containerName: container ghost is not in the task definition`,
      ]);
    });

    it('maps service registries and custom capacity providers, and refuses unmapped registries', () => {
      // Arrange
      const registry = 'arn:aws:servicediscovery:eu-west-1:111111111111:service/srv-1';
      const source: ServiceDescription = {
        ...sourceService(),
        serviceRegistries: [{ registryArn: registry }],
        capacityProviderStrategy: [{ capacityProvider: 'prod-asg', weight: 1 }],
      };
      const config = mappings({
        serviceRegistries: { [registry]: 'arn:staged-registry' },
        capacityProviders: { 'prod-asg': 'staging-asg' },
      });

      // Act
      const spec = buildStagingServiceSpec(input(source, { mappings: config }));
      const issues = issuesOf(() =>
        buildStagingServiceSpec(input(source, { mappings: { ...config, serviceRegistries: {} } })),
      );

      // Assert
      expect(spec.serviceRegistries).toEqual([{ registryArn: 'arn:staged-registry' }]);
      expect(spec.capacityProviderStrategy).toEqual([
        { capacityProvider: 'staging-asg', weight: 1 },
      ]);
      expect(issues).toEqual([
        `serviceRegistries[${registry}]: ${registry} belongs to the primary (111111111111/eu-west-1) and has no mapping in serviceRegistries`,
      ]);
    });

    it('keeps the capacity provider strategy and drops the launch type when both are set', () => {
      // Arrange
      const source: ServiceDescription = {
        ...sourceService(),
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE', base: 1, weight: 1 }],
      };

      // Act
      const spec = buildStagingServiceSpec(input(source));

      // Assert
      expect(spec.launchType).toBeUndefined();
      expect(spec.capacityProviderStrategy).toEqual([
        { capacityProvider: 'FARGATE', base: 1, weight: 1 },
      ]);
    });
  });
});

describe('Module: clone/service-definition (lossless)', () => {
  describe('Function: buildStagingServiceSpec', () => {
    it('copies deployment, placement, Service Connect, exec, tags and volume settings', () => {
      // Arrange
      const source: ServiceDescription = {
        ...sourceService(),
        platformVersion: '1.4.0',
        deploymentConfiguration: {
          deploymentCircuitBreaker: { enable: true, rollback: true },
          maximumPercent: 200,
          minimumHealthyPercent: 100,
        },
        deploymentController: { type: 'ECS' },
        placementConstraints: [{ type: 'distinctInstance' }],
        placementStrategy: [{ type: 'spread', field: 'attribute:ecs.availability-zone' }],
        schedulingStrategy: 'REPLICA',
        enableExecuteCommand: true,
        propagateTags: 'TASK_DEFINITION',
        enableECSManagedTags: false,
        availabilityZoneRebalancing: 'ENABLED',
        serviceConnectServices: [
          {
            portName: 'http',
            discoveryName: 'web',
            clientAliases: [{ port: 80, dnsName: 'web.local' }],
          },
        ],
        serviceConnectLogConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/sc/web', 'awslogs-region': 'eu-west-1' },
        },
        volumeConfigurations: [
          {
            name: 'data',
            managedEBSVolume: {
              roleArn: 'arn:aws:iam::111111111111:role/ecsInfrastructureRole',
              sizeInGiB: 20,
              volumeType: 'gp3',
            },
          },
        ],
      };

      // Act
      const spec = buildStagingServiceSpec(
        input(source, {
          mappings: mappings({ rewriteRegionAndAccount: ['roles'] }),
        }),
      );

      // Assert
      expect(spec).toMatchObject({
        platformVersion: '1.4.0',
        deploymentConfiguration: source.deploymentConfiguration,
        deploymentController: { type: 'ECS' },
        placementConstraints: source.placementConstraints,
        placementStrategy: source.placementStrategy,
        schedulingStrategy: 'REPLICA',
        enableExecuteCommand: true,
        propagateTags: 'TASK_DEFINITION',
        enableECSManagedTags: false,
        availabilityZoneRebalancing: 'ENABLED',
        serviceConnectServices: source.serviceConnectServices,
        serviceConnectLogConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/sc/web', 'awslogs-region': 'eu-central-1' },
        },
        volumeConfigurations: [
          {
            name: 'data',
            managedEBSVolume: {
              roleArn: 'arn:aws:iam::222222222222:role/ecsInfrastructureRole',
              sizeInGiB: 20,
              volumeType: 'gp3',
            },
          },
        ],
      });
    });

    it('refuses what staging cannot reach: an EBS snapshot, an ALB-tracking label, a TLS role', () => {
      // Arrange
      const label = 'app/web/0123/targetgroup/web/4567';
      const source: ServiceDescription = {
        ...sourceService(),
        serviceConnectServices: [
          {
            portName: 'http',
            tls: {
              issuerCertificateAuthority: {},
              roleArn: 'arn:aws:iam::111111111111:role/sc-tls',
            },
          },
        ],
        volumeConfigurations: [
          { name: 'data', managedEBSVolume: { snapshotId: 'snap-0123456789abcdef0' } },
        ],
        scaling: {
          minCapacity: 1,
          maxCapacity: 4,
          policy: {
            policyName: 'rps',
            predefinedMetricType: 'ALBRequestCountPerTarget',
            resourceLabel: label,
            targetValue: 1000,
          },
        },
      };

      // Act
      const issues = issuesOf(() => buildStagingServiceSpec(input(source)));

      // Assert
      expect(issues).toEqual([
        'serviceConnectServices[http].tls.roleArn: arn:aws:iam::111111111111:role/sc-tls belongs to the primary (111111111111/eu-west-1) and has no mapping in roles',
        `scaling.policy.resourceLabel: ${label} names a primary load balancer; set arns["${label}"] to the staging app/…/targetgroup/… label`,
        'volumeConfigurations[data].managedEBSVolume.snapshotId: snap-0123456789abcdef0 is regional and has no mapping in arns',
      ]);
    });

    it('gives same-named services of two primary clusters different staging names', () => {
      // Arrange
      const blue = { ...sourceService(), cluster: 'prod-blue' };
      const green = { ...sourceService(), cluster: 'prod-green' };

      // Act
      const names = [blue, green].map(
        (source) => buildStagingServiceSpec(input(source)).serviceName,
      );

      // Assert
      expect(names[0]).not.toBe(names[1]);
      expect(names).toEqual([
        stagingServiceName('prod-blue', 'web'),
        stagingServiceName('prod-green', 'web'),
      ]);
      expect(buildStagingServiceSpec(input(blue)).serviceName).toBe(names[0]);
    });
  });

  describe('Function: stagingServiceName', () => {
    it('is deterministic, readable and tells apart names that join the same way', () => {
      // Act
      const a = stagingServiceName('a-', 'b');
      const b = stagingServiceName('a', '-b');

      // Assert
      expect(a).toMatch(/^a--b-[0-9a-f]{10}$/);
      expect(b).toMatch(/^a--b-[0-9a-f]{10}$/);
      expect(a).not.toBe(b);
      expect(stagingServiceName('a-', 'b')).toBe(a);
    });

    it("stays within ECS's 255 characters and ECS's character set, keeping the hash", () => {
      // Arrange
      const cluster = 'c'.repeat(255);
      const service = 's'.repeat(255);

      // Act
      const name = stagingServiceName(cluster, service);
      const other = stagingServiceName(cluster, `${'s'.repeat(254)}t`);

      // Assert
      expect(name).toHaveLength(255);
      expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(name).not.toBe(other);
    });
  });
});

describe('Module: clone/service-definition (deployment hooks)', () => {
  it('maps ARNs inside the deployment configuration, or refuses them naming arns', () => {
    // Arrange
    const hook = 'arn:aws:lambda:eu-west-1:111111111111:function:pre-traffic';
    const source: ServiceDescription = {
      ...sourceService(),
      deploymentConfiguration: {
        maximumPercent: 200,
        strategy: 'BLUE_GREEN',
        lifecycleHooks: [{ hookTargetArn: hook, lifecycleStages: ['PRE_SCALE_UP'] }],
      } as ServiceDescription['deploymentConfiguration'],
    };
    const staged = 'arn:aws:lambda:eu-central-1:222222222222:function:pre-traffic';

    // Act
    const refused = issuesOf(() => buildStagingServiceSpec(input(source)));
    const mapped = buildStagingServiceSpec(
      input(source, { mappings: mappings({ arns: { [hook]: staged } }) }),
    );

    // Assert
    expect(refused).toEqual([
      `deploymentConfiguration: ${hook} belongs to the primary (111111111111/eu-west-1) and has no mapping in arns`,
    ]);
    expect(mapped.deploymentConfiguration).toEqual({
      maximumPercent: 200,
      strategy: 'BLUE_GREEN',
      lifecycleHooks: [{ hookTargetArn: staged, lifecycleStages: ['PRE_SCALE_UP'] }],
    });
  });
});
