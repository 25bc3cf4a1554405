import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { buildApp, configWarnings, main, readContext, STACK_IDS } from '../../lib/app';
import { loadConfig } from '../../lib/config';
import { CDK_CONTEXT, ROOT, sampleConfig } from './support';

/** A fresh path under the OS temp dir that does not exist yet. */
function freshOutdir(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'understudy-app-')), 'cdk.out');
}

/** Context of the sample app with `understudy` replaced, without asset bundling. */
function contextWith(understudy: unknown): Record<string, unknown> {
  return { ...CDK_CONTEXT, understudy, 'aws:cdk:bundling-stacks': [] };
}

/** Runs a command to completion; resolves with its exit code and output. */
function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('Function: main', () => {
  it('exits 1 naming the key and writes nothing when the configuration is invalid', () => {
    // Arrange
    const outdir = freshOutdir();
    const lines: string[] = [];
    const bad = { ...sampleConfig(), thresholds: { cpu: 140 } };

    // Act
    const code = main({ context: contextWith(bad), outdir }, (line) => lines.push(line));

    // Assert
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain('understudy.thresholds.cpu: must be within 0-100');
    expect(fs.existsSync(outdir)).toBe(false);
  });

  it('accepts the configuration as JSON text, as `-c understudy=...` passes it', () => {
    // Arrange
    const outdir = freshOutdir();
    const lines: string[] = [];
    const text = JSON.stringify({ ...sampleConfig(), triggerProbability: 1.5 });

    // Act
    const code = main({ context: contextWith(text), outdir }, (line) => lines.push(line));

    // Assert
    expect(code).toBe(1);
    expect(lines).toContain('  understudy.triggerProbability: must be within (0, 1]');
  });

  it('synthesizes one template per stack with the sample configuration', () => {
    // Arrange
    const outdir = freshOutdir();
    const lines: string[] = [];

    // Act
    const code = main({ context: contextWith(sampleConfig()), outdir }, (line) => lines.push(line));

    // Assert
    expect(code).toBe(0);
    expect(lines).toEqual([]);
    for (const id of Object.values(STACK_IDS)) {
      expect(fs.existsSync(path.join(outdir, `${id}.template.json`))).toBe(true);
    }
  });

  it.each([
    [
      'the primary region',
      { region: 'eu-west-1', endpoint: 'https://deploy.shop.example.com/healthz' },
      /^ {2}understudy\.healthCheck\.region: eu-west-1 is the primary's region.*Set healthCheck\.region to us-east-1/,
    ],
    [
      'a region where Route 53 publishes no metrics',
      { region: 'us-west-2', endpoint: 'https://deploy.shop.example.com/healthz' },
      /^ {2}understudy\.healthCheck\.region: Route 53 publishes HealthCheckStatus only in us-east-1: in us-west-2 the health-check alarm never gets data.*set healthCheck\.probeOnly to true/,
    ],
  ])(
    'fails synth, writing nothing, when the detector is placed in %s',
    (_what, healthCheck, message) => {
      // Arrange
      const outdir = freshOutdir();
      const lines: string[] = [];

      // Act
      const code = main(
        { context: contextWith({ ...sampleConfig(), healthCheck }), outdir },
        (line) => lines.push(line),
      );

      // Assert
      expect(code).toBe(1);
      expect(lines).toEqual([
        expect.stringMatching(/^Invalid "understudy"/),
        expect.stringMatching(message),
      ]);
      expect(fs.existsSync(path.join(outdir, `${STACK_IDS.health}.template.json`))).toBe(false);
    },
  );

  it('synthesizes a probe-only quorum outside us-east-1 when probeOnly is configured', () => {
    // Arrange
    const outdir = freshOutdir();
    const lines: string[] = [];
    const config = { ...sampleConfig(), healthCheck: { region: 'us-east-2', probeOnly: true } };

    // Act
    const code = main({ context: contextWith(config), outdir }, (line) => lines.push(line));

    // Assert
    expect(code).toBe(0);
    expect(lines).toEqual([]);
  });

  it('warns on stderr when an alarm tier has no subscriber', () => {
    // Arrange
    const { alarms: _unused, ...config } = sampleConfig();
    const lines: string[] = [];
    jest.spyOn(console, 'error').mockImplementation(() => undefined);

    // Act
    const code = main({ context: contextWith(config), outdir: freshOutdir() }, (line) =>
      lines.push(line),
    );
    jest.restoreAllMocks();

    // Assert
    expect(code).toBe(0);
    expect(lines).toEqual([
      expect.stringMatching(
        /^WARNING: alarms\.page has no subscriber in eu-west-1, eu-central-1, us-east-1: /,
      ),
      expect.stringMatching(
        /^WARNING: alarms\.ticket has no subscriber in .*Set alarms\.ticket\.emails/,
      ),
    ]);
  });
});

