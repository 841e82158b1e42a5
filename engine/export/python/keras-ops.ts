/** Small helpers for the layer files' `keras` hooks. */
import type { CodeLayer } from '../../layers/export-types';
import { py } from './literals';

/** `activation=` value: None for linear, else the Keras name. */
export const kerasAct = (p: Record<string, unknown>) => (p.activation === 'linear' ? 'None' : py(p.activation));

/** Pool strides with 0 meaning "the pool size" written out. */
export function kerasPoolStride(l: CodeLayer): string {
  const k = l.p.pool as number[];
  const s = l.p.stride as number[];
  return py([s[0] || k[0], s[1] || k[1]]);
}
