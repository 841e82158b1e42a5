/**
 * Keras (Python) code that rebuilds the network with the functional API,
 * loads the exported weights (weights.npz, Keras' own `get_weights()` order
 * and layout, so no transposes) and trains it with Keras' distribution
 * strategies. Written for Keras 3 (also runs on tf.keras 2.13+).
 */
import type { GraphAnalysis } from '../../analysis/types';
import type { GraphDoc } from '../../graph/doc';
import type { LayerType } from '../../layers';
import type { LayerWeights } from '../weights';
import { py, pyFloat, pyText, walk, type CodeLayer } from './common';

const act = (p: Record<string, unknown>) => (p.activation === 'linear' ? 'None' : py(p.activation));
const pair = (v: unknown) => py(v as number[]);

/** The Keras layer constructor for each type (name added by the caller). */
export const KERAS_CODE: Record<LayerType, (l: CodeLayer) => string> = {
  input: () => '',
  rescaling: (l) => `layers.Rescaling(${pyFloat(l.p.scale as number)}, offset=${pyFloat(l.p.offset as number)}`,
  conv2d: (l) =>
    `layers.Conv2D(${l.p.filters}, ${pair(l.p.kernel)}, strides=${pair(l.p.stride)}, padding=${py(l.p.padding)}, dilation_rate=${pair(l.p.dilation)}, use_bias=${py(l.p.useBias)}, activation=${act(l.p)}`,
  'depthwise-conv2d': (l) =>
    `layers.DepthwiseConv2D(${pair(l.p.kernel)}, strides=${pair(l.p.stride)}, padding=${py(l.p.padding)}, depth_multiplier=${l.p.depthMultiplier}, use_bias=${py(l.p.useBias)}, activation=${act(l.p)}`,
  'separable-conv2d': (l) =>
    `layers.SeparableConv2D(${l.p.filters}, ${pair(l.p.kernel)}, strides=${pair(l.p.stride)}, padding=${py(l.p.padding)}, dilation_rate=${pair(l.p.dilation)}, depth_multiplier=${l.p.depthMultiplier}, use_bias=${py(l.p.useBias)}, activation=${act(l.p)}`,
  'conv2d-transpose': (l) =>
    `layers.Conv2DTranspose(${l.p.filters}, ${pair(l.p.kernel)}, strides=${pair(l.p.stride)}, padding=${py(l.p.padding)}, use_bias=${py(l.p.useBias)}, activation=${act(l.p)}`,
  'max-pool2d': (l) => `layers.MaxPooling2D(${pair(l.p.pool)}, strides=${poolStride(l)}, padding=${py(l.p.padding)}`,
  'avg-pool2d': (l) => `layers.AveragePooling2D(${pair(l.p.pool)}, strides=${poolStride(l)}, padding=${py(l.p.padding)}`,
  'global-avg-pool2d': () => 'layers.GlobalAveragePooling2D(',
  'global-max-pool2d': () => 'layers.GlobalMaxPooling2D(',
  'batch-norm': (l) => `layers.BatchNormalization(momentum=${pyFloat(l.p.momentum as number)}, epsilon=${pyFloat(l.p.epsilon as number)}, center=${py(l.p.center)}, scale=${py(l.p.scale)}`,
  relu: (l) => ((l.p.maxValue as number) > 0 ? `layers.ReLU(max_value=${pyFloat(l.p.maxValue as number)}` : 'layers.ReLU('),
  'leaky-relu': (l) => `layers.LeakyReLU(${pyFloat(l.p.alpha as number)}`,
  elu: () => 'layers.ELU(',
  sigmoid: () => 'layers.Activation("sigmoid"',
  tanh: () => 'layers.Activation("tanh"',
  softmax: () => 'layers.Softmax(',
  activation: (l) => `layers.Activation(${py(l.p.activation)}`,
  dropout: (l) => `layers.Dropout(${pyFloat(l.p.rate as number)}`,
  flatten: () => 'layers.Flatten(',
  reshape: (l) => `layers.Reshape(${py([...l.outShape])}`,
  'zero-padding2d': (l) => `layers.ZeroPadding2D(((${l.p.top}, ${l.p.bottom}), (${l.p.left}, ${l.p.right}))`,
  upsampling2d: (l) => `layers.UpSampling2D(${pair(l.p.size)}, interpolation=${py(l.p.interpolation)}`,
  dense: (l) => `layers.Dense(${l.p.units}, use_bias=${py(l.p.useBias)}, activation=${act(l.p)}`,
  add: () => 'layers.Add(',
  concatenate: () => 'layers.Concatenate(axis=-1',
};

