/**
 * The classic ImageNet architectures, each reproducing one named reference
 * implementation exactly (layer for layer, so parameter counts and shapes are
 * equal). Where the reference is torchvision, PyTorch's symmetric padding of a
 * strided layer is written as ZeroPadding2D + 'valid' (TensorFlow's 'same'
 * would pad 0 before and 1 after, shifting every window by one pixel).
 */
import type { GraphDoc } from '../../graph/doc';
import { GraphBuilder, type Ref } from './builder';
import { Layers } from './layers';

/** Keras ResNet/DenseNet BatchNormalization epsilon. */
const KERAS_RESNET_EPS = 1.001e-5;
/** PyTorch BatchNorm2d defaults: eps 1e-5, momentum 0.1 (= Keras momentum 0.9). */
const TORCH_EPS = 1e-5;
const TORCH_MOMENTUM = 0.9;

const TORCH_BN_NOTE =
  'Counting convention: like Keras, we count BatchNorm\'s running mean and variance as non-trainable parameters. PyTorch keeps them as buffers, not parameters, so torchvision\'s sum(p.numel() for p in model.parameters()) equals our trainable count, and our total = trainable + 2 × (BatchNorm channels).';

// ---------------------------------------------------------------------------

export function lenet5(): GraphDoc {
  const g = new GraphBuilder({
    name: 'LeNet-5',
    description:
      'LeCun\'s digit recogniser: two convolution + subsampling stages, then three fully connected layers. Input 28×28×1 (MNIST); the first convolution pads by 2 ("same") so its 28×28 output equals the paper\'s 32×32 input without padding. Per-layer counts of C1 (156), C5 (48,120) and F6 (10,164) equal the paper\'s; C3 connects all 6 input maps (2,416 weights) instead of the paper\'s partial connection table (1,516), and the output is a 10-unit softmax layer instead of Euclidean RBF units: 61,706 parameters in all.',
    meta: {
      year: 1998,
      paper: 'LeCun, Bottou, Bengio, Haffner — Gradient-Based Learning Applied to Document Recognition (Proc. IEEE 86(11))',
      paperUrl: 'http://yann.lecun.com/exdb/publis/pdf/lecun-98.pdf',
      idea: 'Convolutions share one small filter across the whole image, so a digit is recognised wherever it is, with few weights. Subsampling (pooling) makes the features tolerant to small shifts, and stacking stages builds strokes into parts into digits.',
      reference: 'LeCun et al. 1998, Section II.B (C1 156, C5 48,120, F6 10,164 trainable parameters); the whole network layer for layer as in Dive into Deep Learning (d2l.ai), section "Convolutional Neural Networks (LeNet)", PyTorch code Conv2d(1, 6, 5, padding=2) … Linear(84, 10): 61,706 parameters (we use tanh as the paper does; d2l uses sigmoid, which has no parameters either).',
      tags: ['classic', 'small', 'trainable'],
    },
    training: { optimizer: 'adam', learningRate: 0.001, batchSize: 64, epochs: 5 },
  });
  const l = new Layers(g);
  let x = l.input([28, 28, 1]);
  x = l.conv('c1', x, 6, 5, { padding: 'same', activation: 'tanh' });
  x = l.avgPool('s2', x, 2, 2);
  x = l.conv('c3', x, 16, 5, { activation: 'tanh' });
  x = l.avgPool('s4', x, 2, 2);
  x = l.flatten('flatten', x);
  x = l.dense('c5', x, 120, 'tanh');
  x = l.dense('f6', x, 84, 'tanh');
  l.dense('output', x, 10, 'softmax');
  return g.build();
}

// ---------------------------------------------------------------------------

