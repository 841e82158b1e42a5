import { formatShape, shapesEqual } from '../core/shape';
import { defineLayer } from './define-layer';
import { NO_WEIGHTS } from './shared';

export const add = defineLayer({
  type: 'add',
  label: 'Add',
  category: 'merge',
  help: 'Adds its inputs element by element: the skip connection of ResNet. All inputs must have the same shape.',
  params: {},
  inputs: { min: 2, max: 64 },
  outputShape(inputs) {
    const first = inputs[0];
    for (let i = 1; i < inputs.length; i++)
      if (!shapesEqual(first, inputs[i]))
        return {
          code: 'E006',
          message: `Add needs inputs of the same shape; received ${inputs.map(formatShape).join(' and ')}`,
          fix: 'Match them with a 1×1 Conv2D (for channels) or a strided layer (for size) on the shortcut.',
        };
    return [...first];
  },
  paramCount: () => NO_WEIGHTS,
  macs: (inputs, _p, out) => (inputs.length - 1) * out.reduce((a, b) => a * b, 1),
  rf: () => 'identity',
  summary: () => '+',
  toTfjs: (tf, _p, name) => tf.layers.add({ name }),
  onnx: (c) => c.x.slice(1).reduce((acc, x) => c.node('Add', [acc, x]), c.x[0]),
  keras: () => 'layers.Add(',
  pytorch: (l) => ({ fwd: l.inputs.join(' + ') }),
});
