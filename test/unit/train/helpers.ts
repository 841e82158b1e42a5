/**
 * Test stand-ins: a tiny tf model built directly with tf.layers (not through
 * build-model) and a small synthetic image set, so the trainer is tested on
 * its own.
 */
import * as tf from '@tensorflow/tfjs';
import { memorySet } from '../../../engine/train/memory-set';
import type { TrainingData } from '../../../engine/train/types';
import { graph } from '../../helpers/graph-builder';

/** Four easily separated classes on 12×12×1: bright quadrant k. */
export function quadrantData(n: number, seed = 7, size = 12): TrainingData & { pixels: Float32Array; labels: Int32Array } {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const pixels = new Float32Array(n * size * size);
  const labels = new Int32Array(n);
  const h = size / 2;
  for (let i = 0; i < n; i++) {
    const k = i % 4;
    labels[i] = k;
    const oy = k < 2 ? 0 : h;
    const ox = k % 2 === 0 ? 0 : h;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const inQ = y >= oy && y < oy + h && x >= ox && x < ox + h;
        pixels[i * size * size + y * size + x] = Math.min(1, Math.max(0, (inQ ? 0.7 : 0.2) + (rnd() - 0.5) * 0.4));
      }
  }
  const set = memorySet(pixels, labels, [size, size, 1]);
  return { name: 'quadrants', shape: [size, size, 1], classNames: ['tl', 'tr', 'bl', 'br'], train: set, test: set, pixels, labels };
}

/** conv(4, 3×3, relu) → maxpool 2 → flatten → dense(classes, softmax). */
export function tinyCnn(inputShape = [12, 12, 1], classes = 4, softmax = true): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape, filters: 4, kernelSize: 3, activation: 'relu', name: 'conv' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }));
  m.add(tf.layers.flatten({ name: 'flat' }));
  m.add(tf.layers.dense({ units: classes, activation: softmax ? 'softmax' : 'linear', name: 'out' }));
  return m;
}

/** Three shape classes at 20×20, low noise: learnable by a small CNN in seconds. */
export const SMALL_SPEC = 'builtin:shapes?size=20&classes=3&n=2000&test=300&noise=0.02';

export function smallCnn(shape: readonly number[], classes: number) {
  const g = graph();
  g.input([...shape])
    .conv2d({ filters: 8, activation: 'relu' })
    .maxPool2d()
    .conv2d({ filters: 16, activation: 'relu' })
    .maxPool2d()
    .flatten()
    .dense({ units: classes, activation: 'softmax' }, { id: 'head', name: 'head' });
  return g.doc;
}