export function alexnet(): GraphDoc {
  const g = new GraphBuilder({
    name: 'AlexNet',
    description:
      'The network that won ImageNet 2012, in the single-tower form torchvision ships (from Krizhevsky\'s 2014 "One weird trick" paper: 64-192-384-256-256 filters, no local response normalisation). Conv1 is 11×11 stride 4 with PyTorch\'s 2-pixel padding, written here as ZeroPadding2D + \'valid\'. torchvision\'s AdaptiveAvgPool2d((6, 6)) is left out: at 224×224 input the last pooling already gives 6×6, so it is the identity. A softmax is added to fc8 (torchvision returns logits; no parameters). 61,100,840 parameters, 58.6 M of them in the three fully connected layers.',
    meta: {
      year: 2012,
      paper: 'Krizhevsky, Sutskever, Hinton — ImageNet Classification with Deep Convolutional Neural Networks (NeurIPS 2012); variant: Krizhevsky — One weird trick for parallelizing convolutional neural networks (2014)',
      paperUrl: 'https://papers.nips.cc/paper/2012/hash/c399862d3b9d6b76c8436e924a68c45b-Abstract.html',
      idea: 'A deep convolutional network trained on GPUs with ReLU activations, dropout and data augmentation beat the hand-engineered vision pipelines by a wide margin. Large early filters with big strides shrink the image quickly; most of the weights sit in the fully connected layers at the end.',
      reference: 'torchvision.models.alexnet, torchvision 0.13+ (AlexNet_Weights.IMAGENET1K_V1 meta num_params = 61,100,840)',
      tags: ['classic', 'imagenet'],
    },
  });
  const l = new Layers(g);
  let x = l.input([224, 224, 3]);
  x = l.zeroPad('conv1_pad', x, 2);
  x = l.conv('conv1', x, 64, 11, { stride: 4, activation: 'relu' });
  x = l.maxPool('pool1', x, 3, 2);
  x = l.conv('conv2', x, 192, 5, { padding: 'same', activation: 'relu' });
  x = l.maxPool('pool2', x, 3, 2);
  x = l.conv('conv3', x, 384, 3, { padding: 'same', activation: 'relu' });
  x = l.conv('conv4', x, 256, 3, { padding: 'same', activation: 'relu' });
  x = l.conv('conv5', x, 256, 3, { padding: 'same', activation: 'relu' });
  x = l.maxPool('pool5', x, 3, 2);
  x = l.flatten('flatten', x);
  x = l.dropout('drop6', x, 0.5);
  x = l.dense('fc6', x, 4096, 'relu');
  x = l.dropout('drop7', x, 0.5);
  x = l.dense('fc7', x, 4096, 'relu');
  l.dense('fc8', x, 1000, 'softmax');
  return g.build();
}

// ---------------------------------------------------------------------------

function vgg(depth: 16 | 19): GraphDoc {
  const convsPerBlock = depth === 16 ? [2, 2, 3, 3, 3] : [2, 2, 4, 4, 4];
  const total = depth === 16 ? '138,357,544' : '143,667,240';
  const g = new GraphBuilder({
    name: `VGG${depth}`,
    description: `Oxford's Visual Geometry Group network with ${depth} weight layers: five blocks of 3×3 convolutions ('same', ReLU), each block ending in 2×2 max pooling, then three fully connected layers. Layer names and counts are those of Keras Applications' VGG${depth} (include_top=True): ${total} parameters, about 124 M of them in fc1, fc2 and predictions.`,
    meta: {
      year: 2014,
      paper: 'Simonyan, Zisserman — Very Deep Convolutional Networks for Large-Scale Image Recognition (ICLR 2015)',
      paperUrl: 'https://arxiv.org/abs/1409.1556',
      idea: 'Use only small 3×3 filters and go deep: two stacked 3×3 convolutions see a 5×5 region and three see 7×7, with fewer weights and more non-linearities than one large filter. The design is uniform and easy to read, but heavy: most parameters are in the fully connected head.',
      reference: `Keras Applications VGG${depth} (keras.applications.vgg${depth}.VGG${depth}, Keras 2.x documentation table: ${total} parameters)`,
      tags: ['classic', 'imagenet'],
    },
  });
  const l = new Layers(g);
  let x = l.input([224, 224, 3]);
  const filters = [64, 128, 256, 512, 512];
  convsPerBlock.forEach((n, b) => {
    for (let i = 1; i <= n; i++) x = l.conv(`block${b + 1}_conv${i}`, x, filters[b], 3, { padding: 'same', activation: 'relu' });
    x = l.maxPool(`block${b + 1}_pool`, x, 2, 2);
  });
  x = l.flatten('flatten', x);
  x = l.dense('fc1', x, 4096, 'relu');
  x = l.dense('fc2', x, 4096, 'relu');
  l.dense('predictions', x, 1000, 'softmax');
  return g.build();
}
export const vgg16 = () => vgg(16);
export const vgg19 = () => vgg(19);

