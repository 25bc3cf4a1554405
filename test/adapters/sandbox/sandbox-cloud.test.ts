import {
  parseEcrUri,
  SANDBOX_PRIMARY,
  SANDBOX_STAGING,
  type SandboxCloud,
  ZERO_LATENCY,
} from '../../../functions/adapters/sandbox';
import { ServiceUnavailableError, ThrottlingError } from '../../../functions/core/errors';
import { newCloud, START_MS, seedWorld, webSpec } from './fixtures';

/** A fixed workload mixing reads, writes and concurrency, with retries on failure. */
async function workload(cloud: SandboxCloud): Promise<string[]> {
  const { taskDefinition, networkConfiguration } = seedWorld(cloud);
  const ecs = cloud.containerPlatform(SANDBOX_PRIMARY);
  const outcomes: string[] = [];
  const attempt = async (label: string, fn: () => Promise<unknown>) => {
    for (let i = 0; i < 5; i += 1) {
      try {
        await fn();
        outcomes.push(`${label}:ok@${cloud.clock.now()}`);
        return;
      } catch (error) {
        outcomes.push(`${label}:${(error as Error).name}@${cloud.clock.now()}`);
        await cloud.clock.sleep(200 * 2 ** i);
      }
    }
  };
  await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      attempt(`svc${i}`, () =>
        ecs.createService({
          cluster: 'shop',
          serviceName: `svc${i}`,
          taskDefinition: taskDefinition.taskDefinitionArn,
          desiredCount: 2,
          networkConfiguration,
        }),
      ),
    ),
  );
  await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      attempt(`describe${i}`, () => ecs.describeService('shop', `svc${i}`)),
    ),
  );
  return outcomes;
}

const faults = { default: { throttle: 0.1, unavailable: 0.1, timeout: 0.05 } };

