/**
 * `understudy cost` end to end on the sample `cdk.json`: the services of the `understudy` context
 * priced config-only vs warm, the tier chosen by expected value, and every bad flag refused.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as UnderstudyCli from '../../bin/understudy';

const ROOT = path.resolve(__dirname, '../..');
const CDK_JSON = path.join(ROOT, 'cdk.json');

// `bin/understudy` alone would resolve to the `.js` launcher (jest tries `.js` first), which runs
// the CLI on require and exports nothing: load the TypeScript entry by its full name.
const { main } = jest.requireActual<typeof UnderstudyCli>('../../bin/understudy.ts');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function cost(args: readonly string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    stdout += String(chunk);
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
    stderr += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  try {
    await main(['node', 'understudy', 'cost', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout, stderr };
}

interface CostDoc {
  readonly assumptions: {
    readonly outageProbability: number;
    readonly integrityChecksPerMonth: number;
  };
  readonly services: readonly {
    readonly service: string;
    readonly lines: readonly { readonly item: string; readonly monthly: number }[];
    readonly configOnlyMonthly: number;
    readonly warmStandingMonthly: number;
    readonly totalMonthly: number;
    readonly decision: {
      readonly tier: string;
      readonly expectedSaving: number;
      readonly reason: string;
    };
  }[];
  readonly totalMonthly: number;
  readonly configOnlyMonthly: number;
  readonly allWarmMonthly: number;
  readonly warmServices: readonly string[];
}

/** Fargate x86 list price of `tasks` tasks of 0.5 vCPU / 1 GiB for a 730-hour month. */
function warmCost(tasks: number): number {
  return tasks * 730 * (0.5 * 0.04048 + 1 * 0.004445);
}

