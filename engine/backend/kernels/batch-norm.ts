/**
 * Fused training-mode batch normalisation over the last axis (NHWC: one mean
 * and variance per channel over N·H·W), as two kernels and a gradient:
 *
 * - 'CnnBatchNormTrain' — inputs {x, gamma, beta}, attrs {epsilon}; outputs
 *   [y, mean, variance] (variance biased, as tf.moments). Two passes over x:
 *   the moments, then y = x·scale + offset with scale = gamma/√(var+ε) and
 *   offset = beta − mean·scale per channel.
 * - 'CnnBatchNormTrainGrad' — inputs {dy, x, gamma, mean, variance, dmean,
 *   dvariance}, attrs {epsilon}; outputs [dx, dgamma, dbeta]. Two passes:
 *   Σdy and Σdy·(x−mean) per channel, then dx per element. dmean / dvariance
 *   are the gradients arriving at the forward's mean / variance outputs
 *   (zeros when, as in the layer, they only feed the moving averages); they
 *   are folded in so the op is exactly differentiable.
 *
 * Why: tfjs-layers' BatchNormalization trains through tf.moments and
 * tf.batchNorm, i.e. Mean, SquaredDifference, FusedBatchNorm forward and a
 * gradient of about twenty element-wise kernels with broadcasting per layer
 * (Sum, Mean, Multiply, Sub, RealDiv, Cast, Tile …). In ResNet-20 that was
 * about a quarter of a training step on wasm (docs/performance.md).
 *
 * The loops are plain JavaScript over Float32Arrays, shared by the wasm
 * backend (views on its heap) and the cpu backend (its stored arrays). Sums
 * accumulate in float64 around a per-channel shift (the first sample), so the
 * single-pass variance Σ(x−s)²/M − (Σ(x−s)/M)² does not cancel even when the
 * mean is large against the spread.
 *
 * This module imports tfjs types only: engine/layers uses it with the tf
 * module it is handed, and the analysis side must not load tfjs.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { envVar } from '../../core/env';
import { type WasmBackendLike, heapMemory, heapOffset } from './wasm-ops';
import { type BatchNormSimd, accSlot, accSlots, batchNormSimdFor, blockBytesFor } from './batch-norm-simd';

type TF = typeof tfjs;

/** Forward kernel name. */
export const BN_TRAIN_KERNEL = 'CnnBatchNormTrain';
/** Backward kernel name. */
export const BN_TRAIN_GRAD_KERNEL = 'CnnBatchNormTrainGrad';

/** Backends the fused kernels are registered for. */
export const BN_TRAIN_BACKENDS = ['wasm', 'cpu'] as const;

/**
 * Forward loops. x has M·C elements (channels innermost); gamma, beta have C.
 * Writes y (M·C) and mean, variance (C).
 */
export function batchNormTrainForward(
  x: Float32Array, gamma: Float32Array, beta: Float32Array, C: number, epsilon: number,
  y: Float32Array, mean: Float32Array, variance: Float32Array,
): void {
  const M = C > 0 ? x.length / C : 0;
  const s = new Float64Array(C);
  const q = new Float64Array(C);
  const shift = new Float64Array(C);
  if (M > 0) for (let c = 0; c < C; c++) shift[c] = x[c];
  for (let base = 0; base < x.length; base += C) {
    for (let c = 0; c < C; c++) {
      const d = x[base + c] - shift[c];
      s[c] += d;
      q[c] += d * d;
    }
  }
  const scale = new Float64Array(C);
  const mu = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const [m, v] = momentsOf(s[c], q[c], shift[c], M);
    mean[c] = m;
    variance[c] = v;
    // (x − mean) first, with the float32 mean the kernel returns (and the SIMD loop uses): no cancellation in x·scale − mean·scale.
    mu[c] = mean[c];
    scale[c] = gamma[c] / Math.sqrt(v + epsilon);
  }
  for (let base = 0; base < x.length; base += C) {
    for (let c = 0; c < C; c++) y[base + c] = (x[base + c] - mu[c]) * scale[c] + beta[c];
  }
}

/** Mean and biased variance from Σ(x−shift), Σ(x−shift)² over M rows. */
function momentsOf(s: number, q: number, shift: number, M: number): [number, number] {
  if (M === 0) return [0, 0];
  const m1 = s / M;
  // Rounding can leave a tiny negative for a constant channel.
  return [shift + m1, Math.max(0, q / M - m1 * m1)];
}

