/** The real `understudy` CLI as a child process, for the e2e tier. */
import { execFile } from 'node:child_process';
import path from 'node:path';

/** Repository root. */
export const ROOT = path.resolve(__dirname, '../..');

/** What one CLI run printed and how it exited. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCliProcess}. */
export interface CliProcessOptions {
  /** Environment variables removed for the run (e.g. ones a test must prove are not needed). */
  readonly unsetEnv?: readonly string[];
  /** @default 90_000 */
  readonly timeoutMs?: number;
}

/** Runs `node bin/understudy.js ...args` from the repository root. */
export function runCliProcess(
  args: readonly string[],
  options: CliProcessOptions = {},
): Promise<CliRun> {
  const env = { ...process.env };
  for (const name of options.unsetEnv ?? []) delete env[name];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin/understudy.js'), ...args],
      { cwd: ROOT, env, timeout: options.timeoutMs ?? 90_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
