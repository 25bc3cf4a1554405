// The local drill end to end: the real forecast engine on real traces, the real clone and failover
// ASL files with their handlers on the sandbox cloud, the real lease on dynalite. Assertions are on
// the JSON report, which is validated against docs/drill-report.schema.json.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// ajv is in the lockfile through asl-validator; see the final report of h-drill for the
// `npm install --save-exact --save-dev ajv@8.20.0` line that makes it a direct dependency.
import Ajv2020 from 'ajv/dist/2020';
import { type DrillOptions, runDrill } from '../../bin/local/drill/engine';
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

    it('lists a rewrite for every source field that staged does not carry unchanged', () => {
      // Assert
      for (const service of report.services) {
        expect(service.cloneVersion).toBe(1);
        expect(service.rewrites.length).toBeGreaterThan(0);
        expect([service.name, unexplained(service)]).toEqual([service.name, []]);
      }
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
      expect(failed.map((s) => s.name)).toEqual(['shop/svc-001']);
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
    });

    it('primary-fails-during-handback: the shadow keeps authority, the second attempt hands back', async () => {
      // Act
      const report = await drill({ services: 2, scenario: 'primary-fails-during-handback' });

      // Assert
      expect(report.handback).toMatchObject({ completed: true, attempts: 2 });
      expect(report.lease).toMatchObject({ holder: 'primary', epoch: 3 });
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