/** Per-channel coefficients of dx = a·dy + b·(x − mean) + k, and dγ, dβ (see batchNormTrainBackward). */
function gradCoefficients(
  sdy: number, sdyx: number, gamma: number, variance: number, dmean: number, dvariance: number, M: number, epsilon: number,
): { a: number; b: number; k: number; dgamma: number; dbeta: number } {
  const invstd = 1 / Math.sqrt(variance + epsilon);
  const dg = sdyx * invstd;
  const gi = gamma * invstd;
  return {
    a: gi,
    b: M > 0 ? (-gi * invstd * dg + 2 * dvariance) / M : 0,
    k: M > 0 ? (-gi * sdy + dmean) / M : 0,
    dgamma: dg,
    dbeta: sdy,
  };
}

/**
 * Backward loops: the standard formula
 *   dx = γ·invstd/M · (M·dy − Σdy − x̂·Σ(dy·x̂)) + dmean/M + dvar·2(x−mean)/M,
 *   dγ = Σ(dy·x̂), dβ = Σdy,
 * written per channel as dx = a·dy + b·(x − mean) + k. dmean / dvariance may
 * be null (no gradient arriving at those outputs).
 */
export function batchNormTrainBackward(
  dy: Float32Array, x: Float32Array, gamma: Float32Array, mean: Float32Array, variance: Float32Array,
  dmean: Float32Array | null, dvariance: Float32Array | null, C: number, epsilon: number,
  dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array,
): void {
  const M = C > 0 ? x.length / C : 0;
  const sdy = new Float64Array(C);
  const sdyx = new Float64Array(C);
  const mu = new Float64Array(C);
  for (let c = 0; c < C; c++) mu[c] = mean[c];
  for (let base = 0; base < x.length; base += C) {
    for (let c = 0; c < C; c++) {
      const g = dy[base + c];
      sdy[c] += g;
      sdyx[c] += g * (x[base + c] - mu[c]);
    }
  }
  const a = new Float64Array(C);
  const b = new Float64Array(C);
  const k = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const r = gradCoefficients(sdy[c], sdyx[c], gamma[c], variance[c], dmean ? dmean[c] : 0, dvariance ? dvariance[c] : 0, M, epsilon);
    dgamma[c] = r.dgamma;
    dbeta[c] = r.dbeta;
    a[c] = r.a;
    b[c] = r.b;
    k[c] = r.k;
  }
  for (let base = 0; base < x.length; base += C) {
    for (let c = 0; c < C; c++) dx[base + c] = a[c] * dy[base + c] + b[c] * (x[base + c] - mu[c]) + k[c];
  }
}

/** The parts of tfjs-backend-cpu's MathBackendCPU the kernels use. */
interface CpuBackendLike {
  readSync(dataId: tfjs.DataId): ArrayLike<number>;
  makeTensorInfo(shape: number[], dtype: tfjs.DataType, values?: Float32Array): tfjs.TensorInfo;
}

/** Reads / allocates float32 tensors on one backend, with the same loops behind. */
interface Io {
  read(t: tfjs.TensorInfo): Float32Array;
  /** Allocates outputs (all before any read: on wasm, growing the heap detaches earlier views). */
  alloc(shapes: number[][]): tfjs.TensorInfo[];
}

function cpuIo(backend: unknown): Io {
  const b = backend as CpuBackendLike;
  const made = new Map<tfjs.TensorInfo, Float32Array>();
  return {
    read: (t) => made.get(t) ?? toF32(b.readSync(t.dataId)),
    alloc: (shapes) =>
      shapes.map((s) => {
        const v = new Float32Array(s.reduce((p, q) => p * q, 1));
        const t = b.makeTensorInfo(s, 'float32', v);
        made.set(t, v);
        return t;
      }),
  };
}

const toF32 = (v: ArrayLike<number>) => (v instanceof Float32Array ? v : Float32Array.from(v));

function wasmIo(backend: unknown): Io {
  const b = backend as WasmBackendLike;
  return {
    read: (t) => b.typedArrayFromHeap(t) as Float32Array,
    alloc: (shapes) => shapes.map((s) => b.makeOutput(s, 'float32')),
  };
}

