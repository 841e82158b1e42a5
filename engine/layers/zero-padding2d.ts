import { defineLayer } from './define-layer';
import { int } from './params';
import { NO_WEIGHTS, needImage } from './shared';

const side = (label: string) => int({ default: 1, min: 0, max: 1024, label, help: `Rows or columns of zeros added on the ${label.toLowerCase()}.` });

export const zeroPadding2d = defineLayer({
  type: 'zero-padding2d',
  label: 'ZeroPadding2D',
  category: 'reshape',
  help: 'Adds a border of zeros around the image (as in ResNet and AlexNet before a large strided filter).',
  params: { top: side('Top'), bottom: side('Bottom'), left: side('Left'), right: side('Right') },
  inputs: { min: 1, max: 1 },
  outputShape(inputs, p) {
    const bad = needImage(inputs, 'ZeroPadding2D');
    if (bad) return bad;
    const [h, w, c] = inputs[0];
    return [h + p.top + p.bottom, w + p.left + p.right, c];
  },
  paramCount: () => NO_WEIGHTS,
  macs: () => 0,
  // A 1×1 window that starts `top`/`left` pixels before the input.
  rf: (_in, p) => ({ kernel: [1, 1], stride: [1, 1], dilation: [1, 1], padBefore: [p.top, p.left] }),
  summary: (p) =>
    p.top === p.bottom && p.left === p.right ? (p.top === p.left ? `+${p.top}` : `+${p.top}×${p.left}`) : `↑${p.top} ↓${p.bottom} ←${p.left} →${p.right}`,
  toTfjs: (tf, p, name) =>
    tf.layers.zeroPadding2d({
      name,
      padding: [
        [p.top, p.bottom],
        [p.left, p.right],
      ],
    }),
  onnx: (c) => c.node('Pad', [c.x[0], c.ints('pads', [0, 0, c.p.top as number, c.p.left as number, 0, 0, c.p.bottom as number, c.p.right as number])], { mode: 'constant' }),
  keras: (l) => `layers.ZeroPadding2D(((${l.p.top}, ${l.p.bottom}), (${l.p.left}, ${l.p.right}))`,
  pytorch: (l) => ({ fwd: `F.pad(${l.inputs[0]}, (${l.p.left}, ${l.p.right}, ${l.p.top}, ${l.p.bottom}))` }),
});
