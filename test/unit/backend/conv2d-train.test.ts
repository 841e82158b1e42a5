/**
 * Conv2D + bias (+ ReLU) as one op while a gradient is recorded
 * (engine/backend/kernels/conv2d-train.ts, used by our Conv2D layer class).
 *
 * The reference is tfjs's own unfused formula, relu(conv2d(x, W) + b) or
 * conv2d(x, W) + b, with tf.grads on the cpu backend (tfjs's reference
 * kernels): the value and the gradients of x, W and b, for stride 1 and 2,
 * 'same' and 'valid', with and without bias, and layer shapes that take the
 * Winograd and the direct wasm kernels. Then, through the layer class: the same weight gradients as
 * tfjs's three kernels, the kernels actually run, and where it stays out.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../engine/backend';
import { conv2dTrain, registerFusedConv2DGradient } from '../../../engine/backend/kernels/conv2d-train';
import { registerCustomLayers } from '../../../engine/layers';
import { expectClose, onBackend as on, values } from '../../helpers/tensors';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', threads: 1 });
});

afterEach(() => {
  delete process.env.CNN_FUSED_CONV_TRAIN;
});

interface Case {
  name: string;
  x: [number, number, number, number];
  k: number;
  co: number;
  stride: 1 | 2;
  pad: 'same' | 'valid';
  bias: boolean;
  act: 'relu' | 'linear';
}
const CASES: Case[] = [
  { name: '3×3 same, 8→8 (Winograd on wasm)', x: [2, 9, 9, 8], k: 3, co: 8, stride: 1, pad: 'same', bias: true, act: 'relu' },
  { name: '3×3 valid, 1→6 (the 28×28 template\'s first layer)', x: [3, 10, 10, 1], k: 3, co: 6, stride: 1, pad: 'valid', bias: true, act: 'relu' },
  { name: '3×3 same, stride 2, 4→8', x: [2, 11, 11, 4], k: 3, co: 8, stride: 2, pad: 'same', bias: true, act: 'relu' },
  { name: '5×5 valid, stride 2, no bias', x: [2, 12, 12, 3], k: 5, co: 5, stride: 2, pad: 'valid', bias: false, act: 'relu' },
  { name: '1×1, 16→8, no bias', x: [2, 6, 6, 16], k: 1, co: 8, stride: 1, pad: 'same', bias: false, act: 'relu' },
  { name: 'linear 3×3 same, 8→8 (Winograd on wasm)', x: [2, 8, 8, 8], k: 3, co: 8, stride: 1, pad: 'same', bias: true, act: 'linear' },
  { name: 'linear 3×3 same, stride 2, 3→4, no bias', x: [2, 9, 9, 3], k: 3, co: 4, stride: 2, pad: 'same', bias: false, act: 'linear' },
];

describe('conv2dTrain against tfjs\'s unfused conv + bias (+ relu) on cpu', () => {
  it.each(CASES.flatMap((c) => (['wasm', 'cpu'] as const).map((backend) => ({ ...c, backend }))))('$name on $backend: value and gradients of x, W, b', async (c) => {
    const [n, h, w, ci] = c.x;
    const xv = values(n * h * w * ci, 1);
    const wv = values(c.k * c.k * ci * c.co, 2);
    const bv = values(c.co, 3);
    const ho = c.pad === 'same' ? Math.ceil(h / c.stride) : Math.ceil((h - c.k + 1) / c.stride);
    const wo = c.pad === 'same' ? Math.ceil(w / c.stride) : Math.ceil((w - c.k + 1) / c.stride);
    // A weighted sum as the loss, so that dy differs from pixel to pixel.
    const rv = values(n * ho * wo * c.co, 4);
    const inputs = () => [tf.tensor4d(xv, c.x), tf.tensor4d(wv, [c.k, c.k, ci, c.co]), tf.tensor1d(bv)] as const;
    const run = (conv: (x: tf.Tensor4D, f: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D) => () => {
      const [x, f, b] = inputs();
      const r = tf.tensor4d(rv, [n, ho, wo, c.co]);
      const y = conv(x, f, b);
      const loss = (...a: tf.Tensor[]) => tf.sum(tf.mul(conv(a[0] as tf.Tensor4D, a[1] as tf.Tensor4D, (a[2] ?? b) as tf.Tensor1D), r));
      return [y, ...tf.grads(loss)(c.bias ? [x, f, b] : [x, f])];
    };
    const reference = run((x, f, b) => {
      const z = tf.conv2d(x, f, c.stride, c.pad);
      const zb = c.bias ? tf.add(z, b) : z;
      return (c.act === 'relu' ? tf.relu(zb) : zb) as tf.Tensor4D;
    });
    const ours = run((x, f, b) => conv2dTrain(tf, x, f, c.bias ? b : null, { strides: [c.stride, c.stride], pad: c.pad, activation: c.act }));
    const want = await on('cpu', reference);
    const got = await on(c.backend, ours);
    expect(got[1].length).toBe(xv.length);
    expect(got.length).toBe(c.bias ? 4 : 3);
    for (const [i, what] of ['y', 'dx', 'dW', 'db'].slice(0, got.length).entries()) expectClose(got[i], want[i], what, 1e-4);
  });
});

describe('the Conv2D layer class while training', () => {
  const layerGrads = async (backend: 'cpu' | 'wasm', activation: 'relu' | 'relu6', dilation: number, fused: boolean) => {
    if (!fused) process.env.CNN_FUSED_CONV_TRAIN = '0';
    await tf.setBackend(backend);
    const conv = registerCustomLayers(tf).conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation, dilationRate: dilation, inputShape: [8, 8, 4] });
    const model = tf.sequential({ layers: [conv, tf.layers.flatten(), tf.layers.dense({ units: 3 })] });
    model.setWeights(model.weights.map((v, i) => tf.tensor(values((v.shape as number[]).reduce((p, q) => p * q, 1), 10 + i), v.shape as number[])));
    const x = tf.tensor4d(values(2 * 8 * 8 * 4, 20), [2, 8, 8, 4]);
    const loss = () => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar;
    const prof = await tf.profile(() => tf.variableGrads(loss).grads);
    const grads = prof.result as unknown as Record<string, tf.Tensor>;
    const out = await Promise.all(model.trainableWeights.map((v) => grads[v.originalName].data() as Promise<Float32Array>));
    tf.dispose([x, ...Object.values(grads)]);
    model.dispose();
    return { grads: out, kernels: prof.kernelNames };
  };

  it.each(['wasm', 'cpu'] as const)('on %s: same weight gradients as tfjs\'s conv, Add and Relu, in one FusedConv2D forward', async (backend) => {
    const ours = await layerGrads(backend, 'relu', 1, true);
    const theirs = await layerGrads(backend, 'relu', 1, false);
    ours.grads.forEach((g, i) => expectClose(g, theirs.grads[i], `weight ${i}`, 1e-5));
    expect(ours.kernels).toContain('FusedConv2D');
    expect(ours.kernels).not.toContain('Relu');
    expect(theirs.kernels).toContain('Relu');
  });

  it('computes no input gradient for a first layer (the image needs none), linear or ReLU', async () => {
    await tf.setBackend('wasm');
    const layers = registerCustomLayers(tf);
    const model = tf.sequential({
      layers: [
        layers.conv2d({ filters: 8, kernelSize: 3, inputShape: [8, 8, 1] }),
        layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2 }),
      ],
    });
    const x = tf.tensor4d(values(2 * 64, 30), [2, 8, 8, 1]);
    const prof = await tf.profile(() => tf.variableGrads(() => tf.sum(model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar).grads);
    const count = (name: string) => prof.kernels.filter((k) => k.name === name).length;
    expect(count('FusedConv2D')).toBe(2);
    expect(count('Conv2DBackpropFilter')).toBe(2);
    expect(count('Conv2DBackpropInput')).toBe(1);
    tf.dispose([x, ...Object.values(prof.result as unknown as Record<string, tf.Tensor>)]);
    model.dispose();
  });

  it('the FusedConv2D gradient refuses what it does not compute, by name', async () => {
    await tf.setBackend('cpu');
    registerFusedConv2DGradient(tf);
    const x = tf.ones([1, 4, 4, 2]);
    const f = tf.ones([3, 3, 2, 2]);
    const elu = (t: tf.Tensor) => tf.engine().runKernel('FusedConv2D', { x: t, filter: f }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], activation: 'elu' }) as tf.Tensor;
    expect(() => tf.grad(elu)(x)).toThrow(/FusedConv2D gradient: only linear or relu activations.*got elu/);
    tf.dispose([x, f]);
  });

  it('a dilated convolution (written-out kernel) takes the fused op too, with the same gradients', async () => {
    const ours = await layerGrads('wasm', 'relu', 2, true);
    const theirs = await layerGrads('cpu', 'relu', 2, false);
    ours.grads.forEach((g, i) => expectClose(g, theirs.grads[i], `weight ${i}`, 1e-4));
    expect(ours.kernels).not.toContain('Relu');
  });

  it('stays out for other activations and when no gradient is recorded', async () => {
    const relu6 = await layerGrads('wasm', 'relu6', 1, true);
    // tfjs-layers applies relu6 as minimum(relu(x), 6) after the convolution.
    expect(relu6.kernels).toEqual(expect.arrayContaining(['Relu', 'Minimum']));
    await tf.setBackend('wasm');
    const conv = registerCustomLayers(tf).conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2] });
    const x = tf.ones([1, 6, 6, 2]);
    const prof = await tf.profile(() => conv.apply(x) as tf.Tensor);
    // tfjs's own inference path: its fused op, one FusedConv2D kernel.
    expect(prof.kernelNames).toEqual(['FusedConv2D', 'fusedConv2d__op']);
    tf.dispose([x, prof.result as tf.Tensor]);
  });
});
