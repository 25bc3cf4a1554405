/**
 * `understudy inventory` end to end: an inventory filled by the real clone-validate-store
 * pipeline (sandbox primary and staging, dynalite), then read and steered through the CLI,
 * in-process for speed and once through the real binary.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Command } from 'commander';
import { runCli } from '../../bin/cli-runtime';
import { awsStagingPorts, registerInventoryCommand } from '../../bin/commands/inventory';
import type { StagingPortsFactory } from '../../bin/commands/inventory-revalidate';
import {
  createLocalCloneWorld,
  type LocalCloneWorld,
  runClonePipeline,
  seededServiceKey,
  sideOf,
} from '../../bin/local/clone-pipeline';
import type * as UnderstudyCli from '../../bin/understudy';

const ROOT = path.resolve(__dirname, '../..');

// `bin/understudy` alone would resolve to the `.js` launcher (jest tries `.js` first), which runs
// the CLI on require and exports nothing: load the TypeScript entry by its full name.
const { main } = jest.requireActual<typeof UnderstudyCli>('../../bin/understudy.ts');

jest.setTimeout(120_000);

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

const svc0 = seededServiceKey(0);
const svc1 = seededServiceKey(1);
const svc2 = seededServiceKey(2);

let world: LocalCloneWorld;
let connection: string[];
const savedTableEnv = process.env.UNDERSTUDY_INVENTORY_TABLE;

/** `understudy inventory <args> --table … --endpoint …` through `main`. */
function cli(args: readonly string[], withConnection = true): Promise<Run> {
  return capture(() =>
    main(['node', 'understudy', 'inventory', ...args, ...(withConnection ? connection : [])]),
  );
}

function json<T>(run: Run): T {
  return JSON.parse(run.stdout) as T;
}

beforeAll(async () => {
  delete process.env.UNDERSTUDY_INVENTORY_TABLE;
  world = await createLocalCloneWorld({ services: 3 });
  connection = ['--table', world.tables.inventory, '--endpoint', world.dynamo.endpoint];

  // Version 1 of every service.
  const first = await runClonePipeline(world, { trigger: 'manual', requestedBy: 'test' });
  if (first.status !== 'SUCCEEDED') throw new Error(`first clone run ${first.status}`);

  // The primary deploys a new revision of svc-000 with another environment value: version 2.
  const platform = world.cloud.containerPlatform(world.primary);
  const current = await platform.describeService('shop', 'svc-000');
  const source = await platform.describeTaskDefinition(current.taskDefinition);
  const changed = world.cloud.registerTaskDefinition(world.primary, {
    ...source,
    containerDefinitions: source.containerDefinitions.map((container) => ({
      ...container,
      environment: [
        { name: 'MODE', value: 'staging' },
        { name: 'FEATURE', value: 'on' },
      ],
    })),
  });
  await platform.updateService('shop', 'svc-000', { taskDefinition: changed.taskDefinitionArn });
  const second = await runClonePipeline(world, { trigger: 'deploy-event', requestedBy: 'test' });
  if (second.status !== 'SUCCEEDED') throw new Error(`second clone run ${second.status}`);
});

afterAll(async () => {
  await world?.dynamo.stop();
  if (savedTableEnv === undefined) delete process.env.UNDERSTUDY_INVENTORY_TABLE;
  else process.env.UNDERSTUDY_INVENTORY_TABLE = savedTableEnv;
});

interface ListJson {
  readonly services: readonly {
    readonly service: string;
    readonly latestVersion: number;
    readonly latestValidated?: number;
    readonly pinned?: number;
    readonly pinIgnored: boolean;
    readonly effectiveVersion?: number;
    readonly effectiveStatus?: string;
  }[];
}

