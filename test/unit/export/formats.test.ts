/** The array transpose behind every layout change, and the .npz writer read back by numpy. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { weightsNpz } from '../../../engine/export';
import { crc32 } from '../../../engine/export/npz';
import { transposeArray } from '../../../engine/export/weights';
import { rng } from './helpers';

const dir = mkdtempSync(path.join(tmpdir(), 'cnnd-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Element at multi-index `idx` of a C-order array. */
const at = (data: Float32Array, shape: number[], idx: number[]) => data[idx.reduce((o, v, i) => o * shape[i] + v, 0)];

describe('transposeArray', () => {
  it.each([
    [[3, 4], [1, 0]],
    [[2, 3, 4], [2, 0, 1]],
    [[3, 2, 5, 4], [3, 2, 0, 1]],
    [[2, 3, 4, 5], [2, 3, 0, 1]],
    [[1, 2, 3, 2, 2], [4, 0, 3, 1, 2]],
  ])('shape %j perm %j equals the definition out[i] = in[i permuted back]', (shape, perm) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, (_, i) => i);
    const t = transposeArray(data, shape, perm);
    expect(t.shape).toEqual(perm.map((p) => shape[p]));
    const idx = new Array(shape.length).fill(0);
    for (let o = 0; o < n; o++) {
      const src = new Array(shape.length);
      perm.forEach((p, k) => (src[p] = idx[k]));
      expect(t.data[o]).toBe(at(data, shape, src));
      for (let k = shape.length - 1; k >= 0; k--) {
        if (++idx[k] < t.shape[k]) break;
        idx[k] = 0;
      }
    }
  });
});

describe('npz', () => {
  it('crc32 of "123456789" is the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  const py = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0 ? 'python3' : '/usr/bin/python3';
  it.skipIf(spawnSync(py, ['-c', 'import numpy'], { stdio: 'ignore' }).status !== 0)('numpy reads names, shapes and values', () => {
    const r = rng(3);
    const arrays = [
      { layer: 'conv/1', name: 'kernel', shape: [3, 3, 2, 4] },
      { layer: 'conv/1', name: 'bias', shape: [4] },
      { layer: 'dense', name: 'kernel', shape: [7, 1] },
      { layer: 'scalar-ish', name: 'gamma', shape: [1] },
    ].map((a) => ({ ...a, data: Float32Array.from({ length: a.shape.reduce((x, y) => x * y, 1) }, () => r() - 0.5) }));
    const weights = new Map<string, { name: string; shape: number[]; data: Float32Array }[]>();
    for (const a of arrays) weights.set(a.layer, [...(weights.get(a.layer) ?? []), { name: a.name, shape: a.shape, data: a.data }]);
    const f = path.join(dir, 'w.npz');
    writeFileSync(f, weightsNpz(weights));
    const out = execFileSync(py, ['-c', `import numpy as np, json; d = np.load(${JSON.stringify(f)}); print(json.dumps({k: [list(d[k].shape), str(d[k].dtype), [float(x) for x in d[k].ravel()]] for k in d.files}))`], { encoding: 'utf8' });
    const got = JSON.parse(out);
    for (const a of arrays) {
      const [shape, dtype, values] = got[`${a.layer}/${a.name}`];
      expect(shape).toEqual(a.shape);
      expect(dtype).toBe('float32');
      expect(values).toEqual(Array.from(a.data));
    }
    expect(Object.keys(got).length).toBe(arrays.length);
  });
});
