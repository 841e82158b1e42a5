/**
 * Backend choice: best available first (tensorflow > wasm > cpu), forcing by
 * option or CNN_BACKEND, clear errors for unavailable or unknown backends.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { backendInfo, initBackend, parseBackendName } from '../../../engine/backend';

const tfjsNodeInstalled = await import(/* @vite-ignore */ '@tensorflow/tfjs-node'.toString()).then(() => true, () => false);

afterEach(() => {
  delete process.env.CNN_BACKEND;
});

describe('initBackend', () => {
  it('picks the best backend that loads and says why not a better one', async () => {
    const info = await initBackend();
    expect(tf.getBackend()).toBe(info.name);
    if (tfjsNodeInstalled) {
      expect(info.name).toBe('tensorflow');
    } else {
      expect(info.name).toBe('wasm');
      expect(info.reason).toMatch(/^tensorflow: .*tfjs-node/);
      expect(info.simd).toBe(true);
      expect(info.threads).toBe(1);
      expect(info.kernels).toEqual(expect.arrayContaining(['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'Conv2DBackpropInput']));
    }
    expect(backendInfo()).toBe(info);
  });

  it('forces a backend by option', async () => {
    const info = await initBackend({ prefer: 'cpu' });
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.reason).toBe('requested');
    const w = await initBackend({ prefer: 'wasm' });
    expect(w.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('forces a backend by CNN_BACKEND', async () => {
    process.env.CNN_BACKEND = 'CPU';
    const info = await initBackend();
    expect(info.name).toBe('cpu');
    expect(info.reason).toBe('forced by CNN_BACKEND');
  });

  it.skipIf(tfjsNodeInstalled)('rejects a forced backend that is not installed, naming the fix', async () => {
    await expect(initBackend({ prefer: 'tensorflow' })).rejects.toThrow(/backend 'tensorflow' \(requested\) is unavailable: .*install @tensorflow\/tfjs-node/);
    process.env.CNN_BACKEND = 'tensorflow';
    await expect(initBackend()).rejects.toThrow(/forced by CNN_BACKEND/);
  });

  it('rejects an unknown backend name with the valid ones', async () => {
    process.env.CNN_BACKEND = 'gpu';
    await expect(initBackend()).rejects.toThrow("unknown backend 'gpu': use one of tensorflow, wasm, cpu");
    expect(() => parseBackendName('webgl')).toThrow(/use one of tensorflow, wasm, cpu/);
    expect(parseBackendName(' WASM ')).toBe('wasm');
    expect(parseBackendName('tfjs-node')).toBe('tensorflow');
    expect(parseBackendName('')).toBeUndefined();
  });

  it('rejects a bad CNN_WASM_THREADS', async () => {
    process.env.CNN_WASM_THREADS = 'many';
    try {
      await expect(initBackend({ prefer: 'wasm' })).rejects.toThrow(/CNN_WASM_THREADS must be a whole number ≥ 1; got 'many'/);
    } finally {
      delete process.env.CNN_WASM_THREADS;
    }
  });
});
