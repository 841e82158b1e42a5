/**
 * Corrections to tfjs-backend-cpu 4.22 kernels that give wrong results.
 *
 * ResizeBilinearGrad (the gradient of bilinear UpSampling2D and of
 * tf.image.resizeBilinear) computes its values in [batch, height, width,
 * depth] order but labels the tensor [batch, width, height, depth], so on a
 * non-square image the gradient has the wrong shape and training fails
 * ("The gradient of input 'images' has shape …"). The values are right: the
 * wrapper only gives the result its true shape.
 */
import type * as tfjs from '@tensorflow/tfjs';

let registered = false;

/** Registers the corrected cpu kernels (idempotent). */
export function registerCpuFixes(tf: typeof tfjs): void {
  if (registered) return;
  const shipped = tf.getKernel('ResizeBilinearGrad', 'cpu');
  if (!shipped) return;
  registered = true;
  tf.unregisterKernel('ResizeBilinearGrad', 'cpu');
  tf.registerKernel({
    ...shipped,
    kernelFunc: (args) => {
      const out = shipped.kernelFunc(args) as tfjs.TensorInfo;
      const { images } = args.inputs as { images: tfjs.TensorInfo };
      return { ...out, shape: [...images.shape] };
    },
  });
}
