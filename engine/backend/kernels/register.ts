/**
 * Gradient kernels we register on the wasm backend.
 *
 * How to add one: write the kernel in a file of this folder (built from wasm
 * forward kernels via wasm-ops.ts), add one entry to WASM_GRAD_KERNELS, and add
 * its rows to test/unit/backend/grad-kernels.test.ts (compared with the CPU
 * backend's gradients).
 */
import * as tf from '@tensorflow/tfjs';
import {
  type ConvGradImpl,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  depthwiseBackpropFilter,
  depthwiseBackpropInput,
} from './conv2d-grads';
import { avgPoolGrad, batchMatMul, cast, identity, maxPoolGrad, mean, sum, tile } from './fast-paths';
import type { WasmBackendLike } from './wasm-ops';
import { BN_TRAIN_GRAD_KERNEL, BN_TRAIN_KERNEL, fusedBatchNormInference, registerBatchNormKernels } from './batch-norm';
import { RELU_GRAD_KERNEL, registerReluGrad } from './relu-grad';
import { registerCpuFixes } from './cpu-fixes';
import { envVar } from '../../core/env';
import { CONV_RESIDUAL_KERNEL, conv2dForward, conv2dResidualForward, fusedConv2dForward } from './conv-forward';

type Attrs = Record<string, unknown>;

let convImpl: ConvGradImpl | null = null;
/**
 * CNN_WASM_CONV_GRADS=legacy|in-place|auto (default auto) picks the
 * convolution-gradient kernels: 'legacy' = the XNNPACK formulations used
 * before our SIMD kernels, for before/after comparisons of whole training
 * steps (bench/training.bench.ts --profile). Read once.
 */
function convGradImpl(): ConvGradImpl {
  if (convImpl == null) {
    const v = envVar('CNN_WASM_CONV_GRADS') ?? 'auto';
    if (v !== 'auto' && v !== 'in-place' && v !== 'legacy') {
      throw new Error(`CNN_WASM_CONV_GRADS must be 'auto', 'in-place' or 'legacy'; got '${v}'`);
    }
    convImpl = v;
  }
  return convImpl;
}

/** One kernel we add (or replace) on the wasm backend. */
export interface WasmKernelDef {
  /** tfjs kernel name, e.g. 'Conv2DBackpropFilter'. */
  kernelName: string;
  /** Why it is ours: 'missing' in tfjs-backend-wasm, or 'faster' than the one it ships. */
  replaces: 'missing' | 'faster';
  /** The kernel; `fallback` is the kernel tfjs-backend-wasm shipped, when there was one. */
  run(b: WasmBackendLike, inputs: Record<string, tf.TensorInfo>, attrs: Attrs, fallback: tf.KernelFunc | null): tf.TensorInfo;
}

