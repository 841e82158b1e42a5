/**
 * The corrected tfjs classes (engine/layers/tfjs-classes.ts): the same numbers
 * as the stock tfjs layers forward, and trainable where the stock ones fail or
 * depart from Keras.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dilateKernel, registerCustomLayers } from '../../../engine/layers/tfjs-classes';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const close = (a: tf.Tensor, b: tf.Tensor, tol = 1e-4) => {
  expect(a.shape).toEqual(b.shape);
  expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(tol);
};

/** Apply a layer on `x`, giving it `weights` first. */
function applyWith(layer: tf.layers.Layer, x: tf.Tensor, weights?: tf.Tensor[]): tf.Tensor {
  layer.apply(tf.input({ shape: x.shape.slice(1) }));
  if (weights) layer.setWeights(weights);
  return layer.apply(x) as tf.Tensor;
}

describe('dilated convolutions', () => {
  it('dilateKernel writes zeros between taps, per axis', () => {
    const k = tf.tensor4d([1, 2, 3, 4], [2, 2, 1, 1]);
    const d = dilateKernel(tf, k, [2, 3]);
    expect(d.shape).toEqual([3, 4, 1, 1]);
    expect(Array.from(d.dataSync())).toEqual([1, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 4]);
  });

  for (const [padding, dilation, activation] of [
    ['valid', [2, 3], 'relu'],
    ['same', [2, 2], 'linear'],
    ['same', [3, 1], 'sigmoid'],
  ] as const) {
    it(`Conv2D ${padding}, dilation ${dilation}, ${activation}: same output as stock tfjs`, () => {
      const args = { filters: 3, kernelSize: [3, 2] as [number, number], dilationRate: [...dilation] as [number, number], padding, activation };
      const x = tf.randomNormal([2, 9, 10, 2], 0, 1, 'float32', 1);
      const stock = tf.layers.conv2d(args);
      const ref = applyWith(stock, x);
      const ours = applyWith(registerCustomLayers(tf).conv2d(args), x, stock.getWeights());
      close(ours, ref);
    });
  }

  it('SeparableConv2D dilated: same output as stock tfjs', () => {
    const args = { filters: 4, kernelSize: 3, dilationRate: 2, depthMultiplier: 2, padding: 'same' as const };
    const x = tf.randomNormal([1, 8, 7, 3], 0, 1, 'float32', 2);
    const stock = tf.layers.separableConv2d(args);
    const ref = applyWith(stock, x);
    close(applyWith(registerCustomLayers(tf).separableConv2d(args), x, stock.getWeights()), ref);
  });

  it('the kernel gradient of a dilated Conv2D matches finite differences', () => {
    const layer = registerCustomLayers(tf).conv2d({ filters: 1, kernelSize: 2, dilationRate: 2, padding: 'valid', useBias: false });
    const x = tf.randomNormal([1, 6, 6, 1], 0, 1, 'float32', 3);
    layer.apply(tf.input({ shape: [6, 6, 1] }));
    const k0 = tf.randomNormal([2, 2, 1, 1], 0, 1, 'float32', 4);
    const w = tf.randomNormal([1, 4, 4, 1], 0, 1, 'float32', 5);
    const loss = (k: tf.Tensor) => {
      layer.setWeights([k]);
      return tf.sum(tf.mul(layer.apply(x) as tf.Tensor, w));
    };
    const variable = (layer.trainableWeights[0] as unknown as { val: tf.Variable }).val;
    layer.setWeights([k0]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, w)) as tf.Scalar, [variable]);
    const g = grads[variable.name].dataSync();
    const base = k0.dataSync();
    for (let i = 0; i < 4; i++) {
      const h = 1e-2;
      const plus = Float32Array.from(base);
      plus[i] += h;
      const minus = Float32Array.from(base);
      minus[i] -= h;
      const fd = (loss(tf.tensor4d(plus, [2, 2, 1, 1])).dataSync()[0] - loss(tf.tensor4d(minus, [2, 2, 1, 1])).dataSync()[0]) / (2 * h);
      expect(g[i]).toBeCloseTo(fd, 2);
    }
  });

  it('a network with dilated Conv2D and SeparableConv2D trains (stock tfjs throws)', async () => {
    type Factory = { conv2d(a: Parameters<typeof tf.layers.conv2d>[0]): tf.layers.Layer; separableConv2d(a: Parameters<typeof tf.layers.separableConv2d>[0]): tf.layers.Layer };
    const make = (L: Factory) => {
      const inp = tf.input({ shape: [8, 8, 1] });
      let y = L.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu' }).apply(inp) as tf.SymbolicTensor;
      y = L.separableConv2d({ filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same' }).apply(y) as tf.SymbolicTensor;
      const out = tf.layers.dense({ units: 1 }).apply(tf.layers.flatten().apply(y)) as tf.SymbolicTensor;
      const m = tf.model({ inputs: inp, outputs: out });
      m.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
      return m;
    };
    const xs = tf.randomNormal([8, 8, 8, 1], 0, 1, 'float32', 6);
    const ys = tf.randomNormal([8, 1], 0, 1, 'float32', 7);
    await expect(make(tf.layers).fit(xs, ys, { epochs: 1, verbose: 0 })).rejects.toThrow(/dilation/);
    const h = await make(registerCustomLayers(tf)).fit(xs, ys, { epochs: 3, verbose: 0 });
    const losses = h.history.loss as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[2]).toBeLessThan(losses[0]);
  });
});

