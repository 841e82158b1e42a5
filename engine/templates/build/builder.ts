/**
 * A small builder for template graph documents: add layers by name, wire
 * them, and lay them out top to bottom (one row per depth level; a branch gets
 * its own column). Used only by scripts/build-templates.ts and its test; the
 * app reads the committed JSON files.
 */
import { GRAPH_FORMAT, GRAPH_VERSION, type DocMeta, type GraphDoc, type GraphEdge, type GraphNode, type TrainingSettings } from '../../graph/doc';

/** Vertical distance between rows (px). Nodes are about 60 px tall. */
export const ROW_HEIGHT = 90;
/** Horizontal distance between columns (px). Nodes are about 220 px wide. */
export const COLUMN_WIDTH = 260;

/** A node id; node ids in templates equal their layer names. */
export type Ref = string;

interface Pending {
  node: Omit<GraphNode, 'position'>;
  inputs: Ref[];
  col: number;
}

export interface TemplateHeader {
  name: string;
  description: string;
  meta: DocMeta;
  /** Suggested training settings (trainable templates; from the reference example where it has them). */
  training?: TrainingSettings;
}

export class GraphBuilder {
  private readonly pending: Pending[] = [];
  private readonly byId = new Map<string, Pending>();
  /** Column new nodes go to when no column is given and they have no input. */
  private readonly header: TemplateHeader;

  constructor(header: TemplateHeader) {
    this.header = header;
  }

  /**
   * Add a layer. `name` is its unique layer name (also its id); `inputs` in
   * input-slot order; `col` places it in a column (default: the column of its
   * first input).
   */
  layer(type: string, name: string, params: Record<string, unknown>, inputs: Ref | Ref[] = [], col?: number): Ref {
    if (this.byId.has(name)) throw new Error(`template builder: duplicate layer name '${name}'`);
    const ins = typeof inputs === 'string' ? [inputs] : inputs;
    for (const i of ins) if (!this.byId.has(i)) throw new Error(`template builder: '${name}' takes unknown input '${i}'`);
    const c = col ?? (ins.length > 0 ? this.byId.get(ins[0])!.col : 0);
    const p: Pending = { node: { id: name, type, name, params }, inputs: ins, col: c };
    this.pending.push(p);
    this.byId.set(name, p);
    return name;
  }

  /** Column of an existing node (to place a branch beside it). */
  colOf(ref: Ref): number {
    const p = this.byId.get(ref);
    if (!p) throw new Error(`template builder: unknown node '${ref}'`);
    return p.col;
  }

  /** The finished document, with positions from depth (row) and column. */
  build(): GraphDoc {
    // Longest-path depth: nodes are added in topological order by construction.
    const depth = new Map<string, number>();
    for (const p of this.pending) depth.set(p.node.id, p.inputs.length === 0 ? 0 : 1 + Math.max(...p.inputs.map((i) => depth.get(i)!)));
    const nodes: GraphNode[] = this.pending.map((p) => ({
      ...p.node,
      position: { x: Math.round(p.col * COLUMN_WIDTH), y: depth.get(p.node.id)! * ROW_HEIGHT },
    }));
    const edges: GraphEdge[] = [];
    for (const p of this.pending)
      p.inputs.forEach((src, i) => edges.push({ id: `${src}->${p.node.id}${p.inputs.length > 1 ? `#${i}` : ''}`, source: src, target: p.node.id, targetIndex: i }));
    return {
      format: GRAPH_FORMAT,
      version: GRAPH_VERSION,
      name: this.header.name,
      description: this.header.description,
      meta: this.header.meta,
      nodes,
      edges,
      ...(this.header.training ? { training: this.header.training } : {}),
    };
  }
}

/**
 * JSON with 2-space indentation where arrays of scalars and small flat objects
 * (positions, kernel pairs) stay on one line, so a template reads like a
 * layer list and diffs stay small. Key order is the insertion order.
 */
export function formatJson(value: unknown): string {
  return fmt(value, '') + '\n';
}

const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** One-line form of a value, or null when it is too long or too nested to read on one line. */
function inline(v: unknown, depth = 0): string | null {
  if (isScalar(v)) return JSON.stringify(v);
  if (depth > 2) return null;
  let s: string;
  if (Array.isArray(v)) {
    const parts = v.map((x) => inline(x, depth + 1));
    if (parts.some((x) => x === null)) return null;
    s = `[${parts.join(', ')}]`;
  } else if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    // Objects holding objects (a node with its params) are laid out over lines.
    if (entries.some(([, x]) => x !== null && typeof x === 'object' && !Array.isArray(x))) return null;
    const parts = entries.map(([k, x]) => {
      const i = inline(x, depth + 1);
      return i === null ? null : `${JSON.stringify(k)}: ${i}`;
    });
    if (parts.some((x) => x === null)) return null;
    s = parts.length === 0 ? '{}' : `{ ${parts.join(', ')} }`;
  } else return null;
  return s.length <= 100 ? s : null;
}

function fmt(v: unknown, indent: string): string {
  const one = inline(v);
  if (one !== null) return one;
  const inner = indent + '  ';
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + fmt(x, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${fmt(x, inner)}`).join(',\n')}\n${indent}}`;
}
