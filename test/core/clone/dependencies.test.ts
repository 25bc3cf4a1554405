import {
  dependencyKey,
  listDependencies,
  readiness,
} from '../../../functions/core/clone/dependencies';
import { buildStagingServiceSpec } from '../../../functions/core/clone/service-definition';
import {
  rewriteForStaging,
  stripAwsFilledFields,
} from '../../../functions/core/clone/task-definition';
import {
  mappings,
  STG_EXEC_ROLE,
  STG_NAMESPACE,
  STG_PARAM,
  STG_SECRET,
  STG_TASK_ROLE,
  STG_TG,
  sourceService,
  sourceTaskDefinition,
  stagedImages,
} from './fixtures';

function staged() {
  const taskDefinition = rewriteForStaging(
    stripAwsFilledFields(sourceTaskDefinition()),
    mappings(),
    stagedImages(),
  );
  const service = buildStagingServiceSpec({
    source: sourceService(),
    taskDefinition,
    taskDefinitionArn: 'arn:staged:1',
    mappings: mappings(),
    groupCopies: { 'sg-web': 'sg-staging-web' },
  });
  return { taskDefinition, service };
}

describe('Module: clone/dependencies', () => {
  describe('Function: listDependencies', () => {
    it('lists every resource the staged definitions need, once each, sorted', () => {
      // Arrange
      const { taskDefinition, service } = staged();

      // Act
      const deps = listDependencies({
        taskDefinition,
        service,
        kmsKeys: ['arn:aws:kms:eu-central-1:222222222222:key/k'],
      });

      // Assert
      expect(deps.map(dependencyKey)).toEqual([
        'cluster:staging',
        'kms-key:arn:aws:kms:eu-central-1:222222222222:key/k',
        'log-group:/staging/shop/web',
        `namespace:${STG_NAMESPACE}`,
        `parameter:${STG_PARAM}`,
        `role:${STG_EXEC_ROLE}`,
        `role:${STG_TASK_ROLE}`,
        `secret:${STG_SECRET}`,
        'security-group:sg-staging-web',
        'subnet:subnet-sa',
        'subnet:subnet-sb',
        `target-group:${STG_TG}`,
      ]);
      expect(deps.find((d) => d.kind === 'secret')?.usedBy).toEqual([
        'containerDefinitions[web].secrets[DB_PASSWORD]',
      ]);
    });

    it('skips a log group ECS creates itself and lists EFS and custom capacity providers', () => {
      // Arrange
      const { service } = staged();
      const taskDefinition = {
        family: 'f',
        containerDefinitions: [
          {
            name: 'a',
            image: 'x',
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': '/auto', 'awslogs-create-group': 'true' },
            },
          },
        ],
        volumes: [{ name: 'v', efsVolumeConfiguration: { fileSystemId: 'fs-1' } }],
      };

      // Act
      const deps = listDependencies({
        taskDefinition,
        service: {
          ...service,
          capacityProviderStrategy: [
            { capacityProvider: 'asg-cp' },
            { capacityProvider: 'FARGATE' },
          ],
        },
      });

      // Assert
      const keys = deps.map(dependencyKey);
      expect(keys).not.toContain('log-group:/auto');
      expect(keys).toEqual(
        expect.arrayContaining(['file-system:fs-1', 'capacity-provider:asg-cp']),
      );
      expect(keys).not.toContain('capacity-provider:FARGATE');
    });
  });

  describe('Function: readiness', () => {
    it('is ready when every dependency is present', () => {
      // Arrange
      const deps = listDependencies(staged());

      // Act / Assert
      expect(readiness(deps, new Set(deps.map(dependencyKey)))).toEqual({
        status: 'ready',
        missing: [],
        reasons: [],
      });
    });

    it('is not ready with a reason per missing dependency', () => {
      // Arrange
      const deps = listDependencies(staged());
      const present = new Set(
        deps.map(dependencyKey).filter((key) => !key.startsWith('target-group:')),
      );

      // Act
      const result = readiness(deps, present);

      // Assert
      expect(result.status).toBe('not-ready');
      expect(result.reasons).toEqual([
        `target-group ${STG_TG} does not exist in staging (used by loadBalancers[web])`,
      ]);
    });
  });
});

