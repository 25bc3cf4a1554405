// `cdk synth` exactly as a user runs it, in a child process with no AWS credentials: proves
// synthesis needs no account access (no lookups), bundles without Docker and passes cdk-nag.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STACK_IDS } from '../../lib/app';
import { ROOT } from './support';

/** The environment without any AWS_* variable (credentials, profile, region). */
function envWithoutAws(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && !key.startsWith('CDK_')) env[key] = value;
  }
  return {
    ...env,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    // Point the SDK's shared files somewhere empty so no profile on this machine is found.
    AWS_CONFIG_FILE: path.join(os.tmpdir(), 'understudy-no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), 'understudy-no-aws-credentials'),
  };
}

/** Runs the CDK CLI; resolves with its exit code and stderr. */
function cdk(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['cdk', ...args, '--no-notices'], {
      cwd: ROOT,
      env: envWithoutAws(),
    });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('Command: cdk synth', () => {
  it('synthesizes a template per stack with no AWS credentials', async () => {
    // Arrange
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'understudy-synth-'));

    // Act
    const result = await cdk(['synth', '--quiet', '-o', outdir]);

    // Assert
    expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({
      code: 0,
      stderr: '',
    });
    for (const id of Object.values(STACK_IDS)) {
      const template = JSON.parse(
        fs.readFileSync(path.join(outdir, `${id}.template.json`), 'utf8'),
      );
      expect(Object.keys(template.Resources).length).toBeGreaterThan(0);
    }
    // Bundled locally (no Docker) with source maps.
    const bundles = fs
      .readdirSync(outdir)
      .filter(
        (name) => name.startsWith('asset.') && fs.statSync(path.join(outdir, name)).isDirectory(),
      );
    expect(bundles.length).toBeGreaterThanOrEqual(2);
    for (const bundle of bundles) {
      expect(fs.readdirSync(path.join(outdir, bundle)).sort()).toEqual([
        'index.js',
        'index.js.map',
      ]);
    }
  }, 240_000);

  it('fails naming the key and writes no template when the context is invalid', async () => {
    // Arrange
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'understudy-synth-bad-'));
    const bad = JSON.stringify({
      primary: { region: 'eu-west-1' },
      staging: { account: '222222222222', region: 'eu-central-1' },
      healthCheck: { endpoint: 'https://deploy.example.com/' },
      services: [{ cluster: 'shop', service: 'web' }],
    });

    // Act
    const result = await cdk(['synth', '--quiet', '-o', outdir, '-c', `understudy=${bad}`]);

    // Assert
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('understudy.primary.account: required but missing');
    expect(fs.readdirSync(outdir).filter((name) => name.endsWith('.template.json'))).toEqual([]);
  }, 240_000);
});