// ---------------------------------------------------------------------------

/** torchvision BasicConv2d: Conv (no bias) → BatchNorm(eps 0.001) → ReLU. */
function basicConv(l: Layers, name: string, x: Ref, filters: number, kernel: number, o: { stride?: number; padding?: 'same' | 'valid'; col?: number } = {}): Ref {
  x = l.conv(`${name}.conv`, x, filters, kernel, { stride: o.stride, padding: o.padding ?? 'same', useBias: false, col: o.col });
  x = l.batchNorm(`${name}.bn`, x, 0.001, TORCH_MOMENTUM);
  return l.relu(`${name}.relu`, x);
}

function inception(l: Layers, name: string, x: Ref, c1: number, c3r: number, c3: number, c5r: number, c5: number, pool: number): Ref {
  const base = l.g.colOf(x);
  const b1 = basicConv(l, `${name}.branch1`, x, c1, 1, { col: base - 1.5 });
  let b2 = basicConv(l, `${name}.branch2.0`, x, c3r, 1, { col: base - 0.5 });
  b2 = basicConv(l, `${name}.branch2.1`, b2, c3, 3);
  let b3 = basicConv(l, `${name}.branch3.0`, x, c5r, 1, { col: base + 0.5 });
  // torchvision uses 3×3 here although the paper's branch is 5×5 (pytorch/vision#906).
  b3 = basicConv(l, `${name}.branch3.1`, b3, c5, 3);
  let b4 = l.maxPool(`${name}.branch4.0`, x, 3, 1, 'same', base + 1.5);
  b4 = basicConv(l, `${name}.branch4.1`, b4, pool, 1);
  return l.concat(`${name}.concat`, [b1, b2, b3, b4], base);
}

