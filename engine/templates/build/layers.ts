/**
 * Typed shorthands for the layer types templates use. Each writes the layer's
 * type key and parameter names exactly as the catalog (engine/layers/*.ts)
 * declares them, and always writes the parameters that define the reference
 * architecture (so a template reads completely even if a default changes).
 */
import type { GraphBuilder, Ref } from './builder';

type Pair = readonly [number, number] | number;
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

export type Activation = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'softmax';

export interface ConvOpts {
  stride?: Pair;
  padding?: 'same' | 'valid';
  dilation?: Pair;
  useBias?: boolean;
  activation?: Activation;
  col?: number;
}

export class Layers {
  constructor(readonly g: GraphBuilder) {}

  input(shape: number[], name = 'input'): Ref {
    return this.g.layer('input', name, { shape }, [], 0);
  }

  conv(name: string, x: Ref, filters: number, kernel: Pair, o: ConvOpts = {}): Ref {
    return this.g.layer(
      'conv2d',
      name,
      {
        filters,
        kernel: pair(kernel),
        stride: pair(o.stride ?? 1),
        padding: o.padding ?? 'valid',
        dilation: pair(o.dilation ?? 1),
        useBias: o.useBias ?? true,
        activation: o.activation ?? 'linear',
      },
      x,
      o.col,
    );
  }

  depthwise(name: string, x: Ref, kernel: Pair, o: Omit<ConvOpts, 'dilation'> = {}): Ref {
    return this.g.layer(
      'depthwise-conv2d',
      name,
      { kernel: pair(kernel), stride: pair(o.stride ?? 1), padding: o.padding ?? 'valid', depthMultiplier: 1, useBias: o.useBias ?? true, activation: o.activation ?? 'linear' },
      x,
      o.col,
    );
  }

  convTranspose(name: string, x: Ref, filters: number, kernel: Pair, o: Omit<ConvOpts, 'dilation'> = {}): Ref {
    return this.g.layer(
      'conv2d-transpose',
      name,
      { filters, kernel: pair(kernel), stride: pair(o.stride ?? 1), padding: o.padding ?? 'valid', useBias: o.useBias ?? true, activation: o.activation ?? 'linear' },
      x,
      o.col,
    );
  }

  dense(name: string, x: Ref, units: number, activation: Activation = 'linear', col?: number): Ref {
    return this.g.layer('dense', name, { units, useBias: true, activation }, x, col);
  }

  batchNorm(name: string, x: Ref, epsilon: number, momentum = 0.99, col?: number): Ref {
    return this.g.layer('batch-norm', name, { epsilon, momentum }, x, col);
  }

  relu(name: string, x: Ref, maxValue?: number, col?: number): Ref {
    return this.g.layer('relu', name, maxValue === undefined ? {} : { maxValue }, x, col);
  }

  maxPool(name: string, x: Ref, pool: Pair, stride: Pair, padding: 'same' | 'valid' = 'valid', col?: number): Ref {
    return this.g.layer('max-pool2d', name, { pool: pair(pool), stride: pair(stride), padding }, x, col);
  }

  avgPool(name: string, x: Ref, pool: Pair, stride: Pair, padding: 'same' | 'valid' = 'valid', col?: number): Ref {
    return this.g.layer('avg-pool2d', name, { pool: pair(pool), stride: pair(stride), padding }, x, col);
  }

  globalAvgPool(name: string, x: Ref): Ref {
    return this.g.layer('global-avg-pool2d', name, {}, x);
  }

  /** Zeros around the image: symmetric `p`, or [[top, bottom], [left, right]]. */
  zeroPad(name: string, x: Ref, p: number | [[number, number], [number, number]], col?: number): Ref {
    const [[top, bottom], [left, right]] = typeof p === 'number' ? [[p, p], [p, p]] : p;
    return this.g.layer('zero-padding2d', name, { top, bottom, left, right }, x, col);
  }

  flatten(name: string, x: Ref): Ref {
    return this.g.layer('flatten', name, {}, x);
  }

  dropout(name: string, x: Ref, rate: number): Ref {
    return this.g.layer('dropout', name, { rate }, x);
  }

  add(name: string, xs: Ref[], col?: number): Ref {
    return this.g.layer('add', name, {}, xs, col);
  }

  concat(name: string, xs: Ref[], col?: number): Ref {
    return this.g.layer('concatenate', name, {}, xs, col);
  }

  softmax(name: string, x: Ref): Ref {
    return this.g.layer('softmax', name, {}, x);
  }
}
