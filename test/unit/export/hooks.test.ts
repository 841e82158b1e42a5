/** Every layer type says how it is written in each export format (its LayerDef hooks). */
import { describe, expect, it } from 'vitest';
import { LAYER_DEFS } from '../../../engine/layers';

describe('export hooks in the catalog', () => {
  it.each(LAYER_DEFS.map((d) => [d.type, d] as const))('%s has onnx, keras and pytorch', (_t, def) => {
    expect(typeof def.onnx).toBe('function');
    expect(typeof def.keras).toBe('function');
    expect(typeof def.pytorch).toBe('function');
  });
});
