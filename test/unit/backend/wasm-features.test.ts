import { describe, expect, it } from 'vitest';
import { relaxedSimd } from '../../../engine/backend/wasm-features';

describe('relaxedSimd', () => {
  it('is available on the Node this project runs on (V8 ≥ 11.3), and a relaxed_madd module then computes a·b + c', () => {
    expect(relaxedSimd()).toBe(true);
    // (func (export "f") (param f32 f32 f32) (result f32)
    //   (f32x4.extract_lane 0 (f32x4.relaxed_madd (f32x4.splat a) (f32x4.splat b) (f32x4.splat c))))
    const bytes = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0,
      1, 8, 1, 96, 3, 125, 125, 125, 1, 125,
      3, 2, 1, 0,
      7, 5, 1, 1, 102, 0, 0,
      10, 22, 1, 20, 0, 32, 0, 253, 19, 32, 1, 253, 19, 32, 2, 253, 19, 253, 133, 2, 253, 31, 0, 11,
    ]);
    const f = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f as (a: number, b: number, c: number) => number;
    expect(f(3, 4, 5)).toBe(17);
    expect(f(0.5, -2, 0.25)).toBe(-0.75);
  });
});
