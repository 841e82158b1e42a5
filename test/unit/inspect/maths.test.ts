/**
 * The maths of the views against independent computations: saliency of a
 * linear model is its weight column; Grad-CAM lights the corner that holds
 * the evidence; feature maps equal tf.conv2d with the layer's weights; the
 * effective receptive field is non-zero exactly inside the analysis' box.
 */
import { describe, expect, it } from 'vitest';
import { convFilters, effectiveRf, featureMaps, gradCam, gradientSaliency, smoothGrad, theoreticalBox, clipBox, lastSpatialLayer } from '../../../engine/inspect';
import { graph } from '../../helpers/graph-builder';
import { build, nodeNamed, randomImage, rng, tf } from './helpers';

describe('saliency of a linear model equals its weights', () => {
  for (const activation of ['linear', 'softmax'] as const) {
    it(`Flatten → Dense(3, ${activation}): ∂y_k/∂x is column k of the kernel, for every k`, () => {
      const g = graph();
      g.input([4, 5, 2]).flatten({}, { name: 'flat' }).dense({ units: 3, activation }, { name: 'out' });
      const { model } = build(g.doc, 11);
      const [kernel] = model.getLayer('out').getWeights();
      const W = kernel.arraySync() as number[][]; // [40, 3]
      const img = randomImage([4, 5, 2]);
      for (let k = 0; k < 3; k++) {
        const s = gradientSaliency(tf, model, img, k);
        expect(s.gradient.height * s.gradient.width * s.gradient.channels).toBe(40);
        // Flatten is HWC row-major: input element i is row i of the kernel.
        for (let i = 0; i < 40; i++) expect(s.gradient.data[i]).toBeCloseTo(W[i][k], 5);
        // The shown map is max over channels of |w|.
        for (let p = 0; p < 20; p++) expect(s.map[p]).toBeCloseTo(Math.max(Math.abs(W[2 * p][k]), Math.abs(W[2 * p + 1][k])), 5);
      }
    });
  }

  it('SmoothGrad of a linear model is the same weight column (noise does not change a constant gradient)', async () => {
    const g = graph();
    g.input([3, 3, 1]).flatten().dense({ units: 2, activation: 'softmax' }, { name: 'out' });
    const { model } = build(g.doc, 5);
    const W = model.getLayer('out').getWeights()[0].arraySync() as number[][];
    const fractions: number[] = [];
    const s = await smoothGrad(tf, model, randomImage([3, 3, 1]), 1, { samples: 10, batch: 4, onProgress: (f) => fractions.push(f) });
    for (let i = 0; i < 9; i++) expect(s.gradient.data[i]).toBeCloseTo(W[i][1], 5);
    expect(fractions).toEqual([0.4, 0.8, 1]);
  });

  it('names the classes that exist when asked for one that does not', () => {
    const g = graph();
    g.input([2, 2, 1]).flatten().dense({ units: 3 });
    const { model } = build(g.doc, 1);
    expect(() => gradientSaliency(tf, model, randomImage([2, 2, 1]), 3)).toThrow(/class 3 does not exist: the network has 3 classes \(0 to 2\)/);
  });
});