describe('BatchNormalization', () => {
  const fitOnce = async (bn: tf.layers.Layer, frozen = false) => {
    const inp = tf.input({ shape: [4, 4, 3] });
    const out = tf.layers.dense({ units: 1 }).apply(tf.layers.flatten().apply(bn.apply(inp))) as tf.SymbolicTensor;
    const m = tf.model({ inputs: inp, outputs: out });
    if (frozen) bn.trainable = false;
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const xs = tf.randomNormal([6, 4, 4, 3], 3, 2, 'float32', 8);
    return m.fit(xs, tf.ones([6, 1]), { epochs: 1, batchSize: 6, verbose: 0 });
  };
  const moving = (bn: tf.layers.Layer) => bn.getWeights().slice(-2).map((w) => Array.from(w.dataSync()));

  it('trains with scale or center off (stock tfjs crashes reading the missing weight)', async () => {
    await expect(fitOnce(tf.layers.batchNormalization({ scale: false }))).rejects.toThrow(/read/);
    for (const flags of [{ scale: false }, { center: false }, { scale: false, center: false }]) {
      const bn = registerCustomLayers(tf).batchNormalization(flags);
      const h = await fitOnce(bn);
      expect(Number.isFinite((h.history.loss as number[])[0])).toBe(true);
      // The moving statistics moved towards the batch's (mean ≈ 3).
      expect(moving(bn)[0][0]).toBeGreaterThan(0);
    }
  });

  it('in training mode without γ and β it normalises each channel to mean 0, variance 1', () => {
    const bn = registerCustomLayers(tf).batchNormalization({ scale: false, center: false, epsilon: 1e-6 });
    const x = tf.randomNormal([4, 3, 3, 2], 5, 3, 'float32', 9);
    bn.apply(tf.input({ shape: [3, 3, 2] }));
    const y = bn.apply(x, { training: true }) as tf.Tensor;
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    for (const m of mean.dataSync()) expect(m).toBeCloseTo(0, 4);
    for (const v of variance.dataSync()) expect(v).toBeCloseTo(1, 3);
  });

  it('frozen (trainable = false) keeps its moving mean and variance, as Keras does; unfrozen updates them', async () => {
    const frozen = registerCustomLayers(tf).batchNormalization({});
    const before = await (async () => {
      frozen.apply(tf.input({ shape: [4, 4, 3] }));
      return moving(frozen);
    })();
    await fitOnce(frozen, true);
    expect(moving(frozen)).toEqual(before);
    const live = registerCustomLayers(tf).batchNormalization({});
    await fitOnce(live);
    expect(moving(live)).not.toEqual(before);
  });

  it('saves as a plain Keras BatchNormalization / Conv2D and loads back to the same outputs', async () => {
    const inp = tf.input({ shape: [6, 6, 2] });
    const c = registerCustomLayers(tf).conv2d({ filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same', name: 'c' }).apply(inp);
    const out = registerCustomLayers(tf).batchNormalization({ scale: false, name: 'bn' }).apply(c) as tf.SymbolicTensor;
    const m = tf.model({ inputs: inp, outputs: out });
    const json = m.toJSON(null, false) as { config: { layers: { class_name: string }[] } };
    expect(json.config.layers.map((l) => l.class_name)).toEqual(['InputLayer', 'Conv2D', 'BatchNormalization']);
    let saved: tf.io.ModelArtifacts | undefined;
    await m.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const back = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const x = tf.randomNormal([1, 6, 6, 2], 0, 1, 'float32', 10);
    close(back.predict(x) as tf.Tensor, m.predict(x) as tf.Tensor);
  });
});
