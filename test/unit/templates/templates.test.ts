/**
 * Every template parses, analyses with zero errors, and has exactly the
 * parameter counts of the reference implementation it names, with the output
 * shape of that reference. Receptive fields are checked against the published
 * table of Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional
 * Neural Networks", Distill 2019 (https://distill.pub/2019/computing-receptive-fields/),
 * as listed in their library's README and RECEPTIVE_FIELD_TABLE.md
 * (github.com/google-research/receptive_field), computed there on the TF-Slim
 * models alexnet_v2, vgg_16 and resnet_v1_50/101/152 at 224×224.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../engine/analysis/analyze';
import type { GraphAnalysis } from '../../../engine/analysis/types';
import { parseGraphJson } from '../../../engine/graph/parse';
import type { GraphDoc } from '../../../engine/graph/doc';
import { getTemplateInfo, listTemplates, loadTemplate } from '../../../engine/templates/index';

const root = join(__dirname, '..', '..', '..');

interface Reference {
  total: number;
  trainable: number;
  nonTrainable: number;
  output: number[];
}

/**
 * The reference integers, each from the source named beside it (the same
 * source is named in the template's meta.reference).
 *
 * Keras: the Applications table of the Keras 2.x documentation
 * (keras-team/keras docs/templates/applications.md: VGG16 138,357,544,
 * VGG19 143,667,240, ResNet50 25,636,712, DenseNet121 8,062,504; the Keras
 * 2.3 table adds ResNet101 44,707,176, ResNet152 60,419,944, MobileNetV2
 * 3,538,984), and model.summary() of keras.applications for the
 * trainable / non-trainable split (ResNet50 53,120; ResNet101 105,344;
 * ResNet152 151,424; DenseNet121 83,648; MobileNetV2 34,112 non-trainable).
 *
 * torchvision: the `num_params` of each model's IMAGENET1K_V1 weights meta in
 * torchvision/models/*.py (0.13+): alexnet 61,100,840, googlenet 6,624,904,
 * resnet18 11,689,512, resnet34 21,797,672. These are sum(p.numel()) over
 * model.parameters(), which excludes BatchNorm running mean/var (buffers):
 * they equal our TRAINABLE count; our non-trainable count is those buffers,
 * 2 × the BatchNorm channels, counted from the torchvision source:
 *  - ResNet-18: bn1 64 + layer1 4×64 + layer2 (4×128 + 128 downsample)
 *    + layer3 (4×256 + 256) + layer4 (4×512 + 512) = 4,800;
 *  - ResNet-34: 64 + 6×64 + (8×128 + 128) + (12×256 + 256) + (6×512 + 512) = 8,512;
 *  - GoogLeNet: conv1-3 64 + 64 + 192, plus per Inception module the sum of
 *    its six conv widths (3a 368, 3b 640, 4a 624, 4b 648, 4c 664, 4d 704,
 *    4e 1,024, 5a 1,024, 5b 1,264) = 7,280.
 */
