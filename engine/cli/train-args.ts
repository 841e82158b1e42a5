/**
 * Argument parsing shared by the train, evaluate and predict commands:
 * `--name value` / `--name=value` options and positional arguments, each
 * option checked with a message naming it and the value received.
 */

export interface ParsedArgs {
  positional: string[];
  /** Option name (without --) → value; flags map to 'true'. */
  options: Map<string, string>;
}

/** A usage error: the message names the option and the value received. */
export class UsageError extends Error {}

/**
 * Parse `args`. `valued` lists the options that take a value, `flags` those
 * that do not; anything else is a usage error.
 */
export function parseArgs(args: readonly string[], valued: readonly string[], flags: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--') || a === '--') {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (flags.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value; received ${a}`);
      options.set(name, 'true');
    } else if (valued.includes(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined || (eq < 0 && v.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
      options.set(name, v);
    } else throw new UsageError(`unknown option --${name}`);
  }
  return { positional, options };
}

/** A whole number option within [min, max], or undefined when absent. */
export function intOpt(p: ParsedArgs, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = p.options.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}; received '${v}'`);
  return n;
}

/** A number option within [min, max], or undefined when absent. */
export function numOpt(p: ParsedArgs, name: string, min: number, max: number, exclusiveMin = false): number | undefined {
  const v = p.options.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (exclusiveMin ? n <= min : n < min) || n > max)
    throw new UsageError(`--${name} must be a number ${exclusiveMin ? 'above' : 'from'} ${min} ${exclusiveMin ? 'and at most' : 'to'} ${max}; received '${v}'`);
  return n;
}

/** "1m 05s", "42s" */
export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  const s = Math.max(0, Math.round(sec));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** A text progress bar: "[#########...........]". */
export function bar(fraction: number, width = 24): string {
  const n = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}]`;
}