describe('Command: understudy inventory', () => {
  describe('Method: list', () => {
    it('prints every service with its latest, validated and effective version as a table', async () => {
      // Act
      const run = await cli(['list']);

      // Assert
      expect(run.code).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines[0]).toMatch(
        /^SERVICE\s+LATEST\s+VALIDATED\s+PINNED\s+EFFECTIVE\s+STATUS\s+AGE$/,
      );
      expect(lines.slice(2).map((line) => line.split(/\s+/).slice(0, 6))).toEqual([
        [svc0, '2', '2', '-', '2', 'validated'],
        [svc1, '1', '1', '-', '1', 'validated'],
        [svc2, '1', '1', '-', '1', 'validated'],
      ]);
    });

    it('prints the same as JSON for scripts', async () => {
      // Act
      const run = await cli(['list', '--format', 'json']);

      // Assert
      expect(run.code).toBe(0);
      expect(json<ListJson>(run).services).toEqual([
        expect.objectContaining({
          service: svc0,
          latestVersion: 2,
          latestValidated: 2,
          pinIgnored: false,
          effectiveVersion: 2,
          effectiveStatus: 'validated',
        }),
        expect.objectContaining({ service: svc1, latestVersion: 1, effectiveVersion: 1 }),
        expect.objectContaining({ service: svc2, latestVersion: 1, effectiveVersion: 1 }),
      ]);
    });
  });

  describe('Method: show', () => {
    it('shows the latest version by default: metadata and content summary', async () => {
      // Act
      const run = await cli(['show', svc0]);

      // Assert
      expect(run.code).toBe(0);
      const stored = await world.inventory.getVersion(svc0, 2);
      expect(run.stdout).toContain(`${svc0} version 2 (effective)`);
      expect(run.stdout).toMatch(/status\s+validated/);
      expect(run.stdout).toContain(stored.contentHash);
      expect(run.stdout).toMatch(/trigger\s+deploy-event/);
      expect(run.stdout).toContain(stored.content.stagedTaskDefinitionArn);
      expect(run.stdout).toMatch(/app: \S+\/shop\/svc-000@sha256:[0-9a-f]{64} \(was tag v1\)/);
      expect(run.stdout).toMatch(/1 security group\(s\), 3 rule\(s\)/);
      expect(run.stdout).toMatch(
        /secret: arn:aws:secretsmanager:eu-central-1:\d+:secret:shop\/svc-000/,
      );
    });

    it('shows an older version with --version, as JSON with the full content', async () => {
      // Act
      const run = await cli(['show', svc0, '--version', '1', '--format', 'json']);

      // Assert
      expect(run.code).toBe(0);
      const doc = json<{
        version: number;
        status: string;
        effective: boolean;
        source: { revision: number };
        summary: { images: { container: string; uri: string }[]; dependencies: unknown[] };
        content: { taskDefinition: { containerDefinitions: { environment: unknown[] }[] } };
      }>(run);
      expect(doc.version).toBe(1);
      expect(doc.status).toBe('validated');
      expect(doc.effective).toBe(false);
      expect(doc.source.revision).toBe(1);
      expect(doc.summary.images).toEqual([
        { container: 'app', uri: expect.stringMatching(/@sha256:[0-9a-f]{64}$/), tag: 'v1' },
      ]);
      expect(doc.summary.dependencies.length).toBeGreaterThan(0);
      expect(doc.content.taskDefinition.containerDefinitions[0]?.environment).toEqual([
        { name: 'MODE', value: 'production' },
      ]);
    });

    it('exits 2 naming an unknown service', async () => {
      // Act
      const run = await cli(['show', 'shop/nope']);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('service not found: shop/nope has no clone in the inventory');
    });

    it('exits 2 naming an unknown version and the latest one', async () => {
      // Act
      const run = await cli(['show', svc0, '--version', '9']);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`clone version not found: ${svc0} version 9 (latest is 2)`);
    });
  });

  describe('Method: diff', () => {
    it('shows the environment change between two versions by JSON path', async () => {
      // Act
      const run = await cli(['diff', svc0, '1', '2']);

      // Assert
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^${svc0}: \\d+ changes from version 1 to version 2`));
      expect(run.stdout).toContain(
        [
          'environment:',
          '  + taskDefinition.containerDefinitions[app].environment[FEATURE]: {"name":"FEATURE","value":"on"}',
          '  ~ taskDefinition.containerDefinitions[app].environment[MODE].value: "production" -> "staging"',
          '',
        ].join('\n'),
      );
      expect(run.stdout).toContain('task definition:\n  ~ stagedTaskDefinitionArn:');
      expect(run.stdout).not.toContain('images:');
    });

    it('gives a structured diff as JSON', async () => {
      // Act
      const run = await cli(['diff', svc0, '1', '2', '--format', 'json']);

      // Assert
      expect(run.code).toBe(0);
      const doc = json<{ identical: boolean; changes: { path: string }[] }>(run);
      expect(doc.identical).toBe(false);
      expect(doc.changes).toContainEqual({
        path: 'taskDefinition.containerDefinitions[app].environment[MODE].value',
        kind: 'changed',
        section: 'environment',
        from: 'production',
        to: 'staging',
      });
      expect(doc.changes).toContainEqual({
        path: 'taskDefinition.containerDefinitions[app].environment[FEATURE]',
        kind: 'added',
        section: 'environment',
        to: { name: 'FEATURE', value: 'on' },
      });
      expect(doc.changes).toContainEqual(
        expect.objectContaining({ path: 'source.revision', from: 1, to: 2, section: 'source' }),
      );
      expect(doc.changes.map((change) => change.path)).toEqual(
        [...doc.changes.map((change) => change.path)].sort(),
      );
    });

    it('says so when the versions have identical content', async () => {
      // Act
      const text = await cli(['diff', svc1, '1', '1']);
      const structured = await cli(['diff', svc1, '1', '1', '--format', 'json']);

      // Assert
      expect(text.stdout).toBe(`${svc1}: versions 1 and 1 have identical content\n`);
      expect(json<{ identical: boolean; changes: unknown[] }>(structured)).toMatchObject({
        identical: true,
        changes: [],
      });
    });

    it('exits 2 for a version that does not exist', async () => {
      // Act
      const run = await cli(['diff', svc1, '1', '3']);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`clone version not found: ${svc1} version 3 (latest is 1)`);
    });
  });

  describe('Method: pin / unpin', () => {
    it('pins a validated older version (rollback) and the effective version follows', async () => {
      // Act
      const run = await cli([
        'pin',
        svc0,
        '1',
        '--reason',
        'v2 breaks checkout',
        '--actor',
        'alice',
      ]);

      // Assert
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`pinned ${svc0} to version 1; effective version 2 -> 1\n`);
      expect((await world.inventory.getEffective(svc0))?.version).toBe(1);
      const audit = await world.inventory.listAudit(svc0);
      expect(audit.at(-1)).toMatchObject({
        action: 'pin',
        actor: 'alice',
        version: 1,
        reason: 'v2 breaks checkout',
      });
      const listed = json<ListJson>(await cli(['list', '--format', 'json'])).services[0];
      expect(listed).toMatchObject({ service: svc0, pinned: 1, effectiveVersion: 1 });
    });

    it('unpins, and the plan follows the latest validated version again', async () => {
      // Act
      const run = await cli(['unpin', svc0, '--actor', 'alice']);
      const again = await cli(['unpin', svc0]);

      // Assert
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(
        `unpinned ${svc0} (was pinned to version 1); effective version now 2\n`,
      );
      expect((await world.inventory.getEffective(svc0))?.version).toBe(2);
      expect(again.stdout).toBe(`${svc0} was not pinned; effective version 2\n`);
    });

    it('refuses to pin an invalid version with exit 2 and changes nothing', async () => {
      // Arrange
      await world.inventory.setStatus(svc0, 1, 'invalid', ['image deleted in staging'], 'test');

      // Act
      const run = await cli(['pin', svc0, '1']);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `refused to pin ${svc0} to version 1: it is invalid, and only a validated version can be pinned (image deleted in staging)`,
      );
      expect((await world.inventory.getEffective(svc0))?.version).toBe(2);
      const listed = json<ListJson>(await cli(['list', '--format', 'json'])).services[0];
      expect(listed?.pinned).toBeUndefined();
    });

    it('exits 2 for an unknown service or version', async () => {
      // Act
      const service = await cli(['pin', 'shop/nope', '1']);
      const version = await cli(['pin', svc2, '4']);

      // Assert
      expect(service.code).toBe(2);
      expect(service.stderr).toContain('service not found: shop/nope');
      expect(version.code).toBe(2);
      expect(version.stderr).toContain(`clone version not found: ${svc2} version 4 (latest is 1)`);
    });
  });

  describe('Method: validate', () => {
    /** The CLI with `validate` reading the sandbox staging location instead of AWS. */
    const sandboxPorts: StagingPortsFactory = (location) => ({
      ...sideOf(world, location),
      probe: world.probe,
    });

    function validate(args: readonly string[]): Promise<Run> {
      const program = new Command().name('understudy').enablePositionalOptions();
      registerInventoryCommand(program, { stagingPorts: sandboxPorts });
      return capture(() =>
        runCli(program, ['node', 'understudy', 'inventory', 'validate', ...args, ...connection]),
      );
    }

    it('reports every service validated when staging holds what the clones recorded', async () => {
      // Act
      const run = await validate(['--format', 'json']);

      // Assert
      expect(run.code).toBe(0);
      const doc = json<{
        results: { service: string; version: number; status: string; changed: boolean }[];
      }>(run);
      expect(doc.results.map((r) => [r.service, r.version, r.status, r.changed])).toEqual([
        [svc0, 2, 'validated', false],
        [svc1, 1, 'validated', false],
        [svc2, 1, 'validated', false],
      ]);
    });

    it('reports a deregistered staged revision as invalid on --dry-run without writing it', async () => {
      // Arrange
      const version = await world.inventory.getVersion(svc1, 1);
      await world.cloud
        .containerPlatform(world.staging)
        .deregisterTaskDefinition(version.content.stagedTaskDefinitionArn);

      // Act
      const run = await validate([svc1, '--dry-run']);

      // Assert
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        new RegExp(
          `${svc1}\\s+1 \\(latest\\)\\s+invalid\\s+validated -> invalid \\(dry run: not written\\)`,
        ),
      );
      expect(run.stdout).toContain('is INACTIVE, not ACTIVE');
      expect((await world.inventory.getVersion(svc1, 1)).status).toBe('validated');
    });

    it('writes the new status without --dry-run, so the failover stops relying on it', async () => {
      // Act
      const run = await validate([svc1, '--actor', 'ops']);

      // Assert
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        new RegExp(`${svc1}\\s+1 \\(latest\\)\\s+invalid\\s+validated -> invalid\\n`),
      );
      const stored = await world.inventory.getVersion(svc1, 1);
      expect(stored.status).toBe('invalid');
      expect(stored.reasons.join(' ')).toContain('is INACTIVE, not ACTIVE');
      expect(await world.inventory.getEffective(svc1)).toBeUndefined();
      expect((await world.inventory.listAudit(svc1)).at(-1)).toMatchObject({
        action: 'status',
        actor: 'ops',
        fromStatus: 'validated',
        toStatus: 'invalid',
      });
    });

    it('marks a clone not-ready when a dependency disappears from staging', async () => {
      // Arrange
      const version = await world.inventory.getVersion(svc2, 1);
      const secret = version.content.dependencies.find((d) => d.kind === 'secret');
      if (!secret) throw new Error('the seeded clone has no secret dependency');
      world.probe.remove(secret.kind, secret.id);

      // Act
      const run = await validate([svc2, '--format', 'json', '--actor', 'ops']);

      // Assert
      expect(run.code).toBe(0);
      const [result] = json<{ results: { status: string; reasons: string[]; applied: boolean }[] }>(
        run,
      ).results;
      expect(result).toMatchObject({ status: 'not-ready', applied: true });
      expect(result?.reasons).toEqual([`secret ${secret.id} does not exist in staging`]);
      expect((await world.inventory.getVersion(svc2, 1)).status).toBe('not-ready');
    });

    it('checks the version a failover falls back to when the latest goes out of service', async () => {
      // Arrange: version 1 is back in service, version 2's staged revision is deregistered
      await world.inventory.setStatus(svc0, 1, 'validated', [], 'test');
      const latest = await world.inventory.getVersion(svc0, 2);
      await world.cloud
        .containerPlatform(world.staging)
        .deregisterTaskDefinition(latest.content.stagedTaskDefinitionArn);

      // Act
      const run = await validate([svc0, '--format', 'json']);

      // Assert
      expect(run.code).toBe(0);
      const doc = json<{
        results: { version: number; role: string; status: string; changed: boolean }[];
      }>(run);
      expect(doc.results.map((r) => [r.version, r.role, r.status, r.changed])).toEqual([
        [2, 'latest', 'invalid', true],
        [1, 'effective', 'validated', false],
      ]);
      expect((await world.inventory.getEffective(svc0))?.version).toBe(1);
    });

    it('finds a revision registered out of band in the staged family, as the integrity check does', async () => {
      // Arrange: someone registers a newer revision of the staged family by hand
      const fallback = await world.inventory.getVersion(svc0, 1);
      const staging = world.cloud.containerPlatform(world.staging);
      const rogue = await staging.registerTaskDefinition(fallback.content.taskDefinition, []);

      // Act
      const run = await validate([svc0, '--dry-run']);

      // Assert
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        new RegExp(`${svc0}\\s+1 \\(effective\\)\\s+invalid\\s+validated -> invalid \\(dry run`),
      );
      expect(run.stdout).toContain(
        `revision ${rogue.taskDefinitionArn} was registered in the staged family outside Understudy`,
      );
    });

    it('wires production to the AWS adapters of the staging location each clone names', () => {
      // Act
      const ports = awsStagingPorts({ account: '222222222222', region: 'eu-central-1' });

      // Assert
      expect(ports.registry.registry).toBe('222222222222.dkr.ecr.eu-central-1.amazonaws.com');
      expect(ports.platform.constructor.name).toBe('EcsContainerPlatform');
      expect(ports.network.constructor.name).toBe('Ec2NetworkRules');
      expect(ports.probe.constructor.name).toBe('AwsDependencyProbe');
    });

    it('exits 2 naming a service the inventory does not hold', async () => {
      // Act
      const run = await validate(['shop/nope']);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('service in the inventory not found: shop/nope');
    });
  });

  describe('Method: flags', () => {
    it('exits 2 with one clear line when no table is given', async () => {
      // Act
      const run = await cli(['list', '--endpoint', world.dynamo.endpoint], false);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'understudy: no inventory table: pass --table NAME or set UNDERSTUDY_INVENTORY_TABLE\n',
      );
    });

    it('takes the table from UNDERSTUDY_INVENTORY_TABLE', async () => {
      // Arrange
      process.env.UNDERSTUDY_INVENTORY_TABLE = world.tables.inventory;

      // Act
      const run = await cli(
        ['list', '--endpoint', world.dynamo.endpoint, '--format', 'json'],
        false,
      );

      // Assert
      delete process.env.UNDERSTUDY_INVENTORY_TABLE;
      expect(run.code).toBe(0);
      expect(json<ListJson>(run).services).toHaveLength(3);
    });

    it('refuses a non-loopback --endpoint before any call', async () => {
      // Act
      const run = await cli(
        ['list', '--table', 't', '--endpoint', 'https://dynamodb.eu-central-1.amazonaws.com'],
        false,
      );

      // Assert
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('must be a loopback http URL');
    });

    it.each([
      [['list', '--format', 'xml'], /argument 'xml' is invalid/],
      [['show', svc0, '--version', '0'], /a clone version is a whole number ≥ 1, got "0"/],
      [['show', 'not-a-service'], /a service is named "cluster\/service", got "not-a-service"/],
      [['diff', svc0, '1'], /missing required argument 'b'/],
      [['pin', svc0, 'two'], /a clone version is a whole number ≥ 1, got "two"/],
      [['list', '--bogus'], /unknown option '--bogus'/],
    ])('exits 2 for %j', async (args, message) => {
      // Act
      const run = await cli(args);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe('');
    });
  });

  describe('Method: the real binary', () => {
    function spawn(args: readonly string[]): Promise<Run> {
      return new Promise((resolve) => {
        execFile(
          process.execPath,
          [path.join(ROOT, 'bin/understudy.js'), ...args],
          { cwd: ROOT, timeout: 90_000, env: { ...process.env, UNDERSTUDY_INVENTORY_TABLE: '' } },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
      });
    }

    it('prints help with an example', async () => {
      // Act
      const run = await spawn(['inventory', '--help']);

      // Assert
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Usage: understudy inventory [options] [command]');
      expect(run.stdout).toContain('$ understudy inventory pin shop/web 3');
    });

    it('lists the inventory from dynalite', async () => {
      // Act
      const run = await spawn(['inventory', 'list', '--format', 'json', ...connection]);

      // Assert
      expect(run.code).toBe(0);
      expect(json<ListJson>(run).services.map((s) => s.service)).toEqual([svc0, svc1, svc2]);
    });
  });
});