describe('Grad-CAM', () => {
  /** 16×16 grey → conv(1 filter, 3×3 mean, relu) → global average → dense(2) = [+1, −1]. */
  function cornerNet() {
    const g = graph();
    g.input([16, 16, 1]).conv2d({ filters: 1, kernel: [3, 3], padding: 'same', activation: 'relu' }, { name: 'conv' }).globalAvgPool2d({}, { name: 'gap' }).dense({ units: 2, activation: 'softmax' }, { name: 'out' });
    const { model } = build(g.doc);
    model.getLayer('conv').setWeights([tf.fill([3, 3, 1, 1], 1 / 9), tf.zeros([1])]);
    model.getLayer('out').setWeights([tf.tensor2d([[1, -1]]), tf.zeros([2])]);
    return model;
  }
  /** A bright 5×5 patch in the top-left corner, faint noise elsewhere. */
  function cornerImage() {
    const r = rng(9);
    const pixels = new Float32Array(256);
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) pixels[y * 16 + x] = y < 5 && x < 5 ? 0.9 + 0.1 * r() : 0.02 * r();
    return { pixels, shape: [16, 16, 1] as [number, number, number] };
  }

  it('lights the corner where the evidence for the class sits, and equals ReLU(α·A) computed by hand', () => {
    const model = cornerNet();
    const img = cornerImage();
    expect(lastSpatialLayer(model)).toBe('conv');
    const r = gradCam(tf, model, img, 0);
    expect(r.layer).toBe('conv');
    // Independent: A = relu(conv2d(x, 1/9)), α = w_0 / (16·16) = 1/256, cam = relu(α·A).
    const A = tf.relu(tf.conv2d(tf.tensor4d(img.pixels, [1, 16, 16, 1]), tf.fill([3, 3, 1, 1], 1 / 9) as tf.Tensor4D, 1, 'same')).dataSync();
    expect(r.weights[0]).toBeCloseTo(1 / 256, 6);
    for (let i = 0; i < 256; i++) expect(r.cam.data[i]).toBeCloseTo(A[i] / 256, 6);
    // Quadrant means of the displayed (input-sized, [0, 1]) map.
    const q = (y0: number, x0: number) => {
      let s = 0;
      for (let y = y0; y < y0 + 8; y++) for (let x = x0; x < x0 + 8; x++) s += r.map[y * 16 + x];
      return s / 64;
    };
    expect(q(0, 0)).toBeGreaterThan(0.3);
    for (const [y, x] of [[0, 8], [8, 0], [8, 8]]) expect(q(y, x)).toBeLessThan(0.05);
    let arg = 0;
    for (let i = 1; i < 256; i++) if (r.map[i] > r.map[arg]) arg = i;
    expect(Math.floor(arg / 16)).toBeLessThan(5);
    expect(arg % 16).toBeLessThan(5);
  });

  it('shows nothing for the class the corner is evidence against (negative weights are cut by the ReLU)', () => {
    const r = gradCam(tf, cornerNet(), cornerImage(), 1);
    expect(r.weights[0]).toBeCloseTo(-1 / 256, 6);
    expect(Math.max(...r.map)).toBe(0);
  });

  it('differentiates through a residual merge: α equals a finite-difference estimate', () => {
    const g = graph();
    const x = g.input([6, 6, 2]);
    const a = x.conv2d({ filters: 3, kernel: [3, 3], padding: 'same', activation: 'tanh' }, { name: 'a' });
    const b = a.conv2d({ filters: 3, kernel: [3, 3], padding: 'same', activation: 'tanh' }, { name: 'b' });
    g.add(a, b).globalAvgPool2d().dense({ units: 2 }, { name: 'out' });
    const { model } = build(g.doc, 21);
    const img = randomImage([6, 6, 2], 4);
    const r = gradCam(tf, model, img, 1, 'a');
    // Reference: perturb all of channel k of 'a' by ε (through a wrapper that adds it), central difference / (6·6).
    const score = (k: number, eps: number) =>
      tf.tidy(() => {
        const inp = tf.input({ shape: [6, 6, 2] });
        void inp;
        const xs = tf.tensor4d(img.pixels, [1, 6, 6, 2]);
        const A = tf.tanh(tf.add(tf.conv2d(xs, model.getLayer('a').getWeights()[0] as tf.Tensor4D, 1, 'same'), model.getLayer('a').getWeights()[1]));
        const Ap = tf.add(A, tf.oneHot(tf.tensor1d([k], 'int32'), 3).reshape([1, 1, 1, 3]).mul(eps));
        const B = tf.tanh(tf.add(tf.conv2d(Ap as tf.Tensor4D, model.getLayer('b').getWeights()[0] as tf.Tensor4D, 1, 'same'), model.getLayer('b').getWeights()[1]));
        const pooled = tf.mean(tf.add(Ap, B), [1, 2]);
        const [W, bias] = model.getLayer('out').getWeights();
        return tf.add(tf.matMul(pooled, W), bias).dataSync()[1];
      });
    for (let k = 0; k < 3; k++) {
      const eps = 1e-2;
      const fd = (score(k, eps) - score(k, -eps)) / (2 * eps) / 36;
      expect(r.weights[k]).toBeCloseTo(fd, 4);
    }
  });
});

