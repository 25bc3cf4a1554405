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
