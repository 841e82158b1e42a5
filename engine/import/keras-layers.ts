/**
 * Keras layer configs (as in a Keras `model.to_json()` or a TF.js Layers
 * model.json: snake_case keys) → our layer types and parameters. One entry
 * per Keras class; anything else is refused with the class named. A config
 * option we cannot represent faithfully (channels_first, causal padding,
 * groups, a ReLU threshold…) is refused too rather than silently changed.
 */
import { ACTIVATIONS } from '../layers/shared';

/** A Keras layer config; keys as Keras writes them. */
export type KerasConfig = Record<string, unknown>;

/** Our node for one Keras layer: type key and the parameters it sets. */
export interface Converted {
  type: string;
  params: Record<string, unknown>;
}

/** Thrown with a message naming the layer's config option at fault. */
export class UnsupportedOption extends Error {}

const pair = (v: unknown, what: string): [number, number] => {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return [v[0], v[0]];
  throw new UnsupportedOption(`${what} ${JSON.stringify(v)} is not one number or a pair`);
};

const paddingOf = (c: KerasConfig): 'same' | 'valid' => {
  const p = c.padding ?? 'valid';
  if (p !== 'same' && p !== 'valid') throw new UnsupportedOption(`padding '${String(p)}' (only 'same' and 'valid')`);
  return p;
};

function channelsLast(c: KerasConfig): void {
  if (c.data_format != null && c.data_format !== 'channels_last') throw new UnsupportedOption(`data_format '${String(c.data_format)}' (only channels_last)`);
}

/** A Keras activation name (or serialised activation object) → ours. */
export function activationOf(v: unknown): string {
  let name: unknown = v ?? 'linear';
  if (name && typeof name === 'object') name = (name as { class_name?: unknown; config?: { name?: unknown } }).config?.name ?? (name as { class_name?: unknown }).class_name;
  if (typeof name !== 'string') throw new UnsupportedOption(`activation ${JSON.stringify(v)}`);
  const n = name.toLowerCase() === 'silu' ? 'swish' : name.toLowerCase();
  if (!(ACTIVATIONS as readonly string[]).includes(n)) throw new UnsupportedOption(`activation '${name}' (supported: ${ACTIVATIONS.join(', ')})`);
  return n;
}

function noDilation(c: KerasConfig): void {
  const d = pair(c.dilation_rate ?? 1, 'dilation_rate');
  if (d[0] !== 1 || d[1] !== 1) throw new UnsupportedOption(`dilation_rate ${JSON.stringify(c.dilation_rate)} on this layer type`);
}

function lastAxis(c: KerasConfig, key = 'axis'): void {
  const a = c[key];
  const ok = a == null || a === -1 || a === 3 || (Array.isArray(a) && a.length === 1 && (a[0] === -1 || a[0] === 3));
  if (!ok) throw new UnsupportedOption(`${key} ${JSON.stringify(a)} (only the channel axis, -1)`);
}

const conv = (c: KerasConfig) => {
  channelsLast(c);
  if (c.groups != null && c.groups !== 1) throw new UnsupportedOption(`groups ${String(c.groups)}`);
  return {
    filters: c.filters,
    kernel: pair(c.kernel_size, 'kernel_size'),
    stride: pair(c.strides ?? 1, 'strides'),
    padding: paddingOf(c),
    useBias: c.use_bias ?? true,
    activation: activationOf(c.activation),
  };
};

const pool = (c: KerasConfig) => {
  channelsLast(c);
  const k = pair(c.pool_size ?? 2, 'pool_size');
  return { pool: k, stride: c.strides == null ? [0, 0] : pair(c.strides, 'strides'), padding: paddingOf(c) };
};

const globalPool = (type: string) => (c: KerasConfig): Converted => {
  channelsLast(c);
  if (c.keepdims) throw new UnsupportedOption('keepdims true');
  return { type, params: {} };
};

