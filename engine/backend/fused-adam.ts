/**
 * Adam with one fused update kernel per variable on the wasm backend.
 *
 * tf.train.adam updates each variable with about a dozen element-wise kernels
 * (mul, add, square, div, sqrt, …), each a separate pass over memory plus
 * tfjs bookkeeping: for a ResNet-20 that is over a thousand kernel calls per
 * step. Here one kernel ('CnnFusedAdam') reads w, g, m, v once and writes
 * w', m', v'. Same formula and hyper-parameters as tfjs's AdamOptimizer (it
 * is a subclass, so getConfig/serialisation and the moment variables are
 * unchanged); on other backends it is exactly tf.train.adam.
 *
 * The update runs as a wasm SIMD loop (elementwise-simd.ts, float32,
 * operation for operation tfjs's formula) where the engine has SIMD, as a
 * float64 JS loop otherwise or with CNN_WASM_ELEMENTWISE=0.
 *
 * Use: `const opt = createAdam(tf, 1e-3)` wherever `tf.train.adam(1e-3)` was.
 */
import * as tf from '@tensorflow/tfjs';
import type { WasmBackendLike } from './kernels/wasm-ops';
import { elementwiseSimdOf } from './kernels/elementwise-simd';

/** Name of the fused update kernel (registered for 'wasm'). */
export const FUSED_ADAM_KERNEL = 'CnnFusedAdam';

/** Attributes of {@link FUSED_ADAM_KERNEL}. */
interface FusedAdamAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 − beta1^t and 1 − beta2^t for this step (bias corrections). */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
}

let kernelRegistered = false;

/** Registers the fused Adam kernel for the wasm backend (idempotent). */
export function registerFusedAdamKernel(): void {
  if (kernelRegistered || tf.getKernel(FUSED_ADAM_KERNEL, 'wasm')) {
    kernelRegistered = true;
    return;
  }
  tf.registerKernel({
    kernelName: FUSED_ADAM_KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const b = backend as unknown as WasmBackendLike;
      const { w, g, m, v } = inputs as Record<string, tf.TensorInfo>;
      const a = attrs as unknown as FusedAdamAttrs;
      const wOut = b.makeOutput(w.shape, 'float32');
      const mOut = b.makeOutput(w.shape, 'float32');
      const vOut = b.makeOutput(w.shape, 'float32');
      const { beta1, beta2, epsilon, learningRate } = a;
      const c1 = 1 - beta1;
      const c2 = 1 - beta2;
      const bc1 = a.oneMinusAccBeta1;
      const bc2 = a.oneMinusAccBeta2;
      const n = w.shape.reduce((p, q) => p * q, 1);
      const simd = elementwiseSimdOf(b);
      const n4 = simd ? n - (n % 4) : 0;
      if (simd && n4 > 0) {
        const off = (t: tf.TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;
        simd.adam(off(w), off(g), off(m), off(v), off(wOut), off(mOut), off(vOut), 4 * n4, beta1, c1, beta2, c2, bc1, bc2, epsilon, -learningRate);
      }
      if (n4 === n) return [wOut, mOut, vOut];
      // Views after the allocations: growing the heap detaches older views.
      const W = b.typedArrayFromHeap(w) as Float32Array;
      const G = b.typedArrayFromHeap(g) as Float32Array;
      const M = b.typedArrayFromHeap(m) as Float32Array;
      const V = b.typedArrayFromHeap(v) as Float32Array;
      const W2 = b.typedArrayFromHeap(wOut) as Float32Array;
      const M2 = b.typedArrayFromHeap(mOut) as Float32Array;
      const V2 = b.typedArrayFromHeap(vOut) as Float32Array;
      // Double-precision arithmetic, rounded to float32 on store: differs from
      // the element-wise float32 kernels it replaces by rounding only.
      const inv1 = 1 / bc1;
      const inv2 = 1 / bc2;
      for (let i = n4; i < n; i++) {
        const gi = G[i];
        const mi = M[i] * beta1 + gi * c1;
        const vi = V[i] * beta2 + gi * gi * c2;
        M2[i] = mi;
        V2[i] = vi;
        W2[i] = W[i] - (learningRate * mi * inv1) / (Math.sqrt(vi * inv2) + epsilon);
      }
      return [wOut, mOut, vOut];
    },
  });
  kernelRegistered = true;
}

type NamedGrads = Parameters<tf.AdamOptimizer["applyGradients"]>[0];

interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

/** tf.train.adam whose per-variable update is one fused kernel on wasm. */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: NamedGrads): void {
    if (tf.getBackend() !== 'wasm' || !tf.getKernel(FUSED_ADAM_KERNEL, 'wasm')) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamInternals;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const engine = tf.engine();
    const oneMinusAccBeta1 = 1 - self.accBeta1.dataSync()[0];
    const oneMinusAccBeta2 = 1 - self.accBeta2.dataSync()[0];
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = engine.registeredVariables[name];
        // Moments are created exactly as tfjs's AdamOptimizer does (same names, order and trainable flag).
        if (self.accumulatedFirstMoment[i] == null) {
          self.accumulatedFirstMoment[i] = { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        }
        if (self.accumulatedSecondMoment[i] == null) {
          self.accumulatedSecondMoment[i] = { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        }
        const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
        if (gradient == null) return;
        const m = self.accumulatedFirstMoment[i].variable;
        const v = self.accumulatedSecondMoment[i].variable;
        if (value.dtype !== 'float32' || gradient.dtype !== 'float32') {
          throw new Error(`Adam: variable '${name}' must be float32; got ${value.dtype}`);
        }
        const attrs: FusedAdamAttrs = {
          learningRate: self.learningRate, beta1: self.beta1, beta2: self.beta2, epsilon: self.epsilon,
          oneMinusAccBeta1, oneMinusAccBeta2,
        };
        const [w2, m2, v2] = engine.runKernel(FUSED_ADAM_KERNEL, { w: value, g: gradient, m, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        m.assign(m2);
        v.assign(v2);
        value.assign(w2);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    self.incrementIterations();
  }
}

/**
 * Adam as tf.train.adam(learningRate, beta1, beta2, epsilon), fused on wasm.
 * @example const optimizer = createAdam(tf, 1e-3);
 */
export function createAdam(tfns: typeof tf, learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null): tf.AdamOptimizer {
  if (tfns !== tf) return tfns.train.adam(learningRate, beta1, beta2, epsilon ?? undefined);
  registerFusedAdamKernel();
  // tfjs's default epsilon is the backend's (1e-7 for float32), read at construction.
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon ?? undefined);
}
