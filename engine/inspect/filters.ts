/**
 * A convolution's filters as data: the kernel [kh, kw, in, out] of a conv
 * layer (Conv2D, DepthwiseConv2D: [kh, kw, in, multiplier], SeparableConv2D:
 * its depthwise kernel, Conv2DTranspose: [kh, kw, out, in]).
 */
import type * as tfjs from '@tensorflow/tfjs';
import { layerByName } from './run-graph';
import { InspectError } from './types';

/** A layer's filters: `count` filters of kh × kw × inChannels weights. */
export interface FilterBank {
  layer: string;
  kernelHeight: number;
  kernelWidth: number;
  inChannels: number;
  count: number;
  /**
   * Weights, filter-major: filter f's value at (y, x, channel c) is
   * `data[((f·kh + y)·kw + x)·inChannels + c]`.
   */
  data: Float32Array;
}

/** The filters of conv layer `layerName`, or an InspectError naming what the layer is. */
export function convFilters(model: tfjs.LayersModel, layerName: string): FilterBank {
  const layer = layerByName(model, layerName);
  const cls = layer.getClassName();
  const kernel = layer.getWeights()[0];
  if (!/Conv/.test(cls) || !kernel || kernel.shape.length !== 4)
    throw new InspectError(`layer '${layerName}' (${cls}) has no convolution filters; choose a Conv2D layer`, 'layer');
  const [kh, kw, a, b] = kernel.shape as [number, number, number, number];
  const w = kernel.dataSync() as Float32Array;
  // Conv2DTranspose stores [kh, kw, out, in]; the other convolutions [kh, kw, in, out].
  const transposed = cls === 'Conv2DTranspose';
  const inCh = transposed ? b : a;
  const count = transposed ? a : b;
  const data = new Float32Array(count * kh * kw * inCh);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < a; i++)
        for (let o = 0; o < b; o++) {
          const v = w[((y * kw + x) * a + i) * b + o];
          const f = transposed ? i : o;
          const c = transposed ? o : i;
          data[((f * kh + y) * kw + x) * inCh + c] = v;
        }
  return { layer: layerName, kernelHeight: kh, kernelWidth: kw, inChannels: inCh, count, data };
}

/** The first convolution of the model (in its layer order), or null. */
export function firstConvLayer(model: tfjs.LayersModel): string | null {
  for (const l of model.layers) if (/Conv/.test(l.getClassName()) && l.getWeights().length > 0) return l.name;
  return null;
}
