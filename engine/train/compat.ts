/**
 * Does this network fit this dataset? Checked before training, from the
 * analysis alone (pure: runs in the renderer too). Each problem comes with the
 * fixes the UI offers as buttons: a change to the document (applied with
 * `applyDocFix`) or a training setting (e.g. resize the data to the Input).
 */
import type { GraphAnalysis, NodeAnalysis } from '../analysis/types';
import { formatShape, type Shape } from '../core/shape';
import type { GraphDoc } from '../graph/doc';
import type { TrainSettings } from './settings';
import type { TaskKind } from './types';

/** A change to the document: set these parameters of one node. */
export interface DocFix {
  kind: 'doc';
  /** Stable id of the fix, e.g. `set-units`. */
  id: 'change-input' | 'set-units' | 'set-softmax';
  /** Button text, e.g. "Set the last Dense (dense_3) to 10 units". */
  label: string;
  nodeId: string;
  /** Parameters to merge into the node's params. */
  params: Record<string, unknown>;
}

/** A change to the training settings. */
export interface SettingsFix {
  kind: 'settings';
  id: 'resize-data';
  label: string;
  settings: Partial<TrainSettings>;
}

export type CompatFix = DocFix | SettingsFix;

export type CompatCode =
  | 'GRAPH_ERRORS'
  | 'NO_INPUT'
  | 'OUTPUTS'
  | 'INPUT_SHAPE'
  | 'OUTPUT_UNITS'
  | 'OUTPUT_SHAPE'
  | 'ACTIVATION'
  | 'RECONSTRUCTION'
  | 'RESIZED';

/** One finding. `error` blocks training; `warning` and `note` do not. */
export interface CompatProblem {
  code: CompatCode;
  severity: 'error' | 'warning' | 'note';
  /** What is wrong, quoting the shapes and counts. */
  message: string;
  /** The node it is about, to highlight on the canvas. */
  nodeId?: string;
  /** Ways to fix it, best first; may be empty. */
  fixes: CompatFix[];
}

export interface CompatReport {
  /** No errors: training can start. */
  ok: boolean;
  /** What training will do, when the output says it. */
  task: TaskKind | null;
  problems: CompatProblem[];
}

/** What the check needs to know about the dataset (the data module's DatasetInfo fits). */
export interface DataDescription {
  /** One image, [H, W, C]. */
  inputShape: Shape;
  classNames: string[];
}

const same = (a: Shape, b: Shape) => a.length === b.length && a.every((d, i) => d === b[i]);

/** True when the node's output passes through a softmax. */
function isSoftmax(n: NodeAnalysis): boolean {
  return n.type === 'softmax' || (n.type === 'activation' && n.params.fn === 'softmax') || n.params.activation === 'softmax';
}

/**
 * The node that decides the number of outputs: walking back from the output
 * through layers that keep the last axis (activations, dropout, pooling,
 * flatten), the first one with a `units` (Dense) or `filters` (Conv) parameter.
 */
function sizingNode(doc: GraphDoc, a: GraphAnalysis, outId: string, units: number): NodeAnalysis | null {
  let id: string | undefined = outId;
  const seen = new Set<string>();
  while (id && !seen.has(id)) {
    seen.add(id);
    const n: NodeAnalysis | undefined = a.nodes[id];
    if (!n || !n.outputShape || n.outputShape[n.outputShape.length - 1] !== units) return null;
    if ('units' in n.params || 'filters' in n.params) return n;
    const ins = doc.edges.filter((e) => e.target === id);
    if (ins.length !== 1) return null;
    id = ins[0].source;
  }
  return null;
}

/**
 * Check a network (its analysis) against a dataset. `adaptInput` says whether
 * the data will be resized/converted to the Input (the resize-data fix taken).
 */
