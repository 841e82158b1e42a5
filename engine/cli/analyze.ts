/**
 * `cli analyze FILE [--json] [--strict]`: a Keras-style model.summary() of a
 * graph document, with each layer's output shape, parameters and the formula
 * that gives them, receptive field and issues, then the totals.
 */
import { analyzeGraph } from '../analysis/analyze';
import type { GraphAnalysis, NodeAnalysis, ReceptiveField } from '../analysis/types';
import { formatInt, formatShape } from '../core/shape';
import type { Issue } from '../core/issues';
import type { GraphDoc } from '../graph/doc';
import { loadGraphFile, MAX_FILE_BYTES } from '../graph/io';
import { parseGraphJson, type ParseResult } from '../graph/parse';
import { getLayerDef } from '../layers';
import type { CliCommand, CliIO } from './types';

const USAGE = `Usage: cli analyze FILE [--json] [--strict]     (FILE - reads standard input)
  Prints every layer's output shape, parameters (with the formula),
  receptive field and issues, then the totals, like Keras' model.summary().
  --json     print the analysis as JSON instead
  --strict   exit with code 3 if the network has errors
  Receptive field: size /stride in input pixels; "(max)" when units differ
  (after upsampling), "≈" when it is a bound. Exit 1 if FILE is not a valid
  graph document, 2 on wrong usage.`;

async function readStdin(): Promise<ParseResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin) {
    size += (c as Buffer).length;
    if (size > MAX_FILE_BYTES) {
      const message = `standard input: more than ${MAX_FILE_BYTES / 1048576} MB`;
      return { ok: false, errors: [{ where: '', path: [], message }], message };
    }
    chunks.push(c as Buffer);
  }
  const r = parseGraphJson(Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, ''));
  return r.ok ? r : { ...r, message: `standard input: ${r.message}` };
}

/** 1024-based, as Keras prints model sizes: "241.04 KB". */
export function formatBytes(b: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) {
    b /= 1024;
    i++;
  }
  return i === 0 ? `${b} B` : `${b.toFixed(2)} ${units[i]}`;
}