describe('Class: SandboxCloud', () => {
  describe('Method: call', () => {
    it('replays the same call log, faults and virtual timings for the same seed', async () => {
      // Arrange
      const first = newCloud({ seed: 99, faults });
      const second = newCloud({ seed: 99, faults });

      // Act
      const outcomesA = await workload(first);
      const outcomesB = await workload(second);

      // Assert
      expect(outcomesA).toEqual(outcomesB);
      expect(first.callLog()).toEqual(second.callLog());
      expect(first.clock.now()).toBe(second.clock.now());
      expect(outcomesA.some((o) => !o.includes(':ok@'))).toBe(true);
    });

    it('differs for a different seed', async () => {
      // Arrange
      const first = newCloud({ seed: 1, faults });
      const second = newCloud({ seed: 2, faults });

      // Act
      await workload(first);
      await workload(second);

      // Assert
      expect(first.callLog()).not.toEqual(second.callLog());
    });

    it('throttles a burst of 25 RegisterTaskDefinition calls after 20, and admits one more a second later', async () => {
      // Arrange
      const cloud = newCloud();
      const ecs = cloud.containerPlatform(SANDBOX_STAGING);

      // Act
      const burst = await Promise.allSettled(
        Array.from({ length: 25 }, () => ecs.registerTaskDefinition(webSpec('nginx:1'), [])),
      );
      await cloud.clock.sleep(1000);
      const after = await Promise.allSettled([
        ecs.registerTaskDefinition(webSpec('nginx:1'), []),
        ecs.registerTaskDefinition(webSpec('nginx:1'), []),
      ]);

      // Assert
      expect(burst.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
      const rejected = burst.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected).toHaveLength(5);
      expect(rejected.every((r) => r.reason instanceof ThrottlingError)).toBe(true);
      expect(after.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
      expect(cloud.callCounts({ outcome: 'throttled' })).toEqual({
        'ecs:RegisterTaskDefinition': 6,
      });
    });

    it('keeps rate limits separate per account and region', async () => {
      // Arrange
      const cloud = newCloud();
      const spec = webSpec('nginx:1');

      // Act
      const primary = await Promise.allSettled(
        Array.from({ length: 20 }, () =>
          cloud.containerPlatform(SANDBOX_PRIMARY).registerTaskDefinition(spec, []),
        ),
      );
      const staging = await Promise.allSettled(
        Array.from({ length: 20 }, () =>
          cloud.containerPlatform(SANDBOX_STAGING).registerTaskDefinition(spec, []),
        ),
      );

      // Assert
      expect(primary.every((r) => r.status === 'fulfilled')).toBe(true);
      expect(staging.every((r) => r.status === 'fulfilled')).toBe(true);
    });

    it('overlaps parallel calls in virtual time', async () => {
      // Arrange
      const cloud = newCloud({
        latency: {
          ...ZERO_LATENCY,
          apiMs: { read: 1000, write: 1000, registry: 1000, metrics: 1000 },
        },
      });
      seedWorld(cloud);
      const ecs = cloud.containerPlatform(SANDBOX_PRIMARY);

      // Act
      await Promise.all(Array.from({ length: 10 }, () => ecs.listClusters()));

      // Assert
      expect(cloud.clock.now() - START_MS).toBe(1000);
    });
  });

  describe('Method: setRegionDark', () => {
    it('fails every call to the dark region until it returns, and leaves others alone', async () => {
      // Arrange
      const cloud = newCloud();
      seedWorld(cloud, SANDBOX_PRIMARY);
      seedWorld(cloud, SANDBOX_STAGING);
      const primary = cloud.containerPlatform(SANDBOX_PRIMARY);
      const staging = cloud.containerPlatform(SANDBOX_STAGING);

      // Act
      cloud.setRegionDark(SANDBOX_PRIMARY.region, true);
      const whileDark = await primary.listClusters().catch((error: unknown) => error);
      const stagingWhileDark = await staging.listClusters();
      cloud.setRegionDark(SANDBOX_PRIMARY.region, false);
      const afterwards = await primary.listClusters();

      // Assert
      expect(whileDark).toBeInstanceOf(ServiceUnavailableError);
      expect(stagingWhileDark).toEqual(['shop']);
      expect(afterwards).toEqual(['shop']);
      expect(cloud.callCounts({ outcome: 'dark' })).toEqual({ 'ecs:ListClusters': 1 });
    });
  });

  describe('Method: darkenRegion', () => {
    it('darkens a region for a scheduled window of virtual time', async () => {
      // Arrange
      const cloud = newCloud();
      seedWorld(cloud);
      const ecs = cloud.containerPlatform(SANDBOX_PRIMARY);
      cloud.darkenRegion(SANDBOX_PRIMARY.region, {
        fromMs: START_MS + 10_000,
        untilMs: START_MS + 20_000,
      });

      // Act
      const before = await ecs.listClusters();
      await cloud.clock.sleep(15_000);
      const during = await ecs.listClusters().catch((error: unknown) => error);
      await cloud.clock.sleep(10_000);
      const after = await ecs.listClusters();

      // Assert
      expect(before).toEqual(['shop']);
      expect(during).toBeInstanceOf(ServiceUnavailableError);
      expect(after).toEqual(['shop']);
    });
  });

  describe('Method: callCounts', () => {
    it('counts calls per operation and per location', async () => {
      // Arrange
      const cloud = newCloud();
      seedWorld(cloud);
      const ecs = cloud.containerPlatform(SANDBOX_PRIMARY);

      // Act
      await ecs.listClusters();
      await ecs.describeTaskDefinition('web:1');
      await ecs.describeTaskDefinition('web');
      await cloud.containerPlatform(SANDBOX_STAGING).listClusters();

      // Assert
      expect(cloud.callCounts({ region: SANDBOX_PRIMARY.region })).toEqual({
        'ecs:DescribeTaskDefinition': 2,
        'ecs:ListClusters': 1,
      });
      expect(cloud.totalCalls).toBe(4);
      cloud.resetCallLog();
      expect(cloud.callLog()).toEqual([]);
    });
  });

  describe('Method: pushImage', () => {
    it('stores manifests whose digests are the sha256 of their bytes, with an index for several platforms', async () => {
      // Arrange
      const cloud = newCloud();

      // Act
      const pushed = cloud.pushImage(SANDBOX_PRIMARY, {
        repository: 'shop/api',
        tag: 'v2',
        layers: [new TextEncoder().encode('layer-bytes')],
        platforms: ['linux/amd64', 'linux/arm64'],
      });

      // Assert
      const { createHash } = await import('node:crypto');
      expect(pushed.manifests).toHaveLength(3);
      for (const manifest of pushed.manifests) {
        expect(manifest.digest).toBe(
          `sha256:${createHash('sha256').update(manifest.bytes).digest('hex')}`,
        );
      }
      expect(pushed.manifests[0]?.mediaType).toBe('application/vnd.oci.image.index.v1+json');
      expect(pushed.manifests[0]?.children).toHaveLength(2);
      expect(pushed.uri).toBe(
        `111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop/api@${pushed.reference.digest}`,
      );
    });
  });
});

describe('Class: SandboxCloud (seeding and faults)', () => {
  describe('Method: seedFleet', () => {
    it('seeds running services with their own images and task definitions', async () => {
      // Arrange
      const cloud = newCloud();

      // Act
      const fleet = cloud.seedFleet(SANDBOX_PRIMARY, { count: 3, desiredCount: 2 });
      const described = await cloud
        .containerPlatform(SANDBOX_PRIMARY)
        .describeService('fleet', 'svc-0003');

      // Assert
      expect(fleet.services.map((s) => s.serviceName)).toEqual([
        'svc-0001',
        'svc-0002',
        'svc-0003',
      ]);
      expect(described).toMatchObject({
        runningCount: 2,
        taskDefinition: fleet.services[2]?.taskDefinitionArn,
      });
      expect(fleet.services[0]?.image.uri).toContain('/fleet/svc-0001@sha256:');
      expect(cloud.callCounts()).toEqual({ 'ecs:DescribeServices': 1 });
    });
  });

  describe('Method: call (injected timeouts)', () => {
    it('hangs for the call timeout, then fails as unavailable', async () => {
      // Arrange
      const cloud = newCloud({ faults: { operations: { 'ecs:ListClusters': { timeout: 1 } } } });
      const ecs = cloud.containerPlatform(SANDBOX_PRIMARY);

      // Act
      const error = await ecs.listClusters().catch((e: unknown) => e);

      // Assert
      expect(error).toMatchObject({ name: 'ServiceUnavailableError', reason: 'request timed out' });
      expect(cloud.clock.now() - START_MS).toBe(cloud.latency.callTimeoutMs);
      expect(cloud.callLog()[0]).toMatchObject({
        operation: 'ecs:ListClusters',
        outcome: 'timeout',
      });
    });
  });
});

describe('Function: parseEcrUri', () => {
  it('parses ECR URIs by digest, by tag and without either, and ignores other registries', () => {
    // Act / Assert
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseEcrUri(`111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop/web@${digest}`)).toEqual({
      account: '111111111111',
      region: 'eu-west-1',
      repository: 'shop/web',
      reference: digest,
    });
    expect(parseEcrUri('111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v1')?.reference).toBe(
      'v1',
    );
    expect(parseEcrUri('111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop/web')?.reference).toBe(
      'latest',
    );
    expect(parseEcrUri('public.ecr.aws/nginx/nginx:1.27')).toBeUndefined();
  });
});
