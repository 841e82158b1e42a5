/**
 * Published references for the MobileNet layer kinds (DepthwiseConv2D,
 * BatchNorm, ReLU6, ZeroPadding2D, Add): MobileNet v1 and v2 rebuilt exactly as
 * keras.applications builds them (mobilenet.py, mobilenet_v2.py, alpha 1,
 * 224×224×3, 1,000 classes) must have Keras' parameter counts, and the
 * multiply-adds of their convolutions and classifier the papers' (v1: 569 M,
 * Howard et al. 2017, Table 8; v2: 300 M, Sandler et al. 2018, Table 4).
 */
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../engine/analysis';
import { graph, type NodeRef } from '../../helpers/graph-builder';

const bnRelu6 = (x: NodeRef) => x.batchNorm().relu({ maxValue: 6 });

/** ZeroPadding2D(((0,1),(0,1))) then a 'valid' stride-2 depthwise conv, as Keras pads for even inputs. */
const depthwise = (x: NodeRef, stride: number) =>
  stride === 1
    ? x.depthwiseConv2d({ kernel: 3, stride: 1, padding: 'same', useBias: false })
    : x.zeroPadding2d({ top: 0, bottom: 1, left: 0, right: 1 }).depthwiseConv2d({ kernel: 3, stride: 2, padding: 'valid', useBias: false });

/** Multiply-adds of the convolutions and the classifier: what the papers count. */
function convAndFcMacs(a: ReturnType<typeof analyzeGraph>): number {
  return Object.values(a.nodes)
    .filter((n) => ['conv2d', 'depthwise-conv2d', 'dense'].includes(n.type))
    .reduce((s, n) => s + n.macs, 0);
}

describe('published counts', () => {
  it('MobileNet v1 (Keras: 4,253,864 parameters, 21,888 non-trainable; paper: 569 M mult-adds)', () => {
    const g = graph();
    let x = bnRelu6(g.input([224, 224, 3]).conv2d({ filters: 32, kernel: 3, stride: 2, padding: 'same', useBias: false }));
    const blocks: [number, number][] = [
      [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
      [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
    ];
    for (const [filters, stride] of blocks) {
      x = bnRelu6(depthwise(x, stride));
      x = bnRelu6(x.conv2d({ filters, kernel: 1, useBias: false }));
    }
    // Keras' top: GlobalAveragePooling2D(keepdims) → Dropout → 1×1 Conv2D(1000) → Reshape → softmax.
    x.globalAvgPool2d().reshape({ targetShape: [1, 1, 1024] }).dropout({ rate: 0.001 }).conv2d({ filters: 1000, kernel: 1 }).reshape({ targetShape: [1000] }).softmax();
    const a = analyzeGraph(g.doc);
    expect(a.issues).toEqual([]);
    expect(a.totals.params).toBe(4_253_864);
    expect(a.totals.nonTrainable).toBe(21_888);
    expect(Math.abs(convAndFcMacs(a) / 1e6 - 569)).toBeLessThan(1);
  });

  it('MobileNet v2 (Keras: 3,538,984 parameters, 34,112 non-trainable; paper: 300 M multiply-adds)', () => {
    const g = graph();
    let x = bnRelu6(g.input([224, 224, 3]).conv2d({ filters: 32, kernel: 3, stride: 2, padding: 'same', useBias: false }));
    let channels = 32;
    const blocks: [number, number, number][] = [
      [16, 1, 1], [24, 2, 6], [24, 1, 6], [32, 2, 6], [32, 1, 6], [32, 1, 6], [64, 2, 6], [64, 1, 6], [64, 1, 6],
      [64, 1, 6], [96, 1, 6], [96, 1, 6], [96, 1, 6], [160, 2, 6], [160, 1, 6], [160, 1, 6], [320, 1, 6],
    ];
    blocks.forEach(([filters, stride, expansion], id) => {
      const input = x;
      let y = id === 0 ? x : bnRelu6(x.conv2d({ filters: expansion * channels, kernel: 1, useBias: false }));
      y = bnRelu6(depthwise(y, stride));
      y = y.conv2d({ filters, kernel: 1, useBias: false }).batchNorm();
      x = channels === filters && stride === 1 ? g.add(input, y) : y;
      channels = filters;
    });
    bnRelu6(x.conv2d({ filters: 1280, kernel: 1, useBias: false })).globalAvgPool2d().dense({ units: 1000, activation: 'softmax' });
    const a = analyzeGraph(g.doc);
    expect(a.issues).toEqual([]);
    expect(a.totals.params).toBe(3_538_984);
    expect(a.totals.nonTrainable).toBe(34_112);
    expect(Math.abs(convAndFcMacs(a) / 1e6 - 300)).toBeLessThan(1.5);
  });
});