const REFERENCES: Record<string, Reference> = {
  // LeNet-5: the d2l.ai LeNet (Conv2d(1,6,5,padding=2), AvgPool, Conv2d(6,16,5), AvgPool,
  // Linear(400,120), Linear(120,84), Linear(84,10)): 156 + 2,416 + 48,120 + 10,164 + 850;
  // per-layer counts against the paper below.
  lenet5: { total: 61_706, trainable: 61_706, nonTrainable: 0, output: [10] },
  // torchvision alexnet (AlexNet_Weights.IMAGENET1K_V1 num_params).
  alexnet: { total: 61_100_840, trainable: 61_100_840, nonTrainable: 0, output: [1000] },
  // Keras Applications VGG16 / VGG19.
  vgg16: { total: 138_357_544, trainable: 138_357_544, nonTrainable: 0, output: [1000] },
  vgg19: { total: 143_667_240, trainable: 143_667_240, nonTrainable: 0, output: [1000] },
  // torchvision googlenet (GoogLeNet_Weights.IMAGENET1K_V1 num_params = trainable).
  googlenet: { total: 6_624_904 + 2 * 7_280, trainable: 6_624_904, nonTrainable: 2 * 7_280, output: [1000] },
  // torchvision resnet18 / resnet34 (num_params = trainable).
  resnet18: { total: 11_689_512 + 2 * 4_800, trainable: 11_689_512, nonTrainable: 2 * 4_800, output: [1000] },
  resnet34: { total: 21_797_672 + 2 * 8_512, trainable: 21_797_672, nonTrainable: 2 * 8_512, output: [1000] },
  // Keras Applications ResNet50 / ResNet101 / ResNet152 (v1).
  resnet50: { total: 25_636_712, trainable: 25_583_592, nonTrainable: 53_120, output: [1000] },
  resnet101: { total: 44_707_176, trainable: 44_601_832, nonTrainable: 105_344, output: [1000] },
  resnet152: { total: 60_419_944, trainable: 60_268_520, nonTrainable: 151_424, output: [1000] },
  // Keras Applications DenseNet121 and MobileNetV2 (alpha 1.0).
  densenet121: { total: 8_062_504, trainable: 7_978_856, nonTrainable: 83_648, output: [1000] },
  'mobilenet-v2': { total: 3_538_984, trainable: 3_504_872, nonTrainable: 34_112, output: [1000] },
  // Plain MLP: (150,528 + 1)×512 + (512 + 1)×512 + (512 + 1)×1000 by the Dense formula.
  'mlp-224': { total: 150_529 * 512 + 513 * 512 + 513 * 1000, trainable: 77_846_504, nonTrainable: 0, output: [1000] },
  // Small CNN: (9+1)×32 + (9×32+1)×64 + (5×5×64+1)×128 + (128+1)×10.
  'mnist-cnn': { total: 10 * 32 + 289 * 64 + 1601 * 128 + 129 * 10, trainable: 225_034, nonTrainable: 0, output: [10] },
  // Keras example cifar10_cnn.py: model.summary() "Total params: 1,250,858".
  'cifar10-cnn': { total: 1_250_858, trainable: 1_250_858, nonTrainable: 0, output: [10] },
  // Keras example cifar10_resnet.py, ResNet20v1: 274,442 / 273,066 / 1,376.
  'resnet20-cifar': { total: 274_442, trainable: 273_066, nonTrainable: 1_376, output: [10] },
  // Dilated: (9+1)×16 + 4×(9×16+1)×16 + (16+1)×10.
  'dilated-context': { total: 160 + 4 * 2_320 + 170, trainable: 9_610, nonTrainable: 0, output: [10] },
  // keras.io example "Convolutional autoencoder for image denoising": "Total params: 28,353".
  'conv-autoencoder': { total: 28_353, trainable: 28_353, nonTrainable: 0, output: [28, 28, 1] },
};

const analyses = new Map<string, { doc: GraphDoc; a: GraphAnalysis }>();
function analysed(id: string) {
  let r = analyses.get(id);
  if (!r) {
    const text = readFileSync(join(root, 'templates', `${id}.json`), 'utf8');
    const parsed = parseGraphJson(text);
    if (!parsed.ok) throw new Error(`${id}: ${parsed.message}`);
    r = { doc: parsed.value, a: analyzeGraph(parsed.value) };
    analyses.set(id, r);
  }
  return r;
}

/** Receptive field of a named layer: [size, effective stride, start]. */
function rfOf(id: string, layer: string) {
  const { a } = analysed(id);
  const n = Object.values(a.nodes).find((x) => x.name === layer);
  if (!n) throw new Error(`${id}: no layer ${layer}`);
  const rf = n.receptiveField!;
  expect(rf, `${id} ${layer}`).toBeTruthy();
  expect(rf.size[0]).toBe(rf.size[1]);
  return { size: rf.size[0], stride: rf.stride[0], start: rf.start[0], global: !!rf.global };
}

