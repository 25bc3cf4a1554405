import {
  DEFAULT_LATENCY,
  SANDBOX_PRIMARY,
  SANDBOX_STAGING,
} from '../../../functions/adapters/sandbox';
import { ConflictError, NotFoundError, ValidationError } from '../../../functions/core/errors';
import { newCloud, START_MS, seedWorld, webSpec } from './fixtures';

const noJitter = { latency: { jitterFraction: 0 } };

describe('Class: SandboxContainerPlatform', () => {
  describe('Method: registerTaskDefinition', () => {
    it('numbers revisions per family, keeps tags and never changes an earlier revision', async () => {
      // Arrange
      const cloud = newCloud();
      const ecs = cloud.containerPlatform(SANDBOX_STAGING);

      // Act
      const first = await ecs.registerTaskDefinition(webSpec('nginx:1'), [
        { name: 'understudy:clone', value: '1' },
      ]);
      const second = await ecs.registerTaskDefinition(webSpec('nginx:2'), []);
      const other = await ecs.registerTaskDefinition(webSpec('nginx:1', 'worker'), []);
      const reread = await ecs.describeTaskDefinition(first.taskDefinitionArn);

      // Assert
      expect([first.revision, second.revision, other.revision]).toEqual([1, 2, 1]);
      expect(first.taskDefinitionArn).toBe(
        'arn:aws:ecs:eu-central-1:222222222222:task-definition/web:1',
      );
      expect(reread.containerDefinitions[0]?.image).toBe('nginx:1');
      expect(reread.tags).toEqual([{ name: 'understudy:clone', value: '1' }]);
      expect(reread.status).toBe('ACTIVE');
    });

    it('rejects an invalid definition', async () => {
      // Arrange
      const ecs = newCloud().containerPlatform(SANDBOX_STAGING);

      // Act
      const error = await ecs
        .registerTaskDefinition({ ...webSpec('nginx:1'), networkMode: 'bridge' }, [])
        .catch((e: unknown) => e);

      // Assert
      expect(error).toBeInstanceOf(ValidationError);
    });
  });

  describe('Method: deregisterTaskDefinition', () => {
    it('marks the revision INACTIVE, still describable but no longer listed', async () => {
      // Arrange
      const cloud = newCloud();
      const ecs = cloud.containerPlatform(SANDBOX_STAGING);
      const first = await ecs.registerTaskDefinition(webSpec('nginx:1'), []);
      const second = await ecs.registerTaskDefinition(webSpec('nginx:2'), []);

      // Act
      await ecs.deregisterTaskDefinition(first.taskDefinitionArn);

      // Assert
      expect((await ecs.describeTaskDefinition('web:1')).status).toBe('INACTIVE');
      expect(await ecs.listTaskDefinitionRevisions('web')).toEqual([second.taskDefinitionArn]);
      expect((await ecs.describeTaskDefinition('web')).revision).toBe(2);
    });
  });

  describe('Method: listTaskDefinitionRevisions', () => {
    it('lists ACTIVE revisions newest first', async () => {
      // Arrange
      const ecs = newCloud().containerPlatform(SANDBOX_STAGING);
      for (let i = 0; i < 3; i += 1) await ecs.registerTaskDefinition(webSpec(`nginx:${i}`), []);

      // Act
      const arns = await ecs.listTaskDefinitionRevisions('web');

      // Assert
      expect(arns.map((arn) => arn.split(':').at(-1))).toEqual(['3', '2', '1']);
    });
  });

  describe('Method: describeTaskDefinition', () => {
    it('raises NotFoundError for an unknown revision', async () => {
      // Arrange
      const ecs = newCloud().containerPlatform(SANDBOX_STAGING);

      // Act
      const error = await ecs.describeTaskDefinition('web:9').catch((e: unknown) => e);

      // Assert
      expect(error).toBeInstanceOf(NotFoundError);
    });
  });

  describe('Method: applyScaling', () => {
    it('keeps the bounds and policy on the service, where describeService reports them', async () => {
      // Arrange
      const cloud = newCloud(noJitter);
      const { taskDefinition, networkConfiguration } = seedWorld(cloud);
      const ecs = cloud.containerPlatform(SANDBOX_PRIMARY);
      await ecs.createService({
        cluster: 'shop',
        serviceName: 'web',
        taskDefinition: taskDefinition.taskDefinitionArn,
        desiredCount: 0,
        launchType: 'FARGATE',
        networkConfiguration,
      });
      const scaling = {
        minCapacity: 0,
        maxCapacity: 8,
        policy: {
          policyName: 'cpu60',
          predefinedMetricType: 'ECSServiceAverageCPUUtilization',
          targetValue: 60,
        },
      };

      // Act
      await ecs.applyScaling('shop', 'web', scaling);
      const described = await ecs.describeService('shop', 'web');

      // Assert
      expect(described.scaling).toEqual(scaling);
      expect(cloud.callCounts()).toMatchObject({
        'application-autoscaling:RegisterScalableTarget': 1,
        'application-autoscaling:PutScalingPolicy': 1,
      });
    });

    it('refuses bounds Application Auto Scaling would, and a service that does not exist', async () => {
      // Arrange
      const cloud = newCloud(noJitter);
      const { taskDefinition, networkConfiguration } = seedWorld(cloud);
      const ecs = cloud.containerPlatform(SANDBOX_PRIMARY);
      await ecs.createService({
        cluster: 'shop',
        serviceName: 'web',
        taskDefinition: taskDefinition.taskDefinitionArn,
        desiredCount: 0,
        launchType: 'FARGATE',
        networkConfiguration,
      });

      // Act
      const inverted = await ecs
        .applyScaling('shop', 'web', { minCapacity: 5, maxCapacity: 2 })
        .catch((e: unknown) => e);
      const missing = await ecs
        .applyScaling('shop', 'gone', { minCapacity: 0, maxCapacity: 2 })
        .catch((e: unknown) => e);

      // Assert
      expect(inverted).toBeInstanceOf(ValidationError);
      expect(missing).toBeInstanceOf(NotFoundError);
      expect((await ecs.describeService('shop', 'web')).scaling).toBeUndefined();
    });
  });

  describe('Method: createService', () => {
    it('starts tasks over virtual time until the deployment completes', async () => {
      // Arrange
      const cloud = newCloud(noJitter);
      const { taskDefinition, networkConfiguration } = seedWorld(cloud);
      const ecs = cloud.containerPlatform(SANDBOX_PRIMARY);
      const m = DEFAULT_LATENCY;
      const taskStartMs = m.fargateProvisionMs + 100 * m.imagePullMsPerMb + m.containerStartMs;

      // Act
      const created = await ecs.createService({
        cluster: 'shop',
        serviceName: 'web',
        taskDefinition: taskDefinition.taskDefinitionArn,
        desiredCount: 3,
        launchType: 'FARGATE',
        networkConfiguration,
      });
      await cloud.clock.sleep(taskStartMs - 1000);
      const early = await ecs.describeService('shop', 'web');
      await cloud.clock.sleep(5000);
      const later = await ecs.describeService('shop', 'web');

      // Assert
      expect(created).toMatchObject({ runningCount: 0, pendingCount: 3, status: 'ACTIVE' });
      expect(created.deployments[0]).toMatchObject({
        status: 'PRIMARY',
        rolloutState: 'IN_PROGRESS',
      });
      expect(early.runningCount).toBe(0);
      expect(later).toMatchObject({ runningCount: 3, pendingCount: 0 });
      expect(later.deployments[0]?.rolloutState).toBe('COMPLETED');
    });

    it('waits for the load-balancer health check before the rollout completes', async () => {
      // Arrange
      const cloud = newCloud(noJitter);
      const { taskDefinition, networkConfiguration } = seedWorld(cloud);
      const ecs = cloud.containerPlatform(SANDBOX_PRIMARY);

      // Act
      await ecs.createService({
        cluster: 'shop',
        serviceName: 'web',
        taskDefinition: taskDefinition.taskDefinitionArn,
        desiredCount: 1,
        networkConfiguration,
        loadBalancers: [
          {
            targetGroupArn: 'arn:aws:elasticloadbalancing:tg/web',
            containerName: 'app',
            containerPort: 8080,
          },
        ],
      });
      await cloud.clock.sleep(40_000);
      const runningNotHealthy = await ecs.describeService('shop', 'web');
      await cloud.clock.sleep(DEFAULT_LATENCY.lbHealthCheckIntervalMs);
      const healthy = await ecs.describeService('shop', 'web');

      // Assert
      expect(runningNotHealthy.runningCount).toBe(1);
      expect(runningNotHealthy.deployments[0]?.rolloutState).toBe('IN_PROGRESS');
      expect(healthy.deployments[0]?.rolloutState).toBe('COMPLETED');
    });

    it('fails the rollout when the image cannot be pulled (registry region dark)', async () => {
      // Arrange
      const cloud = newCloud(noJitter);
      const primaryWorld = seedWorld(cloud, SANDBOX_PRIMARY);
      const staging = seedWorld(cloud, SANDBOX_STAGING);
      const ecs = cloud.containerPlatform(SANDBOX_STAGING);
      const crossRegion = cloud.registerTaskDefinition(
        SANDBOX_STAGING,
        webSpec(primaryWorld.image.uri, 'cross'),
      );
      cloud.setRegionDark(SANDBOX_PRIMARY.region, true);

      // Act
      await ecs.createService({
        cluster: 'shop',
        serviceName: 'cross',
        taskDefinition: crossRegion.taskDefinitionArn,
        desiredCount: 2,
        networkConfiguration: staging.networkConfiguration,
      });
      await cloud.clock.sleep(5 * 60_000);
      const described = await ecs.describeService('shop', 'cross');

      // Assert
      expect(described.runningCount).toBe(0);
      expect(described.deployments[0]?.rolloutState).toBe('FAILED');
    });

    it('paces a large fleet through the Fargate launch bucket', async () => {
      // Arrange
      const cloud = newCloud({
        latency: { jitterFraction: 0, serviceSchedulerTasksPerMinute: 1_000_000 },
      });
      const { taskDefinition, networkConfiguration } = seedWorld(cloud);
      const ecs = cloud.containerPlatform(SANDBOX_PRIMARY);

      // Act: 300 tasks at once; the bucket allows 100 at once and then 20 per second.
      await ecs.createService({
        cluster: 'shop',
        serviceName: 'big',
        taskDefinition: taskDefinition.taskDefinitionArn,
        desiredCount: 300,
        networkConfiguration,
      });
      // Each task takes 30 s to start (15 s provision, 10 s pull of 100 MB, 5 s start).
      await cloud.clock.sleep(32_000);
      const partly = await ecs.describeService('shop', 'big');
      await cloud.clock.sleep(20_000);
      const all = await ecs.describeService('shop', 'big');

      // Assert
      expect(partly.runningCount).toBeGreaterThanOrEqual(100);
      expect(partly.runningCount).toBeLessThan(300);
      expect(all.runningCount).toBe(300);
    });

    it('refuses a second ACTIVE service of the same name, unknown clusters and unknown security groups', async () => {
      // Arrange
      const cloud = newCloud();
      const { taskDefinition, networkConfiguration } = seedWorld(cloud);
      const ecs = cloud.containerPlatform(SANDBOX_PRIMARY);
      const spec = {
        cluster: 'shop',
        serviceName: 'web',
        taskDefinition: taskDefinition.taskDefinitionArn,
        desiredCount: 1,
        networkConfiguration,
      };
      await ecs.createService(spec);

      // Act
      const duplicate = await ecs.createService(spec).catch((e: unknown) => e);
      const noCluster = await ecs
        .createService({ ...spec, cluster: 'nope' })
        .catch((e: unknown) => e);
      const noGroup = await ecs
        .createService({
          ...spec,
          serviceName: 'x',
          networkConfiguration: { ...networkConfiguration, securityGroups: ['sg-missing'] },
        })
        .catch((e: unknown) => e);

      // Assert
      expect(duplicate).toBeInstanceOf(ConflictError);
      expect(noCluster).toMatchObject({ name: 'NotFoundError', kind: 'cluster' });
      expect(noGroup).toMatchObject({ name: 'NotFoundError', kind: 'security group' });
    });
  });

  describe('Method: updateService', () => {
    it('rolls to a new task definition: new PRIMARY deployment, old one drains after it completes', async () => {
      // Arrange
      const cloud = newCloud(noJitter);
      const { taskDefinition, networkConfiguration, image } = seedWorld(cloud);
      cloud.createService(SANDBOX_PRIMARY, {
        cluster: 'shop',
        serviceName: 'web',
        taskDefinition: taskDefinition.taskDefinitionArn,
        desiredCount: 2,
        networkConfiguration,
      });
      const next = cloud.registerTaskDefinition(SANDBOX_PRIMARY, webSpec(image.uri));
      const ecs = cloud.containerPlatform(SANDBOX_PRIMARY);

      // Act
      const updated = await ecs.updateService('shop', 'web', {
        taskDefinition: next.taskDefinitionArn,
      });
      await cloud.clock.sleep(60_000);
      const done = await ecs.describeService('shop', 'web');

      // Assert
      expect(updated.deployments.map((d) => [d.status, d.runningCount])).toEqual([
        ['PRIMARY', 0],
        ['ACTIVE', 2],
      ]);
      expect(updated.runningCount).toBe(2);
      expect(done.deployments).toHaveLength(1);
      expect(done.deployments[0]).toMatchObject({
        taskDefinition: next.taskDefinitionArn,
        runningCount: 2,
        rolloutState: 'COMPLETED',
      });
      expect(done.taskDefinition).toBe(next.taskDefinitionArn);
    });

    it('scales the PRIMARY deployment in place when only the desired count changes', async () => {
      // Arrange
      const cloud = newCloud(noJitter);
      const { taskDefinition, networkConfiguration } = seedWorld(cloud);
      cloud.createService(SANDBOX_PRIMARY, {
        cluster: 'shop',
        serviceName: 'web',
        taskDefinition: taskDefinition.taskDefinitionArn,
        desiredCount: 2,
        networkConfiguration,
      });
      const ecs = cloud.containerPlatform(SANDBOX_PRIMARY);

      // Act
      const scaled = await ecs.updateService('shop', 'web', { desiredCount: 5 });
      await cloud.clock.sleep(60_000);
      const done = await ecs.describeService('shop', 'web');
      const down = await ecs.updateService('shop', 'web', { desiredCount: 1 });

      // Assert
      expect(scaled).toMatchObject({ desiredCount: 5, runningCount: 2, pendingCount: 3 });
      expect(scaled.deployments).toHaveLength(1);
      expect(done).toMatchObject({ runningCount: 5, pendingCount: 0 });
      expect(down).toMatchObject({ desiredCount: 1, runningCount: 1 });
    });

    it('raises NotFoundError for an unknown service', async () => {
      // Arrange
      const cloud = newCloud();
      seedWorld(cloud);

      // Act
      const error = await cloud
        .containerPlatform(SANDBOX_PRIMARY)
        .updateService('shop', 'ghost', { desiredCount: 1 })
        .catch((e: unknown) => e);

      // Assert
      expect(error).toMatchObject({ name: 'NotFoundError', kind: 'service' });
    });
  });

  describe('Method: describeService', () => {
    it('describes a seeded, settled service as running', async () => {
      // Arrange
      const cloud = newCloud();
      const { taskDefinition, networkConfiguration } = seedWorld(cloud);
      cloud.createService(SANDBOX_PRIMARY, {
        cluster: 'shop',
        serviceName: 'web',
        taskDefinition: taskDefinition.taskDefinitionArn,
        desiredCount: 4,
        networkConfiguration,
        tags: [{ name: 'team', value: 'shop' }],
      });

      // Act
      const described = await cloud
        .containerPlatform(SANDBOX_PRIMARY)
        .describeService('shop', 'web');

      // Assert
      expect(described).toMatchObject({
        serviceArn: 'arn:aws:ecs:eu-west-1:111111111111:service/shop/web',
        runningCount: 4,
        pendingCount: 0,
        tags: [{ name: 'team', value: 'shop' }],
      });
      expect(described.deployments[0]?.rolloutState).toBe('COMPLETED');
      expect(cloud.clock.now()).toBeGreaterThan(START_MS);
    });
  });

  describe('Method: listClusters', () => {
    it('lists cluster names', async () => {
      // Arrange
      const cloud = newCloud();
      cloud.createCluster(SANDBOX_STAGING, 'b');
      cloud.createCluster(SANDBOX_STAGING, 'a');

      // Act
      const clusters = await cloud.containerPlatform(SANDBOX_STAGING).listClusters();

      // Assert
      expect(clusters).toEqual(['a', 'b']);
    });
  });
});
