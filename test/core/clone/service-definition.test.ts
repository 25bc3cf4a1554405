import { CloneValidationError } from '../../../functions/core/clone/errors';
import { buildStagingServiceSpec } from '../../../functions/core/clone/service-definition';
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
        serviceName: 'web',
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
