/**
 * `understudy inventory … --local` and `understudy plan show --local` end to end: a real drill
 * (in-process, small) persists its tables under its --out folder; the CLI then reads and steers
 * them with the production repositories on an in-process dynalite, with no AWS.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
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

  it('refuses validate --local in one line (exit 2) rather than read AWS', async () => {
    // Act
    const run = await cli(['inventory', 'validate', '--local', dir]);

    // Assert
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatch(
      /^understudy: inventory validate --local is not supported yet/,
    );
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