export const WASM_GRAD_KERNELS: readonly WasmKernelDef[] = [
  {
    kernelName: 'Conv2DBackpropFilter',
    replaces: 'missing',
    run: (b, { x, dy }, a) => conv2dBackpropFilter(b, x, dy, a as never, convGradImpl()),
  },
  {
    kernelName: 'Conv2DBackpropInput',
    replaces: 'faster',
    run: (b, inputs, a, fallback) => {
      const out = conv2dBackpropInput(b, inputs.dy, inputs.filter, a as never, convGradImpl());
      if (out != null) return out;
      if (fallback == null) throw new Error('Conv2DBackpropInput: padding larger than the kernel is not supported on wasm');
      return fallback({ inputs, attrs: a as tf.NamedAttrMap, backend: b as never }) as tf.TensorInfo;
    },
  },
  {
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    replaces: 'missing',
    run: (b, { x, dy }, a) => depthwiseBackpropFilter(b, x, dy, a as never),
  },
  {
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    replaces: 'missing',
    run: (b, { dy, filter }, a) => {
      const out = depthwiseBackpropInput(b, dy, filter, a as never);
      if (out == null) {
        throw new Error('DepthwiseConv2dNativeBackpropInput: a padding larger than the dilated kernel is not supported on wasm; use padding "same" or "valid"');
      }
      return out;
    },
  },
  {
    // Forward convolution: our SIMD implicit GEMM where conv-forward.ts's shape rule says it wins, else XNNPACK.
    kernelName: 'Conv2D',
    replaces: 'faster',
    run: (b, inputs, a, fallback) => conv2dForward(b, inputs, a, fallback),
  },
  {
    kernelName: 'FusedConv2D',
    replaces: 'faster',
    run: (b, inputs, a, fallback) => fusedConv2dForward(b, inputs, a, fallback),
  },
  {
    // A ResNet block's convolution + Add + ReLU at inference (engine/train/fold.ts).
    // New, but a fast path: off with the others under CNN_WASM_FAST_PATHS=0.
    kernelName: CONV_RESIDUAL_KERNEL,
    replaces: 'faster',
    run: (b, inputs, a) => conv2dResidualForward(b, inputs, a),
  },
  {
    kernelName: 'BatchMatMul',
    replaces: 'faster',
    run: (b, inputs, a, fallback) => batchMatMul(b, inputs, a, fallback),
  },
  {
    kernelName: 'MaxPoolGrad',
    replaces: 'faster',
    run: (b, inputs, a) => maxPoolGrad(b, inputs, a),
  },
  {
    kernelName: 'AvgPoolGrad',
    replaces: 'faster',
    run: (b, inputs, a) => avgPoolGrad(b, inputs, a),
  },
  {
    kernelName: 'Identity',
    replaces: 'faster',
    run: (b, inputs, a, fallback) => identity(b, inputs, a, fallback),
  },
  {
    kernelName: 'Cast',
    replaces: 'faster',
    run: (b, inputs, a, fallback) => cast(b, inputs, a, fallback),
  },
  {
    kernelName: 'Tile',
    replaces: 'faster',
    run: (b, inputs, a, fallback) => tile(b, inputs, a, fallback),
  },
  {
    kernelName: 'Sum',
    replaces: 'faster',
    run: (b, inputs, a, fallback) => sum(b, inputs, a, fallback),
  },
  {
    kernelName: 'Mean',
    replaces: 'faster',
    run: (b, inputs, a, fallback) => mean(b, inputs, a, fallback),
  },
  {
    // Inference-mode BatchNorm in one SIMD pass (batch-norm.ts); the shipped kernel otherwise.
    kernelName: 'FusedBatchNorm',
    replaces: 'faster',
    run: (b, inputs, a, fallback) =>
      fusedBatchNormInference(b, inputs, Number(a.varianceEpsilon ?? 0.001)) ??
      (fallback!({ inputs, attrs: a as tf.NamedAttrMap, backend: b as never }) as tf.TensorInfo),
  },
];

let registered: string[] | null = null;

/**
 * Registers WASM_GRAD_KERNELS for the 'wasm' backend (idempotent: the first
 * call decides). Kernels tfjs-backend-wasm already ships are unregistered
 * first (to avoid tfjs's "already registered" warning) and kept as the
 * fallback. With CNN_WASM_FAST_PATHS=0 only the missing kernels are added and
 * tfjs's own are kept: the baseline the benchmark compares against.
 * @returns the kernel names registered.
 */
export function registerWasmGradKernels(): string[] {
  if (registered) return registered;
  const fastPaths = envVar('CNN_WASM_FAST_PATHS') !== '0';
  const names: string[] = [];
  for (const def of WASM_GRAD_KERNELS) {
    if (def.replaces === 'faster' && !fastPaths) continue;
    const shipped = tf.getKernel(def.kernelName, 'wasm');
    const fallback = shipped?.kernelFunc ?? null;
    if (shipped) tf.unregisterKernel(def.kernelName, 'wasm');
    tf.registerKernel({
      kernelName: def.kernelName,
      backendName: 'wasm',
      // The shipped kernel's setup (cwrap of its C++ entry) must still run so the fallback works.
      setupFunc: shipped?.setupFunc,
      kernelFunc: ({ inputs, attrs, backend }) =>
        def.run(backend as unknown as WasmBackendLike, inputs as Record<string, tf.TensorInfo>, (attrs ?? {}) as Attrs, fallback),
    });
    names.push(def.kernelName);
  }
  // Fused training-mode BatchNorm (new kernels, multi-output, also on cpu;
  // used by engine/layers' BatchNormalization; CNN_WASM_FAST_PATHS=0 keeps it
  // off on wasm at run time, see batch-norm.ts).
  registerBatchNormKernels(tf);
  if (fastPaths) names.push(BN_TRAIN_KERNEL, BN_TRAIN_GRAD_KERNEL);
  // Relu's gradient as one kernel (wasm + cpu; CNN_WASM_ELEMENTWISE=0 or
  // CNN_WASM_FAST_PATHS=0 keep tfjs's formula at run time, see relu-grad.ts).
  registerReluGrad(tf);
  if (fastPaths) names.push(RELU_GRAD_KERNEL);
  // tfjs-backend-cpu kernels that give wrong results (cpu-fixes.ts).
  registerCpuFixes(tf);
  registered = names;
  return names;
}
