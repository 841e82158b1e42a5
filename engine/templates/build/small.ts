/**
 * Small networks that train in minutes on a laptop CPU (and on this project's
 * 2-core test machine). Where a well-known example defines the network, the
 * template reproduces it layer for layer and names it in meta.reference.
 */
import type { GraphDoc } from '../../graph/doc';
import { GraphBuilder, type Ref } from './builder';
import { Layers } from './layers';

export function mnistCnn(): GraphDoc {
  const g = new GraphBuilder({
    name: 'Small CNN for 28×28 digits and clothes',
    description:
      'Two convolution + max-pooling stages and two Dense layers for 28×28 grey images (MNIST, Fashion-MNIST): Conv 32 3×3 → MaxPool 2×2 → Conv 64 3×3 → MaxPool 2×2 → Flatten → Dense 128 → Dense 10 softmax, all \'valid\' padding and ReLU. 225,034 parameters. This exact network is the one the training benchmark (bench/) compares against PyTorch.',
    meta: {
      year: 1998,
      paper: 'LeCun et al. — Gradient-Based Learning Applied to Document Recognition (the conv → pool → dense pattern)',
      paperUrl: 'http://yann.lecun.com/exdb/publis/pdf/lecun-98.pdf',
      idea: 'The smallest network that shows the whole CNN recipe: convolutions find local patterns, pooling halves the size and makes them shift-tolerant, and Dense layers combine them into a decision. Small enough to train on a CPU in a minute or two.',
      reference: 'No external implementation: the conventional MNIST network (as in the PyTorch and Keras MNIST examples) with \'valid\' padding; counts (3×3×1 + 1)×32 = 320, (3×3×32 + 1)×64 = 18,496, (1,600 + 1)×128 = 204,928, (128 + 1)×10 = 1,290 are checked against TensorFlow.js.',
      tags: ['small', 'trainable', 'mnist'],
    },
    training: { optimizer: 'adam', learningRate: 0.001, batchSize: 64, epochs: 3 },
  });
  const l = new Layers(g);
  let x = l.input([28, 28, 1]);
  x = l.conv('conv1', x, 32, 3, { activation: 'relu' });
  x = l.maxPool('pool1', x, 2, 2);
  x = l.conv('conv2', x, 64, 3, { activation: 'relu' });
  x = l.maxPool('pool2', x, 2, 2);
  x = l.flatten('flatten', x);
  x = l.dense('dense1', x, 128, 'relu');
  l.dense('dense2', x, 10, 'softmax');
  return g.build();
}

export function cifar10Cnn(): GraphDoc {
  const g = new GraphBuilder({
    name: 'CIFAR-10 CNN (Keras example)',
    description:
      'The classic Keras example network for 32×32 colour images (CIFAR-10): two blocks of two 3×3 convolutions (32 then 64 filters; the first of each pair \'same\', the second \'valid\'), each block followed by 2×2 max pooling and Dropout 0.25, then Dense 512 with Dropout 0.5 and a 10-class softmax. 1,250,858 parameters, 94% of them in the Dense 512 layer. Reaches about 75% validation accuracy after 25 epochs with augmentation (per the example).',
    meta: {
      year: 2015,
      paper: 'Krizhevsky — Learning Multiple Layers of Features from Tiny Images (2009), the CIFAR-10 dataset',
      paperUrl: 'https://www.cs.toronto.edu/~kriz/learning-features-2009-TR.pdf',
      idea: 'A VGG-like stack for small colour images: pairs of 3×3 convolutions, pooling after each pair, dropout against overfitting. A good first network for real photos that still trains on a CPU.',
      reference: 'Keras example cifar10_cnn.py (keras-team/keras examples/, Keras 2.x): model.summary() total 1,250,858 parameters',
      tags: ['small', 'trainable', 'cifar10'],
    },
    training: { optimizer: 'rmsprop', learningRate: 0.0001, batchSize: 32, epochs: 25, augment: { flip: true, shift: 0.1 } },
  });
  const l = new Layers(g);
  let x = l.input([32, 32, 3]);
  x = l.conv('conv2d_1', x, 32, 3, { padding: 'same', activation: 'relu' });
  x = l.conv('conv2d_2', x, 32, 3, { activation: 'relu' });
  x = l.maxPool('max_pooling2d_1', x, 2, 2);
  x = l.dropout('dropout_1', x, 0.25);
  x = l.conv('conv2d_3', x, 64, 3, { padding: 'same', activation: 'relu' });
  x = l.conv('conv2d_4', x, 64, 3, { activation: 'relu' });
  x = l.maxPool('max_pooling2d_2', x, 2, 2);
  x = l.dropout('dropout_2', x, 0.25);
  x = l.flatten('flatten_1', x);
  x = l.dense('dense_1', x, 512, 'relu');
  x = l.dropout('dropout_3', x, 0.5);
  l.dense('dense_2', x, 10, 'softmax');
  return g.build();
}