/** "1.23 G", "456.7 M": multiply-adds at a glance. */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)} K`;
  return String(n);
}

const num = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2).replace(/\.?0+$/, ''));
const pairText = (p: readonly [number, number]) => (p[0] === p[1] ? num(p[0]) : `${num(p[0])}×${num(p[1])}`);

/** "11×11 /4", "483×483 /32", "global". */
export function formatRf(rf: ReceptiveField | null): string {
  if (!rf) return '';
  if (rf.global) return 'global';
  const size = rf.size[0] === rf.size[1] ? `${num(rf.size[0])}×${num(rf.size[0])}` : `${num(rf.size[0])}×${num(rf.size[1])}`;
  return `${size} /${pairText(rf.stride)}${rf.varies ? ' (max)' : ''}${rf.approximate ? ' ≈' : ''}`;
}

/** Nodes in topological order, then any left out of it (cycles). */
function orderedNodes(a: GraphAnalysis): NodeAnalysis[] {
  const seen = new Set(a.order);
  return [...a.order.map((id) => a.nodes[id]), ...Object.values(a.nodes).filter((n) => !seen.has(n.id))];
}

const label = (type: string) => getLayerDef(type)?.label ?? type;

function truncate(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}

/** The human-readable summary. */
export function summaryTable(doc: GraphDoc, a: GraphAnalysis): string {
  const rows = orderedNodes(a).map((n) => [
    `${n.name} (${label(n.type)})`,
    formatShape(n.outputShape),
    n.outputShape ? formatInt(n.paramCount) : '',
    n.outputShape ? (n.frozen ? `${n.formula} (frozen)` : n.formula) : '',
    formatRf(n.receptiveField),
    n.issues.map((i) => i.code).join(' '),
  ]);
  const head = ['Layer (type)', 'Output shape', 'Param #', 'Formula', 'Receptive field', 'Issues'];
  const caps = [40, 20, 14, 48, 22, 20];
  const cells = [head, ...rows].map((r) => r.map((c, i) => truncate(c, caps[i])));
  const w = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const right = new Set([2]); // numbers right-aligned
  const line = (r: string[]) => r.map((c, i) => (right.has(i) ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd();
  const width = w.reduce((s, x) => s + x, 0) + 2 * (w.length - 1);
  const out: string[] = [];
  out.push(`Model: ${JSON.stringify(doc.name)}`);
  out.push('━'.repeat(width));
  out.push(line(cells[0]));
  out.push('━'.repeat(width));
  cells.slice(1).forEach((r, i) => {
    out.push(line(r));
    if (i < rows.length - 1) out.push('─'.repeat(width));
  });
  out.push('━'.repeat(width));
  const t = a.totals;
  out.push(`Total params: ${formatInt(t.params)} (${formatBytes(t.bytes)})`);
  out.push(`Trainable params: ${formatInt(t.trainable)} (${formatBytes(t.trainable * 4)})`);
  out.push(`Non-trainable params: ${formatInt(t.nonTrainable)} (${formatBytes(t.nonTrainable * 4)})`);
  out.push(`Multiply-adds: ${formatCount(t.macs)} (${formatInt(t.macs)}) per sample`);
  out.push(`Activations: ${formatBytes(t.activationBytes)} per sample`);
  if (a.issues.length) {
    const errors = a.issues.filter((i) => i.severity === 'error').length;
    out.push('');
    out.push(`Issues: ${errors} error${errors === 1 ? '' : 's'}, ${a.issues.length - errors} warning${a.issues.length - errors === 1 ? '' : 's'}`);
    for (const i of a.issues) out.push(issueLine(a, i));
  }
  return out.join('\n') + '\n';
}

function issueLine(a: GraphAnalysis, i: Issue): string {
  const where = i.nodeId !== undefined && a.nodes[i.nodeId] ? `${a.nodes[i.nodeId].name}: ` : '';
  return `  ${i.severity === 'error' ? '✗' : '!'} ${i.code} ${where}${i.message}${i.fix ? `\n      fix: ${i.fix}` : ''}`;
}

const issueJson = (i: Issue) => ({ code: i.code, severity: i.severity, message: i.message, ...(i.field ? { field: i.field } : {}), ...(i.fix ? { fix: i.fix } : {}), ...(i.edgeId ? { edgeId: i.edgeId } : {}) });

/** The JSON form: totals, and per node the numbers shown in the table. */
export function analysisJson(doc: GraphDoc, a: GraphAnalysis) {
  return {
    name: doc.name,
    totals: a.totals,
    inputId: a.inputId,
    outputIds: a.outputIds,
    nodes: orderedNodes(a).map((n) => ({
      id: n.id,
      name: n.name,
      type: n.type,
      inputShapes: n.inputShapes,
      outputShape: n.outputShape,
      params: n.paramCount,
      trainable: n.trainable,
      nonTrainable: n.nonTrainable,
      formula: n.formula,
      macs: n.macs,
      activationBytes: n.activationBytes,
      frozen: n.frozen,
      receptiveField: n.receptiveField
        ? {
            size: n.receptiveField.size,
            stride: n.receptiveField.stride,
            start: n.receptiveField.start,
            ...(n.receptiveField.global ? { global: true } : {}),
            ...(n.receptiveField.varies ? { varies: true } : {}),
            ...(n.receptiveField.approximate ? { approximate: true } : {}),
          }
        : null,
      errors: n.issues.filter((i) => i.severity === 'error').map(issueJson),
      warnings: n.issues.filter((i) => i.severity === 'warning').map(issueJson),
    })),
    issues: a.issues.map((i) => ({ ...issueJson(i), ...(i.nodeId !== undefined ? { nodeId: i.nodeId } : {}) })),
  };
}

export const analyze: CliCommand = {
  name: 'analyze',
  summary: 'Shapes, parameters, multiply-adds and receptive fields of a graph file (like model.summary())',
  usage: USAGE,
  async run(args: string[], io: CliIO): Promise<number> {
    let json = false;
    let strict = false;
    const files: string[] = [];
    for (const a of args) {
      if (a === '--json') json = true;
      else if (a === '--strict') strict = true;
      else if (a === '-h' || a === '--help') {
        io.out(USAGE);
        return 0;
      } else if (a.startsWith('-') && a !== '-') {
        io.err(`analyze: unknown option ${a}\n${USAGE}`);
        return 2;
      } else files.push(a);
    }
    if (files.length !== 1) {
      io.err(`analyze: give exactly one FILE${files.length ? ` (received ${files.length})` : ''}\n${USAGE}`);
      return 2;
    }
    const r = files[0] === '-' ? await readStdin() : await loadGraphFile(files[0]);
    if (!r.ok) {
      io.err(`analyze: ${r.message}`);
      return 1;
    }
    const a = analyzeGraph(r.value);
    for (const w of r.warnings) io.err(`warning: ${w.where}: ${w.message}`);
    io.out(json ? JSON.stringify(analysisJson(r.value, a), null, 2) : summaryTable(r.value, a));
    return strict && a.issues.some((i) => i.severity === 'error') ? 3 : 0;
  },
};