describe('templates', () => {
  it('every template has a reference row, and every row a template', () => {
    expect(Object.keys(REFERENCES).sort()).toEqual(listTemplates().map((t) => t.id).sort());
  });

  describe.each(listTemplates().map((t) => [t.id, t] as const))('%s', (id, info) => {
    it('parses with no problems and no ignored fields', () => {
      const parsed = parseGraphJson(readFileSync(join(root, info.file), 'utf8'));
      expect(parsed.ok ? [] : parsed.message).toEqual([]);
      if (parsed.ok) expect(parsed.warnings).toEqual([]);
    });

    it('analyses with zero errors', () => {
      const { a } = analysed(id);
      expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
      expect(a.outputIds).toHaveLength(1);
    });

    it('has the reference parameter counts and output shape', () => {
      const ref = REFERENCES[id];
      const { a } = analysed(id);
      expect(a.totals.params).toBe(ref.total);
      expect(a.totals.trainable).toBe(ref.trainable);
      expect(a.totals.nonTrainable).toBe(ref.nonTrainable);
      expect(ref.trainable + ref.nonTrainable).toBe(ref.total);
      expect(a.nodes[a.outputIds[0]].outputShape).toEqual(ref.output);
    });

    it('carries the gallery text: year, paper, idea, input size, reference', () => {
      const { doc, a } = analysed(id);
      expect(doc.description!.length).toBeGreaterThan(80);
      expect(doc.meta!.year).toBeGreaterThan(1980);
      expect(doc.meta!.paper!.length).toBeGreaterThan(10);
      expect(doc.meta!.paperUrl).toMatch(/^https?:\/\//);
      expect(doc.meta!.idea!.split(/[.!?](\s|$)/).filter((s) => s.trim().length > 0).length).toBeGreaterThanOrEqual(2);
      expect(doc.meta!.reference!.length).toBeGreaterThan(20);
      expect(a.nodes[a.inputId!].outputShape).toEqual(info.inputShape);
    });

    it('loads through loadTemplate as the same document, a fresh copy each time', async () => {
      const first = await loadTemplate(id);
      expect(first).toEqual(analysed(id).doc);
      first.nodes.pop();
      expect((await loadTemplate(id)).nodes.length).toBe(info.layers);
    });
  });

  it('loadTemplate rejects an unknown id, naming the valid ones', async () => {
    await expect(loadTemplate('resnet-9000')).rejects.toThrow(/Unknown template "resnet-9000".*resnet50/);
    expect(getTemplateInfo('resnet-9000')).toBeUndefined();
  });

  // Reference implementations' structure, beyond the totals.
  it('LeNet-5 matches the paper layer by layer where the architecture is the same (C1 156, C5 48,120, F6 10,164)', () => {
    const { a } = analysed('lenet5');
    const by = (name: string) => Object.values(a.nodes).find((n) => n.name === name)!;
    expect(by('c1').paramCount).toBe(156);
    expect(by('c1').outputShape).toEqual([28, 28, 6]);
    expect(by('s2').outputShape).toEqual([14, 14, 6]);
    expect(by('c3').outputShape).toEqual([10, 10, 16]);
    expect(by('s4').outputShape).toEqual([5, 5, 16]);
    expect(by('c5').paramCount).toBe(48_120);
    expect(by('f6').paramCount).toBe(10_164);
  });

  it('ImageNet stems have the reference shapes (PyTorch padding reproduced)', () => {
    const shape = (id: string, layer: string) => Object.values(analysed(id).a.nodes).find((n) => n.name === layer)!.outputShape;
    expect(shape('alexnet', 'conv1')).toEqual([55, 55, 64]);
    expect(shape('alexnet', 'pool5')).toEqual([6, 6, 256]);
    expect(shape('resnet18', 'maxpool')).toEqual([56, 56, 64]);
    expect(shape('resnet18', 'layer2.0.conv1')).toEqual([28, 28, 128]);
    expect(shape('resnet18', 'layer4.1.relu2')).toEqual([7, 7, 512]);
    expect(shape('googlenet', 'maxpool1')).toEqual([56, 56, 64]);
    expect(shape('googlenet', 'inception3a.concat')).toEqual([28, 28, 256]);
    expect(shape('googlenet', 'inception5b.concat')).toEqual([7, 7, 1024]);
    expect(shape('resnet50', 'conv5_block3_out')).toEqual([7, 7, 2048]);
    expect(shape('densenet121', 'relu')).toEqual([7, 7, 1024]);
    expect(shape('mobilenet-v2', 'out_relu')).toEqual([7, 7, 1280]);
  });
});

describe('multiply-adds against torchvision', () => {
  // torchvision's weights meta "_ops" (GFLOPS in its docs table) counts the
  // multiply-adds of the convolution and linear layers, in billions, rounded
  // (alexnet 0.714, vgg16 15.47, vgg19 19.632, googlenet 1.498, resnet18
  // 1.814, resnet34 3.664; torchvision/models/*.py, 0.13+). Keras VGG16/19
  // have the same layers as torchvision's vgg16/vgg19.
  it.each([
    ['alexnet', 0.714, 3],
    ['vgg16', 15.47, 2],
    ['vgg19', 19.632, 3],
    ['googlenet', 1.498, 3],
    ['resnet18', 1.814, 3],
    ['resnet34', 3.664, 3],
  ])('%s: %f G conv + linear multiply-adds', (id, gmacs, digits) => {
    const { a } = analysed(id as string);
    const macs = Object.values(a.nodes)
      .filter((n) => n.type === 'conv2d' || n.type === 'dense')
      .reduce((s, n) => s + n.macs, 0);
    expect(Number((macs / 1e9).toFixed(digits as number))).toBe(gmacs);
  });
});

describe('receptive fields against Araujo et al. (Distill 2019)', () => {
  // alexnet_v2 (TF-Slim): conv1 11, pool1 19, conv2 51, conv3 99, conv4 131,
  // conv5 163, pool5 195; effective strides 4, 8, 8, 16, 16, 16, 32; effective
  // padding 0, 0, 16, 32, 48, 64, 64. torchvision's AlexNet has the same
  // kernels and strides, so sizes and strides are equal; it pads conv1 by 2
  // where alexnet_v2 does not, so its effective padding is 2 more throughout.
  it.each([
    ['conv1', 11, 4, 0],
    ['pool1', 19, 8, 0],
    ['conv2', 51, 8, 16],
    ['conv3', 99, 16, 32],
    ['conv4', 131, 16, 48],
    ['conv5', 163, 16, 64],
    ['pool5', 195, 32, 64],
  ])('AlexNet %s: %i px, stride %i', (layer, size, stride, slimPad) => {
    const rf = rfOf('alexnet', layer as string);
    expect(rf.size).toBe(size);
    expect(rf.stride).toBe(stride);
    // start = (size − 1)/2 − effective padding
    expect(rf.start).toBe(((size as number) - 1) / 2 - ((slimPad as number) + 2));
  });

  // vgg_16 at 224: the same layers as Keras VGG16 ('same' 3×3 pads 1 on each side).
  it.each([
    ['block1_conv1', 3, 1, 1],
    ['block1_pool', 6, 2, 2],
    ['block2_conv1', 10, 2, 4],
    ['block2_pool', 16, 4, 6],
    ['block3_conv1', 24, 4, 10],
    ['block3_conv2', 32, 4, 14],
    ['block3_pool', 44, 8, 18],
    ['block4_conv1', 60, 8, 26],
    ['block4_conv2', 76, 8, 34],
    ['block4_pool', 100, 16, 42],
    ['block5_conv1', 132, 16, 58],
    ['block5_conv2', 164, 16, 74],
    ['block5_pool', 212, 32, 90],
  ])('VGG16 %s: %i px, stride %i, padding %i', (layer, size, stride, pad) => {
    const rf = rfOf('vgg16', layer as string);
    expect(rf.size).toBe(size);
    expect(rf.stride).toBe(stride);
    expect(rf.start).toBe(((size as number) - 1) / 2 - (pad as number));
  });

  // resnet_v1_50/101/152 block1..block4 sizes 35, 99, 291, 483 (101: 35, 99,
  // 835, 1027; 152: 35, 163, 1315, 1507), final effective stride 32. TF-Slim
  // downsamples at the end of each block (3×3 conv of the last unit), Keras at
  // the start of the next stage (first 1×1 conv): the stage outputs have the
  // same sizes but strides 8/16/32 there vs 4/8/16 here; after the last stage
  // both are 32. Effective padding depends on the variant's padding (Slim 239
  // vs Keras 241 at 224) and is not compared.
  it.each([
    ['resnet50', 'conv2_block3_out', 35, 4],
    ['resnet50', 'conv3_block4_out', 99, 8],
    ['resnet50', 'conv4_block6_out', 291, 16],
    ['resnet50', 'conv5_block3_out', 483, 32],
    ['resnet101', 'conv4_block23_out', 835, 16],
    ['resnet101', 'conv5_block3_out', 1027, 32],
    ['resnet152', 'conv3_block8_out', 163, 8],
    ['resnet152', 'conv4_block36_out', 1315, 16],
    ['resnet152', 'conv5_block3_out', 1507, 32],
  ])('%s %s: %i px', (id, layer, size, stride) => {
    const rf = rfOf(id as string, layer as string);
    expect(rf.size).toBe(size);
    expect(rf.stride).toBe(stride);
  });

  it('after global pooling / Flatten every unit sees the whole image', () => {
    expect(rfOf('resnet50', 'avg_pool').global).toBe(true);
    expect(rfOf('vgg16', 'fc1').global).toBe(true);
  });

  it('dilated template grows 3 → 5 → 9 → 17 → 33 without downsampling (r += (k−1)·d)', () => {
    const sizes = ['conv1_d1', 'conv2_d1', 'conv3_d2', 'conv4_d4', 'conv5_d8'].map((l) => rfOf('dilated-context', l));
    expect(sizes.map((r) => r.size)).toEqual([3, 5, 9, 17, 33]);
    expect(sizes.map((r) => r.stride)).toEqual([1, 1, 1, 1, 1]);
  });
});
