/**
 * parseGraphDoc: from untrusted JSON to a valid GraphDoc, or errors that name
 * the node (index and id) and the field, e.g.
 *   nodes[3] (id "conv1").params.kernel: must be at least 1; received 0
 *
 * Pure (no Node APIs), so the renderer uses it too. Never throws; bounded
 * work on any input (see the limits in schema.ts).
 *
 * What is rejected here is what makes a file unreadable: wrong types, missing
 * fields, unknown layer types, parameters outside their spec, duplicate ids,
 * connections to missing nodes or input slots. What is a design mistake
 * (cycles, shape mismatches, unconnected layers) loads fine and is shown by
 * analysis on the canvas, so a half-finished network can be saved and opened.
 */
import type { z } from 'zod';
import { describeValue } from '../core/describe';
import { getLayerDef, LAYER_DEFS, resolveParams } from '../layers';
import type { GraphDoc } from './doc';
import { migrateDoc, type Migration, MIGRATIONS } from './migrate';
import { graphDocSchema, MAX_NODES } from './schema';

/** One problem in a document, located. */
export interface DocProblem {
  /** Where, readable: `nodes[3] (id "conv1").params.kernel`; '' for the whole document. */
  where: string;
  /** What is wrong, quoting the value received. */
  message: string;
  /** Id of the node concerned, if any. */
  nodeId?: string;
  /** Id of the edge concerned, if any. */
  edgeId?: string;
  /** Path of the field as keys, e.g. ['nodes', 3, 'params', 'kernel']. */
  path: (string | number)[];
}

export type ParseResult =
  | {
      ok: true;
      value: GraphDoc;
      /** Things ignored on load (e.g. parameters this version does not know). */
      warnings: DocProblem[];
      /** The version the file had, when it was migrated. */
      migratedFrom?: number;
    }
  | {
      ok: false;
      errors: DocProblem[];
      /** All errors in one text for a dialog or the command line. */
      message: string;
    };

export interface ParseOptions {
  /** For tests of the migration hook. */
  migrations?: Readonly<Record<number, Migration>>;
  targetVersion?: number;
}

/** Most errors listed; the rest are counted. */
const MAX_LISTED = 50;

function describe(v: unknown): string {
  if (Array.isArray(v) && v.length > 8) return `a list of ${v.length} entries`;
  if (v && typeof v === 'object' && !Array.isArray(v)) return 'an object';
  return describeValue(v);
}

const safeJson = (v: unknown) => describeValue(v);

const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);
const TYPE_WORDS: Record<string, string> = { int: 'whole number', number: 'number', string: 'text', boolean: 'true or false', array: 'list', object: 'object', record: 'object' };

/** A zod issue in plain words. */
function zodMessage(i: z.core.$ZodIssue): string {
  const input = (i as { input?: unknown }).input;
  switch (i.code) {
    case 'invalid_type': {
      if (input === undefined) return 'is missing';
      const exp = TYPE_WORDS[i.expected] ?? i.expected;
      if (i.expected === 'number' && typeof input === 'number') return `must be a finite number; received ${String(input)}`;
      return `must be ${exp === 'true or false' ? exp : article(exp)}; received ${describe(input)}`;
    }
    case 'too_big': {
      const max = Number(i.maximum);
      if (i.origin === 'array') return `has too many entries: at most ${max.toLocaleString('en-US')} allowed; received ${Array.isArray(input) ? input.length.toLocaleString('en-US') : 'more'}`;
      if (i.origin === 'string') return `is too long: at most ${max.toLocaleString('en-US')} characters`;
      return `must be at most ${max.toLocaleString('en-US')}; received ${describe(input)}`;
    }
    case 'too_small': {
      const min = Number(i.minimum);
      if (i.origin === 'string') return min <= 1 ? 'must not be empty' : `must have at least ${min} characters`;
      if (i.origin === 'array') return `needs at least ${min} entries`;
      return `must be at least ${min}; received ${describe(input)}`;
    }
    case 'invalid_value':
      return `must be ${i.values.length === 1 ? safeJson(i.values[0]) : `one of ${i.values.map((v) => safeJson(v)).join(', ')}`}; received ${describe(input)}`;
    case 'invalid_union':
      return `must be a number, text, true/false, or a short list of those; received ${describe(input)}`;
    case 'invalid_key':
      return `has an invalid key: ${i.issues.map((x) => x.message).join('; ')}`;
    default:
      return i.message;
  }
}

/**
 * Check a parsed JSON value (e.g. from JSON.parse) and return a GraphDoc of
 * the current version, or every problem found (up to 50) with its location.
 */
