/**
 * The layer catalog. To add a layer type: write one file in this folder that
 * exports `defineLayer({...})`, import it here and add it to LAYER_DEFS.
 * Everything else (palette, inspector, analysis, builder, exports) reads it.
 */
import { add } from './add';
import { conv2d } from './conv2d';
import { dense } from './dense';
import { input } from './input';
import type { AnyLayerDef } from './types';

export const LAYER_DEFS = [input, conv2d, dense, add] as const satisfies readonly AnyLayerDef[];

export type LayerType = (typeof LAYER_DEFS)[number]['type'];

const BY_TYPE = new Map<string, AnyLayerDef>(LAYER_DEFS.map((d) => [d.type, d]));

/** The definition for a type key, or undefined for an unknown type. */
export function getLayerDef(type: string): AnyLayerDef | undefined {
  return BY_TYPE.get(type);
}

export * from './types';
export * from './params';
export { defineLayer, defaultParams, resolveParams } from './define-layer';