export function googlenet(): GraphDoc {
  const g = new GraphBuilder({
    name: 'GoogLeNet (Inception v1)',
    description:
      'Nine Inception modules: in each, four parallel branches — a 1×1 convolution, a 1×1 reduction then 3×3, a 1×1 reduction then a wider-window convolution, and 3×3 max pooling then 1×1 — joined by Concatenate along channels. This is torchvision\'s GoogLeNet without the auxiliary classifiers (as returned with pretrained weights): every convolution is followed by BatchNorm (eps 0.001), and, as in torchvision, the third branch uses a 3×3 convolution where the paper has 5×5 (a known torchvision quirk, pytorch/vision#906, kept so that the count matches). Strided convolutions and ceil-mode poolings are reproduced with ZeroPadding2D + \'valid\' and \'same\' pooling (identical at 224×224); the fixed input re-normalisation (transform_input) has no parameters and is left out. ' +
      TORCH_BN_NOTE,
    meta: {
      year: 2014,
      paper: 'Szegedy et al. — Going Deeper with Convolutions (CVPR 2015)',
      paperUrl: 'https://arxiv.org/abs/1409.4842',
      idea: 'Instead of choosing one filter size, an Inception module runs 1×1, 3×3 and 5×5 convolutions and pooling side by side and concatenates the results, so each layer sees several scales at once. Cheap 1×1 convolutions shrink the channels before the expensive filters, which keeps a 22-layer network at about 7 M parameters, 20 times fewer than VGG.',
      reference: 'torchvision.models.googlenet, torchvision 0.13+ (GoogLeNet_Weights.IMAGENET1K_V1 meta num_params = 6,624,904 = our trainable count)',
      tags: ['classic', 'imagenet', 'branches'],
    },
  });
  const l = new Layers(g);
  let x = l.input([224, 224, 3]);
  x = l.zeroPad('conv1.pad', x, 3);
  x = basicConv(l, 'conv1', x, 64, 7, { stride: 2, padding: 'valid' });
  x = l.maxPool('maxpool1', x, 3, 2, 'same');
  x = basicConv(l, 'conv2', x, 64, 1);
  x = basicConv(l, 'conv3', x, 192, 3);
  x = l.maxPool('maxpool2', x, 3, 2, 'same');
  x = inception(l, 'inception3a', x, 64, 96, 128, 16, 32, 32);
  x = inception(l, 'inception3b', x, 128, 128, 192, 32, 96, 64);
  x = l.maxPool('maxpool3', x, 3, 2, 'same');
  x = inception(l, 'inception4a', x, 192, 96, 208, 16, 48, 64);
  x = inception(l, 'inception4b', x, 160, 112, 224, 24, 64, 64);
  x = inception(l, 'inception4c', x, 128, 128, 256, 24, 64, 64);
  x = inception(l, 'inception4d', x, 112, 144, 288, 32, 64, 64);
  x = inception(l, 'inception4e', x, 256, 160, 320, 32, 128, 128);
  x = l.maxPool('maxpool4', x, 2, 2, 'valid');
  x = inception(l, 'inception5a', x, 256, 160, 320, 32, 128, 128);
  x = inception(l, 'inception5b', x, 384, 192, 384, 48, 128, 128);
  x = l.globalAvgPool('avgpool', x);
  x = l.dropout('dropout', x, 0.2);
  l.dense('fc', x, 1000, 'softmax');
  return g.build();
}

// ---------------------------------------------------------------------------

/** torchvision ResNet-18/34 BasicBlock. */
function torchBasicBlock(l: Layers, name: string, x: Ref, filters: number, stride: number, downsample: boolean): Ref {
  // The residual branch gets its own column; the skip path (identity or
  // projection) and the Add stay in the block input's column, so the skip is
  // one straight line.
  const base = l.g.colOf(x);
  let y = x;
  if (stride > 1) {
    y = l.zeroPad(`${name}.pad`, y, 1, base + 1);
    y = l.conv(`${name}.conv1`, y, filters, 3, { stride, padding: 'valid', useBias: false });
  } else y = l.conv(`${name}.conv1`, y, filters, 3, { padding: 'same', useBias: false, col: base + 1 });
  y = l.batchNorm(`${name}.bn1`, y, TORCH_EPS, TORCH_MOMENTUM);
  y = l.relu(`${name}.relu1`, y);
  y = l.conv(`${name}.conv2`, y, filters, 3, { padding: 'same', useBias: false });
  y = l.batchNorm(`${name}.bn2`, y, TORCH_EPS, TORCH_MOMENTUM);
  let s = x;
  if (downsample) {
    s = l.conv(`${name}.downsample.0`, x, filters, 1, { stride, padding: 'valid', useBias: false, col: base });
    s = l.batchNorm(`${name}.downsample.1`, s, TORCH_EPS, TORCH_MOMENTUM);
  }
  const sum = l.add(`${name}.add`, [y, s], base);
  return l.relu(`${name}.relu2`, sum);
}

