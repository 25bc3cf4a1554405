/**
 * `understudy inventory … --local` and `understudy plan show --local` end to end: a real drill
 * (in-process, small) persists its tables under its --out folder; the CLI then reads and steers
 * them with the production repositories on an in-process dynalite, with no AWS.
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PlanShowDoc } from '../../bin/commands/plan';
import { runDrill } from '../../bin/local/drill/engine';
import type { DrillReport } from '../../bin/local/drill/report';
import { stateDirOf, writeDrillState } from '../../bin/local/drill/state';
import type * as UnderstudyCli from '../../bin/understudy';

// `bin/understudy` alone would resolve to the `.js` launcher: load the TypeScript entry by name.
const { main } = jest.requireActual<typeof UnderstudyCli>('../../bin/understudy.ts');

jest.setTimeout(180_000);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process, capturing what it writes and the exit code it sets. */
async function capture(run: () => Promise<void>): Promise<Run> {
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
    await run();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout, stderr };
}

const cli = (args: readonly string[]) => capture(() => main(['node', 'understudy', ...args]));

interface ListDoc {
  readonly services: readonly {
    readonly service: string;
    readonly latestVersion: number;
    readonly effectiveVersion?: number;
    readonly effectiveStatus?: string;
    readonly pinned?: number;
    readonly effectiveCreatedAt?: string;
    readonly effectiveAgeSeconds?: number;
  }[];
}

interface ValidateDoc {
  readonly results: readonly {
    readonly service: string;
    readonly status: string;
    readonly changed: boolean;
    readonly applied: boolean;
    readonly reasons: readonly string[];
  }[];
}

let dir: string;
let report: DrillReport;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'understudy-local-'));
  report = await runDrill(
    {
      services: 2,
      seed: 5,
      faultRate: 0,
      cold: false,
      scenario: 'regional-outage',
      approver: 'drill --yes',
    },
    () => {},
    (state) => writeDrillState(stateDirOf(dir), state),
  );
});

