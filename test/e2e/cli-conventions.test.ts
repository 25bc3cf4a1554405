/**
 * Conventions every `understudy` command keeps, checked on the real CLI process: one error line
 * starting `understudy: ` (a second may point to --help) with exit 2 for bad input, including
 * commander's own parse errors and file-system errors; a closed pipe is not an error; no SDK
 * runtime notice on stderr.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT, runCliProcess } from '../support/cli-process';

const CLI = path.join(ROOT, 'bin/understudy.js');
const FIXTURE = path.join(ROOT, 'test/fixtures/nab__iio_us-east-1_i-a2eb1cd9_NetworkIn.csv');

// The variable is the one bin/understudy.js sets by default; unset it to prove that.
const cli = (args: readonly string[]) =>
  runCliProcess(args, { unsetEnv: ['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] });

jest.setTimeout(120_000);

describe('Program: understudy', () => {
  describe('Method: errors', () => {
    it.each<[string, string[], RegExp]>([
      ['an unknown top-level command', ['nosuch'], /^understudy: unknown command 'nosuch'/],
      [
        'an unknown flag',
        ['forecast', '--input', FIXTURE, '--horizon', '3', '--bogus'],
        /^understudy: unknown option '--bogus'/,
      ],
      [
        'a missing required flag',
        ['forecast', '--horizon', '3'],
        /^understudy: required option '--input <file>' not specified$/,
      ],
      [
        'an unknown inventory flag',
        ['inventory', 'list', '--bogus'],
        /^understudy: unknown option '--bogus'/,
      ],
      [
        'a missing input file',
        ['forecast', '--input', '/nonexistent/in.csv', '--horizon', '3'],
        /^understudy: cannot read --input \/nonexistent\/in\.csv/,
      ],
      [
        'an output file in a missing directory',
        [
          'forecast',
          '--input',
          FIXTURE,
          '--horizon',
          '3',
          '--format',
          'html',
          '--out',
          '/nonexistent/dir/x.html',
        ],
        /^understudy: cannot open '\/nonexistent\/dir\/x\.html': no such file or directory$/m,
      ],
    ])('reports %s on one line with exit code 2', async (_name, args, message) => {
      // Act
      const run = await cli(args);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trim().split('\n');
      expect(lines[0]).toMatch(message);
      expect(lines.length).toBeLessThanOrEqual(2);
      if (lines.length === 2) expect(lines[1]).toMatch(/--help/);
    });
  });

  describe('Method: output', () => {
    it('exits 0 without a stack trace when the reader closes the pipe early', async () => {
      // Arrange: 2,000 table rows, far more than a pipe buffers.
      const child = spawn(
        process.execPath,
        [CLI, 'forecast', '--input', FIXTURE, '--horizon', '2000', '--format', 'table'],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });

      // Act: read the first chunk, then close our end, as `head -1` does.
      child.stdout.once('data', () => child.stdout.destroy());
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

      // Assert
      expect(stderr).toBe('');
      expect(code).toBe(0);
    });

    it('prints no AWS SDK runtime notice', async () => {
      // Act
      const run = await cli(['forecast', '--input', FIXTURE, '--horizon', '3']);

      // Assert
      expect(run.code).toBe(0);
      expect(run.stderr).not.toMatch(/NodeVersionSupportWarning/);
    });

    it('prints the usage line first for --help, with exit code 0', async () => {
      // Act
      const run = await cli(['--help']);

      // Assert
      expect(run.code).toBe(0);
      expect(run.stdout.split('\n')[0]).toBe('Usage: understudy [options] [command]');
    });
  });
});
