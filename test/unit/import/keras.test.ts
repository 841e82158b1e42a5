/**
 * Importing Keras / TF.js topologies written by Keras 2 (`to_json`), the
 * TF.js converter (model_config wrapper, weights manifest) and Keras 3
 * (inbound nodes as keras tensors); refusals name every unsupported layer.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../engine/analysis';
import { importModelFile } from '../../../engine/import/file';
import { ImportError, importKerasModel } from '../../../engine/import/keras';

const fixture = (f: string) => JSON.parse(readFileSync(path.join(__dirname, 'fixtures', f), 'utf8'));

describe('Keras model.json import', () => {
  it('Keras 2 Sequential: the Keras example CNN with its published parameter count', () => {
    const { doc, kind, source } = importKerasModel(fixture('keras2-sequential.json'));
    expect(kind).toBe('Sequential');
    expect(source).toBe('Keras 2.12.0');
    const a = analyzeGraph(doc);
    expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
    // keras.io "Simple MNIST convnet": 34,826 parameters.
    expect(a.totals.params).toBe(34_826);
    // trainable: false in the file → frozen.
    expect(doc.nodes.find((n) => n.name === 'conv2d_1')!.frozen).toBe(true);
    expect(a.totals.nonTrainable).toBe(18_496);
    expect(a.nodes[a.outputIds[0]].outputShape).toEqual([10]);
  });

  it('TF.js converter output (model_config, Functional, residual Add)', async () => {
    const { doc, kind } = importKerasModel(fixture('keras2-functional-converter.json'));
    expect(kind).toBe('Functional');
    const a = analyzeGraph(doc);
    const byName = Object.fromEntries(Object.values(a.nodes).map((n) => [n.name, n]));
    expect(byName.stem_conv.outputShape).toEqual([16, 16, 16]);
    expect(byName.stem_bn.params.epsilon).toBeCloseTo(1.001e-5, 12);
    expect(byName.dw_relu.params.maxValue).toBe(6);
    expect(byName.predictions.outputShape).toEqual([5]);
    // The Add takes stem_relu in slot 0 and dw_relu in slot 1.
    const add = doc.nodes.find((n) => n.name === 'add')!;
    const ins = doc.edges.filter((e) => e.target === add.id).sort((x, y) => x.targetIndex - y.targetIndex).map((e) => doc.nodes.find((n) => n.id === e.source)!.name);
    expect(ins).toEqual(['stem_relu', 'dw_relu']);
    // The weights file it lists is absent: topology only, with a note.
    const imp = await importModelFile(path.join(__dirname, 'fixtures', 'keras2-functional-converter.json'));
    expect(imp.weightsPath).toBeNull();
    expect(imp.notes.join(' ')).toMatch(/group1-shard1of1\.bin/);
  });

  it('Keras 3 Functional: keras tensors, concat order, silu, negative_slope', () => {
    const { doc } = importKerasModel(fixture('keras3-functional.json'));
    const a = analyzeGraph(doc);
    expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const cat = doc.nodes.find((n) => n.name === 'cat')!;
    const ins = doc.edges.filter((e) => e.target === cat.id).sort((x, y) => x.targetIndex - y.targetIndex).map((e) => doc.nodes.find((n) => n.id === e.source)!.name);
    expect(ins).toEqual(['b', 'a']);
    expect(doc.nodes.find((n) => n.name === 'b')!.params.activation).toBe('swish');
    expect(doc.nodes.find((n) => n.name === 'lrelu')!.params.alpha).toBe(0.1);
    expect(a.nodes[a.outputIds[0]].outputShape).toEqual([32, 32, 8]);
  });

  it('names every unsupported layer and option at once, and imports nothing', () => {
    const json = fixture('keras2-sequential.json');
    json.config.layers.splice(2, 0, { class_name: 'LSTM', config: { name: 'lstm', units: 4 } });
    json.config.layers[1].config.padding = 'causal';
    json.config.layers.push({ class_name: 'Dense', config: { name: 'd2', units: 3, activation: 'hard_sigmoid' } });
    let err: ImportError | undefined;
    try {
      importKerasModel(json);
    } catch (e) {
      err = e as ImportError;
    }
    expect(err).toBeInstanceOf(ImportError);
    expect(err!.problems).toHaveLength(3);
    expect(err!.message).toMatch(/lstm is a LSTM, which CNN Designer does not have/);
    expect(err!.message).toMatch(/conv2d \(Conv2D\): padding 'causal'/);
    expect(err!.message).toMatch(/d2 \(Dense\): activation 'hard_sigmoid'/);
  });

  it.each([
    ['not an object', 42, /JSON object/],
    ['no topology', { weightsManifest: [] }, /no modelTopology/],
    ['graph model', { format: 'graph-model', modelTopology: { node: [] } }, /graph model/],
    ['subclassed model', { class_name: 'MyModel', config: {} }, /only Sequential and Functional/],
    ['nested model', { class_name: 'Sequential', config: { layers: [{ class_name: 'InputLayer', config: { batch_input_shape: [null, 8, 8, 3], name: 'i' } }, { class_name: 'Functional', config: { name: 'base', layers: [] } }] } }, /nested Functional/],
    ['unknown sizes', { class_name: 'Sequential', config: { layers: [{ class_name: 'InputLayer', config: { batch_input_shape: [null, null, null, 3], name: 'i' } }] } }, /must be known/],
    ['shared layer', { class_name: 'Functional', config: { layers: [{ class_name: 'InputLayer', name: 'i', config: { batch_input_shape: [null, 4], name: 'i' }, inbound_nodes: [] }, { class_name: 'Dense', name: 'd', config: { units: 4, name: 'd' }, inbound_nodes: [[['i', 0, 0, {}]], [['i', 0, 0, {}]]] }], input_layers: [['i', 0, 0]], output_layers: [['d', 0, 0]] } }, /shared layer/],
    ['analysis error', { class_name: 'Sequential', config: { layers: [{ class_name: 'InputLayer', config: { batch_input_shape: [null, 4, 4, 1], name: 'i' } }, { class_name: 'Conv2D', config: { name: 'c', filters: 2, kernel_size: 7, padding: 'valid' } }] } }, /c: .*larger than its input/],
  ])('refuses %s with a clear message', (_name, json, msg) => {
    expect(() => importKerasModel(json)).toThrow(msg);
  });
});

describe('importModel request', () => {
  it('returns the document, or INVALID_DOCUMENT / NOT_FOUND naming the problem', async () => {
    const { importModelService } = await import('../../../engine/import/service');
    const { dispatch } = await import('../../../electron/handlers');
    const good = await dispatch({} as never, 'importModel', { path: path.join(__dirname, 'fixtures', 'keras2-sequential.json') });
    expect(good).toMatchObject({ ok: true, value: { kind: 'Sequential', weightsPath: null } });
    const missing = await importModelService({ path: path.join(__dirname, 'fixtures', 'nope.json') });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const bad = await importModelService({ path: path.join(__dirname, '..', '..', '..', 'templates', 'mnist-cnn.json') });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_DOCUMENT', message: expect.stringContaining('not a Keras') } });
  });
});
