/**
 * The contract every entry of the layer catalog keeps (keras' run_layer_test):
 * its defaults analyse cleanly on a suitable input, its parameter specs are
 * self-consistent, and it carries what the palette and inspector need.
 */
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../engine/analysis';
import { checkParam, defaultParams, getLayerDef, LAYER_CATEGORIES, LAYER_DEFS, type AnyLayerDef, type ParamSpec } from '../../../engine/layers';
import { graph } from '../../helpers/graph-builder';

/** An input each layer's defaults must accept without any issue. */
const SUITABLE_INPUT: Record<string, number[]> = { dense: [64] };
const inputFor = (def: AnyLayerDef) => SUITABLE_INPUT[def.type] ?? [32, 32, 3];

/** The layer with its defaults, fed by an Input (twice for merge layers). */
function withDefaults(def: AnyLayerDef) {
  const g = graph();
  if (def.inputs.max === 0) {
    g.input([32, 32, 3]).conv2d();
    return g.doc;
  }
  const x = g.input(inputFor(def));
  if (def.inputs.min >= 2) g.merge(def.type, [x, x]);
  else x.to(def.type);
  return g.doc;
}

describe.each(LAYER_DEFS.map((d) => [d.type, d] as const))('%s', (_type, def: AnyLayerDef) => {
  it('analyses cleanly with its defaults (no error, no warning)', () => {
    const a = analyzeGraph(withDefaults(def));
    expect(a.issues).toEqual([]);
    const node = Object.values(a.nodes).find((n) => n.type === def.type)!;
    expect(node.outputShape).not.toBeNull();
    expect(node.formula.length).toBeGreaterThan(0);
    expect(Number.isFinite(node.macs) && node.macs >= 0).toBe(true);
  });

  it('has a default for every parameter that passes its own spec, unchanged', () => {
    for (const [key, spec] of Object.entries(def.params as Record<string, ParamSpec>)) {
      const r = checkParam(key, spec, spec.default);
      expect(r, `${def.type}.${key}`).toEqual({ value: spec.default });
    }
  });

  it('gives every parameter a label and a one-line help', () => {
    for (const [key, spec] of Object.entries(def.params as Record<string, ParamSpec>)) {
      expect(spec.label, `${def.type}.${key}.label`).toBeTruthy();
      expect(spec.help?.length ?? 0, `${def.type}.${key}.help`).toBeGreaterThan(5);
      if (spec.kind === 'choice') expect(spec.options).toContain(spec.default);
      if ((spec.kind === 'int' || spec.kind === 'float' || spec.kind === 'pair') && spec.zeroMeans) expect(spec.min).toBe(0);
    }
  });

  it('has palette text: label, known category, help, non-empty summary', () => {
    expect(def.type).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(def.label.length).toBeGreaterThan(0);
    expect(LAYER_CATEGORIES.map((c) => c.id)).toContain(def.category);
    expect(def.help.length).toBeGreaterThan(20);
    expect(def.summary(defaultParams(def) as never).length).toBeGreaterThan(0);
    expect(def.inputs.min).toBeLessThanOrEqual(def.inputs.max);
  });

  it('reports a bad input shape as a LayerError, never by throwing', () => {
    if (def.inputs.max === 0) return;
    const p = defaultParams(def) as never;
    const n = Math.max(def.inputs.min, 1);
    for (const bad of [[], [5], [4, 4, 4, 4]]) {
      const shapes = Array.from({ length: n }, () => bad);
      expect(() => def.outputShape(shapes, p)).not.toThrow();
    }
  });
});

describe('the registry', () => {
  it('has unique type keys and finds each by key', () => {
    const types = LAYER_DEFS.map((d) => d.type);
    expect(new Set(types).size).toBe(types.length);
    for (const d of LAYER_DEFS) expect(getLayerDef(d.type)).toBe(d);
    expect(getLayerDef('no-such-layer')).toBeUndefined();
  });

  it('covers the layers the course material teaches', () => {
    const want = [
      'input', 'conv2d', 'depthwise-conv2d', 'separable-conv2d', 'conv2d-transpose', 'max-pool2d', 'avg-pool2d',
      'global-avg-pool2d', 'global-max-pool2d', 'batch-norm', 'dropout', 'activation', 'relu', 'leaky-relu', 'elu',
      'sigmoid', 'tanh', 'softmax', 'flatten', 'dense', 'add', 'concatenate', 'zero-padding2d', 'rescaling', 'reshape', 'upsampling2d',
    ];
    expect(LAYER_DEFS.map((d) => d.type).sort()).toEqual([...want].sort());
  });
});
