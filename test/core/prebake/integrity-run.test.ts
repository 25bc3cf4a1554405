// The integrity check as an application service: real clone steps and the sandbox cloud (in
// memory, virtual time), an in-memory inventory and a recording pipeline starter.
import { seededServiceKey } from '../../../bin/local/clone-pipeline';
import {
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from '../../../functions/core/errors';
import {
  INTEGRITY_ACTOR,
  integrityExecutionName,
  runIntegrityCheck,
} from '../../../functions/core/prebake/integrity-run';
import { cloneService, coreWorld, integrityPorts } from './integrity-support';

const SVC0 = seededServiceKey(0);
const SVC1 = seededServiceKey(1);

describe('Module: prebake/integrity-run', () => {
  describe('Function: integrityExecutionName', () => {
    const finding = { code: 'image-missing' as const, subject: 'app', message: 'gone' };

    it('is the same for the same findings in any order', () => {
      // Arrange
      const other = { code: 'stale' as const, subject: 'x', message: 'moved' };

      // Act
      const a = integrityExecutionName('shop/web', 3, [finding, other]);
      const b = integrityExecutionName('shop/web', 3, [other, finding]);

      // Assert
      expect(a).toBe(b);
      expect(a).toMatch(/^integrity-shop-web-v3-[0-9a-f]{16}$/);
    });

    it('differs for other findings or another version', () => {
      // Act
      const base = integrityExecutionName('shop/web', 3, [finding]);

      // Assert
      expect(integrityExecutionName('shop/web', 4, [finding])).not.toBe(base);
      expect(integrityExecutionName('shop/web', 3, [{ ...finding, subject: 'sidecar' }])).not.toBe(
        base,
      );
    });

    it('keeps to the characters and length Step Functions accepts, hash intact', () => {
      // Act
      const name = integrityExecutionName(`c.l:u#s/${'s'.repeat(200)}`, 12345, [finding]);

      // Assert
      expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
      expect(name).toHaveLength(80);
      expect(name.endsWith(integrityExecutionName('x/y', 12345, [finding]).slice(-23))).toBe(true);
    });
  });

  describe('Function: runIntegrityCheck', () => {
    it('leaves intact, current clones alone and reports them fresh', async () => {
      // Arrange
      const world = coreWorld(2);
      await cloneService(world, SVC0);
      await cloneService(world, SVC1);
      const clock = world.cloud.clock;
      await clock.sleep(90_000);

      // Act
      const report = await runIntegrityCheck(integrityPorts(world), world.settings, clock);

      // Assert
      expect(report.checked.map((c) => [c.service, c.version, c.role, c.status])).toEqual([
        [SVC0, 1, 'latest', 'validated'],
        [SVC1, 1, 'latest', 'validated'],
      ]);
      expect(report.findingsByService).toEqual({ [SVC0]: [], [SVC1]: [] });
      expect(report.statusChanges).toEqual([]);
      expect(report.reclonesStarted).toEqual([]);
      expect(world.starter.starts).toEqual([]);
      const ageOf = async (key: string) =>
        Math.round(
          (Date.parse(report.checkedAt) -
            Date.parse((await world.inventory.getVersion(key, 1)).createdAt)) /
            1000,
        );
      expect(report.freshness).toEqual([
        {
          service: SVC0,
          baselineVersion: 1,
          lagRevisions: 0,
          ageSeconds: await ageOf(SVC0),
          stale: false,
        },
        {
          service: SVC1,
          baselineVersion: 1,
          lagRevisions: 0,
          ageSeconds: await ageOf(SVC1),
          stale: false,
        },
      ]);
      expect(report.freshness[0]?.ageSeconds).toBeGreaterThanOrEqual(90);
      expect(report.errors).toEqual([]);
    });

    it('keeps a clone fresh when its tag moves but production still runs the cloned digest', async () => {
      // Arrange: shop/svc-000:v1 is pushed again after the clone; the running deployment is not
      const world = coreWorld(1);
      await cloneService(world, SVC0);
      world.cloud.pushImage(world.primary, {
        repository: 'shop/svc-000',
        tag: 'v1',
        layers: [new TextEncoder().encode('a build production is not running')],
      });

      // Act
      const report = await runIntegrityCheck(
        integrityPorts(world),
        world.settings,
        world.cloud.clock,
      );

      // Assert
      expect(report.findingsByService).toEqual({ [SVC0]: [] });
      expect(report.freshness[0]?.stale).toBe(false);
      expect(world.starter.starts).toEqual([]);
    });

    it('marks a clone invalid, records who and why, and starts one re-clone for it', async () => {
      // Arrange
      const world = coreWorld(2);
      const stored = await cloneService(world, SVC0);
      await cloneService(world, SVC1);
      world.cloud
        .state(world.staging)
        .ecs.deregisterTaskDefinition(stored.version.content.stagedTaskDefinitionArn);

      // Act
      const report = await runIntegrityCheck(
        integrityPorts(world),
        world.settings,
        world.cloud.clock,
      );

      // Assert
      expect(report.statusChanges).toEqual([
        {
          service: SVC0,
          version: 1,
          from: 'validated',
          to: 'invalid',
          reasons: [expect.stringContaining('is INACTIVE, not ACTIVE')],
        },
      ]);
      const audit = await world.inventory.listAudit(SVC0);
      expect(audit.at(-1)).toMatchObject({
        action: 'status',
        actor: INTEGRITY_ACTOR,
        toStatus: 'invalid',
      });
      expect(world.starter.starts).toEqual([
        {
          executionName: report.reclonesStarted[0]?.executionName,
          input: { services: [SVC0], trigger: 'integrity', requestedBy: 'integrity-check' },
        },
      ]);
      expect(report.freshness[0]).toEqual({
        service: SVC0,
        baselineVersion: null,
        lagRevisions: null,
        ageSeconds: null,
        stale: true,
      });
      expect(report.findingsByService[SVC1]).toEqual([]);
    });

    it('marks a clone stale when the primary moved on and measures the lag from it', async () => {
      // Arrange: two revisions registered in the primary since the clone, the service on the last
      const world = coreWorld(1);
      await cloneService(world, SVC0);
      const primary = world.cloud.state(world.primary).ecs;
      const current = primary.findTaskDefinition('shop-svc-000');
      primary.registerTaskDefinition({ ...current, cpu: '1024', memory: '2048' }, [], 0);
      const latest = primary.registerTaskDefinition(
        { ...current, cpu: '2048', memory: '4096' },
        [],
        0,
      );
      await world.cloud.containerPlatform(world.primary).updateService('shop', 'svc-000', {
        taskDefinition: latest.taskDefinitionArn,
      });

      // Act
      const report = await runIntegrityCheck(
        integrityPorts(world),
        world.settings,
        world.cloud.clock,
      );

      // Assert
      expect(report.statusChanges.map((c) => [c.version, c.from, c.to])).toEqual([
        [1, 'validated', 'stale'],
      ]);
      expect(report.freshness[0]).toMatchObject({
        baselineVersion: 1,
        lagRevisions: 2,
        stale: true,
      });
      expect(world.starter.starts).toHaveLength(1);
    });

    it('starts the same execution name again for the same findings (idempotent)', async () => {
      // Arrange
      const world = coreWorld(1);
      await cloneService(world, SVC0);
      world.probe.remove('log-group', '/understudy/shop');
      const primary = world.cloud.state(world.primary).ecs;
      const next = primary.registerTaskDefinition(
        { ...primary.findTaskDefinition('shop-svc-000'), family: 'shop-svc-000' },
        [],
        world.cloud.clock.now(),
      );
      await world.cloud.containerPlatform(world.primary).updateService('shop', 'svc-000', {
        taskDefinition: next.taskDefinitionArn,
      });

      // Act
      const first = await runIntegrityCheck(
        integrityPorts(world),
        world.settings,
        world.cloud.clock,
      );
      const second = await runIntegrityCheck(
        integrityPorts(world),
        world.settings,
        world.cloud.clock,
      );

      // Assert
      expect(first.reclonesStarted).toHaveLength(1);
      expect(second.reclonesStarted).toEqual([
        { ...first.reclonesStarted[0], alreadyStarted: true },
      ]);
      expect(world.starter.starts).toHaveLength(1);
      expect(second.statusChanges).toEqual([]);
    });

    it('also judges the version a failover would deploy when it is not the latest', async () => {
      // Arrange: v1 validated; v2 cloned while a dependency was missing (not ready)
      const world = coreWorld(1);
      await cloneService(world, SVC0);
      const primary = world.cloud.state(world.primary).ecs;
      const current = primary.findTaskDefinition('shop-svc-000');
      const next = primary.registerTaskDefinition(
        { ...current, cpu: '1024', memory: '2048' },
        [],
        world.cloud.clock.now(),
      );
      await world.cloud.containerPlatform(world.primary).updateService('shop', 'svc-000', {
        taskDefinition: next.taskDefinitionArn,
      });
      world.probe.remove('log-group', '/understudy/shop');
      const v2 = await cloneService(world, SVC0);

      // Act
      const report = await runIntegrityCheck(
        integrityPorts(world),
        world.settings,
        world.cloud.clock,
      );

      // Assert
      expect(v2.version).toMatchObject({ version: 2, status: 'not-ready' });
      expect(report.checked.map((c) => [c.version, c.role, c.previousStatus, c.status])).toEqual([
        [2, 'latest', 'not-ready', 'not-ready'],
        [1, 'effective', 'validated', 'not-ready'],
      ]);
      expect(report.statusChanges.map((c) => [c.version, c.to])).toEqual([[1, 'not-ready']]);
      expect(report.freshness).toEqual([
        { service: SVC0, baselineVersion: null, lagRevisions: null, ageSeconds: null, stale: true },
      ]);
      // v1 is stale as well: a dependency missing outranks it in the status, not in the findings.
      expect(report.findingsByService[SVC0]?.map((f) => f.code)).toEqual([
        'dependency-missing',
        'dependency-missing',
        'stale',
      ]);
    });

    it('brings a clone back to validated when what it lacked is back', async () => {
      // Arrange
      const world = coreWorld(1);
      await cloneService(world, SVC0);
      world.probe.remove('log-group', '/understudy/shop');
      await runIntegrityCheck(integrityPorts(world), world.settings, world.cloud.clock);
      world.probe.declare({ kind: 'log-group', id: '/understudy/shop' });

      // Act
      const report = await runIntegrityCheck(
        integrityPorts(world),
        world.settings,
        world.cloud.clock,
      );

      // Assert
      expect(report.statusChanges).toEqual([
        { service: SVC0, version: 1, from: 'not-ready', to: 'validated', reasons: [] },
      ]);
      expect(world.starter.starts).toEqual([]);
    });

    it('reports a staged security group that was removed', async () => {
      // Arrange: the sandbox cannot delete a group, so staging EC2 answers as if one were gone
      const world = coreWorld(1);
      const stored = await cloneService(world, SVC0);
      const [group] = stored.version.content.networkRules;
      if (!group) throw new Error('no staged group');
      const base = integrityPorts(world);
      const network = base.staging.network;
      const ports = {
        ...base,
        staging: {
          ...base.staging,
          network: {
            describeGroups: async (ids: readonly string[]) => {
              if (ids.includes(group.groupId))
                throw new NotFoundError('security group', group.groupId);
              return network.describeGroups(ids);
            },
          },
        },
      };

      // Act
      const report = await runIntegrityCheck(ports, world.settings, world.cloud.clock);

      // Assert
      expect(report.findingsByService[SVC0]).toEqual([
        expect.objectContaining({ code: 'group-missing', subject: group.groupId }),
      ]);
      expect(report.statusChanges.map((c) => c.to)).toEqual(['invalid']);
    });

    it('records a service it cannot read and still checks the others', async () => {
      // Arrange: svc-001's primary service is gone; svc-000 is intact
      const world = coreWorld(2);
      await cloneService(world, SVC0);
      await cloneService(world, SVC1);
      const failing = integrityPorts(world);
      const platform = failing.primary.platform;
      const ports = {
        ...failing,
        primary: {
          ...failing.primary,
          platform: {
            describeTaskDefinition: platform.describeTaskDefinition.bind(platform),
            describePinnedImages: platform.describePinnedImages.bind(platform),
            describeService: async (cluster: string, service: string) => {
              if (service === 'svc-001') {
                throw new ServiceUnavailableError('ecs:DescribeServices', 'primary region dark');
              }
              return platform.describeService(cluster, service);
            },
          },
        },
      };

      // Act
      const report = await runIntegrityCheck(ports, world.settings, world.cloud.clock);

      // Assert
      expect(report.errors).toEqual([
        {
          service: SVC1,
          stage: 'check',
          error: 'ServiceUnavailableError',
          message: expect.any(String),
        },
      ]);
      expect(report.checked.map((c) => c.service)).toEqual([SVC0]);
      expect(report.freshness.map((f) => f.service)).toEqual([SVC0]);
    });

    it('records every service as an error when the whole primary region is dark', async () => {
      // Arrange
      const world = coreWorld(2);
      await cloneService(world, SVC0);
      await cloneService(world, SVC1);
      world.cloud.setRegionDark(world.primary.region, true);

      // Act
      const report = await runIntegrityCheck(
        integrityPorts(world),
        world.settings,
        world.cloud.clock,
      );

      // Assert
      expect(report.errors.map((e) => [e.service, e.error])).toEqual([
        [SVC0, 'ServiceUnavailableError'],
        [SVC1, 'ServiceUnavailableError'],
      ]);
      expect(report.statusChanges).toEqual([]);
      expect((await world.inventory.getVersion(SVC0, 1)).status).toBe('validated');
    });

    it('records a re-clone that could not be started, after recording the status', async () => {
      // Arrange
      const world = coreWorld(1);
      const stored = await cloneService(world, SVC0);
      world.cloud
        .state(world.staging)
        .ecs.deregisterTaskDefinition(stored.version.content.stagedTaskDefinitionArn);
      world.starter.failWith = new ServiceUnavailableError(
        'states:StartExecution',
        'throttled out',
      );

      // Act
      const report = await runIntegrityCheck(
        integrityPorts(world),
        world.settings,
        world.cloud.clock,
      );

      // Assert
      expect(report.errors).toEqual([
        {
          service: SVC0,
          stage: 'reclone',
          error: 'ServiceUnavailableError',
          message: expect.any(String),
        },
      ]);
      expect(report.reclonesStarted).toEqual([]);
      expect((await world.inventory.getVersion(SVC0, 1)).status).toBe('invalid');
    });

    it('lists protected services never cloned as not cloned and stale', async () => {
      // Arrange
      const world = coreWorld(2);
      await cloneService(world, SVC0);

      // Act
      const report = await runIntegrityCheck(
        integrityPorts(world),
        world.settings,
        world.cloud.clock,
      );

      // Assert
      expect(report.notCloned).toEqual([SVC1]);
      expect(report.freshness[1]).toEqual({
        service: SVC1,
        baselineVersion: null,
        lagRevisions: null,
        ageSeconds: null,
        stale: true,
      });
    });

    it('checks only the services asked for', async () => {
      // Arrange
      const world = coreWorld(2);
      await cloneService(world, SVC0);
      await cloneService(world, SVC1);

      // Act
      const report = await runIntegrityCheck(
        integrityPorts(world),
        world.settings,
        world.cloud.clock,
        {
          services: [SVC1],
        },
      );

      // Assert
      expect(report.checked.map((c) => c.service)).toEqual([SVC1]);
    });

    it('refuses a service that is not protected before reading anything', async () => {
      // Arrange
      const world = coreWorld(1);
      world.cloud.resetCallLog();

      // Act
      const run = runIntegrityCheck(integrityPorts(world), world.settings, world.cloud.clock, {
        services: ['shop/unknown'],
      });

      // Assert
      await expect(run).rejects.toThrow(ValidationError);
      await expect(run).rejects.toThrow('shop/unknown: not in the protected services');
      expect(world.cloud.totalCalls).toBe(0);
    });
  });
});