function torchResnet(depth: 18 | 34): GraphDoc {
  const blocks = depth === 18 ? [2, 2, 2, 2] : [3, 4, 6, 3];
  const count = depth === 18 ? '11,689,512' : '21,797,672';
  const g = new GraphBuilder({
    name: `ResNet-${depth}`,
    description:
      `torchvision's ResNet-${depth}: a 7×7 stem, then four stages of basic residual blocks (${blocks.join(', ')} blocks of two 3×3 convolutions with 64, 128, 256, 512 filters); each block adds its input back through a skip connection (Add), with a 1×1 strided convolution + BatchNorm on the skip where the shape changes. Convolutions have no bias (BatchNorm follows each). PyTorch's padding of the strided layers is written as ZeroPadding2D + 'valid'; the zero padding before max pooling is exact because its input is non-negative (after ReLU). A softmax is added to fc (torchvision returns logits). ` +
      TORCH_BN_NOTE,
    meta: {
      year: 2015,
      paper: 'He, Zhang, Ren, Sun — Deep Residual Learning for Image Recognition (CVPR 2016)',
      paperUrl: 'https://arxiv.org/abs/1512.03385',
      idea: 'Each block learns only a correction F(x) that is added to its input, y = x + F(x). Because the identity path lets signals and gradients pass straight through, networks of 100+ layers train as easily as shallow ones, and deeper finally means better.',
      reference: `torchvision.models.resnet${depth}, torchvision 0.13+ (ResNet${depth}_Weights.IMAGENET1K_V1 meta num_params = ${count} = our trainable count)`,
      tags: ['classic', 'imagenet', 'residual'],
    },
  });
  const l = new Layers(g);
  let x = l.input([224, 224, 3]);
  x = l.zeroPad('conv1_pad', x, 3);
  x = l.conv('conv1', x, 64, 7, { stride: 2, padding: 'valid', useBias: false });
  x = l.batchNorm('bn1', x, TORCH_EPS, TORCH_MOMENTUM);
  x = l.relu('relu', x);
  x = l.zeroPad('maxpool_pad', x, 1);
  x = l.maxPool('maxpool', x, 3, 2, 'valid');
  const filters = [64, 128, 256, 512];
  blocks.forEach((n, s) => {
    for (let b = 0; b < n; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      x = torchBasicBlock(l, `layer${s + 1}.${b}`, x, filters[s], stride, s > 0 && b === 0);
    }
  });
  x = l.globalAvgPool('avgpool', x);
  l.dense('fc', x, 1000, 'softmax');
  return g.build();
}
export const resnet18 = () => torchResnet(18);
export const resnet34 = () => torchResnet(34);

// ---------------------------------------------------------------------------

/** Keras Applications ResNet v1 bottleneck block (keras.applications.resnet.block1). */
function kerasBottleneck(l: Layers, name: string, x: Ref, filters: number, stride: number, convShortcut: boolean): Ref {
  // Residual branch in its own column; skip path and Add in the input's column.
  const base = l.g.colOf(x);
  let s = x;
  if (convShortcut) {
    s = l.conv(`${name}_0_conv`, x, 4 * filters, 1, { stride, col: base });
    s = l.batchNorm(`${name}_0_bn`, s, KERAS_RESNET_EPS);
  }
  let y = l.conv(`${name}_1_conv`, x, filters, 1, { stride, col: base + 1 });
  y = l.batchNorm(`${name}_1_bn`, y, KERAS_RESNET_EPS);
  y = l.relu(`${name}_1_relu`, y);
  y = l.conv(`${name}_2_conv`, y, filters, 3, { padding: 'same' });
  y = l.batchNorm(`${name}_2_bn`, y, KERAS_RESNET_EPS);
  y = l.relu(`${name}_2_relu`, y);
  y = l.conv(`${name}_3_conv`, y, 4 * filters, 1);
  y = l.batchNorm(`${name}_3_bn`, y, KERAS_RESNET_EPS);
  const sum = l.add(`${name}_add`, [s, y], base);
  return l.relu(`${name}_out`, sum);
}

