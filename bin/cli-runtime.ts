import { type Command, CommanderError } from 'commander';
import { UnderstudyError } from '../functions/core/errors';

/** The one prefix every error line of the CLI starts with. */
const PREFIX = 'understudy: ';

/** File-system error codes that mean "this path is not usable", i.e. bad input (exit 2). */
const PATH_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a parent of it is not a directory',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
};

/** A Node.js system error as `fs` raises it. */
interface SystemError extends Error {
  readonly code: string;
  readonly syscall?: string;
  readonly path?: string;
}

function isSystemError(error: unknown): error is SystemError {
  return error instanceof Error && typeof (error as Partial<SystemError>).code === 'string';
}

/** What an `fs` syscall was trying to do, in the words a user reads. */
function verbOf(syscall: string | undefined): string {
  switch (syscall) {
    case 'open':
      return 'cannot open';
    case 'mkdir':
      return 'cannot create directory';
    case 'scandir':
      return 'cannot read directory';
    case 'stat':
    case 'lstat':
      return 'cannot find';
    default:
      return 'cannot access';
  }
}

/**
 * Commander writes its own errors as `error: …`; the CLI has one format for every error, so its
 * output is rewritten to the house prefix on every command of the tree (settings set after a
 * subcommand exists are not inherited, hence the walk).
 */
function useHouseErrorFormat(command: Command): void {
  command.configureOutput({
    outputError: (text, write) => write(text.replace(/^error: /, PREFIX)),
  });
  for (const sub of command.commands) useHouseErrorFormat(sub);
}

/**
 * A reader that closes the pipe early (`understudy … | head -1`) is not an error: stop writing
 * and exit 0, as the shell's other filters do, instead of an unhandled EPIPE stack trace.
 */
function endQuietlyOnClosedPipe(): void {
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exitCode = 0;
    process.stdout.removeListener('error', onError);
    // Anything still buffered can never be delivered; exit now rather than wait on it.
    process.exit(0);
  };
  if (process.stdout.listenerCount('error') === 0) process.stdout.on('error', onError);
}

/**
 * Runs a program and maps every failure to one clear line on stderr, starting `understudy: `,
 * and a non-zero exit code: 2 for usage, validation and path errors (bad input), 1 for anything
 * else. Never prints a stack trace for a deliberate error.
 */
export async function runCli(program: Command, argv: readonly string[]): Promise<void> {
  program.exitOverride();
  useHouseErrorFormat(program);
  endQuietlyOnClosedPipe();
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    process.exitCode = report(error);
  }
}

/** Writes the one error line for `error` and returns the exit code. */
function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (help, version or usage error).
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof UnderstudyError) {
    process.stderr.write(`${PREFIX}${error.message}\n`);
    return error.code === 'ValidationError' || error.code === 'NotFound' ? 2 : 1;
  }
  if (isSystemError(error) && error.code in PATH_ERRORS) {
    const where = error.path ? ` '${error.path}'` : '';
    process.stderr.write(`${PREFIX}${verbOf(error.syscall)}${where}: ${PATH_ERRORS[error.code]}\n`);
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${PREFIX}unexpected error: ${message.split('\n')[0]}\n`);
  return 1;
}
