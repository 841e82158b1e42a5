/**
 * Feature maps: a layer's output for one image, every channel a 2-D map.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { inputTensor, type InspectImage } from './input';
import { layerByName, runGraph } from './run-graph';
import { InspectError, type MapStack } from './types';

type TF = typeof tfjs;

/**
 * The output of layer `layerName` for `image`, as a stack of maps. A layer
 * whose output is a vector (Dense, Flatten, global pooling) comes back as a
 * 1 × n stack of n channels, each a single value.
 */
export function featureMaps(tf: TF, model: tfjs.LayersModel, layerName: string, image: InspectImage): MapStack {
  layerByName(model, layerName);
  const out = tf.tidy(() => runGraph(tf, model, inputTensor(tf, model, image), { until: layerName }));
  try {
    const s = out.shape;
    const data = out.dataSync() as Float32Array;
    if (s.length === 4) return { height: s[1], width: s[2], channels: s[3], data: Float32Array.from(data) };
    if (s.length === 2) return { height: 1, width: 1, channels: s[1], data: Float32Array.from(data) };
    throw new InspectError(`layer '${layerName}' outputs a ${s.slice(1).join('×')} tensor, which cannot be shown as feature maps`, 'layer');
  } finally {
    out.dispose();
  }
}