describe('Function: buildApp', () => {
  it('fails synth on an unacknowledged cdk-nag finding by default', () => {
    // Arrange
    const built = buildApp({
      appProps: { context: contextWith(sampleConfig()), outdir: freshOutdir() },
    });
    new sqs.Queue(built.staging, 'Unencrypted');
    jest.spyOn(console, 'error').mockImplementation(() => undefined);

    // Act
    const synth = () => built.app.synth();

    // Assert
    expect(synth).toThrow(/AwsSolutions-SQS4/);
    jest.restoreAllMocks();
  });

  it('places each stack in its configured account and region', () => {
    // Act
    const built = buildApp({ nag: false, appProps: { context: contextWith(sampleConfig()) } });

    // Assert
    expect(
      [built.observer, built.staging, built.health].map((s) => `${s.account}/${s.region}`),
    ).toEqual(['111111111111/eu-west-1', '222222222222/eu-central-1', '222222222222/us-east-1']);
  });
});

describe('Function: configWarnings', () => {
  it('expects no warning for the sample configuration by default', () => {
    expect(configWarnings(loadConfig(sampleConfig()))).toEqual([]);
  });

  it('expects a warning naming only the regions a brought topic does not cover', () => {
    // Arrange
    const config = loadConfig({
      ...sampleConfig(),
      alarms: {
        ticket: { emails: ['platform@shop.example.com'] },
        page: { topicArns: ['arn:aws:sns:us-east-1:222222222222:pager'] },
      },
    });

    // Act
    const warnings = configWarnings(config);

    // Assert
    expect(warnings).toEqual([
      {
        regions: ['eu-west-1', 'eu-central-1'],
        message: expect.stringMatching(
          /^alarms\.page has no subscriber in eu-west-1, eu-central-1:/,
        ),
      },
    ]);
  });
});

describe('Function: readContext', () => {
  const saved = process.env.CDK_CONTEXT_JSON;
  afterEach(() => {
    if (saved === undefined) delete process.env.CDK_CONTEXT_JSON;
    else process.env.CDK_CONTEXT_JSON = saved;
  });

  it('lets the CLI context override the App props context, as App does', () => {
    // Arrange
    process.env.CDK_CONTEXT_JSON = JSON.stringify({ understudy: 'from-cli' });

    // Act
    const context = readContext({ context: { understudy: 'from-props', other: 1 } });

    // Assert
    expect(context).toMatchObject({ understudy: 'from-cli', other: 1 });
  });
});

describe('Module: lib/app.ts as a process', () => {
  it('exits non-zero naming the key and creates no output directory when the context is invalid', async () => {
    // Arrange
    const outdir = freshOutdir();
    const bad = { ...sampleConfig(), forecast: { schedule: 'cron(0 0 * * * *)' } };
    const env = {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify({ understudy: bad }),
      CDK_OUTDIR: outdir,
    };

    // Act
    const result = await run('npx', ['tsx', 'lib/app.ts'], env);

    // Assert
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'understudy.forecast.schedule: malformed cron "cron(0 0 * * * *)"',
    );
    expect(fs.existsSync(outdir)).toBe(false);
  }, 120_000);
});