describe('Command: understudy inventory --local', () => {
  it('lists the drill’s clones, each validated at version 1', async () => {
    // Act
    const run = await cli(['inventory', 'list', '--local', dir, '--format', 'json']);

    // Assert
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const doc = JSON.parse(run.stdout) as ListDoc;
    expect(doc.services.map((s) => [s.service, s.effectiveVersion, s.effectiveStatus])).toEqual(
      report.services.map((s) => [s.name, 1, 'validated']).sort(),
    );
  });

  it('shows a clone version with its staged task definition', async () => {
    // Arrange
    const name = report.services[0]?.name as string;

    // Act
    const run = await cli(['inventory', 'show', name, '--local', dir]);

    // Assert
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${name} version 1 (effective)`);
    expect(run.stdout).toContain('staged task definition');
  });

  it('diffs two versions of one clone', async () => {
    // Act
    const run = await cli([
      'inventory',
      'diff',
      report.services[0]?.name as string,
      '1',
      '1',
      '--local',
      dir,
    ]);

    // Assert
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('identical content');
  });

  it('pins and unpins, writing the change back to the drill’s state', async () => {
    // Arrange
    const name = report.services[1]?.name as string;
    const file = path.join(stateDirOf(dir), 'inventory.json');
    const before = await readFile(file, 'utf8');

    // Act
    const pin = await cli([
      'inventory',
      'pin',
      name,
      '1',
      '--local',
      dir,
      '--reason',
      'drill try-out',
    ]);
    const listed = await cli(['inventory', 'list', '--local', dir, '--format', 'json']);
    const unpin = await cli(['inventory', 'unpin', name, '--local', dir]);

    // Assert
    expect(pin.code).toBe(0);
    expect(
      (JSON.parse(listed.stdout) as ListDoc).services.find((s) => s.service === name)?.pinned,
    ).toBe(1);
    expect(unpin.stdout).toContain(`unpinned ${name} (was pinned to version 1)`);
    expect(await readFile(file, 'utf8')).not.toBe(before);
  });

  it('says in one line, exit 2, that no drill has run yet', async () => {
    // Arrange
    const empty = await mkdtemp(path.join(tmpdir(), 'understudy-nodrill-'));

    // Act
    const run = await cli(['inventory', 'list', '--local', empty]);

    // Assert
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')[0]).toMatch(
      /^understudy: no drill state in .*: run `npm run drill` first/,
    );
    expect(existsSync(stateDirOf(empty))).toBe(false);
  });

  it('counts clone ages to the drill’s end on its simulated clock, not the laptop’s', async () => {
    // Arrange
    const meta = JSON.parse(await readFile(path.join(stateDirOf(dir), 'drill.json'), 'utf8')) as {
      clock: { end: string };
    };

    // Act
    const run = await cli(['inventory', 'list', '--local', dir, '--format', 'json']);

    // Assert
    const rows = (JSON.parse(run.stdout) as ListDoc).services;
    expect(meta.clock.end).toBe(report.clock.end);
    for (const row of rows) {
      expect(row.effectiveAgeSeconds).toBe(
        Math.round(
          (Date.parse(report.clock.end) - Date.parse(row.effectiveCreatedAt as string)) / 1000,
        ),
      );
      // Cloned during the drill's own (simulated) day, so younger than the drill itself.
      expect(row.effectiveAgeSeconds).toBeLessThanOrEqual(
        (Date.parse(report.clock.end) - Date.parse(report.clock.start)) / 1000,
      );
    }
  });

  it('validate --local re-validates every clone against the staging the drill left behind', async () => {
    // Act
    const run = await cli(['inventory', 'validate', '--local', dir, '--format', 'json']);

    // Assert
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const doc = JSON.parse(run.stdout) as ValidateDoc;
    expect(doc.results.map((r) => [r.service, r.status, r.changed])).toEqual(
      report.services.map((s) => [s.name, 'validated', false]).sort(),
    );
  });

  it('validate --local catches a staging change and writes the new status back (not on --dry-run)', async () => {
    // Arrange: a copy of the drill whose staging lost every IAM role the clones run as.
    const copy = await mkdtemp(path.join(tmpdir(), 'understudy-tampered-'));
    await cp(dir, copy, { recursive: true });
    const stagingFile = path.join(stateDirOf(copy), 'staging.json');
    const staging = JSON.parse(await readFile(stagingFile, 'utf8')) as {
      dependencies: { kind: string; id: string }[];
    };
    const roles = staging.dependencies.filter((d) => d.kind === 'role');
    expect(roles.length).toBeGreaterThan(0);
    staging.dependencies = staging.dependencies.filter((d) => d.kind !== 'role');
    await writeFile(stagingFile, JSON.stringify(staging));
    const inventoryFile = path.join(stateDirOf(copy), 'inventory.json');
    const before = await readFile(inventoryFile, 'utf8');

    // Act
    const dry = await cli([
      'inventory',
      'validate',
      '--local',
      copy,
      '--dry-run',
      '--format',
      'json',
    ]);
    const afterDry = await readFile(inventoryFile, 'utf8');
    const real = await cli(['inventory', 'validate', '--local', copy]);
    const listed = await cli(['inventory', 'list', '--local', copy, '--format', 'json']);

    // Assert
    expect(dry.code).toBe(0);
    const results = (JSON.parse(dry.stdout) as ValidateDoc).results;
    expect(results.length).toBe(report.services.length);
    for (const result of results) {
      expect(result).toMatchObject({ changed: true, applied: false });
      expect(result.status).not.toBe('validated');
      expect(result.reasons.some((r) => /^role .+ does not exist in staging$/.test(r))).toBe(true);
    }
    expect(afterDry).toBe(before);
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(/status change\(s\)/);
    expect(await readFile(inventoryFile, 'utf8')).not.toBe(before);
    for (const row of (JSON.parse(listed.stdout) as ListDoc).services) {
      expect(row.effectiveStatus).not.toBe('validated');
    }
  });

  it('validate --local on a damaged staging file says so in one line (exit 2) and writes nothing', async () => {
    // Arrange
    const copy = await mkdtemp(path.join(tmpdir(), 'understudy-damaged-'));
    await cp(dir, copy, { recursive: true });
    await writeFile(path.join(stateDirOf(copy), 'staging.json'), '{"stateVersion":2,"location":7}');
    const inventoryFile = path.join(stateDirOf(copy), 'inventory.json');
    const before = await readFile(inventoryFile, 'utf8');

    // Act
    const run = await cli(['inventory', 'validate', '--local', copy]);

    // Assert
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatch(
      /^understudy: .*staging\.json: not a sandbox location snapshot of version 1: run the drill again$/,
    );
    expect(await readFile(inventoryFile, 'utf8')).toBe(before);
  });

  it('refuses --local with --table (one line, exit 2)', async () => {
    // Act
    const run = await cli(['inventory', 'list', '--local', dir, '--table', 'x']);

    // Assert
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(
      "understudy: --local reads the drill's state: drop --table",
    );
  });
});

describe('Command: understudy plan show', () => {
  it('--local: prints the drill’s plan by wave with versions, revisions and desired counts', async () => {
    // Act
    const run = await cli(['plan', 'show', '--local', dir, '--format', 'json']);
    const table = await cli(['plan', 'show', '--local', dir]);

    // Assert
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const doc = JSON.parse(run.stdout) as PlanShowDoc;
    expect(doc.planId).toMatch(/^plan-[0-9a-f]{16}$/);
    const entries = doc.waves.flatMap((w) => w.entries);
    expect(entries.map((e) => e.service).sort()).toEqual(report.services.map((s) => s.name).sort());
    for (const entry of entries) {
      const service = report.services.find((s) => s.name === entry.service);
      expect(entry.cloneVersion).toBe(service?.cloneVersion);
      expect(entry.desiredCount).toBe(service?.desiredCount);
      expect(entry.taskDefinitionArn).toMatch(/:task-definition\/.+:\d+$/);
    }
    expect(table.stdout.split('\n')[1]).toMatch(
      /^WAVE\s+SERVICE\s+CLONE\s+TASK DEFINITION\s+DESIRED/,
    );
  });

  it('without a table names the flag to pass (one line, exit 2)', async () => {
    // Arrange
    const saved = process.env.UNDERSTUDY_INVENTORY_TABLE;
    delete process.env.UNDERSTUDY_INVENTORY_TABLE;

    // Act
    const run = await cli(['plan', 'show', '--region', 'eu-central-1']);
    if (saved !== undefined) process.env.UNDERSTUDY_INVENTORY_TABLE = saved;

    // Assert
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(
      'understudy: no inventory table: pass --table NAME or set UNDERSTUDY_INVENTORY_TABLE',
    );
  });

  it('--help shows examples', async () => {
    // Act
    const run = await cli(['plan', 'show', '--help']);

    // Assert
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('$ understudy plan show --local');
  });
});
