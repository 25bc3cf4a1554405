// EcsContainerPlatform.describePinnedImages call by call. moto implements neither
// ListServiceDeployments nor DescribeServiceRevisions, and its tasks carry no imageDigest, so the
// request shapes and the choice of digest are pinned here; test/aws-api covers the ListTasks +
// DescribeTasks protocol against moto.
import {
  AccessDeniedException,
  DescribeServiceRevisionsCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { EcsContainerPlatform } from '../../functions/adapters/aws/ecs-container-platform';
import { AccessDeniedError } from '../../functions/core/errors';

const ecs = mockClient(ECSClient);
const ARN = 'arn:aws:ecs:eu-west-1:111122223333';
const TD1 = `${ARN}:task-definition/web:1`;
const TD2 = `${ARN}:task-definition/web:2`;
const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const revision = (id: string) => `${ARN}:service-revision/shop/web/${id}`;

afterEach(() => {
  ecs.reset();
});

describe('Class: EcsContainerPlatform', () => {
  describe('Method: describePinnedImages', () => {
    it('reads the digests of the newest live revision on the task definition', async () => {
      // Arrange
      ecs.on(ListServiceDeploymentsCommand).resolves({
        serviceDeployments: [
          { targetServiceRevisionArn: revision('3'), status: 'SUCCESSFUL' },
          { targetServiceRevisionArn: revision('2'), status: 'SUCCESSFUL' },
          { targetServiceRevisionArn: revision('3'), status: 'IN_PROGRESS' },
        ],
      });
      ecs.on(DescribeServiceRevisionsCommand).resolves({
        serviceRevisions: [
          {
            serviceRevisionArn: revision('2'),
            taskDefinition: TD2,
            createdAt: new Date('2026-01-02T00:00:00Z'),
            containerImages: [{ containerName: 'web', imageDigest: A, image: 'shop/web:latest' }],
          },
          {
            serviceRevisionArn: revision('3'),
            taskDefinition: TD2,
            createdAt: new Date('2026-01-03T00:00:00Z'),
            containerImages: [
              { containerName: 'web', imageDigest: B, image: 'shop/web:latest' },
              { containerName: 'log', image: 'fluent-bit' },
            ],
          },
        ],
      });
      const platform = new EcsContainerPlatform(new ECSClient({ region: 'eu-west-1' }));

      // Act
      const pinned = await platform.describePinnedImages('shop', 'web', TD2);

      // Assert
      expect(pinned).toEqual({ source: 'service-revision', digests: { web: B } });
      expect(ecs).toHaveReceivedCommandWith(ListServiceDeploymentsCommand, {
        cluster: 'shop',
        service: 'web',
        status: ['PENDING', 'IN_PROGRESS', 'SUCCESSFUL'],
        maxResults: 20,
      });
      expect(ecs).toHaveReceivedCommandWith(DescribeServiceRevisionsCommand, {
        serviceRevisionArns: [revision('3'), revision('2')],
      });
      expect(ecs).not.toHaveReceivedCommand(ListTasksCommand);
    });

    it('falls back to the running tasks on the task definition when no revision records a digest', async () => {
      // Arrange
      ecs.on(ListServiceDeploymentsCommand).resolves({
        serviceDeployments: [{ targetServiceRevisionArn: revision('1'), status: 'SUCCESSFUL' }],
      });
      ecs.on(DescribeServiceRevisionsCommand).resolves({
        serviceRevisions: [
          { serviceRevisionArn: revision('1'), taskDefinition: TD1, containerImages: [] },
        ],
      });
      ecs.on(ListTasksCommand).resolves({ taskArns: ['t1', 't2', 't3'] });
      ecs.on(DescribeTasksCommand).resolves({
        tasks: [
          { taskDefinitionArn: TD2, containers: [{ name: 'web', imageDigest: A }] },
          { taskDefinitionArn: TD2, containers: [{ name: 'web', imageDigest: A }] },
          // A task still draining from the previous revision does not count.
          { taskDefinitionArn: TD1, containers: [{ name: 'web', imageDigest: B }] },
        ],
      });
      const platform = new EcsContainerPlatform(new ECSClient({ region: 'eu-west-1' }));

      // Act
      const pinned = await platform.describePinnedImages('shop', 'web', TD2);

      // Assert
      expect(pinned).toEqual({ source: 'running-tasks', digests: { web: A } });
      expect(ecs).toHaveReceivedCommandWith(ListTasksCommand, {
        cluster: 'shop',
        serviceName: 'web',
        desiredStatus: 'RUNNING',
        maxResults: 100,
      });
      expect(ecs).toHaveReceivedCommandWith(DescribeTasksCommand, {
        cluster: 'shop',
        tasks: ['t1', 't2', 't3'],
      });
    });

    it('falls back to the running tasks when ECS keeps no deployments for the service', async () => {
      // Arrange: a CODE_DEPLOY or EXTERNAL controller
      ecs
        .on(ListServiceDeploymentsCommand)
        .rejects(new InvalidParameterException({ message: 'not supported', $metadata: {} }));
      ecs.on(ListTasksCommand).resolves({ taskArns: ['t1'] });
      ecs.on(DescribeTasksCommand).resolves({
        tasks: [{ taskDefinitionArn: TD1, containers: [{ name: 'web', imageDigest: B }] }],
      });
      const platform = new EcsContainerPlatform(new ECSClient({ region: 'eu-west-1' }));

      // Act + Assert
      await expect(platform.describePinnedImages('shop', 'web', TD1)).resolves.toEqual({
        source: 'running-tasks',
        digests: { web: B },
      });
      expect(ecs).not.toHaveReceivedCommand(DescribeServiceRevisionsCommand);
    });

    it('reports none, without describing tasks, when nothing runs and no revision exists', async () => {
      // Arrange
      ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] });
      ecs.on(ListTasksCommand).resolves({ taskArns: [] });
      const platform = new EcsContainerPlatform(new ECSClient({ region: 'eu-west-1' }));

      // Act + Assert
      await expect(platform.describePinnedImages('shop', 'web', TD1)).resolves.toEqual({
        source: 'none',
        digests: {},
      });
      expect(ecs).not.toHaveReceivedCommand(DescribeServiceRevisionsCommand);
      expect(ecs).not.toHaveReceivedCommand(DescribeTasksCommand);
    });

    it('does not hide a missing grant behind the fallback', async () => {
      // Arrange
      ecs
        .on(ListServiceDeploymentsCommand)
        .rejects(new AccessDeniedException({ message: 'not authorized', $metadata: {} }));
      const platform = new EcsContainerPlatform(new ECSClient({ region: 'eu-west-1' }));

      // Act + Assert
      await expect(platform.describePinnedImages('shop', 'web', TD1)).rejects.toBeInstanceOf(
        AccessDeniedError,
      );
      expect(ecs).not.toHaveReceivedCommand(ListTasksCommand);
    });
  });
});
