/**
 * The layer catalog. To add a layer type: write one file in this folder that
 * exports `defineLayer({...})`, import it here and add it to LAYER_DEFS.
 * Everything else (palette, inspector, analysis, builder, exports) reads it.
 */
import { activation } from './activation';
import { add } from './add';
import { avgPool2d } from './avg-pool2d';
import { batchNorm } from './batch-norm';
import { concatenate } from './concatenate';
import { conv2d } from './conv2d';
import { conv2dTranspose } from './conv2d-transpose';
import { dense } from './dense';
import { depthwiseConv2d } from './depthwise-conv2d';
import { dropout } from './dropout';
import { elu } from './elu';
import { flatten } from './flatten';
import { globalAvgPool2d } from './global-avg-pool2d';
import { globalMaxPool2d } from './global-max-pool2d';
import { input } from './input';
import { leakyRelu } from './leaky-relu';
import { maxPool2d } from './max-pool2d';
import { relu } from './relu';
import { rescaling } from './rescaling';
import { reshape } from './reshape';
import { separableConv2d } from './separable-conv2d';
import { sigmoid } from './sigmoid';
import { softmax } from './softmax';
import { tanh } from './tanh';
import type { AnyLayerDef } from './types';
import { upsampling2d } from './upsampling2d';
import { zeroPadding2d } from './zero-padding2d';

/** Palette order: by category, then the most used first. */
export const LAYER_DEFS = [
  input,
  rescaling,
  conv2d,
  depthwiseConv2d,
  separableConv2d,
  conv2dTranspose,
  maxPool2d,
  avgPool2d,
  globalAvgPool2d,
  globalMaxPool2d,
  batchNorm,
  relu,
  leakyRelu,
  elu,
  sigmoid,
  tanh,
  softmax,
  activation,
  dropout,
  flatten,
  reshape,
  zeroPadding2d,
  upsampling2d,
  dense,
  add,
  concatenate,
] as const satisfies readonly AnyLayerDef[];

export type LayerType = (typeof LAYER_DEFS)[number]['type'];

const BY_TYPE = new Map<string, AnyLayerDef>(LAYER_DEFS.map((d) => [d.type, d]));

/** The definition for a type key, or undefined for an unknown type. */
export function getLayerDef(type: string): AnyLayerDef | undefined {
  return BY_TYPE.get(type);
}

export * from './types';
export * from './params';
export { defineLayer, defaultParams, resolveParams } from './define-layer';
export { registerCustomLayers, dilateKernel } from './tfjs-classes';