/** The SIMD loops on this wasm backend's heap, or null (then the JS loops run). */
function simdOf(backend: unknown): BatchNormSimd | null {
  return batchNormSimdFor(heapMemory(backend));
}


/**
 * A scratch block on the wasm heap (freed by the caller with b.disposeData):
 * `floats` float32 slots, 16-byte aligned by the allocator; callers put
 * float64 planes only at offsets that are multiples of 8 bytes.
 */
function scratch(b: WasmBackendLike, floats: number): { t: tfjs.TensorInfo; off: number } {
  const t = b.makeOutput([floats], 'float32');
  return { t, off: heapOffset(b, t) };
}

const f64View = (b: WasmBackendLike, off: number, n: number) => new Float64Array(b.wasm.HEAPU8.buffer, off, n);
const f32View = (b: WasmBackendLike, off: number, n: number) => new Float32Array(b.wasm.HEAPU8.buffer, off, n);

/** Forward on wasm with the SIMD loops (at least 4 channels). */
function forwardSimd(b: WasmBackendLike, simd: BatchNormSimd, inputs: Record<string, tfjs.TensorInfo>, epsilon: number): tfjs.TensorInfo[] {
  const { x, gamma, beta } = inputs;
  const C = channelsOf(x);
  const M = tfSize(x.shape) / C;
  const [y, mean, variance] = [b.makeOutput(x.shape, 'float32'), b.makeOutput([C], 'float32'), b.makeOutput([C], 'float32')];
  // Scratch: sums Σd, Σd² (S f64 each, first so they stay 8-byte aligned) | shift (C f32) | coefficients mean, scale, beta (3C f32).
  const S = accSlots(C);
  const sc = scratch(b, 4 * S + C + 3 * C);
  const accOff = sc.off;
  const shiftOff = accOff + 16 * S;
  const coefOff = shiftOff + 4 * C;
  const rowBytes = 4 * C;
  const block = blockBytesFor(rowBytes);
  // Views after every allocation (growing the heap detaches older ones).
  const xv = b.typedArrayFromHeap(x) as Float32Array;
  const shift = f32View(b, shiftOff, C);
  if (M > 0) shift.set(xv.subarray(0, C));
  else shift.fill(0);
  f64View(b, accOff, 2 * S).fill(0);
  simd.moments(heapOffset(b, x), M, rowBytes, block, shiftOff, accOff, accOff + 8 * S);
  const acc = f64View(b, accOff, 2 * S);
  const gv = b.typedArrayFromHeap(gamma) as Float32Array;
  const bv = b.typedArrayFromHeap(beta) as Float32Array;
  const mv = b.typedArrayFromHeap(mean) as Float32Array;
  const vv = b.typedArrayFromHeap(variance) as Float32Array;
  const coef = f32View(b, coefOff, 3 * C);
  for (let c = 0; c < C; c++) {
    const slot = accSlot(c, C);
    const [m, v] = momentsOf(acc[slot], acc[S + slot], shift[c], M);
    mv[c] = m;
    vv[c] = v;
    coef[c] = mv[c];
    coef[C + c] = gv[c] / Math.sqrt(v + epsilon);
    coef[2 * C + c] = bv[c];
  }
  simd.normalize(heapOffset(b, x), heapOffset(b, y), M, rowBytes, block, coefOff);
  b.disposeData(sc.t.dataId);
  return [y, mean, variance];
}

