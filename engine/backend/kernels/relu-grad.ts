/**
 * ReLU's gradient as one kernel ('CnnReluGrad': dx = dy · step(x)).
 *
 * tfjs-core's gradient of Relu is mul(dy, cast(step(x), 'float32')): three
 * kernels, three passes over memory and three sets of tape/tidy bookkeeping
 * per ReLU layer per step. We re-register Relu's gradient (tf.registerGradient
 * replaces the config; tfjs allows it and warns only in DEBUG) so that it runs
 * one kernel where one is registered for the active backend (wasm: SIMD loop
 * on the heap, JS loop without SIMD; cpu: JS loop) and tfjs's own formula
 * elsewhere (webgl, tensorflow) or for non-float32 / mismatched inputs.
 *
 * step(x) follows tfjs: 1 for x > 0, NaN for NaN, 0 otherwise; the product
 * dy · step(x) is then taken as tfjs does (Inf · 0 = NaN), so the results are
 * bit-identical to the three-kernel form.
 *
 * CNN_WASM_ELEMENTWISE=0 (or CNN_WASM_FAST_PATHS=0) keeps tfjs's formula
 * (checked at every gradient, so the switch also works after registration).
 */
import type * as tfjs from '@tensorflow/tfjs';
import { elementwiseEnabled, elementwiseSimdOf } from './elementwise-simd';
import type { WasmBackendLike } from './wasm-ops';

/** Name of the fused ReLU-gradient kernel: inputs {dy, x}, output dx (float32, x's shape). */
export const RELU_GRAD_KERNEL = 'CnnReluGrad';

/** dx[i] = dy[i] · step(x[i]) in JS (exactly tfjs's mul(dy, step(x))). */
function reluGradLoop(dy: Float32Array, x: Float32Array, dx: Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const xi = x[i];
    dx[i] = dy[i] * (xi > 0 ? 1 : xi !== xi ? NaN : 0);
  }
}

interface CpuBackendLike {
  data: { get(dataId: tfjs.DataId): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tfjs.DataType, values: Float32Array): tfjs.TensorInfo;
}

function wasmReluGrad(b: WasmBackendLike, dy: tfjs.TensorInfo, x: tfjs.TensorInfo): tfjs.TensorInfo {
  const out = b.makeOutput(x.shape, 'float32');
  const n = x.shape.reduce((p, q) => p * q, 1);
  const simd = elementwiseSimdOf(b);
  const n4 = simd ? n - (n % 4) : 0;
  if (simd && n4 > 0) {
    const off = (t: tfjs.TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;
    simd.reluGrad(off(dy), off(x), off(out), 4 * n4);
  }
  if (n4 < n) {
    // Views after the allocation (growing the heap detaches older ones).
    reluGradLoop(b.typedArrayFromHeap(dy) as Float32Array, b.typedArrayFromHeap(x) as Float32Array, b.typedArrayFromHeap(out) as Float32Array, n4, n);
  }
  return out;
}

function cpuReluGrad(b: CpuBackendLike, dy: tfjs.TensorInfo, x: tfjs.TensorInfo): tfjs.TensorInfo {
  const xs = b.data.get(x.dataId).values;
  const dys = b.data.get(dy.dataId).values;
  const dx = new Float32Array(xs.length);
  reluGradLoop(dys, xs, dx, 0, xs.length);
  return b.makeTensorInfo(x.shape, 'float32', dx);
}

const checkInputs = (dy: tfjs.TensorInfo, x: tfjs.TensorInfo) => {
  if (dy.dtype !== 'float32' || x.dtype !== 'float32') throw new Error(`${RELU_GRAD_KERNEL}: dy and x must be float32; got ${dy.dtype} and ${x.dtype}`);
  if (dy.shape.length !== x.shape.length || dy.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(`${RELU_GRAD_KERNEL}: dy shape [${dy.shape}] must equal x shape [${x.shape}]`);
  }
};

let registered = false;

/**
 * Registers CnnReluGrad for 'wasm' and 'cpu' and makes it Relu's gradient
 * (idempotent). Other backends keep tfjs's formula.
 */
export function registerReluGrad(tf: typeof tfjs): void {
  if (registered) return;
  registered = true;
  for (const backendName of ['wasm', 'cpu'] as const) {
    if (tf.getKernel(RELU_GRAD_KERNEL, backendName)) continue;
    tf.registerKernel({
      kernelName: RELU_GRAD_KERNEL,
      backendName,
      kernelFunc: ({ inputs, backend }) => {
        const { dy, x } = inputs as { dy: tfjs.TensorInfo; x: tfjs.TensorInfo };
        checkInputs(dy, x);
        return backendName === 'wasm'
          ? wasmReluGrad(backend as unknown as WasmBackendLike, dy, x)
          : cpuReluGrad(backend as unknown as CpuBackendLike, dy, x);
      },
    });
  }
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      return { x: () => reluGrad(tf, dy as tfjs.Tensor, x) };
    },
  });
  // Its own gradient (for gradients of gradients): linear in dy with the same
  // mask; zero almost everywhere in x (as tfjs's step has a zero gradient).
  tf.registerGradient({
    kernelName: RELU_GRAD_KERNEL,
    inputsToSave: ['x'],
    gradFunc: (ddx, saved) => {
      const [x] = saved;
      return { dy: () => reluGrad(tf, ddx as tfjs.Tensor, x), x: () => tf.zerosLike(x) };
    },
  });
}

/**
 * dy · step(x): one CnnReluGrad kernel where the active backend has it (and
 * the switch is on), tfjs's mul(dy, cast(step(x))) otherwise. Also the
 * gradient of a ReLU taken from its output (step(relu(x)) = step(x)).
 */
export function reluGrad(tf: typeof tfjs, dy: tfjs.Tensor, x: tfjs.Tensor): tfjs.Tensor {
  const ours =
    elementwiseEnabled() &&
    dy.dtype === 'float32' && x.dtype === 'float32' &&
    dy.rank === x.rank && dy.shape.every((d, i) => d === x.shape[i]) &&
    tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend()) != null;
  return ours ? (tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x }) as tfjs.Tensor) : tf.mul(dy, tf.cast(tf.step(x), 'float32'));
}
