// The periodic integrity check end to end: services cloned by the real clone-validate-store ASL
// into the sandbox staging location and the real inventory on dynalite, then each kind of
// out-of-band change provoked in staging or the primary, detected by the integrity-check
// handler, and (where a re-clone can repair it) repaired by running the pipeline with the very
// input the check asked for.
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  createLocalCloneWorld,
  type LocalCloneWorld,
  runClonePipeline,
  seededServiceKey,
  sideOf,
} from '../../bin/local/clone-pipeline';
import { type DynaliteHandle, startDynalite } from '../../functions/adapters/sandbox/dynalite';
import { NotFoundError, ValidationError } from '../../functions/core/errors';
import type { CloneVersion, NetworkRule, ServiceKey } from '../../functions/core/model';
import type { LoggerLike, PipelineStart, PipelineStarter } from '../../functions/core/ports';
import { stagedTag } from '../../functions/core/prebake/clone-steps';
import type { IntegrityReport } from '../../functions/core/prebake/integrity-run';
import {
  createIntegrityCheckHandler,
  emfIntegrityMetrics,
  handler,
  INTEGRITY_METRICS,
  type IntegrityMetricPoint,
} from '../../functions/handlers/integrity-check';
import { EnvironmentError } from '../../functions/shared/env';

jest.setTimeout(120_000);

const SVC0 = seededServiceKey(0);
const SVC1 = seededServiceKey(1);

/** Records starts; a name already used is reported `alreadyStarted`, as Step Functions does. */
class RecordingStarter implements PipelineStarter {
  public readonly starts: {
    readonly executionName: string;
    readonly input: Readonly<Record<string, unknown>>;
  }[] = [];

  public async start(
    executionName: string,
    input: Readonly<Record<string, unknown>>,
  ): Promise<PipelineStart> {
    const alreadyStarted = this.starts.some((s) => s.executionName === executionName);
    if (!alreadyStarted) this.starts.push({ executionName, input });
    return {
      executionArn: `arn:aws:states:eu-west-1:222222222222:execution:clone-validate-store:${executionName}`,
      alreadyStarted,
    };
  }
}

interface Harness {
  readonly world: LocalCloneWorld;
  readonly starter: RecordingStarter;
  readonly points: IntegrityMetricPoint[];
  readonly logs: { level: string; message: string; extra: unknown[] }[];
  /** Task definition ARNs made to look deleted in staging (DeleteTaskDefinitions completed). */
  readonly deleted: Set<string>;
  check(event?: unknown): Promise<IntegrityReport>;
  /** Runs clone-validate-store with the input of the i-th recorded start. */
  reclone(index?: number): Promise<void>;
  version(service: ServiceKey, version?: number): Promise<CloneVersion>;
}

let dynamo: DynaliteHandle;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.stop();
});

/** Two services cloned by the real pipeline, and an integrity-check handler over the world. */
async function harness(): Promise<Harness> {
  const world = await createLocalCloneWorld({ services: 2, dynamo, layerSizes: [4096] });
  const run = await runClonePipeline(world, { trigger: 'manual', requestedBy: 'test' });
  expect(run.output).toMatchObject({ stored: 2, validated: 2 });
  const starter = new RecordingStarter();
  const points: IntegrityMetricPoint[] = [];
  const logs: Harness['logs'] = [];
  const log =
    (level: string) =>
    (message: string, ...extra: unknown[]) =>
      logs.push({ level, message, extra });
  const logger: LoggerLike = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
  const deleted = new Set<string>();
  const staging = sideOf(world, world.staging);
  const handler = createIntegrityCheckHandler(() => ({
    primary: sideOf(world, world.primary),
    staging: {
      ...staging,
      platform: {
        describeTaskDefinition: async (arn: string) => {
          if (deleted.has(arn)) throw new NotFoundError('task definition', arn);
          return staging.platform.describeTaskDefinition(arn);
        },
        listTaskDefinitionRevisions: async (family: string) =>
          (await staging.platform.listTaskDefinitionRevisions(family)).filter(
            (arn) => !deleted.has(arn),
          ),
      },
    },
    probe: world.probe,
    inventory: world.inventory,
    starter,
    settings: world.settings,
    clock: world.cloud.clock,
    logger,
    metrics: { publish: (batch) => points.push(...batch) },
  }));
  return {
    world,
    starter,
    points,
    logs,
    deleted,
    check: (event = {}) => handler(event),
    reclone: async (index = 0) => {
      const start = starter.starts[index];
      if (!start) throw new Error(`no re-clone #${index} was started`);
      const result = await runClonePipeline(
        world,
        start.input as { services: string[]; trigger: string; requestedBy: string },
      );
      expect(result.status).toBe('SUCCEEDED');
    },
    version: async (service, version) => {
      const versions = await world.inventory.listVersions(service);
      const found =
        version === undefined ? versions[0] : versions.find((v) => v.version === version);
      if (!found) throw new Error(`no version ${version ?? 'latest'} of ${service}`);
      return found;
    },
  };
}