/** Backward on wasm with the SIMD loops (at least 4 channels). */
function backwardSimd(b: WasmBackendLike, simd: BatchNormSimd, inputs: Record<string, tfjs.TensorInfo>, epsilon: number): tfjs.TensorInfo[] {
  const { dy, x, gamma, mean, variance, dmean, dvariance } = inputs;
  const C = channelsOf(x);
  const M = tfSize(x.shape) / C;
  const [dx, dgamma, dbeta] = [b.makeOutput(x.shape, 'float32'), b.makeOutput([C], 'float32'), b.makeOutput([C], 'float32')];
  // Scratch: sums Σdy, Σdy·(x−mean) (S f64 each) | coefficients mean, a, b, k (4C f32).
  const S = accSlots(C);
  const sc = scratch(b, 4 * S + 4 * C);
  const accOff = sc.off;
  const coefOff = sc.off + 16 * S;
  const rowBytes = 4 * C;
  const block = blockBytesFor(rowBytes);
  f64View(b, accOff, 2 * S).fill(0);
  simd.gradSums(heapOffset(b, dy), heapOffset(b, x), M, rowBytes, block, heapOffset(b, mean), accOff, accOff + 8 * S);
  const acc = f64View(b, accOff, 2 * S);
  const gv = b.typedArrayFromHeap(gamma) as Float32Array;
  const mv = b.typedArrayFromHeap(mean) as Float32Array;
  const vv = b.typedArrayFromHeap(variance) as Float32Array;
  const dmv = dmean ? (b.typedArrayFromHeap(dmean) as Float32Array) : null;
  const dvv = dvariance ? (b.typedArrayFromHeap(dvariance) as Float32Array) : null;
  const dgv = b.typedArrayFromHeap(dgamma) as Float32Array;
  const dbv = b.typedArrayFromHeap(dbeta) as Float32Array;
  const coef = f32View(b, coefOff, 4 * C);
  for (let c = 0; c < C; c++) {
    const slot = accSlot(c, C);
    const r = gradCoefficients(acc[slot], acc[S + slot], gv[c], vv[c], dmv ? dmv[c] : 0, dvv ? dvv[c] : 0, M, epsilon);
    dgv[c] = r.dgamma;
    dbv[c] = r.dbeta;
    coef[c] = mv[c];
    coef[C + c] = r.a;
    coef[2 * C + c] = r.b;
    coef[3 * C + c] = r.k;
  }
  simd.gradInput(heapOffset(b, dy), heapOffset(b, x), heapOffset(b, dx), M, rowBytes, block, coefOff);
  b.disposeData(sc.t.dataId);
  return [dx, dgamma, dbeta];
}

const tfSize = (shape: number[]) => shape.reduce((p, q) => p * q, 1);

type KernelImpl = (backend: unknown, inputs: Record<string, tfjs.TensorInfo>, epsilon: number) => tfjs.TensorInfo[];

/** Whether the SIMD loops may run: CNN_BN_SIMD=0 forces the JS loops (tests compare both). */
const simdAllowed = () => envVar('CNN_BN_SIMD') !== '0';

const IMPLS: Record<(typeof BN_TRAIN_BACKENDS)[number], { forward: KernelImpl; backward: KernelImpl }> = {
  wasm: {
    forward: (backend, inputs, eps) => {
      const simd = simdAllowed() ? simdOf(backend) : null;
      if (simd && channelsOf(inputs.x) >= 4) {
        checkFloat(BN_TRAIN_KERNEL, inputs);
        return forwardSimd(backend as WasmBackendLike, simd, inputs, eps);
      }
      return forwardKernel(wasmIo(backend), inputs, eps);
    },
    backward: (backend, inputs, eps) => {
      const simd = simdAllowed() ? simdOf(backend) : null;
      if (simd && channelsOf(inputs.x) >= 4) {
        checkFloat(BN_TRAIN_GRAD_KERNEL, inputs);
        return backwardSimd(backend as WasmBackendLike, simd, inputs, eps);
      }
      return backwardKernel(wasmIo(backend), inputs, eps);
    },
  },
  cpu: {
    forward: (backend, inputs, eps) => forwardKernel(cpuIo(backend), inputs, eps),
    backward: (backend, inputs, eps) => backwardKernel(cpuIo(backend), inputs, eps),
  },
};

const channelsOf = (x: tfjs.TensorInfo) => x.shape[x.shape.length - 1];

function checkFloat(name: string, ts: Record<string, tfjs.TensorInfo | undefined>): void {
  for (const [k, t] of Object.entries(ts)) {
    if (t != null && t.dtype !== 'float32') throw new Error(`${name}: input '${k}' must be float32, got ${t.dtype}`);
  }
}

function forwardKernel(io: Io, inputs: Record<string, tfjs.TensorInfo>, epsilon: number): tfjs.TensorInfo[] {
  const { x, gamma, beta } = inputs;
  checkFloat(BN_TRAIN_KERNEL, { x, gamma, beta });
  const C = channelsOf(x);
  const [y, mean, variance] = io.alloc([x.shape, [C], [C]]);
  batchNormTrainForward(io.read(x), io.read(gamma), io.read(beta), C, epsilon, io.read(y), io.read(mean), io.read(variance));
  return [y, mean, variance];
}