/** The converters, by Keras class name. */
export const KERAS_LAYERS: Record<string, (c: KerasConfig) => Converted> = {
  InputLayer: (c) => {
    const shape = (c.batch_input_shape ?? c.batch_shape) as unknown[] | undefined;
    if (!Array.isArray(shape)) throw new UnsupportedOption('an input without batch_input_shape');
    return { type: 'input', params: { shape: inputShape(shape) } };
  },
  Conv2D: (c) => ({ type: 'conv2d', params: { ...conv(c), dilation: pair(c.dilation_rate ?? 1, 'dilation_rate') } }),
  DepthwiseConv2D: (c) => {
    channelsLast(c);
    noDilation(c);
    return {
      type: 'depthwise-conv2d',
      params: { kernel: pair(c.kernel_size, 'kernel_size'), stride: pair(c.strides ?? 1, 'strides'), padding: paddingOf(c), depthMultiplier: c.depth_multiplier ?? 1, useBias: c.use_bias ?? true, activation: activationOf(c.activation) },
    };
  },
  SeparableConv2D: (c) => ({ type: 'separable-conv2d', params: { ...conv(c), dilation: pair(c.dilation_rate ?? 1, 'dilation_rate'), depthMultiplier: c.depth_multiplier ?? 1 } }),
  Conv2DTranspose: (c) => {
    noDilation(c);
    if (c.output_padding != null) throw new UnsupportedOption(`output_padding ${JSON.stringify(c.output_padding)}`);
    return { type: 'conv2d-transpose', params: conv(c) };
  },
  MaxPooling2D: (c) => ({ type: 'max-pool2d', params: pool(c) }),
  MaxPool2D: (c) => ({ type: 'max-pool2d', params: pool(c) }),
  AveragePooling2D: (c) => ({ type: 'avg-pool2d', params: pool(c) }),
  AvgPool2D: (c) => ({ type: 'avg-pool2d', params: pool(c) }),
  GlobalAveragePooling2D: globalPool('global-avg-pool2d'),
  GlobalAvgPool2D: globalPool('global-avg-pool2d'),
  GlobalMaxPooling2D: globalPool('global-max-pool2d'),
  GlobalMaxPool2D: globalPool('global-max-pool2d'),
  BatchNormalization: (c) => {
    lastAxis(c);
    return { type: 'batch-norm', params: { momentum: c.momentum ?? 0.99, epsilon: c.epsilon ?? 0.001, center: c.center ?? true, scale: c.scale ?? true } };
  },
  ReLU: (c) => {
    if (c.threshold != null && c.threshold !== 0) throw new UnsupportedOption(`threshold ${String(c.threshold)}`);
    if (c.negative_slope != null && c.negative_slope !== 0) throw new UnsupportedOption(`negative_slope ${String(c.negative_slope)} (use LeakyReLU)`);
    return { type: 'relu', params: { maxValue: typeof c.max_value === 'number' ? c.max_value : 0 } };
  },
  LeakyReLU: (c) => ({ type: 'leaky-relu', params: { alpha: c.alpha ?? c.negative_slope ?? 0.3 } }),
  ELU: (c) => {
    if (c.alpha != null && c.alpha !== 1) throw new UnsupportedOption(`alpha ${String(c.alpha)} (only 1)`);
    return { type: 'elu', params: {} };
  },
  Softmax: (c) => {
    lastAxis(c);
    return { type: 'softmax', params: {} };
  },
  Activation: (c) => {
    const fn = activationOf(c.activation);
    // Our dedicated layers build exactly these Keras layers.
    if (fn === 'sigmoid' || fn === 'tanh') return { type: fn, params: {} };
    if (fn === 'linear') throw new UnsupportedOption("activation 'linear' (it does nothing: remove the layer)");
    return { type: 'activation', params: { activation: fn } };
  },
  Dropout: (c) => ({ type: 'dropout', params: { rate: c.rate ?? 0.5 } }),
  Flatten: (c) => {
    channelsLast(c);
    return { type: 'flatten', params: {} };
  },
  Reshape: (c) => ({ type: 'reshape', params: { targetShape: c.target_shape } }),
  ZeroPadding2D: (c) => {
    channelsLast(c);
    const p = c.padding ?? 1;
    let t: number, b: number, l: number, r: number;
    if (typeof p === 'number') t = b = l = r = p;
    else if (Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === 'number')) [t, b, l, r] = [p[0], p[0], p[1], p[1]];
    else if (Array.isArray(p) && p.length === 2 && p.every((x) => Array.isArray(x) && x.length === 2)) [[t, b], [l, r]] = p as [[number, number], [number, number]];
    else throw new UnsupportedOption(`padding ${JSON.stringify(p)}`);
    return { type: 'zero-padding2d', params: { top: t, bottom: b, left: l, right: r } };
  },
  UpSampling2D: (c) => {
    channelsLast(c);
    const interpolation = c.interpolation ?? 'nearest';
    if (interpolation !== 'nearest' && interpolation !== 'bilinear') throw new UnsupportedOption(`interpolation '${String(interpolation)}'`);
    return { type: 'upsampling2d', params: { size: pair(c.size ?? 2, 'size'), interpolation } };
  },
  Dense: (c) => ({ type: 'dense', params: { units: c.units, useBias: c.use_bias ?? true, activation: activationOf(c.activation) } }),
  Add: () => ({ type: 'add', params: {} }),
  Concatenate: (c) => {
    lastAxis(c);
    return { type: 'concatenate', params: {} };
  },
  Rescaling: (c) => {
    if (typeof c.scale !== 'number' || (c.offset != null && typeof c.offset !== 'number')) throw new UnsupportedOption(`per-channel scale/offset ${JSON.stringify([c.scale, c.offset])}`);
    return { type: 'rescaling', params: { scale: c.scale, offset: c.offset ?? 0 } };
  },
};

/** [null, H, W, C] → [H, W, C], refusing unknown sizes. */
export function inputShape(batchShape: readonly unknown[]): number[] {
  const s = batchShape.slice(1);
  if (s.length < 1 || s.length > 3 || s.some((d) => typeof d !== 'number' || d < 1))
    throw new UnsupportedOption(`input shape ${JSON.stringify(batchShape)}: every size after the batch axis must be known (1 to 3 axes)`);
  return s as number[];
}