function metric(points: readonly IntegrityMetricPoint[], name: string, service?: ServiceKey) {
  return points.filter((p) => p.name === name && p.service === service).map((p) => p.value);
}

const RECLONE_INPUT = { services: [SVC0], trigger: 'integrity', requestedBy: 'integrity-check' };

describe('Handler: integrity-check (end to end)', () => {
  describe('Event: validation', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness();
    });

    it.each<[string, unknown]>([
      ['a service that is not cluster/service', { services: ['svc-000'] }],
      ['an empty service list', { services: [] }],
      ['an unknown field', { service: SVC0 }],
      [
        'a scheduled event without its time',
        { source: 'aws.events', 'detail-type': 'Scheduled Event' },
      ],
      ['not an object', 'check everything'],
    ])('rejects %s with a ValidationError', async (_what, event) => {
      // Act
      const run = h.check(event);

      // Assert
      await expect(run).rejects.toThrow(ValidationError);
      expect(h.points).toEqual([]);
    });

    it('the Lambda entry validates the event before it needs its environment', async () => {
      // Act
      const bad = handler({ services: 'all' });
      const good = handler({});

      // Assert
      await expect(bad).rejects.toThrow(ValidationError);
      await expect(good).rejects.toThrow(EnvironmentError);
      await expect(good).rejects.toThrow(/UNDERSTUDY_PIPELINE_SETTINGS/);
    });

    it('rejects a service that is not protected', async () => {
      // Act
      const run = h.check({ services: ['shop/unknown'] });

      // Assert
      await expect(run).rejects.toThrow(/shop\/unknown: not in the protected services/);
    });

    it('accepts the scheduled EventBridge event and checks every protected service', async () => {
      // Act
      const report = await h.check({
        version: '0',
        id: 'c0ffee',
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        time: '2026-01-01T00:00:00Z',
        resources: ['arn:aws:events:eu-west-1:222222222222:rule/understudy-integrity'],
        detail: {},
      });

      // Assert
      expect(report.checked.map((c) => [c.service, c.status])).toEqual([
        [SVC0, 'validated'],
        [SVC1, 'validated'],
      ]);
      expect(report.statusChanges).toEqual([]);
      expect(h.starter.starts).toEqual([]);
      expect(metric(h.points, INTEGRITY_METRICS.findings, SVC0)).toEqual([0]);
      expect(metric(h.points, INTEGRITY_METRICS.lag, SVC1)).toEqual([0]);
      expect(metric(h.points, INTEGRITY_METRICS.errors, SVC0)).toEqual([0]);
      expect(metric(h.points, INTEGRITY_METRICS.stale, SVC0)).toEqual([0]);
      // A full run beats the heartbeat the stopped-check alarm waits for.
      expect(metric(h.points, INTEGRITY_METRICS.heartbeat)).toEqual([1]);
      expect(metric(h.points, INTEGRITY_METRICS.failedServices)).toEqual([0]);
      expect(h.logs.at(-1)).toMatchObject({ level: 'info', message: 'integrity check finished' });
    });

    it('checks only the services of a manual invocation, without a heartbeat', async () => {
      // Arrange
      h.points.length = 0;

      // Act
      const report = await h.check({ services: [SVC1] });

      // Assert
      expect(report.checked.map((c) => c.service)).toEqual([SVC1]);
      expect(metric(h.points, INTEGRITY_METRICS.heartbeat)).toEqual([]);
      expect(metric(h.points, INTEGRITY_METRICS.failedServices)).toEqual([0]);
    });
  });

  describe('Detection: a staged revision deregistered (INACTIVE)', () => {
    it('marks the version invalid, records metrics, re-clones, and the re-clone makes a new validated version', async () => {
      // Arrange
      const h = await harness();
      const v1 = await h.version(SVC0);
      await sideOf(h.world, h.world.staging).platform.deregisterTaskDefinition(
        v1.content.stagedTaskDefinitionArn,
      );

      // Act
      const report = await h.check();

      // Assert
      expect(report.findingsByService[SVC0]?.map((f) => f.code)).toEqual(['revision-inactive']);
      expect(report.findingsByService[SVC1]).toEqual([]);
      expect((await h.version(SVC0, 1)).status).toBe('invalid');
      expect((await h.version(SVC1, 1)).status).toBe('validated');
      expect(metric(h.points, INTEGRITY_METRICS.findings, SVC0)).toEqual([1]);
      expect(metric(h.points, INTEGRITY_METRICS.statusChanges)).toEqual([1]);
      // No intact clone left to measure the lag from: stale, and no lag or age datapoint.
      expect(metric(h.points, INTEGRITY_METRICS.stale, SVC0)).toEqual([1]);
      expect(metric(h.points, INTEGRITY_METRICS.lag, SVC0)).toEqual([]);
      expect(metric(h.points, INTEGRITY_METRICS.age, SVC0)).toEqual([]);
      expect(h.starter.starts).toEqual([
        {
          executionName: expect.stringMatching(/^integrity-shop-svc-000-v1-/),
          input: RECLONE_INPUT,
        },
      ]);
      expect(
        h.logs.some((l) => l.level === 'warn' && l.message === 'integrity check found problems'),
      ).toBe(true);

      // Act: repair
      await h.reclone();

      // Assert
      const v2 = await h.version(SVC0);
      expect(v2).toMatchObject({ version: 2, status: 'validated', trigger: 'integrity' });
      expect(v2.content.stagedTaskDefinitionArn).not.toBe(v1.content.stagedTaskDefinitionArn);
      const after = await h.check();
      expect(after.findingsByService[SVC0]).toEqual([]);
      expect(after.statusChanges).toEqual([]);
    });
  });

  describe('Detection: a staged revision deleted', () => {
    it('marks the version invalid and the re-clone registers a new revision', async () => {
      // Arrange: DeleteTaskDefinitions needs INACTIVE first; once deleted, ECS no longer knows it
      const h = await harness();
      const v1 = await h.version(SVC0);
      const arn = v1.content.stagedTaskDefinitionArn;
      await sideOf(h.world, h.world.staging).platform.deregisterTaskDefinition(arn);
      h.deleted.add(arn);

      // Act
      const report = await h.check();

      // Assert
      expect(report.findingsByService[SVC0]?.map((f) => f.code)).toEqual(['revision-missing']);
      expect((await h.version(SVC0, 1)).status).toBe('invalid');
      expect(metric(h.points, INTEGRITY_METRICS.findings, SVC0)).toEqual([1]);
      expect(h.starter.starts.map((s) => s.input)).toEqual([RECLONE_INPUT]);

      // Act: repair
      await h.reclone();

      // Assert
      expect(await h.version(SVC0)).toMatchObject({ version: 2, status: 'validated' });
      expect((await h.check()).findingsByService[SVC0]).toEqual([]);
    });
  });

  describe('Detection: a newer revision registered out of band in the staged family', () => {
    it('marks the version invalid and re-clones; once the stray revision is deregistered it is valid again', async () => {
      // Arrange
      const h = await harness();
      const v1 = await h.version(SVC0);
      const stray = h.world.cloud.registerTaskDefinition(h.world.staging, {
        ...v1.content.taskDefinition,
        cpu: '4096',
        memory: '8192',
      });

      // Act
      const report = await h.check();

      // Assert
      expect(report.findingsByService[SVC0]).toEqual([
        expect.objectContaining({ code: 'out-of-band-revision', subject: stray.taskDefinitionArn }),
      ]);
      expect((await h.version(SVC0, 1)).status).toBe('invalid');
      expect(metric(h.points, INTEGRITY_METRICS.findings, SVC0)).toEqual([1]);
      expect(h.starter.starts.map((s) => s.input)).toEqual([RECLONE_INPUT]);

      // Act: an operator removes the stray revision
      await sideOf(h.world, h.world.staging).platform.deregisterTaskDefinition(
        stray.taskDefinitionArn,
      );
      const after = await h.check();

      // Assert
      expect(after.statusChanges).toEqual([
        { service: SVC0, version: 1, from: 'invalid', to: 'validated', reasons: [] },
      ]);
    });
  });

  describe('Detection: a staged image deleted', () => {
    it('marks the version invalid, and the re-clone copies it again and re-validates the same version', async () => {
      // Arrange
      const h = await harness();
      const image = (await h.version(SVC0)).content.images.app;
      if (!image) throw new Error('no staged image');
      h.world.cloud.state(h.world.staging).ecr.deleteImage(image.repository, image.digest);

      // Act
      const report = await h.check();

      // Assert: the image is gone, and with it its staged tag
      expect(report.findingsByService[SVC0]?.map((f) => f.code)).toEqual([
        'image-missing',
        'tag-repointed',
      ]);
      expect((await h.version(SVC0, 1)).status).toBe('invalid');
      expect(metric(h.points, INTEGRITY_METRICS.findings, SVC0)).toEqual([2]);
      expect(h.starter.starts.map((s) => s.input)).toEqual([RECLONE_INPUT]);

      // Act: repair (same content, so no new version: the same one is validated again)
      await h.reclone();

      // Assert
      expect(await h.version(SVC0)).toMatchObject({ version: 1, status: 'validated' });
      const staged = await sideOf(h.world, h.world.staging).registry.resolve(
        image.repository,
        stagedTag(image.digest),
      );
      expect(staged.digest).toBe(image.digest);
      expect((await h.check()).findingsByService[SVC0]).toEqual([]);
    });
  });

  describe('Detection: a staged tag re-pointed', () => {
    it('marks the version invalid and starts a re-clone, which cannot repair an immutable tag', async () => {
      // Arrange: the image is deleted and pushed back untagged; its tag now names another image
      const h = await harness();
      const image = (await h.version(SVC0)).content.images.app;
      if (!image) throw new Error('no staged image');
      const ecr = h.world.cloud.state(h.world.staging).ecr;
      const manifest = ecr.getManifest(image.repository, image.digest);
      ecr.deleteImage(image.repository, image.digest);
      ecr.putManifest(image.repository, manifest, undefined, h.world.cloud.clock.now());
      const other = h.world.cloud.pushImage(h.world.staging, {
        repository: image.repository,
        tag: stagedTag(image.digest),
        layers: [{ sizeBytes: 512 }],
      });

      // Act
      const report = await h.check();

      // Assert
      expect(report.findingsByService[SVC0]).toEqual([
        expect.objectContaining({
          code: 'tag-repointed',
          message: expect.stringContaining(`now points to ${other.reference.digest}`),
        }),
      ]);
      expect((await h.version(SVC0, 1)).status).toBe('invalid');
      expect(metric(h.points, INTEGRITY_METRICS.findings, SVC0)).toEqual([1]);
      expect(h.starter.starts.map((s) => s.input)).toEqual([RECLONE_INPUT]);

      // Act: the re-clone cannot move an immutable tag back; it records the failure instead
      const rerun = await runClonePipeline(h.world, {
        services: [SVC0],
        trigger: 'integrity',
        requestedBy: 'integrity-check',
      });

      // Assert: an operator must delete the stray tag; until then the version stays invalid
      expect(rerun.output).toMatchObject({ failed: [{ service: SVC0, error: 'ConflictError' }] });
      expect((await h.version(SVC0)).status).toBe('invalid');
    });
  });

  describe('Detection: a security-group rule changed or removed', () => {
    it.each<[string, 'add' | 'revoke', (rules: readonly NetworkRule[]) => NetworkRule[]]>([
      ['removed', 'revoke', (rules) => rules.filter((r) => r.fromPort === 9090)],
      [
        'changed (one added)',
        'add',
        () => [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }],
      ],
    ])(
      'marks the version invalid when a rule is %s, and the re-clone restores the rules',
      async (_what, action, pick) => {
        // Arrange
        const h = await harness();
        const [group] = (await h.version(SVC0)).content.networkRules;
        if (!group) throw new Error('no staged group');
        const rules = pick(group.ingress);
        expect(rules).toHaveLength(1);
        h.world.cloud
          .state(h.world.staging)
          .ec2.applyRules(group.groupId, 'ingress', action, rules);

        // Act
        const report = await h.check();

        // Assert
        expect(report.findingsByService[SVC0]).toEqual([
          expect.objectContaining({ code: 'rules-changed', subject: group.groupId }),
        ]);
        expect((await h.version(SVC0, 1)).status).toBe('invalid');
        expect(metric(h.points, INTEGRITY_METRICS.findings, SVC0)).toEqual([1]);
        expect(h.starter.starts.map((s) => s.input)).toEqual([RECLONE_INPUT]);

        // Act: repair
        await h.reclone();

        // Assert
        expect(await h.version(SVC0)).toMatchObject({ version: 1, status: 'validated' });
        expect((await h.check()).findingsByService[SVC0]).toEqual([]);
      },
    );
  });

  describe('Detection: a dependency gone', () => {
    it('marks the version not ready without a re-clone, and validated again once it is back', async () => {
      // Arrange
      const h = await harness();
      const secret = (await h.version(SVC0)).content.dependencies.find((d) => d.kind === 'secret');
      if (!secret) throw new Error('no secret dependency');
      h.world.probe.remove(secret.kind, secret.id);

      // Act
      const report = await h.check();

      // Assert
      expect(report.findingsByService[SVC0]).toEqual([
        expect.objectContaining({ code: 'dependency-missing', subject: `secret:${secret.id}` }),
      ]);
      expect((await h.version(SVC0, 1)).status).toBe('not-ready');
      expect(metric(h.points, INTEGRITY_METRICS.findings, SVC0)).toEqual([1]);
      expect(report.reclonesStarted).toEqual([]);
      expect(h.starter.starts).toEqual([]);

      // Act: the secret is replicated again
      h.world.probe.declare(secret);
      const after = await h.check();

      // Assert
      expect(after.statusChanges).toEqual([
        { service: SVC0, version: 1, from: 'not-ready', to: 'validated', reasons: [] },
      ]);
    });
  });

  describe("Detection: a clone older than the primary's current revision", () => {
    it('marks the version stale, publishes the lag, and the re-clone makes a current validated version', async () => {
      // Arrange: a new revision in the primary, and the primary service moved to it
      const h = await harness();
      const primary = sideOf(h.world, h.world.primary).platform;
      const current = await primary.describeTaskDefinition('shop-svc-000');
      const next = h.world.cloud.registerTaskDefinition(h.world.primary, {
        ...current,
        cpu: '1024',
        memory: '2048',
      });
      await primary.updateService('shop', 'svc-000', { taskDefinition: next.taskDefinitionArn });

      // Act
      const report = await h.check();

      // Assert
      expect(report.findingsByService[SVC0]).toEqual([
        expect.objectContaining({ code: 'stale', subject: next.taskDefinitionArn }),
      ]);
      expect((await h.version(SVC0, 1)).status).toBe('stale');
      expect(report.freshness[0]).toMatchObject({
        service: SVC0,
        baselineVersion: 1,
        lagRevisions: 1,
        stale: true,
      });
      expect(metric(h.points, INTEGRITY_METRICS.lag, SVC0)).toEqual([1]);
      expect(metric(h.points, INTEGRITY_METRICS.stale, SVC0)).toEqual([1]);
      expect(metric(h.points, INTEGRITY_METRICS.lag, SVC1)).toEqual([0]);
      expect(h.starter.starts.map((s) => s.input)).toEqual([RECLONE_INPUT]);

      // Act: repair
      await h.reclone();
      const after = await h.check();

      // Assert
      const v2 = await h.version(SVC0);
      expect(v2).toMatchObject({ version: 2, status: 'validated' });
      expect(v2.content.source.taskDefinitionArn).toBe(next.taskDefinitionArn);
      expect(after.freshness[0]).toMatchObject({
        baselineVersion: 2,
        lagRevisions: 0,
        stale: false,
      });
      expect(metric(h.points, INTEGRITY_METRICS.lag, SVC0)).toEqual([1, 0]);
    });
  });

  describe('Idempotence: the same findings twice', () => {
    it('asks for the same execution name, which starts nothing new', async () => {
      // Arrange
      const h = await harness();
      const v1 = await h.version(SVC0);
      await sideOf(h.world, h.world.staging).platform.deregisterTaskDefinition(
        v1.content.stagedTaskDefinitionArn,
      );

      // Act
      const first = await h.check();
      const second = await h.check();

      // Assert
      expect(second.reclonesStarted).toEqual([
        { ...first.reclonesStarted[0], alreadyStarted: true },
      ]);
      expect(h.starter.starts).toHaveLength(1);
      expect(second.statusChanges).toEqual([]);
    });
  });

  describe('Isolation: the primary region dark', () => {
    it('records an error per service and changes nothing', async () => {
      // Arrange
      const h = await harness();
      h.world.cloud.setRegionDark(h.world.primary.region, true);

      // Act
      const report = await h.check();

      // Assert
      expect(report.errors.map((e) => [e.service, e.error])).toEqual([
        [SVC0, 'ServiceUnavailableError'],
        [SVC1, 'ServiceUnavailableError'],
      ]);
      expect(metric(h.points, INTEGRITY_METRICS.errors, SVC0)).toEqual([1]);
      expect((await h.version(SVC0, 1)).status).toBe('validated');
      expect(h.logs.filter((l) => l.level === 'error')).toHaveLength(2);
    });

    it('leaves freshness unknown (no stale or lag datapoint), counts the failed services and still beats', async () => {
      // Arrange: the outage the clones prepare for must not fire every freshness alarm at once
      const h = await harness();
      h.world.cloud.setRegionDark(h.world.primary.region, true);

      // Act
      await h.check();

      // Assert
      for (const service of [SVC0, SVC1]) {
        expect(metric(h.points, INTEGRITY_METRICS.stale, service)).toEqual([]);
        expect(metric(h.points, INTEGRITY_METRICS.lag, service)).toEqual([]);
        expect(metric(h.points, INTEGRITY_METRICS.age, service)).toEqual([]);
      }
      expect(metric(h.points, INTEGRITY_METRICS.failedServices)).toEqual([2]);
      expect(metric(h.points, INTEGRITY_METRICS.heartbeat)).toEqual([1]);

      // Act: the primary back
      h.points.length = 0;
      h.world.cloud.setRegionDark(h.world.primary.region, false);
      await h.check();

      // Assert
      expect(metric(h.points, INTEGRITY_METRICS.stale, SVC0)).toEqual([0]);
      expect(metric(h.points, INTEGRITY_METRICS.failedServices)).toEqual([0]);
    });
  });
});

