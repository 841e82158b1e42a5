/**
 * A convolution with its bias and ReLU (or no activation) as one op while
 * gradients are taken (training steps, saliency).
 *
 * At inference tfjs runs Conv2D(activation 'relu') as one FusedConv2D kernel,
 * but while a gradient is being recorded tf.fused.conv2d falls back to three
 * kernels (shouldFuse in tfjs-core: only 'linear' stays fused), each with
 * its own output: conv, + bias, relu. The first two are only kept for the
 * backward pass, which does not need them: the ReLU's mask is step(y) of the
 * output, the bias gradient is the sum of the masked dy, and the convolution's
 * gradients need x and the filter. So here the forward pass is one
 * FusedConv2D kernel that writes y alone, recorded on the tape as itself,
 * and the backward pass is tfjs's fused-conv2d gradient (tfjs-core
 * ops/fused/conv2d.ts: dy·step(y), then Conv2DBackpropInput,
 * Conv2DBackpropFilter and the bias sum), registered for the kernel with one
 * thunk per input, so that an input whose gradient nobody needs (the image,
 * at a first layer) gets none computed. tfjs's own fused op goes through
 * customGrad, which computes them all; that is also why convolutions without
 * an activation (ResNet's, before their BatchNorm) take this op.
 *
 * Measured (batch 64, wasm, 28 Nov 2026): the 28×28 template's wasm heap
 * after a step 58 → 35 MB; the training bench's peak RSS (bundled children)
 * 186–190 → 168–177 MB on one thread and 224–226 → 204–215 on two, CIFAR's
 * 292–295 → 248–256 and 338–346 → 298–310; CPU per step, alternating in one
 * process (fastest of 10): 28×28 39.0 → 37.1 ms, CIFAR 214 → 201 ms.
 *
 * `CNN_FUSED_CONV_TRAIN=0` in the environment keeps tfjs's three kernels
 * (before/after comparisons); read at every call.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { envVar } from '../../core/env';
import { reluGrad } from './relu-grad';

type TF = typeof tfjs;

/** What the fused training op needs of a 2-D convolution. */
export interface Conv2DTrainSpec {
  strides: [number, number];
  pad: 'same' | 'valid';
  activation: 'linear' | 'relu';
}

/** False when CNN_FUSED_CONV_TRAIN=0. */
export function conv2dTrainEnabled(): boolean {
  return envVar('CNN_FUSED_CONV_TRAIN') !== '0';
}

/** True while tfjs records a gradient (where tf.fused.conv2d would split a ReLU off). */
export function recordingGradient(tf: TF): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}

const registeredOn = new WeakSet<object>();

/**
 * A gradient for the FusedConv2D kernel itself (tfjs registers none: its fused
 * op wraps the kernel in customGrad, which computes every input's gradient
 * even when, as for a network's first layer, the input needs none). Linear
 * and ReLU, NHWC, dilation 1; anything else is refused by name. Idempotent.
 */
export function registerFusedConv2DGradient(tf: TF): void {
  if (registeredOn.has(tf.engine())) return;
  registeredOn.add(tf.engine());
  tf.registerGradient({
    kernelName: 'FusedConv2D',
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved as [tfjs.Tensor4D, tfjs.Tensor4D, tfjs.Tensor4D];
      const { activation, dataFormat, dilations, strides, pad, dimRoundingMode } = attrs as unknown as {
        activation: string;
        dataFormat: string;
        dilations: number | number[];
        strides: number | number[];
        pad: 'same' | 'valid' | number;
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
      };
      const dil = typeof dilations === 'number' ? [dilations, dilations] : dilations;
      if ((activation !== 'linear' && activation !== 'relu') || dataFormat !== 'NHWC' || dil.some((d) => d !== 1)) {
        throw new Error(`FusedConv2D gradient: only linear or relu activations, NHWC and dilation 1 are supported (got ${activation}, ${dataFormat}, dilation ${dil})`);
      }
      // The masked dy, once for all three gradients; the thunks run only for inputs that need one.
      const g = activation === 'relu' ? reluGrad(tf, dy as tfjs.Tensor, y) : (dy as tfjs.Tensor);
      const common = { strides, pad, dataFormat, dimRoundingMode } as unknown as tfjs.NamedAttrMap;
      return {
        x: () => tf.engine().runKernel('Conv2DBackpropInput', { dy: g, filter }, { ...common, inputShape: x.shape }) as tfjs.Tensor,
        filter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: g }, { ...common, filterShape: filter.shape }) as tfjs.Tensor,
        bias: () => tf.sum(g, [0, 1, 2]),
      };
    },
  });
}

/**
 * act(conv2d(x, filter) + bias), act relu or linear, NHWC, dilation 1: one
 * FusedConv2D kernel forward, {@link registerFusedConv2DGradient}'s gradient
 * backward. `bias` may be null. x must be rank 4.
 */
export function conv2dTrain(tf: TF, x: tfjs.Tensor4D, filter: tfjs.Tensor4D, bias: tfjs.Tensor1D | null, spec: Conv2DTrainSpec): tfjs.Tensor4D {
  registerFusedConv2DGradient(tf);
  const inputs: tfjs.NamedTensorMap = bias ? { x, filter, bias } : { x, filter };
  const attrs = { strides: spec.strides, pad: spec.pad, dataFormat: 'NHWC', dilations: [1, 1], activation: spec.activation };
  return tf.engine().runKernel('FusedConv2D', inputs, attrs) as tfjs.Tensor4D;
}
