/**
 * tfjs-backend-cpu's Conv2DBackpropFilter with its index arithmetic made
 * direct, for the accuracy reference of bench/training.bench.ts.
 *
 * Why: the shipped kernel reads every element through TensorBuffer.get(b, r,
 * c, d) (a rest-argument call that rebuilds the flat index), about 4 M
 * multiply-adds per second here, so one epoch of the 28×28 net on the cpu
 * backend would take ~9 hours. This is the same loop nest, the same
 * summation order and the same float64 accumulator over the same float32
 * values, reading the flat arrays directly: the result is bit-identical
 * (test/unit/backend/reference-cpu-kernels.test.ts compares it with the
 * shipped kernel), only faster. channelsLast, dilation 1 (what the shipped
 * kernel supports).
 */
import type * as tfjs from '@tensorflow/tfjs';

type TF = typeof tfjs;

interface CpuBackendLike {
  data: { get(id: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tfjs.TensorInfo;
}

/** The kernel function (same attributes as tfjs's Conv2DBackpropFilter). */
export function conv2DBackpropFilterDirect(tf: TF, args: { inputs: tfjs.NamedTensorInfoMap; backend: unknown; attrs?: tfjs.NamedAttrMap }): tfjs.TensorInfo {
  const { x, dy } = args.inputs as { x: tfjs.TensorInfo; dy: tfjs.TensorInfo };
  const backend = args.backend as CpuBackendLike;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as {
    strides: [number, number] | number; pad: 'valid' | 'same' | number; dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number];
  };
  const fmt = tf.backend_util.convertConv2DDataFormat(dataFormat);
  if (fmt !== 'channelsLast') throw new Error('conv2DBackpropFilterDirect: only NHWC');
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, fmt);
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co } = info;
  const { inHeight: H, inWidth: W, outHeight: Ho, outWidth: Wo, batchSize: N } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const xv = backend.data.get(x.dataId).values;
  const dyv = backend.data.get(dy.dataId).values;
  const dW = new Float32Array(fh * fw * ci * co);
  for (let wR = 0; wR < fh; ++wR) {
    const yRMin = Math.max(0, Math.ceil((top - wR) / sh));
    const yRMax = Math.min(Ho, (H + top - wR) / sh);
    for (let wC = 0; wC < fw; ++wC) {
      const yCMin = Math.max(0, Math.ceil((left - wC) / sw));
      const yCMax = Math.min(Wo, (W + left - wC) / sw);
      for (let d1 = 0; d1 < ci; ++d1) {
        for (let d2 = 0; d2 < co; ++d2) {
          let dot = 0;
          for (let b = 0; b < N; ++b) {
            for (let yR = yRMin; yR < yRMax; ++yR) {
              const xR = wR + yR * sh - top;
              const xRow = (b * H + xR) * W;
              const dyRow = (b * Ho + yR) * Wo;
              for (let yC = yCMin; yC < yCMax; ++yC) {
                const xC = wC + yC * sw - left;
                dot += xv[(xRow + xC) * ci + d1] * dyv[(dyRow + yC) * co + d2];
              }
            }
          }
          dW[((wR * fw + wC) * ci + d1) * co + d2] = dot;
        }
      }
    }
  }
  return backend.makeTensorInfo([fh, fw, ci, co], 'float32', dW);
}

/** Replaces the cpu backend's Conv2DBackpropFilter with the direct version above. */
export function useDirectCpuFilterGrad(tf: TF): void {
  tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'cpu', kernelFunc: (args) => conv2DBackpropFilterDirect(tf, args) });
}