describe('Module: clone/dependencies (pinned by mutation testing)', () => {
  describe('Function: listDependencies', () => {
    it('names every field that needs each resource, so an operator knows what to fix', () => {
      // Arrange
      const secret = 'arn:aws:secretsmanager:eu-central-1:222222222222:secret:s-AbCdEf';

      // Act
      const deps = listDependencies({
        taskDefinition: {
          family: 'f',
          executionRoleArn: 'role-x',
          taskRoleArn: 'role-x',
          containerDefinitions: [
            {
              name: 'a',
              image: 'x',
              secrets: [{ name: 'PW', valueFrom: `${secret}:password::` }],
              logConfiguration: {
                logDriver: 'awsfirelens',
                options: { 'awslogs-group': '/ignored' },
                secretOptions: [{ name: 'TOKEN', valueFrom: secret }],
              },
            },
            {
              name: 'b',
              image: 'x',
              secrets: [{ name: 'URL', valueFrom: '/bare/parameter' }],
              logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/b' } },
            },
            { name: 'c', image: 'x', logConfiguration: { logDriver: 'awslogs', options: {} } },
          ],
          volumes: [
            { name: 'scratch' },
            { name: 'efs', efsVolumeConfiguration: { fileSystemId: 'fs-1' } },
          ],
        },
        service: {
          cluster: 'staging',
          serviceName: 'web',
          taskDefinition: 'arn:td:1',
          desiredCount: 0,
          loadBalancers: [{ containerName: 'a', containerPort: 80, targetGroupArn: 'tg-1' }],
          serviceRegistries: [{ registryArn: 'reg-1' }],
          networkConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] },
          capacityProviderStrategy: [
            { capacityProvider: 'FARGATE_SPOT' },
            { capacityProvider: 'cp-1' },
          ],
        },
        kmsKeys: ['key-1', ''],
      });

      // Assert
      expect(deps.map((d) => [dependencyKey(d), d.usedBy])).toEqual([
        ['capacity-provider:cp-1', ['service.capacityProviderStrategy']],
        ['cluster:staging', ['service.cluster']],
        ['file-system:fs-1', ['volumes[efs]']],
        ['kms-key:key-1', ['config.kmsKeys']],
        ['log-group:/b', ['containerDefinitions[b].logConfiguration']],
        ['parameter:/bare/parameter', ['containerDefinitions[b].secrets[URL]']],
        ['role:role-x', ['executionRoleArn', 'taskRoleArn']],
        [
          `secret:${secret}`,
          ['containerDefinitions[a].secrets[PW]', 'containerDefinitions[a].secrets[TOKEN]'],
        ],
        ['security-group:sg-1', ['service.networkConfiguration.securityGroups']],
        ['service-registry:reg-1', ['service.serviceRegistries']],
        ['subnet:subnet-1', ['service.networkConfiguration.subnets']],
        ['target-group:tg-1', ['loadBalancers[a]']],
      ]);
    });
  });

  describe('Function: readiness', () => {
    it('lists every missing dependency with all the fields that use it', () => {
      // Arrange
      const deps = listDependencies({
        taskDefinition: {
          family: 'f',
          executionRoleArn: 'role-x',
          taskRoleArn: 'role-x',
          containerDefinitions: [{ name: 'a', image: 'x' }],
        },
        service: {
          cluster: 'staging',
          serviceName: 'web',
          taskDefinition: 'arn:td:1',
          desiredCount: 0,
        },
      });

      // Act
      const result = readiness(deps, new Set());

      // Assert
      expect(result).toEqual({
        status: 'not-ready',
        missing: deps,
        reasons: [
          'cluster staging does not exist in staging (used by service.cluster)',
          'role role-x does not exist in staging (used by executionRoleArn, taskRoleArn)',
        ],
      });
    });
  });
});