function backwardKernel(io: Io, inputs: Record<string, tfjs.TensorInfo>, epsilon: number): tfjs.TensorInfo[] {
  const { dy, x, gamma, mean, variance, dmean, dvariance } = inputs;
  checkFloat(BN_TRAIN_GRAD_KERNEL, { dy, x, gamma, mean, variance, dmean, dvariance });
  const C = channelsOf(x);
  const [dx, dgamma, dbeta] = io.alloc([x.shape, [C], [C]]);
  batchNormTrainBackward(
    io.read(dy), io.read(x), io.read(gamma), io.read(mean), io.read(variance),
    dmean ? io.read(dmean) : null, dvariance ? io.read(dvariance) : null, C, epsilon,
    io.read(dx), io.read(dgamma), io.read(dbeta),
  );
  return [dx, dgamma, dbeta];
}

const done = new WeakSet<object>();

/**
 * Registers both kernels for the wasm and cpu backends and the forward's
 * gradient (idempotent; tfjs's registries are global, the tf module only
 * supplies the functions). Backends not built yet are fine: a registration is
 * looked up when a kernel runs.
 */
export function registerBatchNormKernels(tf: TF): void {
  if (done.has(tf)) return;
  for (const backendName of BN_TRAIN_BACKENDS) {
    const impl = IMPLS[backendName];
    if (!tf.getKernel(BN_TRAIN_KERNEL, backendName)) {
      tf.registerKernel({
        kernelName: BN_TRAIN_KERNEL,
        backendName,
        kernelFunc: ({ inputs, attrs, backend }) =>
          impl.forward(backend, inputs as Record<string, tfjs.TensorInfo>, Number((attrs as { epsilon: number }).epsilon)),
      });
    }
    if (!tf.getKernel(BN_TRAIN_GRAD_KERNEL, backendName)) {
      tf.registerKernel({
        kernelName: BN_TRAIN_GRAD_KERNEL,
        backendName,
        kernelFunc: ({ inputs, attrs, backend }) =>
          impl.backward(backend, inputs as Record<string, tfjs.TensorInfo>, Number((attrs as { epsilon: number }).epsilon)),
      });
    }
  }
  if (!tf.getGradient(BN_TRAIN_KERNEL)) {
    tf.registerGradient({
      kernelName: BN_TRAIN_KERNEL,
      inputsToSave: ['x', 'gamma'],
      outputsToSave: [false, true, true],
      gradFunc: (dys, saved, attrs) => {
        const [dy, dmean, dvariance] = dys as tfjs.Tensor[];
        const [x, gamma, mean, variance] = saved;
        // One kernel yields all three gradients; it runs here, once, and the
        // closures hand out its outputs (the tape disposes what is not used).
        const [dx, dgamma, dbeta] = tf.engine().runKernel(
          BN_TRAIN_GRAD_KERNEL,
          { dy, x, gamma, mean, variance, dmean, dvariance } as unknown as tfjs.NamedTensorMap,
          attrs as tfjs.NamedAttrMap,
        ) as tfjs.Tensor[];
        return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
      },
    });
  }
  done.add(tf);
}

/**
 * Switched off by CNN_FUSED_BATCHNORM=0 (to measure against tfjs's own path
 * in one process), and on wasm by CNN_WASM_FAST_PATHS=0 (the benchmark's
 * "tfjs as shipped" baseline). Read on every call so a bench can toggle it.
 */
function disabledByEnv(backendName: string): boolean {
  return envVar('CNN_FUSED_BATCHNORM') === '0' || (backendName === 'wasm' && envVar('CNN_WASM_FAST_PATHS') === '0');
}

/** Whether the fused kernels run on the active backend (else {@link batchNormTrain} is composite). */
export function fusedBatchNormAvailable(tf: TF): boolean {
  registerBatchNormKernels(tf);
  const name = tf.getBackend();
  return tf.getKernel(BN_TRAIN_KERNEL, name) != null && !disabledByEnv(name);
}

/** The outputs of a training-mode batch normalisation. */
export interface BatchNormTrainResult {
  /** Normalised, scaled and shifted x. */
  y: tfjs.Tensor;
  /** Per-channel batch mean, shape [C]. */
  mean: tfjs.Tensor1D;
  /** Per-channel biased batch variance, shape [C]. */
  variance: tfjs.Tensor1D;
}

