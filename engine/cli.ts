/**
 * The command line: `npm run --silent cli -- COMMAND [ARGS]` (runs with tsx,
 * no build step). Commands live one per file in engine/cli/ and are listed in
 * engine/cli/registry.ts.
 */
import { COMMANDS } from './cli/registry';
import { processIO, type CliCommand, type CliIO } from './cli/types';

function helpText(commands: readonly CliCommand[]): string {
  const w = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    'CNN Designer command line',
    '',
    'Usage: npm run --silent cli -- COMMAND [ARGS]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    `  ${'help'.padEnd(w)}  This list; \`help COMMAND\` for a command's usage`,
    '',
  ].join('\n');
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIO = processIO, commands: readonly CliCommand[] = COMMANDS): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const about = name === 'help' && rest[0] !== undefined ? commands.find((c) => c.name === rest[0]) : undefined;
    if (name === 'help' && rest[0] !== undefined && !about) {
      io.err(`help: no command "${rest[0]}"\n\n${helpText(commands)}`);
      return 2;
    }
    io.out(about ? (about.usage ?? `${about.name}: ${about.summary}`) : helpText(commands));
    return name === undefined ? 2 : 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.err(`Unknown command "${name}".\n\n${helpText(commands)}`);
    return 2;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    // A command should report its own failures; this is the last line of defence.
    io.err(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

// Run only when executed directly (tests import runCli).
const isMain = (() => {
  const arg = process.argv[1];
  if (!arg) return false;
  return /(^|[\\/])cli\.(ts|js|mjs|cjs)$/.test(arg);
})();
if (isMain) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
