/**
 * TF.js Layers export: model.json + weights.bin, loadable with
 * `tf.loadLayersModel` and convertible to Keras with the standard converter
 * (`tensorflowjs_converter --input_format tfjs_layers_model --output_format
 * keras`). BatchNormalization, Conv2D and SeparableConv2D are written under
 * their standard Keras class names (our corrected subclasses register them).
 */
import type * as tfjs from '@tensorflow/tfjs';
import * as path from 'node:path';
import { saveWeights } from '../train/weights';

/** Write the model to `dir`; returns the files written. */
export async function exportTfjs(tf: typeof tfjs, model: tfjs.LayersModel, dir: string): Promise<string[]> {
  await saveWeights(tf, model, dir);
  return [path.join(dir, 'model.json'), path.join(dir, 'weights.bin')];
}
