import type { LayerError } from '../core/issues';
import { formatInt, formatShape, shapeSize, type Shape } from '../core/shape';
import { defineLayer } from './define-layer';
import { intList } from './params';
import { NO_WEIGHTS, needTensor } from './shared';
import { onnxReshape } from '../export/onnx/ops';
import { py } from '../export/python/literals';

/** "7×7×?": the target as the user reads it, −1 shown as ?. */
const targetText = (t: readonly number[]) => t.map((d) => (d === -1 ? '?' : d)).join('×');

/** The output for input `x`, resolving a −1; or why `target` cannot hold x's values. */
function reshapeOut(x: Shape, target: readonly number[]): Shape | LayerError {
  const n = shapeSize(x);
  const wanted = targetText(target);
  if (target.some((d) => d === 0))
    return { code: 'E001', field: 'targetShape', message: `Reshape target ${wanted} has a 0 size`, fix: 'Use sizes of at least 1, or −1 for one of them.' };
  const unknown = target.filter((d) => d === -1).length;
  if (unknown > 1)
    return { code: 'E001', field: 'targetShape', message: `Reshape target ${wanted} has ${unknown} entries of −1; at most one can be left open`, fix: 'Give every size but one.' };
  const known = target.reduce((a, d) => (d === -1 ? a : a * d), 1);
  if (unknown === 1) {
    if (n % known !== 0)
      return {
        code: 'E016',
        field: 'targetShape',
        message: `Reshape cannot fill ${wanted} from ${formatShape(x)} = ${formatInt(n)} values: ${formatInt(n)} is not a multiple of ${formatInt(known)}`,
        fix: `Choose sizes whose product divides ${formatInt(n)}.`,
      };
    return target.map((d) => (d === -1 ? n / known : d));
  }
  if (known !== n)
    return {
      code: 'E016',
      field: 'targetShape',
      message: `Reshape to ${wanted} needs ${formatInt(known)} values but its input ${formatShape(x)} has ${formatInt(n)}`,
      fix: `Choose sizes whose product is ${formatInt(n)}, or put −1 in one place.`,
    };
  return [...target];
}

export const reshape = defineLayer({
  type: 'reshape',
  label: 'Reshape',
  category: 'reshape',
  help: 'Rearranges the same values into a new shape, e.g. a vector of 784 into 28×28×1. The number of values must stay the same.',
  params: {
    targetShape: intList({
      default: [-1],
      min: -1,
      max: 1_000_000,
      minLength: 1,
      maxLength: 3,
      label: 'Target shape',
      help: 'New height, width, channels (or one length). One entry may be −1: "whatever is left".',
      key: true,
    }),
  },
  inputs: { min: 1, max: 1 },
  outputShape: (inputs, p) => needTensor(inputs, 'Reshape') ?? reshapeOut(inputs[0], p.targetShape),
  paramCount: () => NO_WEIGHTS,
  macs: () => 0,
  // Only a reshape that keeps height and width keeps the pixel grid.
  rf: ([x], p) => {
    const t = p.targetShape;
    return x.length === 3 && t.length === 3 && t[0] === x[0] && t[1] === x[1] ? 'identity' : 'global';
  },
  summary: (p) => (p.targetShape.length === 1 && p.targetShape[0] === -1 ? '→ vector' : `→ ${targetText(p.targetShape)}`),
  // tfjs' symbolic Reshape leaves a −1 unknown (it counts the batch axis as an
  // unknown input dimension), and Dense, Conv2D… after it then fail to build:
  // resolve it here from the analysed input, as Keras does.
  toTfjs(tf, p, name, inputs) {
    const out = inputs?.[0] ? reshapeOut(inputs[0], p.targetShape) : null;
    return tf.layers.reshape({ name, targetShape: Array.isArray(out) ? [...out] : [...p.targetShape] });
  },
  onnx: onnxReshape,
  keras: (l) => `layers.Reshape(${py([...l.outShape])}`,
  pytorch: (l) => {
    const y = `_to_nhwc(${l.inputs[0]}).reshape(${l.inputs[0]}.shape[0], ${l.outShape.join(', ')})`;
    return { fwd: l.outShape.length === 3 ? `${y}.permute(0, 3, 1, 2)` : y };
  },
});
