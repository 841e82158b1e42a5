/**
 * A command of the `cnn-designer` command line. One file per command in this
 * folder, listed once in ./registry.ts.
 */

/** Where a command writes. Tests pass their own; the CLI passes stdout/stderr. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

export interface CliCommand {
  /** What the user types, e.g. `analyze`. Lowercase, no spaces. */
  name: string;
  /** One line for `help`. */
  summary: string;
  /** Usage line(s) shown by `help NAME` and on a usage error, e.g. `analyze FILE [--json]`. */
  usage?: string;
  /**
   * Run with the arguments after the command name. Returns the exit code:
   * 0 success, 1 failure (bad file, failed job), 2 wrong usage. Should not
   * throw for expected failures: print a clear message to io.err instead.
   */
  run(args: string[], io: CliIO): Promise<number> | number;
}

/** The process streams. */
export const processIO: CliIO = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
};
