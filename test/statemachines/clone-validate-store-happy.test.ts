// clone-validate-store on its happy paths: the real ASL run by aws-local-stepfunctions, the real
// step handlers over the sandbox cloud, the real inventory on dynalite.
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  allEvents,
  createLocalCloneWorld,
  type LocalCloneWorld,
  runClonePipeline,
  seededServiceKey,
} from '../../bin/local/clone-pipeline';
import { stagingServiceName } from '../../functions/core/clone/service-definition';
import { isDigest } from '../../functions/core/model';
import { useDynalite } from '../support/dynalite-per-file';

jest.setTimeout(60_000);

const dynalite = useDynalite();

async function world(services = 3, extra: Parameters<typeof createLocalCloneWorld>[0] = {}) {
  return createLocalCloneWorld({ services, dynamo: dynalite(), ...extra });
}

describe('State machine: clone-validate-store (happy)', () => {
  describe('Path: several services cloned', () => {
    let w: LocalCloneWorld;
    beforeAll(async () => {
      w = await world(3);
    });

    it('succeeds and stores one validated clone version per service', async () => {
      // Act
      const run = await runClonePipeline(w, { trigger: 'manual', requestedBy: 'test' });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({ stored: 3, created: 3, validated: 3, failed: [] });
      const services = await w.inventory.listServices();
      expect(services.map((s) => [s.service, s.latestValidated])).toEqual([
        [seededServiceKey(0), 1],
        [seededServiceKey(1), 1],
        [seededServiceKey(2), 1],
      ]);
    });

    it('registers the staged task definition with staging digests, mapped references and tags', async () => {
      // Arrange
      const version = await w.inventory.getVersion(seededServiceKey(1), 1);
      const staging = w.cloud.containerPlatform(w.staging);

      // Act
      const staged = await staging.describeTaskDefinition(version.content.stagedTaskDefinitionArn);

      // Assert
      const container = staged.containerDefinitions[0];
      const registry = w.cloud.imageRegistry(w.staging).registry;
      expect(container?.image.startsWith(`${registry}/shop/svc-001@sha256:`)).toBe(true);
      expect(container?.secrets?.[0]?.valueFrom).toContain(
        `:${w.staging.account}:secret:shop/svc-001/db-XyZ123`,
      );
      expect(container?.logConfiguration?.options?.['awslogs-region']).toBe(w.staging.region);
      expect(staged.executionRoleArn).toBe(
        `arn:aws:iam::${w.staging.account}:role/understudy-shop-execution`,
      );
      expect(staged.tags?.map((t) => t.name)).toEqual(
        expect.arrayContaining(['understudy:source-arn', 'understudy:content-hash']),
      );
    });

    it('copies the exact manifest bytes and media type into the staging registry', async () => {
      // Arrange
      const version = await w.inventory.getVersion(seededServiceKey(0), 1);
      const image = version.content.images.app;
      if (!image) throw new Error('no staged image');

      // Act
      const source = await w.cloud
        .imageRegistry(w.primary)
        .getManifest(image.repository, image.digest);
      const staged = await w.cloud
        .imageRegistry(w.staging)
        .getManifest(image.repository, image.digest);

      // Assert
      expect(isDigest(image.digest)).toBe(true);
      expect(staged.bytes).toBe(source.bytes);
      expect(staged.mediaType).toBe(source.mediaType);
    });

    it('copies the security group with the ALB reference mapped to its staging twin', async () => {
      // Arrange
      const version = await w.inventory.getVersion(seededServiceKey(0), 1);
      const [group] = version.content.networkRules;

      // Act
      const [live] = await w.cloud.networkRules(w.staging).describeGroups([group?.groupId ?? '']);

      // Assert
      expect(live?.groupName).toBe('understudy-shop-svc-000');
      expect(live?.vpcId).toBe(w.settings.staging.vpcId);
      const referenced = live?.ingress.find((rule) => rule.fromPort === 8080)?.referencedGroupId;
      expect(referenced).toBe(Object.values(w.settings.mappings.securityGroups ?? {})[0]);
    });

    it('refreshes the deployment plan with waves from dependsOn and the primary count as floor', async () => {
      // Act
      const plan = await w.plans.getPlan();

      // Assert
      expect(plan.entries.map((e) => [e.service, e.wave, e.desiredCount])).toEqual([
        [seededServiceKey(0), 0, 2],
        [seededServiceKey(1), 1, 2],
        [seededServiceKey(2), 1, 2],
      ]);
      expect(plan.entries[1]?.dependsOn).toEqual([seededServiceKey(0)]);
    });

    it('stands each staging service up on its staged revision with zero tasks (pilot light)', async () => {
      // Arrange
      const version = await w.inventory.getVersion(seededServiceKey(2), 1);

      // Act
      const service = await w.cloud
        .containerPlatform(w.staging)
        .describeService('understudy', version.content.serviceDefinition.serviceName);

      // Assert
      expect(service).toMatchObject({
        taskDefinition: version.content.stagedTaskDefinitionArn,
        desiredCount: 0,
        networkConfiguration: version.content.serviceDefinition.networkConfiguration,
      });
    });

    it('makes no new version, revision or rule when the same trigger runs again', async () => {
      // Arrange
      const staging = w.cloud.containerPlatform(w.staging);
      const revisionsBefore = await staging.listTaskDefinitionRevisions('shop-svc-000');

      // Act
      const run = await runClonePipeline(w, { trigger: 'manual', requestedBy: 'test' });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({ stored: 3, created: 0, validated: 3 });
      expect(await staging.listTaskDefinitionRevisions('shop-svc-000')).toEqual(revisionsBefore);
      expect((await w.inventory.listVersions(seededServiceKey(0))).length).toBe(1);
    });
  });

  describe('Path: warm tier', () => {
    it('runs minTasks in staging for a warm service, and for a run the forecast raised', async () => {
      // Arrange: svc-000 is configured warm; svc-001 is config-only
      const base = await world(2);
      const w = {
        ...base,
        settings: {
          ...base.settings,
          services: base.settings.services.map((s, i) =>
            i === 0 ? { ...s, stagingTier: 'warm' as const, minTasks: 2 } : s,
          ),
        },
      };
      const staging = w.cloud.containerPlatform(w.staging);

      // Act
      await runClonePipeline(w, { trigger: 'manual' });
      const afterManual = await Promise.all(
        ['svc-000', 'svc-001'].map((name) =>
          staging.describeService('understudy', stagingServiceName('shop', name)),
        ),
      );
      await runClonePipeline(w, {
        trigger: 'forecast-trigger',
        services: [seededServiceKey(1)],
        decision: { id: 'd-1', recommendedTier: 'hot' },
      });
      const raised = await staging.describeService(
        'understudy',
        stagingServiceName('shop', 'svc-001'),
      );

      // Assert
      expect(afterManual.map((s) => s.desiredCount)).toEqual([2, 0]);
      expect(raised.desiredCount).toBe(1);
    });
  });

  describe('Path: throttling', () => {
    it('retries throttled RegisterTaskDefinition calls with backoff and still clones every service', async () => {
      // Arrange: a task-definition bucket of 1 token makes the parallel registers collide. Locally a
      // retry waits real milliseconds, not virtual seconds, so the bucket refills faster than AWS's
      // 1/s to keep the number of attempts the ASL allows comparable.
      const w = await world(4, {
        cloud: { rateLimits: { 'ecs:task-definition-modify': { burst: 1, refillPerSecond: 10 } } },
      });

      // Act
      const run = await runClonePipeline(w, { trigger: 'manual' });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({ stored: 4, validated: 4, failed: [] });
      const throttled = w.cloud.callLog().filter((call) => call.outcome === 'throttled');
      expect(throttled.length).toBeGreaterThan(0);
      const retried = allEvents(run).filter(
        (event) => event.type === 'StateRetried' && event.state.name === 'Stage task definition',
      );
      expect(retried.length).toBeGreaterThan(0);
    });
  });

  describe('Path: only some services requested', () => {
    it('clones exactly the requested services', async () => {
      // Arrange
      const w = await world(3);

      // Act
      const run = await runClonePipeline(w, {
        trigger: 'deploy-event',
        services: [seededServiceKey(2)],
      });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({ stored: 1, created: 1 });
      const services = await w.inventory.listServices();
      expect(services.map((s) => s.service)).toEqual([seededServiceKey(2)]);
      const items = await dynalite().client.send(
        new ScanCommand({ TableName: w.tables.inventory }),
      );
      expect(items.Items?.some((item) => item.kind?.S === 'clone-failure')).toBe(false);
    });
  });
});
