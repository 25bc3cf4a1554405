// What a failover waits on, in the sandbox: task start after an image pull that grows with image
// size, target registration (interval × checks), the circuit breaker's threshold, Fargate vCPU
// quota exhaustion, and the failover ports' sandbox implementations.
import { SANDBOX_PRIMARY, ZERO_LATENCY } from '../../../functions/adapters/sandbox';
import {
  MemoryFailoverRecordStore,
  SandboxFailoverPlatform,
  SandboxQuotaReader,
  SandboxTrafficSwitch,
} from '../../../functions/adapters/sandbox/failover-ports';
import {
  circuitBreakerThreshold,
  DEFAULT_LATENCY,
} from '../../../functions/adapters/sandbox/latency-model';
import { ServiceUnavailableError } from '../../../functions/core/errors';
import { newCloud, seedWorld } from './fixtures';

const TG = 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/web/1';
const MIB = 1024 * 1024;
const exact = {
  latency: {
    ...ZERO_LATENCY,
    fargateProvisionMs: 15_000,
    containerStartMs: 5_000,
    imagePullMsPerMb: 100,
    lbHealthCheckIntervalMs: 30_000,
  },
};

async function deployedWeb(options: { imageMb?: number; desired?: number } = {}) {
  const cloud = newCloud(exact);
  const world = seedWorld(cloud);
  const image = cloud.pushImage(SANDBOX_PRIMARY, {
    repository: 'shop/big',
    tag: 'v1',
    layers: [{ sizeBytes: (options.imageMb ?? 100) * MIB }],
  });
  const taskDefinition = cloud.registerTaskDefinition(SANDBOX_PRIMARY, {
    ...world.taskDefinition,
    family: 'big',
    containerDefinitions: [{ name: 'app', image: image.uri, essential: true }],
  });
  const ecs = cloud.containerPlatform(SANDBOX_PRIMARY);
  await ecs.createService({
    cluster: 'shop',
    serviceName: 'web',
    taskDefinition: taskDefinition.taskDefinitionArn,
    desiredCount: options.desired ?? 2,
    networkConfiguration: world.networkConfiguration,
    loadBalancers: [{ targetGroupArn: TG, containerName: 'app', containerPort: 8080 }],
  });
  return { cloud, fleet: new SandboxFailoverPlatform(cloud, SANDBOX_PRIMARY) };
}

