import { formatInt, shapeSize } from '../core/shape';
import { registerCustomLayers } from './tfjs-classes';
import { defineLayer } from './define-layer';
import { bool, float } from './params';
import { needTensor } from './shared';
import { onnxBatchNorm } from '../export/onnx/ops';
import { py, pyFloat } from '../export/python/literals';
import { ptBatchNorm } from '../export/python/pytorch-ops';

export const batchNorm = defineLayer({
  type: 'batch-norm',
  label: 'BatchNorm',
  category: 'normalization',
  help: 'Normalises each channel to zero mean and unit variance over the batch, then scales and shifts it: trains faster and more stably.',
  params: {
    momentum: float({ default: 0.99, min: 0, max: 1, step: 0.01, label: 'Momentum', help: 'How slowly the moving mean and variance (used at test time) follow each batch.' }),
    epsilon: float({ default: 0.001, min: 0, exclusiveMin: true, max: 1, step: 0.0001, label: 'Epsilon', help: 'Added to the variance so it never divides by zero.' }),
    center: bool({ default: true, label: 'Center (β)', help: 'Learn a shift β per channel.' }),
    scale: bool({ default: true, label: 'Scale (γ)', help: 'Learn a scale γ per channel (can be off when a ReLU follows).' }),
  },
  inputs: { min: 1, max: 1 },
  // Channels-last, axis −1 as Keras: one set of statistics per channel (per unit after Dense).
  outputShape: (inputs) => needTensor(inputs, 'BatchNorm') ?? [...inputs[0]],
  paramCount([x], p) {
    const c = x[x.length - 1];
    const learned = (p.center ? 1 : 0) + (p.scale ? 1 : 0);
    const names = [p.scale && 'γ', p.center && 'β'].filter(Boolean).join(', ');
    const trainable = learned * c;
    const nonTrainable = 2 * c;
    const learnedText = learned > 0 ? `${names}: ${learned} × ${formatInt(c)} = ${formatInt(trainable)} trainable; ` : '';
    return { trainable, nonTrainable, formula: `${learnedText}moving mean, variance: 2 × ${formatInt(c)} = ${formatInt(nonTrainable)} non-trainable` };
  },
  // At inference it is one multiply-add per element (scale and shift folded).
  macs: (_in, _p, out) => shapeSize(out),
  rf: () => 'identity',
  summary: (p) => [p.scale && 'γ', p.center && 'β'].filter(Boolean).join(' ') || 'no γ, β',
  toTfjs: (tf, p, name) =>
    registerCustomLayers(tf).batchNormalization({ name, axis: -1, momentum: p.momentum, epsilon: p.epsilon, center: p.center, scale: p.scale }),
  onnx: onnxBatchNorm,
  keras: (l) => `layers.BatchNormalization(momentum=${pyFloat(l.p.momentum as number)}, epsilon=${pyFloat(l.p.epsilon as number)}, center=${py(l.p.center)}, scale=${py(l.p.scale)}`,
  pytorch: ptBatchNorm,
});