function kerasResnet(depth: 50 | 101 | 152): GraphDoc {
  const blocks = { 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] }[depth];
  const count = { 50: '25,636,712', 101: '44,707,176', 152: '60,419,944' }[depth];
  const g = new GraphBuilder({
    name: `ResNet-${depth}`,
    description: `Keras Applications' ResNet${depth} (v1): a 7×7 stem and four stages of bottleneck blocks (${blocks.join(', ')} blocks of 1×1 → 3×3 → 1×1 convolutions, 4× wider at the output), each added to its input by a skip connection; the first block of a stage has a 1×1 convolution + BatchNorm on the skip, and from the second stage on it downsamples with stride 2 in its first 1×1 convolution (as in the original Caffe model; torchvision's "v1.5" puts the stride in the 3×3). Keras' convolutions keep their biases, so the total (${count}) is higher than torchvision's resnet${depth}. BatchNorm's moving mean and variance are the non-trainable parameters.`,
    meta: {
      year: 2015,
      paper: 'He, Zhang, Ren, Sun — Deep Residual Learning for Image Recognition (CVPR 2016)',
      paperUrl: 'https://arxiv.org/abs/1512.03385',
      idea: 'Each block learns only a correction F(x) that is added to its input, y = x + F(x), so very deep networks still train. Bottleneck blocks squeeze the channels with a 1×1 convolution, do the 3×3 work on the thin tensor, and expand again, which keeps 50–152 layers affordable.',
      reference: `Keras Applications ResNet${depth} (keras.applications.resnet.ResNet${depth}, Keras 2.3+ documentation table: ${count} parameters)`,
      tags: ['classic', 'imagenet', 'residual'],
    },
  });
  const l = new Layers(g);
  let x = l.input([224, 224, 3]);
  x = l.zeroPad('conv1_pad', x, 3);
  x = l.conv('conv1_conv', x, 64, 7, { stride: 2 });
  x = l.batchNorm('conv1_bn', x, KERAS_RESNET_EPS);
  x = l.relu('conv1_relu', x);
  x = l.zeroPad('pool1_pad', x, 1);
  x = l.maxPool('pool1_pool', x, 3, 2);
  const filters = [64, 128, 256, 512];
  blocks.forEach((n, s) => {
    for (let b = 1; b <= n; b++) {
      const stride = s > 0 && b === 1 ? 2 : 1;
      x = kerasBottleneck(l, `conv${s + 2}_block${b}`, x, filters[s], stride, b === 1);
    }
  });
  x = l.globalAvgPool('avg_pool', x);
  l.dense('predictions', x, 1000, 'softmax');
  return g.build();
}
export const resnet50 = () => kerasResnet(50);
export const resnet101 = () => kerasResnet(101);
export const resnet152 = () => kerasResnet(152);

// ---------------------------------------------------------------------------

