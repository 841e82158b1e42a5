/**
 * The effective receptive field of one unit (Luo et al. 2016): the gradient
 * of that unit's value with respect to every input pixel. It is zero outside
 * the theoretical receptive field (the analysis' box) and usually concentrated
 * near its centre.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { ReceptiveField } from '../analysis/types';
import { rfUnitRegion } from '../analysis/receptive-field';
import { inputTensor, type InspectImage } from './input';
import { layerByName, layerOutputShape, runGraph } from './run-graph';
import { InspectError, type MapStack, type PixelBox } from './types';

type TF = typeof tfjs;

/** A unit of a layer's output: row, column (of the map) and channel. */
export interface Unit {
  row: number;
  col: number;
  channel: number;
}

/** Effective receptive field of one unit. */
export interface EffectiveRf {
  /** ∂ unit / ∂ input, input-shaped (HWC). */
  gradient: MapStack;
  /** height × width: Σ over channels of |gradient|. */
  map: Float32Array;
  /** Bounding box of the pixels whose gradient is not zero (null: none). */
  nonZeroBox: PixelBox | null;
  /** The unit's value for this image (before the layer's activation when preActivation). */
  value: number;
}

function checkUnit(shape: number[], unit: Unit, layer: string): void {
  const [h, w, c] = shape.length === 3 ? shape : [1, 1, shape[0]];
  const bad = (v: number, n: number) => !Number.isInteger(v) || v < 0 || v >= n;
  if (bad(unit.row, h) || bad(unit.col, w) || bad(unit.channel, c))
    throw new InspectError(`unit (row ${unit.row}, column ${unit.col}, channel ${unit.channel}) is outside layer '${layer}', whose output is ${h}×${w}×${c}`, 'unit');
}

/**
 * The gradient of unit `unit` of layer `layerName` with respect to the input
 * at `image`. A pixel is counted as seen when its gradient's magnitude is
 * above `eps` × the largest one (default 0: exactly non-zero). The unit is
 * taken before the layer's own activation (`preActivation`, default true):
 * a ReLU unit that is off for this image would otherwise show nothing;
 * earlier layers' activations still shape the gradient.
 */
export function effectiveRf(tf: TF, model: tfjs.LayersModel, layerName: string, unit: Unit, image: InspectImage, eps = 0, preActivation = true): EffectiveRf {
  layerByName(model, layerName);
  const shape = layerOutputShape(model, layerName);
  checkUnit(shape, unit, layerName);
  const [gradT, valT] = tf.tidy(() => {
    const x = inputTensor(tf, model, image);
    const pick = (t: tfjs.Tensor) => {
      const y = runGraph(tf, model, t, { until: layerName, preActivation });
      const begin = y.rank === 4 ? [0, unit.row, unit.col, unit.channel] : [0, unit.channel];
      return tf.sum(tf.slice(y, begin, begin.map(() => 1))) as tfjs.Scalar;
    };
    const { value, grad } = tf.valueAndGrad(pick)(x);
    return [grad, value] as const;
  });
  try {
    const [, h, w, c] = gradT.shape;
    const g = Float32Array.from(gradT.dataSync() as Float32Array);
    const map = new Float32Array(h * w);
    for (let i = 0; i < h * w; i++) {
      let s = 0;
      for (let k = 0; k < c; k++) s += Math.abs(g[i * c + k]);
      map[i] = s;
    }
    let mx = 0;
    for (const v of map) mx = Math.max(mx, v);
    const thr = eps * mx;
    let box: PixelBox | null = null;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const v = map[y * w + x];
        if (v > thr && v > 0) {
          if (!box) box = { top: y, left: x, bottom: y, right: x };
          else {
            box.top = Math.min(box.top, y);
            box.bottom = Math.max(box.bottom, y);
            box.left = Math.min(box.left, x);
            box.right = Math.max(box.right, x);
          }
        }
      }
    return { gradient: { height: h, width: w, channels: c, data: g }, map, nonZeroBox: box, value: valT.dataSync()[0] };
  } finally {
    gradT.dispose();
    valT.dispose();
  }
}

/**
 * The theoretical receptive field of the unit at (row, col) from the
 * analysis: the input pixels it can depend on, inclusive bounds in input
 * coordinates (parts may lie in the padding, outside the image). Null when
 * the unit sees no pixel (transposed-conv holes).
 */
export function theoreticalBox(rf: ReceptiveField, row: number, col: number): PixelBox | null {
  const ry = rfUnitRegion(rf, 0, row);
  const rx = rfUnitRegion(rf, 1, col);
  if (!ry || !rx) return null;
  return { top: ry[0], bottom: ry[1], left: rx[0], right: rx[1] };
}

/** A box clipped to an h × w image (null if nothing is left). */
export function clipBox(b: PixelBox, h: number, w: number): PixelBox | null {
  const c = { top: Math.max(0, Math.ceil(b.top)), left: Math.max(0, Math.ceil(b.left)), bottom: Math.min(h - 1, Math.floor(b.bottom)), right: Math.min(w - 1, Math.floor(b.right)) };
  return c.top > c.bottom || c.left > c.right ? null : c;
}
