/**
 * Dataset specs: one string that names a dataset and every option that
 * changes its data, so a graph document or a CLI line can refer to it and get
 * the same samples back.
 *
 *   builtin:shapes?size=32&channels=3&n=6000&test=1000&seed=7
 *   fashion-mnist:/usr/share/datasets/fashion-mnist
 *   mnist:DIR   cifar10:DIR   folder:DIR?size=64&channels=3&test=0.2&seed=1
 */
import * as path from 'node:path';
import { DatasetError } from './errors';

export interface ParsedSpec {
  /** Format kind, lower case, e.g. `fashion-mnist`. */
  kind: string;
  /** What follows the colon: a directory, or a built-in set's name. */
  target: string;
  /** Query options, as strings. */
  params: Record<string, string>;
}

/** Splits `kind:target?a=1&b=2`. Throws DatasetError('BAD_SPEC') on a malformed spec. */
export function parseSpec(spec: string): ParsedSpec {
  const s = spec.trim();
  const colon = s.indexOf(':');
  if (colon <= 0) {
    throw new DatasetError(
      'BAD_SPEC',
      `Dataset spec "${spec}" has no kind.`,
      'Write it as KIND:WHAT, e.g. "builtin:shapes", "fashion-mnist:/usr/share/datasets/fashion-mnist", "mnist:DIR", "cifar10:DIR" or "folder:DIR".',
    );
  }
  const kind = s.slice(0, colon).toLowerCase();
  let rest = s.slice(colon + 1);
  const params: Record<string, string> = {};
  // The query starts at the last '?' followed only by key=value pairs, so a
  // directory whose name contains '?' still works when it has no query.
  const q = rest.lastIndexOf('?');
  if (q >= 0 && /^([A-Za-z][\w-]*=[^&=]*)(&[A-Za-z][\w-]*=[^&=]*)*$/.test(rest.slice(q + 1))) {
    for (const pair of rest.slice(q + 1).split('&')) {
      const [k, v] = pair.split('=');
      params[k] = decodeURIComponent(v);
    }
    rest = rest.slice(0, q);
  } else if (q >= 0 && q === rest.length - 1) {
    rest = rest.slice(0, q);
  }
  return { kind, target: rest, params };
}

/** The canonical string for a parsed spec (options sorted, so equal specs compare equal). */
export function formatSpec(p: ParsedSpec): string {
  const keys = Object.keys(p.params).sort();
  const q = keys.map((k) => `${k}=${encodeURIComponent(p.params[k])}`).join('&');
  return `${p.kind}:${p.target}${q ? `?${q}` : ''}`;
}

/** Rejects options a kind does not know, listing the ones it does. */
export function checkParams(spec: string, p: ParsedSpec, allowed: readonly string[]): void {
  for (const k of Object.keys(p.params)) {
    if (!allowed.includes(k)) {
      throw new DatasetError(
        'BAD_SPEC',
        `Dataset spec "${spec}": unknown option "${k}".`,
        allowed.length ? `Options for ${p.kind}: ${allowed.join(', ')}.` : `${p.kind} takes no options.`,
      );
    }
  }
}

/** Reads a numeric option, checking it is in [min, max] (and an integer when `integer`). */
export function numParam(
  spec: string,
  p: ParsedSpec,
  key: string,
  def: number,
  min: number,
  max: number,
  integer = true,
): number {
  const raw = p.params[key];
  if (raw === undefined || raw === '') return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
    throw new DatasetError(
      'BAD_SPEC',
      `Dataset spec "${spec}": ${key}=${raw} is not ${integer ? 'an integer' : 'a number'} from ${min} to ${max}.`,
      `Use ${key}=${def} (the default) or another value in that range.`,
    );
  }
  return v;
}

/** Reads a boolean option (1/0, true/false, yes/no). */
export function boolParam(spec: string, p: ParsedSpec, key: string, def: boolean): boolean {
  const raw = p.params[key];
  if (raw === undefined || raw === '') return def;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new DatasetError('BAD_SPEC', `Dataset spec "${spec}": ${key}=${raw} is not true or false.`, `Use ${key}=1 or ${key}=0.`);
}

/** Reads `channels` (1 or 3). */
export function channelsParam(spec: string, p: ParsedSpec, def: 1 | 3 | undefined): 1 | 3 | undefined {
  const raw = p.params.channels;
  if (raw === undefined || raw === '') return def;
  if (raw === '1' || raw === '3') return Number(raw) as 1 | 3;
  throw new DatasetError('BAD_SPEC', `Dataset spec "${spec}": channels=${raw} must be 1 (grey) or 3 (colour).`, 'Use channels=1 or channels=3.');
}

/** Resolves the directory of a file-based spec; an empty one is a BAD_SPEC. */
export function dirTarget(spec: string, p: ParsedSpec, example: string): string {
  if (!p.target) {
    throw new DatasetError('BAD_SPEC', `Dataset spec "${spec}" names no directory.`, `Write the directory after the colon, e.g. "${p.kind}:${example}".`);
  }
  return path.resolve(p.target);
}