export function resnet20Cifar(): GraphDoc {
  const g = new GraphBuilder({
    name: 'ResNet-20 for CIFAR-10',
    description:
      'The small residual network of He et al. for 32×32 images (Section 4.2), as in the Keras example cifar10_resnet.py (version 1, n = 3): a 3×3 convolution with 16 filters, then three stages of three basic blocks (16, 32, 64 filters; each block two 3×3 convolutions with BatchNorm, added to its input), the second and third stages halving the size with stride 2 and a 1×1 convolution on the skip path, then 8×8 average pooling and a 10-class softmax. 274,442 parameters, 1,376 non-trainable (BatchNorm moving statistics).',
    meta: {
      year: 2015,
      paper: 'He, Zhang, Ren, Sun — Deep Residual Learning for Image Recognition (CVPR 2016), Section 4.2 (CIFAR-10)',
      paperUrl: 'https://arxiv.org/abs/1512.03385',
      idea: 'The residual idea at laptop scale: every pair of convolutions learns a correction that is added to its input, so the 20 layers train as easily as a shallow network. About 0.27 M parameters reach over 90% on CIFAR-10 with enough epochs.',
      reference: 'Keras example cifar10_resnet.py (keras-team/keras examples/, Keras 2.x), ResNet20v1: total 274,442, trainable 273,066, non-trainable 1,376 parameters',
      tags: ['small', 'trainable', 'residual', 'cifar10'],
    },
    training: { optimizer: 'adam', learningRate: 0.001, batchSize: 32, epochs: 30, augment: { flip: true, shift: 0.1 } },
  });
  const l = new Layers(g);
  let x = l.input([32, 32, 3]);
  x = l.conv('conv', x, 16, 3, { padding: 'same' });
  x = l.batchNorm('bn', x, 1e-3);
  x = l.relu('relu', x);
  let filters = 16;
  for (let stage = 0; stage < 3; stage++) {
    for (let b = 0; b < 3; b++) {
      const name = `stage${stage + 1}_block${b + 1}`;
      const stride = stage > 0 && b === 0 ? 2 : 1;
      const base = g.colOf(x);
      // Residual branch in its own column; skip path and Add in the input's column.
      let y = l.conv(`${name}_conv1`, x, filters, 3, { stride, padding: 'same', col: base + 1 });
      y = l.batchNorm(`${name}_bn1`, y, 1e-3);
      y = l.relu(`${name}_relu1`, y);
      y = l.conv(`${name}_conv2`, y, filters, 3, { padding: 'same' });
      y = l.batchNorm(`${name}_bn2`, y, 1e-3);
      let s: Ref = x;
      if (stride > 1) s = l.conv(`${name}_shortcut`, x, filters, 1, { stride, padding: 'same', col: base });
      x = l.add(`${name}_add`, [s, y], base);
      x = l.relu(`${name}_out`, x);
    }
    filters *= 2;
  }
  x = l.avgPool('average_pooling2d', x, 8, 8);
  x = l.flatten('flatten', x);
  l.dense('predictions', x, 10, 'softmax');
  return g.build();
}