function poolStride(l: CodeLayer): string {
  const k = l.p.pool as number[];
  const s = l.p.stride as number[];
  return py([s[0] || k[0], s[1] || k[1]]);
}

/** The generated files: model.py (architecture + weight loading) and train.py. */
export function kerasCode(doc: GraphDoc, analysis: GraphAnalysis, weights: LayerWeights | null): { 'model.py': string; 'train.py': string } {
  const { layers, outputs, input } = walk(doc, analysis);
  const lines: string[] = [];
  for (const l of layers) {
    if (l.type === 'input') {
      lines.push(`    ${l.v} = keras.Input(shape=${py([...l.outShape])}, name=${py(l.name)})`);
      continue;
    }
    const ctor = KERAS_CODE[l.type](l);
    const sep = ctor.endsWith('(') ? '' : ', ';
    const arg = l.inputs.length === 1 && l.type !== 'add' && l.type !== 'concatenate' ? l.inputs[0] : `[${l.inputs.join(', ')}]`;
    const notes: string[] = [];
    if (l.type === 'upsampling2d' && l.p.interpolation === 'bilinear') notes.push('# Keras resizes with half-pixel centres; CNN Designer (TF.js) with align_corners=False, half_pixel_centers=False, so bilinear outputs differ slightly.');
    for (const n of notes) lines.push(`    ${n}`);
    lines.push(`    ${l.v} = ${ctor}${sep}name=${py(l.name)}${l.frozen ? ', trainable=False' : ''})(${arg})`);
  }
  const outExpr = outputs.length === 1 ? outputs[0].v : `[${outputs.map((o) => o.v).join(', ')}]`;
  const weightNames: string[] = [];
  if (weights) for (const l of layers) if (weights.get(l.name)) weightNames.push(`    ${py(l.name)}: [${weights.get(l.name)!.map((w) => py(w.name)).join(', ')}],`);
  const inShape = input.outShape;
  const model = `"""${pyText(doc.name)}: rebuilt in Keras by CNN Designer.

Input: ${inShape.join(' x ')} (height, width, channels), pixel values in [0, 1]
as CNN Designer feeds them. Output${outputs.length > 1 ? 's' : ''}: ${outputs.map((o) => `${o.name} ${o.outShape.join(' x ')}`).join(', ')}.

    python model.py            # build, load weights.npz if present, print a summary
"""
import os
import sys

import numpy as np
import keras
from keras import layers

INPUT_SHAPE = ${py([...inShape])}

# Weight names of each layer, in Keras' get_weights() order (the keys in
# weights.npz are "<layer>/<name>").
WEIGHT_NAMES = {
${weightNames.join('\n')}
}


def build_model():
    """The network as drawn in CNN Designer (same layer names)."""
${lines.join('\n')}
    return keras.Model(${input.v}, ${outExpr}, name=${py(doc.name.replace(/[^A-Za-z0-9_-]+/g, '_') || 'model')})


def load_weights(model, path="weights.npz"):
    """Load the weights exported by CNN Designer (Keras layout: no transposes)."""
    data = np.load(path)
    for layer in model.layers:
        names = WEIGHT_NAMES.get(layer.name)
        if names:
            layer.set_weights([data[layer.name + "/" + n] for n in names])
    return model


if __name__ == "__main__":
    model = build_model()
    here = os.path.dirname(os.path.abspath(__file__))
    weights = os.path.join(here, "weights.npz")
    if os.path.exists(weights):
        load_weights(model, weights)
        print("loaded", weights, file=sys.stderr)
    model.summary()
`;
  const t = doc.training ?? {};
  const opt = t.optimizer ?? 'adam';
  const lr = t.learningRate ?? (opt === 'sgd' ? 0.01 : 0.001);
  const optCode = opt === 'sgd' ? `keras.optimizers.SGD(learning_rate=args.lr, momentum=${pyFloat(t.momentum ?? 0.9)})` : opt === 'rmsprop' ? 'keras.optimizers.RMSprop(learning_rate=args.lr)' : 'keras.optimizers.Adam(learning_rate=args.lr)';
  const probabilities = outputs.length === 1 && (outputs[0].type === 'softmax' || outputs[0].p.activation === 'softmax');
  const train = `"""Train ${pyText(doc.name)} with Keras on a folder of images (one subfolder per class).

    python train.py --data DIR [--epochs ${t.epochs ?? 5}] [--batch ${t.batchSize ?? 32}] [--lr ${lr}] [--init weights.npz]

On several GPUs of one machine it uses tf.distribute.MirroredStrategy; on a
cluster set TF_CONFIG on every worker and pass --multi-worker
(MultiWorkerMirroredStrategy). With the JAX or PyTorch Keras backends, use
their own distribution instead (keras.distribution).
"""
import argparse
import os

import keras

from model import INPUT_SHAPE, build_model, load_weights


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="folder with one subfolder of images per class")
    ap.add_argument("--epochs", type=int, default=${t.epochs ?? 5})
    ap.add_argument("--batch", type=int, default=${t.batchSize ?? 32})
    ap.add_argument("--lr", type=float, default=${pyFloat(lr)})
    ap.add_argument("--validation", type=float, default=${pyFloat(t.validationSplit ?? 0.1)})
    ap.add_argument("--init", default=None, help="start from these weights (weights.npz): fine-tuning")
    ap.add_argument("--out", default="trained.keras")
    ap.add_argument("--multi-worker", action="store_true")
    args = ap.parse_args()

    import tensorflow as tf  # the distribution strategies and the image loader

    strategy = tf.distribute.MultiWorkerMirroredStrategy() if args.multi_worker else tf.distribute.MirroredStrategy()
    h, w, c = INPUT_SHAPE
    common = dict(image_size=(h, w), color_mode="grayscale" if c == 1 else "rgb", batch_size=args.batch * strategy.num_replicas_in_sync, seed=1)
    if args.validation > 0:
        train_ds = keras.utils.image_dataset_from_directory(args.data, validation_split=args.validation, subset="training", **common)
        val_ds = keras.utils.image_dataset_from_directory(args.data, validation_split=args.validation, subset="validation", **common)
    else:
        train_ds, val_ds = keras.utils.image_dataset_from_directory(args.data, **common), None
    # CNN Designer feeds pixels in [0, 1].
    scale = lambda x, y: (x / 255.0, y)
    train_ds = train_ds.map(scale).prefetch(tf.data.AUTOTUNE)
    if val_ds is not None:
        val_ds = val_ds.map(scale).prefetch(tf.data.AUTOTUNE)

    with strategy.scope():
        model = build_model()
        if args.init:
            load_weights(model, args.init)
        model.compile(
            optimizer=${optCode},
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=${probabilities ? 'False' : 'True'}),
            metrics=["accuracy"],
        )
    model.fit(train_ds, validation_data=val_ds, epochs=args.epochs)
    model.save(args.out)
    print("saved", os.path.abspath(args.out))


if __name__ == "__main__":
    main()
`;
  return { 'model.py': model, 'train.py': train };
}