/**
 * Training-mode batch normalisation over every axis but the last, with
 * gradients to x, gamma and beta (and through mean / variance). Uses the
 * fused kernels where registered (wasm, cpu), else tf.moments + tf.batchNorm
 * (any backend, e.g. webgl or tfjs-node).
 * @param x float32, rank ≥ 2, channels last.
 * @param gamma, beta shape [C].
 */
export function batchNormTrain(tf: TF, x: tfjs.Tensor, gamma: tfjs.Tensor1D, beta: tfjs.Tensor1D, epsilon: number): BatchNormTrainResult {
  const C = x.shape[x.rank - 1];
  if (x.rank < 2) throw new Error(`batchNormTrain: x must have rank ≥ 2 (batch and channels), got shape [${x.shape}]`);
  for (const [name, t] of [['gamma', gamma], ['beta', beta]] as const) {
    if (t.rank !== 1 || t.shape[0] !== C) throw new Error(`batchNormTrain: ${name} must have shape [${C}] (the channels of x), got [${t.shape}]`);
  }
  if (!(epsilon >= 0)) throw new Error(`batchNormTrain: epsilon must be ≥ 0, got ${epsilon}`);
  if (fusedBatchNormAvailable(tf) && x.dtype === 'float32') {
    const [y, mean, variance] = tf.engine().runKernel(BN_TRAIN_KERNEL, { x, gamma, beta } as unknown as tfjs.NamedTensorMap, { epsilon }) as tfjs.Tensor[];
    return { y, mean: mean as tfjs.Tensor1D, variance: variance as tfjs.Tensor1D };
  }
  return tf.tidy(() => {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    const y = tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
    return { y, mean: mean as tfjs.Tensor1D, variance: variance as tfjs.Tensor1D };
  });
}

/**
 * Inference-mode batch normalisation ('FusedBatchNorm', what tf.batchNorm
 * runs: BatchNormalization layers at prediction, validation and evaluation)
 * on the wasm backend with the SIMD normalise loop: y = (x − mean)·scale/√(var+ε)
 * + offset in one pass. tfjs-backend-wasm's own kernel takes ~5.6 ns per element
 * here (19 % of a ResNet-20 prediction). Returns null when it does not apply
 * (not float32, fewer than 4 channels, parameters not one value per channel,
 * no SIMD): the caller runs the shipped kernel.
 */
export function fusedBatchNormInference(
  backend: unknown,
  inputs: Record<string, tfjs.TensorInfo | undefined>,
  varianceEpsilon: number,
): tfjs.TensorInfo | null {
  const { x, mean, variance, offset, scale } = inputs;
  if (!x || !mean || !variance || x.shape.length < 1) return null;
  const C = x.shape[x.shape.length - 1];
  const params = [mean, variance, offset, scale].filter((t): t is tfjs.TensorInfo => t != null);
  if (C < 4 || [x, ...params].some((t) => t.dtype !== 'float32') || params.some((t) => tfSize(t.shape) !== C)) return null;
  const simd = simdOf(backend);
  if (!simd) return null;
  const b = backend as WasmBackendLike;
  const M = tfSize(x.shape) / C;
  const y = b.makeOutput(x.shape, 'float32');
  const sc = scratch(b, 3 * C);
  const coef = f32View(b, sc.off, 3 * C);
  const mv = b.typedArrayFromHeap(mean) as Float32Array;
  const vv = b.typedArrayFromHeap(variance) as Float32Array;
  const ov = offset ? (b.typedArrayFromHeap(offset) as Float32Array) : null;
  const gv = scale ? (b.typedArrayFromHeap(scale) as Float32Array) : null;
  for (let c = 0; c < C; c++) {
    coef[c] = mv[c];
    coef[C + c] = (gv ? gv[c] : 1) / Math.sqrt(vv[c] + varianceEpsilon);
    coef[2 * C + c] = ov ? ov[c] : 0;
  }
  if (M > 0) simd.normalize(heapOffset(b, x), heapOffset(b, y), M, 4 * C, blockBytesFor(4 * C), sc.off);
  b.disposeData(sc.t.dataId);
  return y;
}