describe('feature maps equal tf.conv2d of the image with the layer weights', () => {
  it('first conv (valid, relu), second conv after pooling (stride 2, same), and a dilated conv', () => {
    const g = graph();
    g.input([28, 28, 1])
      .conv2d({ filters: 8, kernel: [3, 3], padding: 'valid', activation: 'relu' }, { name: 'c1' })
      .maxPool2d({ pool: [2, 2], stride: [2, 2] }, { name: 'p1' })
      .conv2d({ filters: 6, kernel: [3, 3], stride: [2, 2], padding: 'same', activation: 'relu' }, { name: 'c2' })
      .conv2d({ filters: 4, kernel: [3, 3], padding: 'same', dilation: [2, 2] }, { name: 'c3' })
      .flatten()
      .dense({ units: 10, activation: 'softmax' });
    const { model } = build(g.doc, 7);
    const img = randomImage([28, 28, 1], 8);
    const x = tf.tensor4d(img.pixels, [1, 28, 28, 1]);
    const w = (n: string) => model.getLayer(n).getWeights() as [tf.Tensor4D, tf.Tensor1D];
    const r1 = tf.relu(tf.add(tf.conv2d(x, w('c1')[0], 1, 'valid'), w('c1')[1]));
    const r2 = tf.relu(tf.add(tf.conv2d(tf.maxPool(r1 as tf.Tensor4D, 2, 2, 'valid'), w('c2')[0], 2, 'same'), w('c2')[1]));
    const r3 = tf.add(tf.conv2d(r2 as tf.Tensor4D, w('c3')[0], 1, 'same', 'NHWC', 2), w('c3')[1]);
    for (const [name, ref, shape] of [['c1', r1, [26, 26, 8]], ['c2', r2, [7, 7, 6]], ['c3', r3, [7, 7, 4]]] as const) {
      const fm = featureMaps(tf, model, name, img);
      expect([fm.height, fm.width, fm.channels]).toEqual(shape);
      const want = ref.dataSync();
      let maxErr = 0;
      for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(fm.data[i] - want[i]));
      expect(maxErr).toBeLessThan(1e-5);
    }
  });

  it('filters are the kernel, regrouped per output filter', () => {
    const g = graph();
    g.input([8, 8, 3]).conv2d({ filters: 5, kernel: [3, 2] }, { name: 'c' });
    const { model } = build(g.doc, 2);
    const k = model.getLayer('c').getWeights()[0].arraySync() as number[][][][];
    const b = convFilters(model, 'c');
    expect([b.kernelHeight, b.kernelWidth, b.inChannels, b.count]).toEqual([3, 2, 3, 5]);
    for (let f = 0; f < 5; f++) for (let y = 0; y < 3; y++) for (let x = 0; x < 2; x++) for (let c = 0; c < 3; c++) expect(b.data[((f * 3 + y) * 2 + x) * 3 + c]).toBe(Math.fround(k[y][x][c][f]));
  });
});

