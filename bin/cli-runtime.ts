import { type Command, CommanderError } from 'commander';
import { UnderstudyError } from '../functions/core/errors';

/**
 * Runs a program and maps every failure to one clear line on stderr and a non-zero exit code:
 * 2 for usage/validation errors, 1 for anything else. Never prints a stack trace for a
 * deliberate error.
 */
export async function runCli(program: Command, argv: readonly string[]): Promise<void> {
  program.exitOverride();
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (help, version or usage error).
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof UnderstudyError) {
      process.stderr.write(`understudy: ${error.message}\n`);
      process.exitCode = error.code === 'ValidationError' || error.code === 'NotFound' ? 2 : 1;
      return;
    }
    process.stderr.write(`understudy: unexpected error: ${String(error)}\n`);
    process.exitCode = 1;
  }
}