export function dilatedContext(): GraphDoc {
  const g = new GraphBuilder({
    name: 'Dilated convolutions (context module)',
    description:
      'Five 3×3 convolutions (16 filters each) with dilation 1, 1, 2, 4, 8 on 28×28 grey images, no pooling: the receptive field grows 3 → 5 → 9 → 17 → 33 pixels while the feature maps stay 28×28 and each layer keeps the weights of a plain 3×3 convolution. A 1×1 convolution gives 10 class maps, global average pooling and softmax turn them into a prediction. Compare the receptive field column with the Small CNN: the same growth without losing resolution. 9,610 parameters; trains on MNIST / Fashion-MNIST.',
    meta: {
      year: 2016,
      paper: 'Yu, Koltun — Multi-Scale Context Aggregation by Dilated Convolutions (ICLR 2016)',
      paperUrl: 'https://arxiv.org/abs/1511.07122',
      idea: 'A dilated convolution spaces its filter taps apart (dilation 2 leaves one pixel between taps), so it sees a wider area with the same number of weights. Doubling the dilation layer after layer grows the receptive field exponentially without pooling, which keeps full resolution for tasks like segmentation.',
      reference: 'The first five layers of Yu & Koltun\'s basic context module (dilations 1, 1, 2, 4, 8; receptive fields 3, 5, 9, 17, 33) with 16 channels; counts checked against TensorFlow.js, receptive fields against the textbook recurrence.',
      tags: ['small', 'trainable', 'dilation', 'mnist'],
    },
    training: { optimizer: 'adam', learningRate: 0.001, batchSize: 64, epochs: 5 },
  });
  const l = new Layers(g);
  let x = l.input([28, 28, 1]);
  [1, 1, 2, 4, 8].forEach((d, i) => {
    x = l.conv(`conv${i + 1}_d${d}`, x, 16, 3, { padding: 'same', dilation: d, activation: 'relu' });
  });
  x = l.conv('classifier', x, 10, 1, { padding: 'same' });
  x = l.globalAvgPool('global_pool', x);
  l.softmax('softmax', x);
  return g.build();
}

export function convAutoencoder(): GraphDoc {
  const g = new GraphBuilder({
    name: 'Denoising autoencoder (encoder–decoder)',
    description:
      'An encoder–decoder for 28×28 grey images whose output is an image of the same size: two 3×3 convolutions with 2×2 max pooling shrink 28×28 to 7×7×32, then two 3×3 transposed convolutions with stride 2 grow it back to 28×28, and a last 3×3 convolution with a sigmoid gives one value in [0, 1] per pixel. What it is for: image-to-image tasks — trained on (noisy image → clean image) pairs with a per-pixel loss (binary cross-entropy or mean squared error) it removes noise; trained on (image → same image) it learns a compressed 7×7×32 code. It is not a classifier: it needs image targets, not class labels. 28,353 parameters.',
    meta: {
      year: 2008,
      paper: 'Vincent, Larochelle, Bengio, Manzagol — Extracting and Composing Robust Features with Denoising Autoencoders (ICML 2008)',
      paperUrl: 'https://doi.org/10.1145/1390156.1390294',
      idea: 'The encoder squeezes the image through a bottleneck so only its essential structure survives; the decoder, built from transposed convolutions that upsample by learning, paints a full-size image back. Asking it to output the clean image from a noisy one teaches it what digits look like.',
      reference: 'Keras example "Convolutional autoencoder for image denoising" (keras.io/examples/vision/autoencoder, Santiago L. Valdarrama, 2021): model.summary() total 28,353 parameters',
      tags: ['small', 'trainable', 'encoder-decoder', 'upsampling'],
    },
  });
  const l = new Layers(g);
  let x = l.input([28, 28, 1]);
  x = l.conv('conv2d', x, 32, 3, { padding: 'same', activation: 'relu' });
  x = l.maxPool('max_pooling2d', x, 2, 2, 'same');
  x = l.conv('conv2d_1', x, 32, 3, { padding: 'same', activation: 'relu' });
  x = l.maxPool('max_pooling2d_1', x, 2, 2, 'same');
  x = l.convTranspose('conv2d_transpose', x, 32, 3, { stride: 2, padding: 'same', activation: 'relu' });
  x = l.convTranspose('conv2d_transpose_1', x, 32, 3, { stride: 2, padding: 'same', activation: 'relu' });
  l.conv('conv2d_2', x, 1, 3, { padding: 'same', activation: 'sigmoid' });
  return g.build();
}
