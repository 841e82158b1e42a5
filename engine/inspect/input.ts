/**
 * The image a view looks at, as the network's input tensor. Pixels are HWC
 * floats in [0, 1] (what the data module's `sample` and the predictor's
 * `decodeImage` give); an image of another size or channel count is resized
 * and converted the way training adapts data (bilinear, 1↔3 channels).
 */
import type * as tfjs from '@tensorflow/tfjs';
import { toInputTensor } from '../train/adapt';
import { modelInputShape } from './run-graph';
import { InspectError } from './types';

type TF = typeof tfjs;

/** An image: HWC floats in [0, 1]. */
export interface InspectImage {
  pixels: Float32Array;
  shape: readonly [number, number, number];
}

/** The image as a [1, h, w, c] tensor of the model's input size. Caller disposes. */
export function inputTensor(tf: TF, model: tfjs.LayersModel, img: InspectImage): tfjs.Tensor4D {
  const to = modelInputShape(model);
  const [h, w, c] = img.shape;
  if (img.pixels.length !== h * w * c)
    throw new InspectError(`the image has ${img.pixels.length} values but its shape ${h}×${w}×${c} needs ${h * w * c}`, 'image');
  if (c !== to[2] && !((c === 1 && to[2] === 3) || (c === 3 && to[2] === 1)))
    throw new InspectError(`the image has ${c} channels and the network's Input ${to[2]}; only grey↔colour (1↔3) can be converted`, 'image');
  return toInputTensor(tf, img.pixels, [h, w, c], to);
}

/** The image at the model's input size, as pixels (for drawing under overlays). */
export function inputPixels(tf: TF, model: tfjs.LayersModel, img: InspectImage): InspectImage {
  const t = inputTensor(tf, model, img);
  try {
    const [, h, w, c] = t.shape;
    return { pixels: t.dataSync() as Float32Array, shape: [h, w, c] };
  } finally {
    t.dispose();
  }
}
