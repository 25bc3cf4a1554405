// The local drill end to end: the real forecast engine on real traces, the real clone and failover
// ASL files with their handlers on the sandbox cloud, the real lease on dynalite. Assertions are on
// the JSON report, which is validated against docs/drill-report.schema.json.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// ajv is in the lockfile through asl-validator; see the final report of h-drill for the
// `npm install --save-exact --save-dev ajv@8.20.0` line that makes it a direct dependency.
import Ajv2020 from 'ajv/dist/2020';
import { type DrillOptions, runDrill } from '../../bin/local/drill/engine';
import { DEMO_CORPUS_DIR, DEMO_ESTATE, loadEstate } from '../../bin/local/drill/estate';
import type { DrillReport, DrillServiceReport, JsonValue } from '../../bin/local/drill/report';
import { ROOT, runCliProcess } from '../support/cli-process';

jest.setTimeout(180_000);

const schema = JSON.parse(readFileSync(path.join(ROOT, 'docs/drill-report.schema.json'), 'utf8'));
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

function drill(overrides: Partial<DrillOptions> = {}): Promise<DrillReport> {
  return runDrill({
    services: 3,
    seed: 3,
    faultRate: 0,
    cold: false,
    scenario: 'regional-outage',
    approver: 'drill --yes',
    ...overrides,
  });
}

/** Every leaf of a JSON value with its path, in the report's path notation. */
function leaves(value: JsonValue, at: string): [string, JsonValue][] {
  if (Array.isArray(value)) {
    return (value as readonly JsonValue[]).flatMap((item, i) => leaves(item, `${at}[${i}]`));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => leaves(item, `${at}.${key}`));
  }
  return [[at, value]];
}

/** The value at a report path (`taskDefinition.containerDefinitions[0].image`), or undefined. */
function at(root: Record<string, JsonValue>, where: string): JsonValue | undefined {
  let current: JsonValue | undefined = root;
  for (const part of where.match(/[^.[\]]+/g) ?? []) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, JsonValue>)[part];
  }
  return current;
}

/** Source leaves that are neither in staged unchanged nor under a listed rewrite. */
function unexplained(service: DrillServiceReport): string[] {
  if (!service.staged) return [];
  const staged = service.staged as unknown as Record<string, JsonValue>;
  const rewritten = service.rewrites.map((r) => r.path);
  const source = service.source as unknown as Record<string, JsonValue>;
  return leaves(source as JsonValue, '')
    .map(([where, value]) => [where.slice(1), value] as const)
    .filter(([where, value]) => {
      if (
        rewritten.some((p) => where === p || where.startsWith(`${p}.`) || where.startsWith(`${p}[`))
      )
        return false;
      return JSON.stringify(at(staged, where)) !== JSON.stringify(value);
    })
    .map(([where]) => where);
}