export function densenet121(): GraphDoc {
  const blocks = [6, 12, 24, 16];
  const g = new GraphBuilder({
    name: 'DenseNet-121',
    description:
      'Keras Applications\' DenseNet121: a 7×7 stem, then four dense blocks (6, 12, 24, 16 layers). Each layer is BatchNorm → ReLU → 1×1 convolution (128 filters) → BatchNorm → ReLU → 3×3 convolution (32 filters, the growth rate), and its 32 new channels are concatenated to everything before it. Transition layers (BatchNorm, ReLU, 1×1 convolution halving the channels, 2×2 average pooling) connect the blocks. Convolutions have no bias. Keras names its layers "conv2_block1_1_conv" etc.; the stem\'s "conv1/conv" is written "conv1_conv" here because "/" separates name scopes in TensorFlow.js. 8,062,504 parameters, 83,648 of them non-trainable (BatchNorm moving statistics).',
    meta: {
      year: 2017,
      paper: 'Huang, Liu, van der Maaten, Weinberger — Densely Connected Convolutional Networks (CVPR 2017)',
      paperUrl: 'https://arxiv.org/abs/1608.06993',
      idea: 'Inside a dense block every layer receives the feature maps of all earlier layers, joined by Concatenate, and adds only a few new ones (the growth rate, here 32). Features are reused instead of relearned, so the network is accurate with few parameters: 8 M for 121 layers.',
      reference: 'Keras Applications DenseNet121 (keras.applications.densenet.DenseNet121, Keras 2.x documentation table: 8,062,504 parameters)',
      tags: ['classic', 'imagenet', 'dense'],
    },
  });
  const l = new Layers(g);
  let x = l.input([224, 224, 3]);
  x = l.zeroPad('zero_padding2d', x, 3);
  x = l.conv('conv1_conv', x, 64, 7, { stride: 2, useBias: false });
  x = l.batchNorm('conv1_bn', x, KERAS_RESNET_EPS);
  x = l.relu('conv1_relu', x);
  x = l.zeroPad('zero_padding2d_1', x, 1);
  x = l.maxPool('pool1', x, 3, 2);
  let channels = 64;
  blocks.forEach((n, bi) => {
    const stage = bi + 2;
    for (let i = 1; i <= n; i++) {
      const name = `conv${stage}_block${i}`;
      // The new layer's chain gets its own column; the concatenation (and the
      // identity path into it) stays in column 0.
      let y = l.batchNorm(`${name}_0_bn`, x, KERAS_RESNET_EPS, 0.99, 1);
      y = l.relu(`${name}_0_relu`, y);
      y = l.conv(`${name}_1_conv`, y, 128, 1, { useBias: false });
      y = l.batchNorm(`${name}_1_bn`, y, KERAS_RESNET_EPS);
      y = l.relu(`${name}_1_relu`, y);
      y = l.conv(`${name}_2_conv`, y, 32, 3, { padding: 'same', useBias: false });
      x = l.concat(`${name}_concat`, [x, y], 0);
      channels += 32;
    }
    if (bi < blocks.length - 1) {
      const name = `pool${stage}`;
      x = l.batchNorm(`${name}_bn`, x, KERAS_RESNET_EPS);
      x = l.relu(`${name}_relu`, x);
      channels = Math.floor(channels * 0.5);
      x = l.conv(`${name}_conv`, x, channels, 1, { useBias: false });
      x = l.avgPool(`${name}_pool`, x, 2, 2);
    }
  });
  x = l.batchNorm('bn', x, KERAS_RESNET_EPS);
  x = l.relu('relu', x);
  x = l.globalAvgPool('avg_pool', x);
  l.dense('predictions', x, 1000, 'softmax');
  return g.build();
}

// ---------------------------------------------------------------------------