export function checkCompatibility(doc: GraphDoc, analysis: GraphAnalysis, data: DataDescription, opts: { adaptInput?: boolean } = {}): CompatReport {
  const problems: CompatProblem[] = [];
  const report = (task: TaskKind | null): CompatReport => ({ ok: !problems.some((p) => p.severity === 'error'), task, problems });
  const errors = analysis.issues.filter((i) => i.severity === 'error');
  if (errors.length) {
    const first = errors[0];
    problems.push({
      code: 'GRAPH_ERRORS',
      severity: 'error',
      message: `The network has ${errors.length} error${errors.length > 1 ? 's' : ''} to fix first: ${first.message}${first.fix ? ` (${first.fix})` : ''}`,
      nodeId: first.nodeId,
      fixes: [],
    });
    return report(null);
  }
  const input = analysis.inputId ? analysis.nodes[analysis.inputId] : undefined;
  if (!input?.outputShape) {
    problems.push({ code: 'NO_INPUT', severity: 'error', message: 'The network has no Input layer; add one with the shape of the images.', fixes: [] });
    return report(null);
  }
  if (analysis.outputIds.length !== 1) {
    problems.push({
      code: 'OUTPUTS',
      severity: 'error',
      message: `The network has ${analysis.outputIds.length} outputs (layers whose output nothing uses: ${analysis.outputIds.map((id) => analysis.nodes[id]?.name ?? id).join(', ')}); training needs exactly one. Connect or delete the extra ones.`,
      nodeId: analysis.outputIds[1],
      fixes: [],
    });
    return report(null);
  }
  const inShape = input.outputShape;
  const dShape = data.inputShape;

  // Input vs images
  if (!same(inShape, dShape)) {
    const convertible = inShape.length === 3 && dShape.length === 3 && (inShape[2] === dShape[2] || (inShape[2] === 1 && dShape[2] === 3) || (inShape[2] === 3 && dShape[2] === 1));
    const channelsOnly = inShape.length === 3 && dShape.length === 3 && inShape[0] === dShape[0] && inShape[1] === dShape[1];
    const what = channelsOnly ? `convert the images from ${dShape[2]} to ${inShape[2]} channel${inShape[2] > 1 ? 's' : ''}` : `resize the images to ${formatShape(inShape)}`;
    if (opts.adaptInput && convertible) {
      problems.push({ code: 'RESIZED', severity: 'note', message: `The dataset's ${formatShape(dShape)} images will be converted to the Input's ${formatShape(inShape)}.`, nodeId: input.id, fixes: [] });
    } else {
      const fixes: CompatFix[] = [];
      if (convertible) fixes.push({ kind: 'settings', id: 'resize-data', label: `${what[0].toUpperCase()}${what.slice(1)} when training`, settings: { adaptInput: true } });
      fixes.push({ kind: 'doc', id: 'change-input', label: `Change the Input to ${formatShape(dShape)}`, nodeId: input.id, params: { shape: [...dShape] } });
      problems.push({
        code: 'INPUT_SHAPE',
        severity: 'error',
        message:
          `The dataset's images are ${formatShape(dShape)} but the network's Input is ${formatShape(inShape)}.` +
          (convertible ? '' : ` Only 1↔3 channel conversions are possible, so change the Input.`),
        nodeId: input.id,
        fixes,
      });
    }
  }

  // Output vs classes
  const outId = analysis.outputIds[0];
  const out = analysis.nodes[outId];
  const oShape = out?.outputShape;
  if (!out || !oShape) return report(null);
  if (oShape.length === 3 && same(oShape, inShape)) {
    problems.push({
      code: 'RECONSTRUCTION',
      severity: 'note',
      message: `The output is an image shaped like the input (${formatShape(oShape)}), so the network will learn to reproduce its input (an autoencoder): the loss is the mean squared pixel error, there is no accuracy and the class labels are not used.`,
      nodeId: outId,
      fixes: [],
    });
    return report('reconstruction');
  }
  if (oShape.length !== 1) {
    problems.push({
      code: 'OUTPUT_SHAPE',
      severity: 'error',
      message: `The output is ${formatShape(oShape)}; a classifier must end in one score per class (a vector of ${data.classNames.length}). Add Flatten or GlobalAvgPool2D before the last Dense layer.`,
      nodeId: outId,
      fixes: [],
    });
    return report(null);
  }
  const units = oShape[0];
  const k = data.classNames.length;
  if (units !== k) {
    const sizer = sizingNode(doc, analysis, outId, units);
    const key = sizer && 'units' in sizer.params ? 'units' : 'filters';
    const label = sizer ? `Set the last ${sizer.type === 'dense' ? 'Dense' : sizer.type} (${sizer.name}) to ${k} ${key}` : '';
    problems.push({
      code: 'OUTPUT_UNITS',
      severity: k > units ? 'error' : 'warning',
      message:
        `The dataset has ${k} classes but the network's output has ${units} unit${units === 1 ? '' : 's'}` +
        (k > units ? '; there must be one unit per class.' : '; the extra units will never be the right answer.') +
        (sizer ? '' : ` Set the last Dense layer to ${k} units.`),
      nodeId: sizer?.id ?? outId,
      fixes: sizer ? [{ kind: 'doc', id: 'set-units', label, nodeId: sizer.id, params: { [key]: k } }] : [],
    });
  }
  if (!isSoftmax(out)) {
    const fixes: CompatFix[] = [];
    if ('activation' in out.params) fixes.push({ kind: 'doc', id: 'set-softmax', label: `Set ${out.name}'s activation to softmax`, nodeId: outId, params: { activation: 'softmax' } });
    else if (out.type === 'activation') fixes.push({ kind: 'doc', id: 'set-softmax', label: `Make ${out.name} a softmax`, nodeId: outId, params: { fn: 'softmax' } });
    problems.push({
      code: 'ACTIVATION',
      severity: 'note',
      message: `The last layer (${out.name}) ends in ${String(out.params.activation ?? out.params.fn ?? out.type)}, not softmax: its outputs will be read as logits (softmax applied in the loss and for confidences). A softmax at the end makes the outputs class probabilities.`,
      nodeId: outId,
      fixes,
    });
  }
  return report('classification');
}

/** The document with a fix applied (a new object; `doc` is not changed). Unknown node → the doc unchanged. */
export function applyDocFix(doc: GraphDoc, fix: DocFix): GraphDoc {
  if (!doc.nodes.some((n) => n.id === fix.nodeId)) return doc;
  return { ...doc, nodes: doc.nodes.map((n) => (n.id === fix.nodeId ? { ...n, params: { ...n.params, ...structuredClone(fix.params) } } : n)) };
}
