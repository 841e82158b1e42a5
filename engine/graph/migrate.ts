/**
 * Migrations of saved graph documents to the current format version.
 *
 * To change the format: bump GRAPH_VERSION in doc.ts and add an entry here
 * keyed by the NEW version, taking a document of the previous version and
 * returning it upgraded, e.g.
 *
 *   2: (d) => { for (const n of d.nodes) n.params.padding ??= 'valid'; return d; },
 *
 * Migrations run on a private copy, oldest first, before schema validation.
 * They may assume the shape of their own version only loosely (validation
 * comes after), so they must not throw on odd input: skip what they don't
 * understand.
 */
import { describeValue } from '../core/describe';
import { GRAPH_FORMAT, GRAPH_VERSION } from './doc';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Migration = (doc: any) => any;

/** version N → migration from N−1 to N. Empty while the format is at version 1. */
export const MIGRATIONS: Readonly<Record<number, Migration>> = {};

export type MigrateResult = { ok: true; doc: unknown; from: number; to: number } | { ok: false; message: string; field?: string };

/**
 * Bring a parsed JSON value to `target` (the current version by default).
 * Checks only what it needs: that it looks like a graph document and which
 * version it is. Never throws.
 */
export function migrateDoc(raw: unknown, migrations: Readonly<Record<number, Migration>> = MIGRATIONS, target: number = GRAPH_VERSION): MigrateResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, message: `Not a CNN Designer graph: expected a JSON object, received ${raw === null ? 'null' : Array.isArray(raw) ? 'a list' : typeof raw}` };
  const d = raw as Record<string, unknown>;
  if (d.format !== GRAPH_FORMAT)
    return {
      ok: false,
      message:
        d.format === undefined
          ? `Not a CNN Designer graph: the "format" field is missing (expected "${GRAPH_FORMAT}")`
          : `Not a CNN Designer graph: format is ${describeValue(d.format)}, expected "${GRAPH_FORMAT}"`,
    };
  const v = d.version;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    return { ok: false, field: 'version', message: `version must be a whole number from 1; received ${describeValue(v)}` };
  if (v > target)
    return {
      ok: false,
      field: 'version',
      message: `This file was saved by a newer CNN Designer (format version ${v}); this one reads versions up to ${target}. Update the app to open it.`,
    };
  if (v === target) return { ok: true, doc: raw, from: v, to: target };
  let doc: unknown;
  try {
    doc = structuredClone(raw);
  } catch {
    return { ok: false, message: 'The document contains values that are not plain JSON' };
  }
  for (let to = v + 1; to <= target; to++) {
    const m = migrations[to];
    if (!m) return { ok: false, field: 'version', message: `No migration from format version ${to - 1} to ${to} (a bug in this build; please report it)` };
    try {
      const next = m(doc);
      doc = next === undefined ? doc : next;
      (doc as Record<string, unknown>).version = to;
    } catch (e) {
      return { ok: false, message: `Could not upgrade the file from format version ${to - 1} to ${to}: ${e instanceof Error ? e.message : describeValue(e)}` };
    }
  }
  return { ok: true, doc, from: v, to: target };
}