describe('Command: understudy cost', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'understudy-cost-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function variant(name: string, edit: (understudy: Record<string, unknown>) => void) {
    const json = JSON.parse(await readFile(CDK_JSON, 'utf8')) as {
      context: { understudy: Record<string, unknown> };
    };
    edit(json.context.understudy);
    const file = path.join(dir, name);
    await writeFile(file, JSON.stringify(json), 'utf8');
    return file;
  }

  describe('Method: --format table', () => {
    it('prints per service the cost lines, both standing costs and the tier with its reason', async () => {
      // Act
      const run = await cost(['--config', CDK_JSON]);

      // Assert
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/^Monthly staging cost of 3 service\(s\) from .*cdk\.json/);
      for (const service of ['shop/web', 'shop/api', 'shop/worker']) {
        expect(run.stdout).toContain(`\n${service}\n  ITEM`);
      }
      // web and api keep minTasks 2 warm: $36.04 > expected saving 0.02 × 12 min × $100 = $24.
      expect(run.stdout).toContain(
        'tier: config-only — expected saving $24.00/month does not exceed the standing cost $36.04/month',
      );
      // worker keeps 1 task (minTasks default): $18.02 < $24.
      expect(run.stdout).toContain(
        'tier: warm — expected saving $24.00/month exceeds the standing cost $18.02/month',
      );
      expect(run.stdout).toMatch(/registry-storage\s+0\.500\s+GB-month\s+\$0\.10\s+\$0\.05/);
      expect(run.stdout).toMatch(/warm-vcpu\s+365\s+vCPU-hour/);
      expect(run.stdout).toMatch(/\ntotal \$\d+\.\d\d\/month .*; warm: shop\/worker\n$/);
    });
  });

  describe('Method: --format json', () => {
    it('prints the report as one JSON document whose totals add up', async () => {
      // Act
      const run = await cost(['--config', CDK_JSON, '--format', 'json']);

      // Assert
      expect(run.code).toBe(0);
      const doc = JSON.parse(run.stdout) as CostDoc;
      expect(doc.services.map((s) => [s.service, s.decision.tier])).toEqual([
        ['shop/web', 'config-only'],
        ['shop/api', 'config-only'],
        ['shop/worker', 'warm'],
      ]);
      expect(doc.assumptions.integrityChecksPerMonth).toBe(730); // freshnessTargetMinutes 60
      const [web, , worker] = doc.services;
      expect(web?.warmStandingMonthly).toBeCloseTo(warmCost(2), 6);
      expect(worker?.warmStandingMonthly).toBeCloseTo(warmCost(1), 6);
      expect(web?.decision.expectedSaving).toBeCloseTo(24, 9);
      for (const service of doc.services) {
        const lines = service.lines.reduce((sum, line) => sum + line.monthly, 0);
        expect(service.totalMonthly).toBeCloseTo(lines, 9);
      }
      expect(worker?.lines.map((line) => line.item)).toContain('warm-vcpu');
      expect(web?.lines.map((line) => line.item)).not.toContain('warm-vcpu');
      expect(doc.totalMonthly).toBeCloseTo(
        doc.services.reduce((sum, s) => sum + s.totalMonthly, 0),
        9,
      );
      expect(doc.allWarmMonthly).toBeCloseTo(
        doc.configOnlyMonthly + warmCost(2) + warmCost(2) + warmCost(1),
        6,
      );
      expect(doc.warmServices).toEqual(['shop/worker']);
    });

    it('keeps every service config-only when an outage is unlikely enough', async () => {
      // Act
      const run = await cost([
        '--config',
        CDK_JSON,
        '--format',
        'json',
        '--outage-probability',
        '0.001',
      ]);

      // Assert
      const doc = JSON.parse(run.stdout) as CostDoc;
      expect(doc.assumptions.outageProbability).toBe(0.001);
      expect(doc.warmServices).toEqual([]);
      expect(doc.totalMonthly).toBeCloseTo(doc.configOnlyMonthly, 9);
    });

    it('forces a tier with --tier and says so', async () => {
      // Act
      const run = await cost(['--config', CDK_JSON, '--format', 'json', '--tier', 'warm']);

      // Assert
      const doc = JSON.parse(run.stdout) as CostDoc;
      expect(doc.warmServices).toEqual(['shop/web', 'shop/api', 'shop/worker']);
      expect(doc.services[0]?.decision.reason).toBe('forced by tier policy warm');
      expect(doc.totalMonthly).toBeCloseTo(doc.allWarmMonthly, 9);
    });
  });

  describe('Method: flags and config', () => {
    it.each([
      [['--outage-probability', '0'], /probability strictly between 0 and 1, got "0"/],
      [['--outage-probability', '1'], /probability strictly between 0 and 1, got "1"/],
      [['--outage-probability', 'often'], /probability strictly between 0 and 1, got "often"/],
      [['--cost-per-minute', '-5'], /must be a number ≥ 0, got "-5"/],
      [['--task-vcpu', '0'], /must be a number > 0, got "0"/],
      [['--format', 'xml'], /argument 'xml' is invalid/],
      [['--tier', 'hot'], /argument 'hot' is invalid/],
      [['--bogus'], /unknown option '--bogus'/],
    ])('exits 2 for %j', async (args, message) => {
      // Act
      const run = await cost(['--config', CDK_JSON, ...args]);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe('');
    });

    it('exits 2 when warm recovery is slower than cold', async () => {
      // Act
      const run = await cost(['--config', CDK_JSON, '--warm-start-minutes', '20']);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'understudy: --warm-start-minutes 20 exceeds --cold-start-minutes 15\n',
      );
    });

    it('exits 2 naming a config file that does not exist', async () => {
      // Act
      const run = await cost(['--config', path.join(dir, 'missing.json')]);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /^understudy: cannot read --config .*missing\.json: no such file\n$/,
      );
    });

    it('exits 2 naming the failing key of an invalid configuration', async () => {
      // Arrange
      const file = await variant('bad.json', (understudy) => {
        (understudy.services as Record<string, unknown>[])[0] = { cluster: 'shop' };
      });

      // Act
      const run = await cost(['--config', file]);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('understudy.services[0].service: required but missing');
    });

    it('exits 2 when the services are found by tag rather than listed', async () => {
      // Arrange
      const file = await variant('selector.json', (understudy) => {
        delete understudy.services;
        understudy.serviceSelector = { tagKey: 'understudy', tagValue: 'protected' };
      });

      // Act
      const run = await cost(['--config', file]);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        'understudy cost needs the services listed in understudy.services',
      );
    });

    it('prints help with an example', async () => {
      // Act
      const run = await cost(['--help']);

      // Assert
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Usage: understudy cost [options]');
      expect(run.stdout).toContain('$ understudy cost --config cdk.json --outage-probability 0.05');
    });
  });
});