describe('the effective receptive field lies inside the theoretical one', () => {
  type Build = (g: ReturnType<typeof graph>) => void;
  // Linear activations and average pooling: with random weights every pixel
  // of the theoretical field then has a non-zero gradient (ReLU and max
  // pooling can zero some, so those nets check only the outside).
  const nets: { name: string; size: [number, number, number]; layer: string; dense: boolean; make: Build }[] = [
    {
      name: 'dilated (1, 2, 4), same padding',
      size: [24, 24, 1], layer: 'd3', dense: true,
      make: (g) => g.input([24, 24, 1]).conv2d({ filters: 3, kernel: [3, 3], padding: 'same' }).conv2d({ filters: 3, kernel: [3, 3], padding: 'same', dilation: [2, 2] }).conv2d({ filters: 2, kernel: [3, 3], padding: 'same', dilation: [4, 4] }, { name: 'd3' }) && undefined,
    },
    {
      name: 'strided (2, 2, 1), valid',
      size: [31, 31, 2], layer: 's3', dense: true,
      make: (g) => g.input([31, 31, 2]).conv2d({ filters: 3, kernel: [3, 3], stride: [2, 2] }).conv2d({ filters: 3, kernel: [3, 3], stride: [2, 2] }).conv2d({ filters: 2, kernel: [3, 3] }, { name: 's3' }) && undefined,
    },
    {
      name: 'conv 5×5 stride 2 same + avg pool 2 + conv 3×3 same',
      size: [20, 20, 3], layer: 'c2', dense: true,
      make: (g) => g.input([20, 20, 3]).conv2d({ filters: 4, kernel: [5, 5], stride: [2, 2], padding: 'same' }).avgPool2d({ pool: [2, 2], stride: [2, 2] }).conv2d({ filters: 2, kernel: [3, 3], padding: 'same' }, { name: 'c2' }) && undefined,
    },
    {
      name: 'residual block (conv, two convs + skip, Add) then a stride-2 conv',
      size: [21, 21, 1], layer: 'after', dense: true,
      make: (g) => {
        const a = g.input([21, 21, 1]).conv2d({ filters: 3, kernel: [3, 3], padding: 'same' });
        const b = a.conv2d({ filters: 3, kernel: [3, 3], padding: 'same' }).conv2d({ filters: 3, kernel: [3, 3], padding: 'same' });
        g.add(a, b).conv2d({ filters: 2, kernel: [3, 3], stride: [2, 2] }, { name: 'after' });
      },
    },
    {
      name: 'relu + max pool (zero outside only)',
      size: [20, 20, 1], layer: 'c3', dense: false,
      make: (g) => g.input([20, 20, 1]).conv2d({ filters: 4, kernel: [3, 3], activation: 'relu' }).maxPool2d({ pool: [2, 2], stride: [2, 2] }).conv2d({ filters: 4, kernel: [3, 3], padding: 'same', dilation: [2, 2], activation: 'relu' }, { name: 'c3' }) && undefined,
    },
  ];

  for (const net of nets) {
    it(net.name, () => {
      const g = graph();
      net.make(g);
      const { model, analysis } = build(g.doc, 31);
      const node = analysis.nodes[nodeNamed(analysis, net.layer)];
      const [oh, ow] = node.outputShape!;
      const rf = node.receptiveField!;
      const [h, w] = net.size;
      const img = randomImage(net.size, 17);
      // Centre, corners and an edge unit (whose field spills into the padding).
      const units = [[Math.floor(oh / 2), Math.floor(ow / 2)], [0, 0], [oh - 1, ow - 1], [0, Math.floor(ow / 2)]];
      let checked = 0;
      for (const [row, col] of units) {
        const e = effectiveRf(tf, model, net.layer, { row, col, channel: 1 }, img);
        const box = clipBox(theoreticalBox(rf, row, col)!, h, w);
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const inside = !!box && y >= box.top && y <= box.bottom && x >= box.left && x <= box.right;
            const v = e.map[y * w + x];
            if (!inside) expect(v, `unit (${row},${col}) pixel (${y},${x}) outside ${JSON.stringify(box)}`).toBe(0);
            else if (net.dense) expect(v, `unit (${row},${col}) pixel (${y},${x}) inside ${JSON.stringify(box)}`).toBeGreaterThan(0);
            checked++;
          }
        if (net.dense) expect(e.nonZeroBox).toEqual(box);
      }
      expect(checked).toBe(units.length * h * w);
    });
  }
});
