import { Command } from 'commander';
import { runCli } from './cli-runtime';
import { registerAuthorityCommand } from './commands/authority';
import { registerCostCommand } from './commands/cost';
import { registerDrillCommand } from './commands/drill';
import { registerFailoverCommand } from './commands/failover';
import { registerForecastCommand } from './commands/forecast';
import { registerHandbackCommand } from './commands/handback';
import { registerInventoryCommand } from './commands/inventory';
import { registerPlanCommand } from './commands/plan';

/** Builds the `understudy` command tree. Exported so tests drive the CLI in-process. */
export function buildProgram(): Command {
  const program = new Command()
    .name('understudy')
    .description(
      'Keeps ECS workloads deployable when their deployment authority goes dark: forecast demand, pre-bake clones, take over.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    // Program options only before a subcommand, so a subcommand's own `--version N` is its own.
    .enablePositionalOptions()
    // Set before any subcommand exists: commander copies it to subcommands at creation, so a
    // bad flag anywhere reaches runCli as a CommanderError (exit 2) instead of exiting itself.
    .exitOverride();
  // Subcommands register themselves here, one module each (bin/commands/*.ts).
  registerForecastCommand(program);
  registerInventoryCommand(program);
  registerCostCommand(program);
  registerAuthorityCommand(program);
  registerDrillCommand(program);
  registerFailoverCommand(program);
  registerPlanCommand(program);
  registerHandbackCommand(program);
  return program;
}

/** CLI entry: parses `argv` and sets `process.exitCode`. */
export function main(argv: readonly string[] = process.argv): Promise<void> {
  return runCli(buildProgram(), argv);
}

if (require.main === module) {
  void main();
}
