/**
 * Keras (Python) code that rebuilds the network with the functional API,
 * loads the exported weights (weights.npz, Keras' own `get_weights()` order
 * and layout, so no transposes) and trains it with Keras' distribution
 * strategies. Written for Keras 3 (also runs on tf.keras 2.13+).
 */
import type { GraphAnalysis } from '../../analysis/types';
import type { GraphDoc } from '../../graph/doc';
import { getLayerDef } from '../../layers';
import type { LayerWeights } from '../weights';
import { ExportError } from '../onnx/export';
import { py, pyFloat, pyText, walk } from './common';

/** The generated files: model.py (architecture + weight loading) and train.py. */
export function kerasCode(doc: GraphDoc, analysis: GraphAnalysis, weights: LayerWeights | null): { 'model.py': string; 'train.py': string } {
  const { layers, outputs, input } = walk(doc, analysis);
  const lines: string[] = [];
  for (const l of layers) {
    if (l.type === 'input') {
      lines.push(`    ${l.v} = keras.Input(shape=${py([...l.outShape])}, name=${py(l.name)})`);
      continue;
    }
    const hook = getLayerDef(l.type)?.keras;
    if (!hook) throw new ExportError(`layer ${l.name} (${l.type}) has no Keras form`);
    const ctor = hook(l);
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