export function parseGraphDoc(json: unknown, opts: ParseOptions = {}): ParseResult {
  const errors: DocProblem[] = [];
  const warnings: DocProblem[] = [];

  const mig = migrateDoc(json, opts.migrations ?? MIGRATIONS, opts.targetVersion);
  if (!mig.ok) return fail([{ where: mig.field ?? '', path: mig.field ? [mig.field] : [], message: mig.message }]);
  const raw = mig.doc as Record<string, unknown>;

  // Ids of the raw nodes/edges, to name them in messages even when other
  // fields are broken.
  const rawId = (list: unknown, i: number): string | undefined => {
    const x = Array.isArray(list) ? list[i] : undefined;
    return x && typeof x === 'object' && typeof (x as { id?: unknown }).id === 'string' ? ((x as { id: string }).id as string) : undefined;
  };
  const where = (path: (string | number)[]): Pick<DocProblem, 'where' | 'nodeId' | 'edgeId'> => {
    let s = '';
    let nodeId: string | undefined;
    let edgeId: string | undefined;
    for (let k = 0; k < path.length; k++) {
      const p = path[k];
      if (typeof p === 'number') {
        s += `[${p}]`;
        const parent = path[k - 1];
        if (k === 1 && (parent === 'nodes' || parent === 'edges')) {
          const id = rawId(raw[parent], p);
          if (id !== undefined) {
            s += ` (id ${safeJson(id)})`;
            if (parent === 'nodes') nodeId = id;
            else edgeId = id;
          }
        }
      } else s += s ? `.${p}` : p;
    }
    return { where: s, nodeId, edgeId };
  };
  const problem = (path: (string | number)[], message: string): DocProblem => ({ ...where(path), path, message });

  // zod drops a "__proto__" key from records without a word; say so instead.
  if (Array.isArray(raw.nodes) && raw.nodes.length <= MAX_NODES)
    raw.nodes.forEach((n: unknown, i: number) => {
      const params = n && typeof n === 'object' ? (n as { params?: unknown }).params : undefined;
      if (params && typeof params === 'object' && Object.prototype.hasOwnProperty.call(params, '__proto__'))
        errors.push(problem(['nodes', i, 'params', '__proto__'], 'is not a valid parameter name (letters, digits and _ only)'));
    });
  if (errors.length) return fail(errors);

  const parsed = graphDocSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return fail(parsed.error.issues.map((i) => problem(i.path as (string | number)[], zodMessage(i))));
  const doc = parsed.data as GraphDoc;

  // Ids unique; types known; parameters within their layer's spec.
  const nodeAt = new Map<string, number>();
  doc.nodes.forEach((n, i) => {
    const prev = nodeAt.get(n.id);
    if (prev !== undefined) errors.push(problem(['nodes', i, 'id'], `duplicate id: nodes[${prev}] already has id ${safeJson(n.id)}`));
    else nodeAt.set(n.id, i);
    const def = getLayerDef(n.type);
    if (!def) {
      errors.push(problem(['nodes', i, 'type'], `unknown layer type ${safeJson(n.type)}; known types: ${LAYER_DEFS.map((d) => d.type).join(', ')}`));
      return;
    }
    const r = resolveParams(def, n.params);
    for (const e of r.errors) {
      const msg = e.message.startsWith(`${e.field} `) ? e.message.slice(e.field.length + 1) : e.message;
      errors.push(problem(['nodes', i, 'params', e.field], msg));
    }
    for (const u of r.unknown) warnings.push(problem(['nodes', i, 'params', u], `${def.label} has no parameter ${safeJson(u)}; it is ignored`));
  });

  const edgeAt = new Map<string, number>();
  const slotTaken = new Map<string, number>();
  doc.edges.forEach((e, i) => {
    const prev = edgeAt.get(e.id);
    if (prev !== undefined) errors.push(problem(['edges', i, 'id'], `duplicate id: edges[${prev}] already has id ${safeJson(e.id)}`));
    else edgeAt.set(e.id, i);
    let ends = true;
    for (const end of ['source', 'target'] as const)
      if (!nodeAt.has(e[end])) {
        errors.push(problem(['edges', i, end], `no node has id ${safeJson(e[end])}`));
        ends = false;
      }
    if (!ends) return;
    const def = getLayerDef(doc.nodes[nodeAt.get(e.target)!].type);
    if (def && e.targetIndex >= def.inputs.max)
      errors.push(
        problem(
          ['edges', i, 'targetIndex'],
          def.inputs.max === 0
            ? `${def.label} ${safeJson(e.target)} takes no input; received a connection into slot ${e.targetIndex}`
            : `${def.label} ${safeJson(e.target)} has ${def.inputs.max === 1 ? 'one input (slot 0)' : `input slots 0–${def.inputs.max - 1}`}; received ${e.targetIndex}`,
        ),
      );
    const key = `${e.target}\u0000${e.targetIndex}`;
    const taken = slotTaken.get(key);
    if (taken !== undefined) errors.push(problem(['edges', i, 'targetIndex'], `input slot ${e.targetIndex} of ${safeJson(e.target)} is already fed by edges[${taken}]`));
    else slotTaken.set(key, i);
  });

  if (errors.length) return fail(errors);
  return mig.from !== mig.to ? { ok: true, value: doc, warnings, migratedFrom: mig.from } : { ok: true, value: doc, warnings };

  function fail(list: DocProblem[]): ParseResult {
    const shown = list.slice(0, MAX_LISTED);
    const lines = shown.map((p) => (p.where ? `${p.where}: ${p.message}` : p.message));
    if (list.length > MAX_LISTED) lines.push(`… and ${list.length - MAX_LISTED} more problems`);
    return { ok: false, errors: shown, message: lines.join('\n') };
  }
}

/** Parse JSON text, then the document. Bad JSON gets a message with its position. */
export function parseGraphJson(text: string, opts?: ParseOptions): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : describeValue(e);
    return { ok: false, errors: [{ where: '', path: [], message: `Not valid JSON: ${msg}` }], message: `Not valid JSON: ${msg}` };
  }
  return parseGraphDoc(json, opts);
}