describe('Function: emfIntegrityMetrics', () => {
  it('writes each service datapoint as its own EMF blob with a Service dimension, totals in one', () => {
    // Arrange
    const writes: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      writes.push(String(chunk));
      return true;
    });
    const sink = emfIntegrityMetrics(
      new Metrics({ namespace: 'UnderstudyTest', serviceName: 'integrity' }),
    );

    // Act
    try {
      sink.publish([
        { name: INTEGRITY_METRICS.lag, unit: 'Count', value: 2, service: SVC0 },
        { name: INTEGRITY_METRICS.age, unit: 'Seconds', value: 3600, service: SVC1 },
        { name: INTEGRITY_METRICS.reclones, unit: 'Count', value: 1 },
      ]);
    } finally {
      spy.mockRestore();
    }

    // Assert
    const blobs = writes
      .flatMap((text) => text.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map(
        (line) =>
          JSON.parse(line) as Record<string, unknown> & {
            _aws: {
              CloudWatchMetrics: {
                Namespace: string;
                Dimensions: string[][];
                Metrics: { Name: string; Unit: string }[];
              }[];
            };
          },
      );
    expect(blobs).toHaveLength(3);
    expect(blobs[0]).toMatchObject({ Service: SVC0, CloneFreshnessLagRevisions: 2 });
    expect(blobs[0]?._aws.CloudWatchMetrics[0]?.Dimensions[0]).toEqual(
      expect.arrayContaining(['Service']),
    );
    expect(blobs[1]).toMatchObject({ Service: SVC1, CloneAgeSeconds: 3600 });
    expect(blobs[1]?._aws.CloudWatchMetrics[0]?.Metrics).toEqual([
      { Name: 'CloneAgeSeconds', Unit: 'Seconds' },
    ]);
    expect(blobs[2]).toMatchObject({ IntegrityReclonesStarted: 1 });
    expect(blobs[2]).not.toHaveProperty('Service');
    expect(blobs.every((b) => b._aws.CloudWatchMetrics[0]?.Namespace === 'UnderstudyTest')).toBe(
      true,
    );
  });
});