describe('Command: understudy drill (engine)', () => {
  describe('Scenario: regional-outage', () => {
    let report: DrillReport;
    beforeAll(async () => {
      report = await drill();
    });

    it('writes a report the JSON Schema accepts', () => {
      // Act
      const ok = validate(JSON.parse(JSON.stringify(report)));

      // Assert
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    });

    it('gets every service steady in staging', () => {
      // Assert
      expect(report.services).toHaveLength(3);
      expect(report.services.map((s) => [s.name, s.steady, s.refused])).toEqual(
        report.services.map((s) => [s.name, true, null]),
      );
      expect(report.summary).toEqual({
        servicesTotal: 3,
        servicesSteady: 3,
        servicesRefused: 0,
        ok: true,
      });
    });

    it('hands the lease back to the primary at a higher epoch', () => {
      // Assert
      expect(report.lease.holder).toBe('primary');
      expect(report.lease.changes.map((c) => [c.holder, c.epoch])).toEqual([
        ['primary', 1],
        ['shadow', 2],
        ['primary', 3],
      ]);
      expect(report.handback).toMatchObject({ completed: true, attempts: 1 });
    });

    it('hands back through the handback workflow: replace, primary steady, traffic back, staging to standby', () => {
      // Arrange
      const names = report.services.map((s) => s.name).sort();
      const milestone = (name: string) =>
        report.handback.milestones.find((m) => m.milestone === name)?.at ?? '';

      // Assert
      expect(report.handback).toMatchObject({
        outcome: 'succeeded',
        modes: { replace: 3, integrate: 0 },
        epoch: 3,
      });
      expect(report.handback.label).not.toMatch(/pending/);
      expect([...report.handback.trafficBack].sort()).toEqual(names);
      expect([...report.handback.scaledDown].sort()).toEqual(names);
      for (const s of report.handback.services) {
        expect(s).toMatchObject({ mode: 'replace', phase: 'standby', stagingDesiredCount: 0 });
        expect(s.primarySteadyAt ?? '').not.toBe('');
        // Traffic goes back only once the primary is steady, staging scales down only after.
        expect((s.trafficBackAt ?? '') >= (s.primarySteadyAt ?? '')).toBe(true);
        expect((s.scaledDownAt ?? '') >= (s.trafficBackAt ?? '')).toBe(true);
      }
      for (const m of ['approved', 'frozen', 'primarySteady', 'trafficBack', 'released']) {
        expect(milestone(m)).not.toBe('');
      }
      expect(milestone('frozen') <= milestone('primarySteady')).toBe(true);
      expect(report.lease.changes.at(-1)?.at).toBe(milestone('released'));
    });

    it('freezes adaptation for the handback: an adapt run during it changes nothing', () => {
      // Assert
      expect(report.handback.freeze).toMatchObject({
        epoch: 2,
        executionName: 'drill-handback-1',
        thawedAt: null,
      });
      expect(report.handback.adaptWhileFrozen.length).toBeGreaterThan(0);
      for (const run of report.handback.adaptWhileFrozen) {
        expect(run.status).toBe('skipped');
        expect(run.reason).toMatch(/adaptation frozen at epoch 2 by handback drill-handback-1/);
        expect(report.adapt.every((a) => a.at < run.at)).toBe(true);
      }
    });

    it('runs no deploy under a stale epoch and records no violation', () => {
      // Assert
      expect(report.violations).toEqual([]);
      expect(report.fencing).toEqual([]);
    });

    it('recovers faster pre-baked than cold', () => {
      // Assert
      expect(report.rto.prebakedSeconds).toBeGreaterThan(report.rto.detectionSeconds);
      expect(report.rto.prebakedSeconds).toBeLessThan(report.rto.coldSeconds);
      for (const service of report.services) {
        expect(service.rtoSeconds).toBeLessThan(service.coldRtoSeconds as number);
      }
    });

    it('reports forecast coverage on the traces’ real continuation', () => {
      // Assert
      expect(report.forecast.points).toBe(3 * 24);
      expect(report.forecast.coverage80).toBeGreaterThan(0);
      expect(report.forecast.coverage95).toBeGreaterThanOrEqual(report.forecast.coverage80);
      expect(report.forecast.series.map((s) => s.actual.length)).toEqual([24, 24, 24]);
    });

    it('builds the demo estate from real corpus definitions, named by role', () => {
      // Assert
      expect(report.services.map((s) => [s.name, s.sourceFile])).toEqual(
        DEMO_ESTATE.slice(0, 3).map((d) => [`shop/${d.role}`, `${DEMO_CORPUS_DIR}/${d.file}`]),
      );
      expect(report.services.every((s) => s.trace !== null)).toBe(true);
      expect(report.options.estate).toBeNull();
    });

    it('lists a rewrite for every source field that staged does not carry unchanged', () => {
      // Assert
      for (const service of report.services) {
        expect(service.cloneVersion).toBe(1);
        expect(service.rewrites.length).toBeGreaterThan(0);
        expect([service.name, unexplained(service)]).toEqual([service.name, []]);
      }
    });

    it('adapts with the real adapt core while the shadow holds the lease, fenced on its epoch', () => {
      // Arrange
      const shadow = report.lease.changes.find((c) => c.holder === 'shadow');
      const back = report.lease.changes.at(-1);

      // Assert: a run every period from the traffic switch until the primary returns
      expect(report.adaptRuns.periodSeconds).toBe(300);
      expect(report.adaptRuns.runs).toBeGreaterThanOrEqual(20);
      expect(report.adaptRuns.services).toEqual(report.services.map((s) => s.name).sort());
      expect(report.adaptRuns.failures).toEqual([]);
      expect(report.adapt.length).toBeGreaterThan(0);
      for (const a of report.adapt) {
        expect(a.epoch).toBe(shadow?.epoch);
        expect(a.at > (shadow?.at ?? '')).toBe(true);
        expect(a.at < (back?.at ?? '')).toBe(true);
        expect(a.toMinCapacity).not.toBe(a.fromMinCapacity);
        expect(a.action).toBe(a.toMinCapacity > a.fromMinCapacity ? 'raise' : 'lower');
        expect(a.inputs.bounds).toEqual({ minCapacity: 1, maxCapacity: 10 });
        expect(a.toMinCapacity).toBeLessThanOrEqual(10);
        expect(a.reason).not.toBe('');
      }
      expect(report.timeline.filter((e) => e.phase === 'adapt' && e.service !== null)).toHaveLength(
        report.adapt.length,
      );
    });

    it('decides the pre-bake trigger with the real trigger rule', () => {
      // Assert: the trigger names the services that fired; the clones follow it
      const trigger = report.timeline.find((e) => e.phase === 'trigger');
      const clone = report.timeline.find((e) => e.phase === 'clone');
      expect(trigger?.label).toContain(`${report.forecast.triggered.length}/3 services fired`);
      expect(clone?.label).toContain(
        report.forecast.triggered.length > 0 ? 'forecast-trigger' : 'scheduled',
      );
    });

    it('tells the story in order on the simulated clock', () => {
      // Arrange
      const first = (phase: string) => report.timeline.find((e) => e.phase === phase)?.at ?? '';

      // Assert
      const order = ['clone', 'outage', 'detection', 'approval', 'lease', 'deploying', 'steady'];
      const times = order.map(first);
      expect(times.every((t) => t !== '')).toBe(true);
      expect([...times].sort()).toEqual(times);
      expect(first('handback') > first('traffic')).toBe(true);
    });
  });

  it('gives the same JSON report for the same seed', async () => {
    // Act
    const [a, b] = [await drill({ services: 2 }), await drill({ services: 2 })];

    // Assert
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  describe('Scenario: each one does what it says', () => {
    it('flapping: the first failover stops at pre-flight, the second succeeds', async () => {
      // Act
      const report = await drill({ services: 2, scenario: 'flapping' });

      // Assert
      expect(report.timeline.some((e) => e.label.startsWith('failover 1: preflight-failed'))).toBe(
        true,
      );
      expect(report.summary.ok).toBe(true);
      expect(report.lease.changes).toHaveLength(3);
    });

    it('partial-failure: one service never gets steady and says why, the rest fail over', async () => {
      // Act
      const report = await drill({ services: 3, scenario: 'partial-failure' });

      // Assert
      const failed = report.services.filter((s) => !s.steady);
      expect(failed.map((s) => s.name)).toEqual(['shop/api']);
      expect(failed[0]?.refused).toMatch(/^failover: /);
      expect(report.summary).toMatchObject({ servicesSteady: 2, servicesRefused: 1, ok: true });
      expect(validate(JSON.parse(JSON.stringify(report)))).toBe(true);
    });

    it('primary-returns-early: the primary’s stale-epoch deploy is fenced', async () => {
      // Act
      const report = await drill({ services: 2, scenario: 'primary-returns-early' });

      // Assert
      expect(report.fencing).toHaveLength(1);
      expect(report.fencing[0]).toMatchObject({ epoch: 1, currentEpoch: 2 });
      expect(report.violations).toEqual([]);
      expect(report.lease).toMatchObject({ holder: 'primary', epoch: 3 });
      expect(report.handback).toMatchObject({ outcome: 'succeeded', attempts: 1, epoch: 3 });
      expect(report.handback.trafficBack).toHaveLength(2);
    });

    it('primary-fails-during-handback: the shadow keeps authority, the second attempt hands back', async () => {
      // Act
      const report = await drill({ services: 2, scenario: 'primary-fails-during-handback' });

      // Assert: the first execution stops with the lease and traffic where they were.
      expect(report.handback).toMatchObject({ completed: true, attempts: 2, outcome: 'succeeded' });
      const [first, second] = report.handback.runs;
      expect(first).toMatchObject({
        outcome: 'stopped',
        leaseAfter: { holder: 'shadow', epoch: 2 },
        trafficToPrimary: 0,
        thawed: true,
      });
      expect(first?.reason).toMatch(/ALARM/);
      expect(first?.milestones.map((m) => m.milestone)).not.toContain('trafficBack');
      expect(second).toMatchObject({
        outcome: 'succeeded',
        leaseAfter: { holder: 'primary', epoch: 3 },
        trafficToPrimary: 2,
      });
      expect(report.lease).toMatchObject({ holder: 'primary', epoch: 3 });
      expect(report.lease.changes.map((c) => c.holder)).toEqual(['primary', 'shadow', 'primary']);
      expect(validate(JSON.parse(JSON.stringify(report)))).toBe(true);
    });

    it('--fault-rate: throttling and 5xx on every sandbox call, every service still steady', async () => {
      // Act
      const report = await drill({ services: 2, faultRate: 0.1 });

      // Assert
      expect(report.options.faultRate).toBe(0.1);
      expect(report.summary).toMatchObject({ servicesSteady: 2, ok: true });
      expect(report.violations).toEqual([]);
    });

    it('--cold tells the story without clones and still measures both', async () => {
      // Act
      const report = await drill({ services: 2, cold: true });

      // Assert
      expect(report.options.cold).toBe(true);
      expect(report.timeline.some((e) => e.label.startsWith('cold run'))).toBe(true);
      expect(report.rto.prebakedSeconds).toBeLessThan(report.rto.coldSeconds);
    });
  });
});

describe('Command: understudy drill (CLI)', () => {
  it('writes both reports to --out and prints the summary', async () => {
    // Arrange
    const out = await mkdtemp(path.join(tmpdir(), 'drill-'));

    // Act
    const run = await runCliProcess(['drill', '--yes', '--services', '2', '--out', out]);

    // Assert
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('RTO pre-baked:');
    expect(run.stdout).toMatch(/adapt: \d+ minimum change\(s\)/);
    // The tables `--local` reads (bin/local/drill/state.ts).
    for (const table of ['inventory', 'forecasts', 'lease']) {
      expect(existsSync(path.join(out, 'state', `${table}.json`))).toBe(true);
    }
    const json = JSON.parse(await readFile(path.join(out, 'drill-report.json'), 'utf8'));
    expect(validate(json)).toBe(true);
    expect(await readFile(path.join(out, 'drill-report.html'), 'utf8')).toContain('<svg');
  });

  it.each([
    [['--services', '0'], /services must be a whole number/],
    [['--seed', 'x'], /seed must be a whole number/],
    [['--fault-rate', '2'], /fault rate must be a number/],
    [['--scenario', 'meteor'], /--scenario/],
    [['--bogus'], /unknown option/],
  ])('refuses %j with one line and exit 2', async (args, message) => {
    // Act
    const run = await runCliProcess(['drill', '--yes', ...args]);

    // Assert
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatch(/^understudy: /);
    expect(run.stderr).toMatch(message);
  });

  it('refuses to fail over without --yes', async () => {
    // Act
    const run = await runCliProcess(['drill', '--services', '1']);

    // Assert
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'understudy: the drill fails over without asking: pass --yes to approve it (npm run drill does)',
    );
  });
});

describe('Command: understudy drill --estate DIR', () => {
  describe('Scenario: the real-definition corpus (test/fixtures/ecs) as an estate', () => {
    let report: DrillReport;
    beforeAll(async () => {
      report = await drill({ estate: loadEstate(path.join(ROOT, 'test/fixtures/ecs')) });
    });

    it('writes a report the JSON Schema accepts, naming the estate', () => {
      // Act
      const ok = validate(JSON.parse(JSON.stringify(report)));

      // Assert
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
      expect(report.options.estate).toBe('ecs');
    });

    it('reports every service file and every task definition (unused ones get a default service)', () => {
      // Arrange
      const serviceFiles = new Set(report.services.map((s) => s.serviceFile).filter(Boolean));
      const sourceFiles = new Set(report.services.map((s) => s.sourceFile).filter(Boolean));

      // Assert
      expect(serviceFiles.size).toBe(12);
      expect(sourceFiles.size).toBe(41);
      const made = report.services.find((s) => s.name === 'default/arm64-testapp');
      expect(made?.source.service).toEqual({
        cluster: 'default',
        serviceName: 'arm64-testapp',
        taskDefinition: 'arm64-testapp',
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { assignPublicIp: 'DISABLED' } },
      });
      expect(made?.serviceFile).toBeNull();
    });

    it('gets every service steady or refuses it with a reason', () => {
      // Assert
      for (const service of report.services) {
        expect([service.name, service.steady || (service.refused ?? '').length > 0]).toEqual([
          service.name,
          true,
        ]);
      }
      expect(report.summary.servicesSteady).toBeGreaterThan(0);
      expect(report.summary.ok).toBe(true);
      expect(report.violations).toEqual([]);
    });

    it('carries every source field into staged unchanged or under a listed rewrite', () => {
      // Assert
      const cloned = report.services.filter((s) => s.refused === null);
      expect(cloned.length).toBeGreaterThan(20);
      for (const service of cloned) {
        expect(service.sourceFile).toMatch(/^test\/fixtures\/ecs\/task-definitions\/.+\.json$/);
        expect([service.name, unexplained(service)]).toEqual([service.name, []]);
      }
    });

    it('refuses a service whose task definition is not in the estate, saying so', () => {
      // Act
      const service = report.services.find((s) => s.name === 'yelb-cluster/yelb-db');

      // Assert
      expect(service).toMatchObject({
        steady: false,
        staged: null,
        sourceFile: null,
        serviceFile: 'test/fixtures/ecs/services/004-yelb-db-service-registries.json',
        refused: 'task definition yelb-db:1 is not in the estate',
      });
    });

    it('passes on the clone core’s refusals with their reasons', () => {
      // Assert
      const refusal = (name: string) => report.services.find((s) => s.name === name)?.refused;
      expect(refusal('default/firelens-efs-example')).toMatch(
        /^clone: CloneValidationError: .*fs-c3c9bcbb is regional and has no mapping in fileSystems/,
      );
      expect(refusal('default/ecsftest-host-pid-namespace-share')).toMatch(/allowHostPid/);
      expect(refusal('default/001-ecspresso-capacity-providers-ebs-alb')).toBe(
        'the service names no task definition',
      );
    });
  });

  describe('Scenario: the shapes of the AWS CLI', () => {
    async function estateDir(files: Record<string, unknown>): Promise<string> {
      const dir = await mkdtemp(path.join(tmpdir(), 'estate-'));
      for (const [name, json] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
        await writeFile(path.join(dir, name), JSON.stringify(json));
      }
      return dir;
    }
    const td = (family: string, revision?: number) => ({
      family,
      ...(revision
        ? {
            revision,
            taskDefinitionArn: `arn:aws:ecs:eu-west-1:1:task-definition/${family}:${revision}`,
          }
        : {}),
      containerDefinitions: [{ name: 'app', image: 'nginx:1.27' }],
    });

    it('reads describe-task-definition and describe-services output and matches by family and revision', async () => {
      // Arrange
      const dir = await estateDir({
        'task-definitions/a.json': {
          taskDefinition: td('shop', 3),
          tags: [{ key: 'k', value: 'v' }],
        },
        'task-definitions/b.json': td('lonely'),
        'services/s.json': {
          services: [
            {
              serviceName: 'front',
              clusterArn: 'arn:aws:ecs:eu-west-1:1:cluster/prod',
              taskDefinition: 'arn:aws:ecs:eu-west-1:1:task-definition/shop:3',
              desiredCount: 2,
              status: 'ACTIVE',
              events: [],
            },
            { serviceName: 'old', cluster: 'prod', taskDefinition: 'shop:2', desiredCount: 1 },
          ],
        },
      });

      // Act
      const estate = loadEstate(dir);

      // Assert
      expect(
        estate.services.map((s) => [s.key, s.taskDefinition?.family ?? null, s.refused]),
      ).toEqual([
        ['prod/front', 'shop', null],
        ['prod/old', null, 'task definition shop:2 is not in the estate (it has revision 3)'],
        ['default/lonely', 'lonely', null],
      ]);
      expect(estate.services[0]?.request).toEqual({
        serviceName: 'front',
        cluster: 'prod',
        taskDefinition: 'arn:aws:ecs:eu-west-1:1:task-definition/shop:3',
        desiredCount: 2,
      });
      expect(estate.services[0]?.taskDefinition?.request).toEqual({
        family: 'shop',
        containerDefinitions: [{ name: 'app', image: 'nginx:1.27' }],
        tags: [{ key: 'k', value: 'v' }],
      });
    });

    it('forecasts a service on its own metrics/<service>.csv', async () => {
      // Arrange
      const trace = readFileSync(
        path.join(ROOT, 'test/fixtures/traces/nab__elb_request_count_8c0756.csv'),
        'utf8',
      );
      const dir = await estateDir({ 'task-definitions/a.json': td('lonely') });
      await mkdir(path.join(dir, 'metrics'));
      await writeFile(path.join(dir, 'metrics', 'lonely.csv'), trace);

      // Act
      const report = await drill({ estate: loadEstate(dir) });

      // Assert
      expect(report.services.map((s) => [s.name, s.steady, s.trace?.file])).toEqual([
        ['default/lonely', true, path.join(dir, 'metrics', 'lonely.csv')],
      ]);
      expect(report.forecast.points).toBe(24);
    });

    it.each([
      ['no such folder', null, /^understudy: estate: no such folder /],
      [
        'a file instead of a folder',
        'file',
        /^understudy: estate: .+ is a file; --estate takes a folder holding task-definitions/,
      ],
      [
        'a JSON file of neither shape',
        { 'services/x.json': { hello: 'world' } },
        /is neither DescribeServices output/,
      ],
      [
        'a task definition of neither shape',
        { 'task-definitions/x.json': { family: 'f' } },
        /is neither DescribeTaskDefinition output/,
      ],
      ['a file that is not JSON', { 'task-definitions/x.json': '{' }, /is not JSON/],
      [
        'an empty estate',
        { 'metrics/.keep.json': {} },
        /holds no task-definitions\/\*\.json and no services\/\*\.json/,
      ],
    ])('refuses %s with one line, exit 2 and nothing written', async (_label, files, message) => {
      // Arrange
      let dir = path.join(tmpdir(), 'estate-that-does-not-exist');
      if (files === 'file') {
        dir = path.join(await mkdtemp(path.join(tmpdir(), 'estate-')), 'estate.json');
        await writeFile(dir, '{}');
      } else if (files) {
        dir = await mkdtemp(path.join(tmpdir(), 'estate-'));
        for (const [name, json] of Object.entries(files)) {
          await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
          await writeFile(
            path.join(dir, name),
            typeof json === 'string' ? json : JSON.stringify(json),
          );
        }
      }
      const out = path.join(await mkdtemp(path.join(tmpdir(), 'drill-')), 'out');

      // Act
      const run = await runCliProcess(['drill', '--yes', '--estate', dir, '--out', out]);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^understudy: /);
      expect(run.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    });
  });
});