describe('Module: sandbox failover model', () => {
  describe('Function: circuitBreakerThreshold', () => {
    it('is half the desired count, at least 3 and at most 200', () => {
      // Assert
      expect(circuitBreakerThreshold(DEFAULT_LATENCY, 2)).toBe(3);
      expect(circuitBreakerThreshold(DEFAULT_LATENCY, 30)).toBe(15);
      expect(circuitBreakerThreshold(DEFAULT_LATENCY, 1000)).toBe(200);
    });
  });

  describe('Method: targetHealth', () => {
    it('turns targets healthy one health-check interval after the tasks run, later for a bigger image', async () => {
      // Arrange
      const small = await deployedWeb({ imageMb: 100 });
      const big = await deployedWeb({ imageMb: 500 });

      // Act: 15 s + 100 MiB × 100 ms + 5 s = 30 s to run, + 30 s to be healthy.
      await small.cloud.clock.sleep(59_000);
      const before = await small.fleet.targetHealth(TG);
      await small.cloud.clock.sleep(2_000);
      const after = await small.fleet.targetHealth(TG);
      await big.cloud.clock.sleep(61_000);
      const bigAfter = await big.fleet.targetHealth(TG);

      // Assert
      expect(before).toMatchObject({ healthy: 0, other: 2 });
      expect(after).toMatchObject({ healthy: 2, other: 0 });
      expect(bigAfter).toMatchObject({ healthy: 0, other: 0 });
    });

    it('never turns the targets of an unhealthy service healthy', async () => {
      // Arrange
      const { cloud, fleet } = await deployedWeb();
      cloud.markUnhealthy(SANDBOX_PRIMARY, 'shop', 'web');

      // Act
      await cloud.clock.sleep(600_000);

      // Assert
      expect(await fleet.targetHealth(TG)).toMatchObject({ healthy: 0, other: 2 });
    });
  });

  describe('Method: fargateCapacity', () => {
    it('keeps tasks beyond the vCPU quota pending and reports the use to Service Quotas', async () => {
      // Arrange: 0.25 vCPU per task, quota 1 vCPU, 6 tasks wanted.
      const cloud = newCloud(exact);
      cloud.setFargateVcpuQuota(SANDBOX_PRIMARY, 1);
      const world = seedWorld(cloud);
      const ecs = cloud.containerPlatform(SANDBOX_PRIMARY);

      // Act
      await ecs.createService({
        cluster: 'shop',
        serviceName: 'web',
        taskDefinition: world.taskDefinition.taskDefinitionArn,
        desiredCount: 6,
        networkConfiguration: world.networkConfiguration,
      });
      await cloud.clock.sleep(600_000);
      const described = await ecs.describeService('shop', 'web');

      // Assert
      expect(described.runningCount).toBe(4);
      expect(described.deployments[0]?.rolloutState).toBe('IN_PROGRESS');
      expect(await new SandboxQuotaReader(cloud, SANDBOX_PRIMARY).fargateVcpu()).toEqual({
        quota: 1,
        inUse: 1,
      });
    });
  });

  describe('Class: SandboxFailoverPlatform', () => {
    it('describes up to 10 services per call and lists the missing ones', async () => {
      // Arrange
      const { fleet } = await deployedWeb();

      // Act
      const result = await fleet.describeServices('shop', ['web', 'nope']);

      // Assert
      expect(result.services.map((s) => s.serviceName)).toEqual(['web']);
      expect(result.missing).toEqual(['nope']);
      expect(() =>
        fleet.describeServices(
          'shop',
          Array.from({ length: 11 }, (_, i) => `s${i}`),
        ),
      ).toThrow(/1 to 10/);
    });

    it('tags a service, replacing a tag of the same key', async () => {
      // Arrange
      const { cloud, fleet } = await deployedWeb();
      const ecs = cloud.containerPlatform(SANDBOX_PRIMARY);
      const { serviceArn } = await ecs.describeService('shop', 'web');

      // Act
      await fleet.tagService(serviceArn, [{ name: 'understudy:authority-epoch', value: '2' }]);
      await fleet.tagService(serviceArn, [{ name: 'understudy:authority-epoch', value: '3' }]);

      // Assert
      expect((await ecs.describeService('shop', 'web')).tags).toEqual([
        { name: 'understudy:authority-epoch', value: '3' },
      ]);
    });
  });

  describe('Class: SandboxTrafficSwitch', () => {
    it('tries the next ARC cluster endpoint when a region is dark', async () => {
      // Arrange
      const cloud = newCloud();
      const traffic = new SandboxTrafficSwitch(cloud, SANDBOX_PRIMARY);
      cloud.setRegionDark('us-east-1', true);
      const route = {
        kind: 'arc-routing-control',
        stagingRoutingControlArn:
          'arn:aws:route53-recovery-control::111111111111:controlpanel/x/routingcontrol/staging',
        clusterEndpoints: [
          { endpoint: 'https://a.example/v1', region: 'us-east-1' },
          { endpoint: 'https://b.example/v1', region: 'us-west-2' },
        ],
      } as const;

      // Act
      const shift = await traffic.shift(route, 'to-staging');

      // Assert
      expect(shift).toEqual({
        kind: 'arc-routing-control',
        direction: 'to-staging',
        endpoint: 'https://b.example/v1',
        attempts: 2,
      });
    });

    it('fails when no endpoint answers', async () => {
      // Arrange
      const cloud = newCloud();
      cloud.setRegionDark('us-east-1', true);
      const traffic = new SandboxTrafficSwitch(cloud, SANDBOX_PRIMARY);

      // Act
      const shift = traffic.shift(
        {
          kind: 'arc-routing-control',
          stagingRoutingControlArn:
            'arn:aws:route53-recovery-control::1:controlpanel/x/routingcontrol/s',
          clusterEndpoints: [{ endpoint: 'https://a.example/v1', region: 'us-east-1' }],
        },
        'to-staging',
      );

      // Assert
      await expect(shift).rejects.toBeInstanceOf(ServiceUnavailableError);
    });
  });

  describe('Class: MemoryFailoverRecordStore', () => {
    it('keeps the first write of a milestone and appends a transition once', async () => {
      // Arrange
      const cloud = newCloud();
      const store = new MemoryFailoverRecordStore(cloud.clock);
      const at = '2026-01-01T00:00:00.000Z';
      await store.begin({
        executionName: 'x',
        executionArn: 'arn',
        alarmName: 'a',
        mode: 'auto',
        detectedAt: at,
        startedAt: at,
      });

      // Act
      await store.update('x', {
        milestones: { firstDeployCall: at },
        transitions: [{ phase: 'lease', at }],
      });
      const record = await store.update('x', {
        milestones: { firstDeployCall: '2026-01-01T00:01:00.000Z' },
        transitions: [{ phase: 'lease', at }],
      });

      // Assert
      expect(record.milestones.firstDeployCall).toBe(at);
      expect(record.transitions.filter((t) => t.phase === 'lease')).toHaveLength(1);
    });
  });
});