export function mobilenetV2(): GraphDoc {
  const g = new GraphBuilder({
    name: 'MobileNetV2',
    description:
      'Keras Applications\' MobileNetV2 (alpha 1.0, 224×224): a 3×3 stride-2 stem and 17 inverted residual blocks. Each block expands the channels 6× with a 1×1 convolution, filters each channel on its own with a 3×3 depthwise convolution, and projects back down with a linear 1×1 convolution (no ReLU after it); when input and output shapes agree the block adds its input back. Activations are ReLU6 (ReLU capped at 6); stride-2 depthwise convolutions are preceded by ZeroPadding2D ((0, 1), (0, 1)) as in Keras. 3,538,984 parameters, 34,112 of them non-trainable (BatchNorm moving statistics).',
    meta: {
      year: 2018,
      paper: 'Sandler, Howard, Zhu, Zhmoginov, Chen — MobileNetV2: Inverted Residuals and Linear Bottlenecks (CVPR 2018)',
      paperUrl: 'https://arxiv.org/abs/1801.04381',
      idea: 'A depthwise convolution filters each channel separately and a 1×1 convolution mixes channels, together about 9 times cheaper than a full 3×3 convolution. MobileNetV2 wraps this in "inverted residual" blocks that widen, filter and narrow again, with the skip connection between the narrow ends, to run on phones.',
      reference: 'Keras Applications MobileNetV2 (keras.applications.mobilenet_v2.MobileNetV2, alpha=1.0; Keras 2.3+ documentation table and source docstring: 3,538,984 parameters)',
      tags: ['classic', 'imagenet', 'mobile', 'residual'],
    },
  });
  const l = new Layers(g);
  const EPS = 1e-3;
  const MOM = 0.999;
  let x = l.input([224, 224, 3]);
  x = l.conv('Conv1', x, 32, 3, { stride: 2, padding: 'same', useBias: false });
  x = l.batchNorm('bn_Conv1', x, EPS, MOM);
  x = l.relu('Conv1_relu', x, 6);
  let channels = 32;
  const spec: [filters: number, stride: number, expansion: number][] = [
    [16, 1, 1],
    [24, 2, 6], [24, 1, 6],
    [32, 2, 6], [32, 1, 6], [32, 1, 6],
    [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6],
    [96, 1, 6], [96, 1, 6], [96, 1, 6],
    [160, 2, 6], [160, 1, 6], [160, 1, 6],
    [320, 1, 6],
  ];
  spec.forEach(([filters, stride, expansion], id) => {
    const p = id === 0 ? 'expanded_conv_' : `block_${id}_`;
    const inp = x;
    const base = l.g.colOf(inp);
    // The block's body gets its own column when the skip connection bypasses it.
    const residual = channels === filters && stride === 1;
    const col = residual ? base + 1 : base;
    let y = inp;
    if (id > 0) {
      y = l.conv(`${p}expand`, y, expansion * channels, 1, { padding: 'same', useBias: false, col });
      y = l.batchNorm(`${p}expand_BN`, y, EPS, MOM);
      y = l.relu(`${p}expand_relu`, y, 6);
    }
    if (stride === 2) y = l.zeroPad(`${p}pad`, y, [[0, 1], [0, 1]], col);
    y = l.depthwise(`${p}depthwise`, y, 3, { stride, padding: stride === 1 ? 'same' : 'valid', useBias: false, col });
    y = l.batchNorm(`${p}depthwise_BN`, y, EPS, MOM);
    y = l.relu(`${p}depthwise_relu`, y, 6);
    y = l.conv(`${p}project`, y, filters, 1, { padding: 'same', useBias: false });
    y = l.batchNorm(`${p}project_BN`, y, EPS, MOM);
    x = residual ? l.add(`${p}add`, [inp, y], base) : y;
    channels = filters;
  });
  x = l.conv('Conv_1', x, 1280, 1, { useBias: false, col: 0 });
  x = l.batchNorm('Conv_1_bn', x, EPS, MOM);
  x = l.relu('out_relu', x, 6);
  x = l.globalAvgPool('global_average_pooling2d', x);
  l.dense('predictions', x, 1000, 'softmax');
  return g.build();
}

// ---------------------------------------------------------------------------

export function mlp224(): GraphDoc {
  const g = new GraphBuilder({
    name: 'MLP on 224×224 images',
    description:
      'A plain multilayer perceptron on the same 224×224×3 input as the ImageNet networks: Flatten, two hidden Dense layers of 512 units, and a 1000-class softmax. The first Dense layer alone has (150,528 + 1) × 512 = 77,070,848 weights — more than all of AlexNet — yet it has no idea that neighbouring pixels belong together, and what it learns at one position does not carry over to another. Compare ResNet-50: 25.6 M parameters, far more accurate. Not meant to be trained here; it is here for its numbers.',
    meta: {
      year: 1986,
      paper: 'Rumelhart, Hinton, Williams — Learning representations by back-propagating errors (Nature 323)',
      paperUrl: 'https://doi.org/10.1038/323533a0',
      idea: 'A fully connected layer gives every output its own weight for every input pixel, so on images the weight count explodes with the resolution. Convolutions instead reuse one small filter everywhere: that weight sharing, plus locality, is why CNNs suit images and MLPs do not.',
      reference: 'No external implementation: each count is the Dense formula (inputs + 1) × units, checked against TensorFlow.js countParams() in the tests.',
      tags: ['baseline'],
    },
  });
  const l = new Layers(g);
  let x = l.input([224, 224, 3]);
  x = l.flatten('flatten', x);
  x = l.dense('dense_1', x, 512, 'relu');
  x = l.dense('dense_2', x, 512, 'relu');
  l.dense('predictions', x, 1000, 'softmax');
  return g.build();
}
