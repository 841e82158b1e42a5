import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  analyzeGraph,
  inputAxis,
  mergeAxes,
  recurrence,
  rfUnitRegion,
  transposedAxis,
  unitRegion,
  windowAxis,
  type AxisRf,
  type GraphAnalysis,
  type ReceptiveField,
} from '../../../engine/analysis';
import { graph, type NodeRef } from '../../helpers/graph-builder';
import { extent, orMasks, runChain, type Masks, type Op1 } from './rf-brute-force';

// ---------------------------------------------------------------------------
// [1] Published values: google-research/receptive_field, RECEPTIVE_FIELD_TABLE.md
// (the library of Araujo, Norris & Sim, "Computing Receptive Fields of
// Convolutional Neural Networks", Distill 2019, whose article quotes AlexNet
// 195, VGG-16 212, ResNet-50 483). Rows for resolution 224, TF-Slim models:
// [end-point, RF, effective stride, effective padding].
// Effective padding = (size − 1)/2 − start (see docs/analysis.md).
// ---------------------------------------------------------------------------

const rfOf = (a: GraphAnalysis, n: NodeRef) => a.nodes[n.id].receptiveField!;
const effPad = (rf: ReceptiveField) => (rf.size[0] - 1) / 2 - rf.start[0];
function expectRow(rf: ReceptiveField, size: number, stride: number, pad: number) {
  expect([rf.size[0], rf.stride[0], effPad(rf)]).toEqual([size, stride, pad]);
  expect([rf.size[1], rf.stride[1], (rf.size[1] - 1) / 2 - rf.start[1]]).toEqual([size, stride, pad]);
}

describe('receptive field: published values (Araujo et al. 2019, TF-Slim models at 224×224)', () => {
  it('alexnet_v2: conv1 11/4/0 … pool5 195/32/64', () => {
    // slim alexnet_v2: conv1 11×11/4 VALID, max pools 3×3/2 VALID, other convs SAME.
    const g = graph();
    const conv1 = g.input([224, 224, 3]).conv2d({ filters: 64, kernel: 11, stride: 4, padding: 'valid' });
    const pool1 = conv1.maxPool2d({ pool: 3, stride: 2, padding: 'valid' });
    const conv2 = pool1.conv2d({ filters: 192, kernel: 5, padding: 'same' });
    const pool2 = conv2.maxPool2d({ pool: 3, stride: 2, padding: 'valid' });
    const conv3 = pool2.conv2d({ filters: 384, kernel: 3 });
    const conv4 = conv3.conv2d({ filters: 384, kernel: 3 });
    const conv5 = conv4.conv2d({ filters: 256, kernel: 3 });
    const pool5 = conv5.maxPool2d({ pool: 3, stride: 2, padding: 'valid' });
    const a = analyzeGraph(g.doc);
    expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const rows: [NodeRef, number, number, number][] = [
      [conv1, 11, 4, 0], [pool1, 19, 8, 0], [conv2, 51, 8, 16], [conv3, 99, 16, 32],
      [conv4, 131, 16, 48], [conv5, 163, 16, 64], [pool5, 195, 32, 64],
    ];
    for (const [n, r, s, p] of rows) expectRow(rfOf(a, n), r, s, p);
  });

  it('vgg_16: conv1_1 3/1/1 … pool5 212/32/90', () => {
    // slim vgg_16: 3×3 SAME convs, 2×2/2 VALID max pools.
    const g = graph();
    let x = g.input([224, 224, 3]);
    const got: NodeRef[] = [];
    for (const [reps, filters] of [[2, 64], [2, 128], [3, 256], [3, 512], [3, 512]]) {
      for (let r = 0; r < reps; r++) got.push((x = x.conv2d({ filters, kernel: 3, padding: 'same' })));
      got.push((x = x.maxPool2d({ pool: 2, stride: 2 })));
    }
    const a = analyzeGraph(g.doc);
    // Names as in the table: conv1_1, conv1_2, pool1, conv2_1, …
    const [c11, , p1, c21, , p2, c31, c32, , p3, c41, c42, , p4, c51, c52, , p5] = got;
    const rows: [NodeRef, number, number, number][] = [
      [c11, 3, 1, 1], [p1, 6, 2, 2], [c21, 10, 2, 4], [p2, 16, 4, 6], [c31, 24, 4, 10], [c32, 32, 4, 14],
      [p3, 44, 8, 18], [c41, 60, 8, 26], [c42, 76, 8, 34], [p4, 100, 16, 42], [c51, 132, 16, 58], [c52, 164, 16, 74],
      [p5, 212, 32, 90],
    ];
    for (const [n, r, s, p] of rows) expectRow(rfOf(a, n), r, s, p);
  });

  it('resnet_v1_50: block1 35/8/15, block2 99/16/47, block3 291/32/143, block4 483/32/239', () => {
    // slim resnet_v1_50: conv2d_same 7×7/2 (explicit pad 3, VALID), max pool
    // 3×3/2 SAME; bottleneck units 1×1 → conv2d_same 3×3/s → 1×1, the block's
    // stride on its LAST unit; shortcut = 1×1/s max pool (same depth) or 1×1/s conv.
    const g = graph();
    let x = g.input([224, 224, 3]).zeroPadding2d({ top: 3, bottom: 3, left: 3, right: 3 }).conv2d({ filters: 64, kernel: 7, stride: 2, padding: 'valid' });
    x = x.maxPool2d({ pool: 3, stride: 2, padding: 'same' });
    let depthIn = 64;
    const ends: NodeRef[] = [];
    for (const [base, units, stride] of [[64, 3, 2], [128, 4, 2], [256, 6, 2], [512, 3, 1]]) {
      for (let u = 0; u < units; u++) {
        const s = u === units - 1 ? stride : 1;
        const depth = base * 4;
        const shortcut =
          depth === depthIn ? (s === 1 ? x : x.maxPool2d({ pool: 1, stride: s, padding: 'same' })) : x.conv2d({ filters: depth, kernel: 1, stride: s, useBias: false });
        let r = x.conv2d({ filters: base, kernel: 1, useBias: false });
        r = s === 1 ? r.conv2d({ filters: base, kernel: 3, padding: 'same', useBias: false }) : r.zeroPadding2d({ top: 1, bottom: 1, left: 1, right: 1 }).conv2d({ filters: base, kernel: 3, stride: s, padding: 'valid', useBias: false });
        r = r.conv2d({ filters: depth, kernel: 1, useBias: false });
        x = g.add(shortcut, r);
        depthIn = depth;
      }
      ends.push(x);
    }
    const a = analyzeGraph(g.doc);
    expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(a.nodes[ends[3].id].outputShape).toEqual([7, 7, 2048]);
    const want = [[35, 8, 15], [99, 16, 47], [291, 32, 143], [483, 32, 239]];
    ends.forEach((n, i) => expectRow(rfOf(a, n), want[i][0], want[i][1], want[i][2]));
  });

  it('mobilenet_v1: Conv2d_13_pointwise 315/32/126 (depthwise convolutions)', () => {
    // slim mobilenet_v1: Conv2d_0 3×3/2 SAME, then 13 × (depthwise 3×3/s SAME + pointwise 1×1).
    const g = graph();
    let x = g.input([224, 224, 3]).conv2d({ filters: 32, kernel: 3, stride: 2, padding: 'same' });
    const pw: NodeRef[] = [];
    for (const s of [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1]) {
      x = x.depthwiseConv2d({ kernel: 3, stride: s, padding: 'same' }).conv2d({ filters: 64, kernel: 1 });
      pw.push(x);
    }
    const a = analyzeGraph(g.doc);
    const want = [[7, 2, 2], [11, 4, 2], [19, 4, 6], [27, 8, 6], [43, 8, 14], [59, 16, 14], [91, 16, 30], [123, 16, 46], [155, 16, 62], [187, 16, 78], [219, 16, 94], [251, 32, 94], [315, 32, 126]];
    pw.forEach((n, i) => expectRow(rfOf(a, n), want[i][0], want[i][1], want[i][2]));
  });
});

// ---------------------------------------------------------------------------
// [2] The textbook recurrence on hand-made cases, with dilation.
// ---------------------------------------------------------------------------

describe('receptive field: textbook recurrence', () => {
  it('stacked dilated 3×3 convolutions (1, 2, 4, 8) grow as 3, 7, 15, 31', () => {
    const g = graph();
    let x = g.input([64, 64, 1]);
    const sizes: number[] = [];
    const nodes: NodeRef[] = [];
    for (const d of [1, 2, 4, 8]) nodes.push((x = x.conv2d({ filters: 4, kernel: 3, dilation: d, padding: 'same' })));
    const a = analyzeGraph(g.doc);
    for (const n of nodes) sizes.push(rfOf(a, n).size[0]);
    expect(sizes).toEqual([3, 7, 15, 31]);
    // 'same' with odd dilated kernels keeps every field centred on its unit.
    for (const n of nodes) expect(rfOf(a, n).start).toEqual([0, 0]);
  });

  it('stride then dilation, valid padding, different axes', () => {
    // H: k=3 s=2 → r=3 j=2 start=1; then k=3 d=2 (k'=5): r = 3 + 4·2 = 11, start = 1 + 2·2 = 5.
    // W: k=5 s=1 → r=5 j=1 start=2; then k=1: r=5, start=2.
    const g = graph();
    const c = g.input([40, 40, 1]).conv2d({ kernel: [3, 5], stride: [2, 1], padding: 'valid' }).conv2d({ kernel: [3, 1], dilation: [2, 1], padding: 'valid' });
    const rf = rfOf(analyzeGraph(g.doc), c);
    expect(rf).toMatchObject({ size: [11, 5], stride: [2, 1], start: [5, 2] });
    expect(rf.varies).toBeUndefined();
    expect(recurrence(3, 2, 1, 3, 1, 2, 0)).toEqual([11, 2, 5]);
  });

  it("'same' padding on even sizes pads less before than after (TF), shifting start", () => {
    // n=8, k=4, s=2: out 4, total pad (4−1)·2 + 4 − 8 = 2 → 1 before: start = (4−1)/2 − 1 = 0.5.
    const g = graph();
    const c = g.input([8, 8, 1]).conv2d({ kernel: 4, stride: 2, padding: 'same' });
    expect(rfOf(analyzeGraph(g.doc), c)).toMatchObject({ size: [4, 4], stride: [2, 2], start: [0.5, 0.5] });
  });

  it('global layers see the whole image; merges take the union', () => {
    const g = graph();
    const x = g.input([32, 24, 3]);
    const a3 = x.conv2d({ filters: 4, kernel: 3 });
    const a7 = x.conv2d({ filters: 4, kernel: 7 });
    const sum = g.add(a3, a7);
    const f = sum.flatten();
    const a = analyzeGraph(g.doc);
    expect(rfOf(a, sum).size).toEqual([7, 7]);
    expect(rfOf(a, f)).toMatchObject({ size: [32, 24], global: true });
  });
});

// ---------------------------------------------------------------------------
// [3] Brute force: per unit, against dependency masks (rf-brute-force.ts).
// ---------------------------------------------------------------------------

/** The same op through the analysis' per-axis machinery, with TF's paddings. */
function axisOf(a: AxisRf, op: Op1, n: number): { a: AxisRf; n: number } | null {
  switch (op.kind) {
    case 'win': {
      const kd = op.d * (op.k - 1) + 1;
      const out = op.pad === 'same' ? Math.ceil(n / op.s) : Math.ceil((n - kd + 1) / op.s);
      const before = op.pad === 'same' ? Math.floor(Math.max((out - 1) * op.s + kd - n, 0) / 2) : 0;
      return out > 0 ? { a: windowAxis(a, op.k, op.s, op.d, before), n: out } : null;
    }
    case 'zpad':
      return { a: windowAxis(a, 1, 1, 1, op.before), n: n + op.before + op.after };
    case 'tconv': {
      const crop = op.pad === 'same' ? Math.floor(Math.max(op.k - op.s, 0) / 2) : 0;
      return { a: transposedAxis(a, op.k, op.s, 1, crop), n: op.pad === 'same' ? n * op.s : n * op.s + Math.max(op.k - op.s, 0) };
    }
    case 'up':
      return op.bilinear ? { a: transposedAxis(a, 2 * op.s - 1, op.s, 1, op.s - 1), n: n * op.s } : { a: transposedAxis(a, op.s, op.s, 1, 0), n: n * op.s };
  }
}

function chainAxis(n: number, ops: readonly Op1[]): { a: AxisRf; n: number } | null {
  let cur: { a: AxisRf; n: number } | null = { a: inputAxis(), n };
  for (const op of ops) {
    cur = axisOf(cur.a, op, cur.n);
    if (!cur || cur.n <= 0) return null;
  }
  return cur;
}

/** Every clean unit (no padding read anywhere) has exactly the brute-force region. */
function compareUnits(a: AxisRf, masks: Masks): number {
  let compared = 0;
  masks.forEach((m, u) => {
    if (!m.clean) return;
    const [lo, hi] = unitRegion(a, u);
    expect(extent(m), `unit ${u}`).toEqual(lo > hi ? null : [lo, hi]);
    compared++;
  });
  return compared;
}

const opArb: fc.Arbitrary<Op1> = fc.oneof(
  fc.record({ kind: fc.constant('win' as const), k: fc.integer({ min: 1, max: 5 }), s: fc.integer({ min: 1, max: 3 }), d: fc.integer({ min: 1, max: 3 }), pad: fc.constantFrom('same' as const, 'valid' as const) }),
  fc.record({ kind: fc.constant('zpad' as const), before: fc.integer({ min: 0, max: 2 }), after: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('tconv' as const), k: fc.integer({ min: 1, max: 5 }), s: fc.integer({ min: 1, max: 3 }), pad: fc.constantFrom('same' as const, 'valid' as const) }),
  fc.record({ kind: fc.constant('up' as const), s: fc.integer({ min: 1, max: 3 }), bilinear: fc.boolean() }),
);

describe('receptive field: brute force, per output unit', () => {
  it('branches with different jumps (equal shapes) merge to an approximate bound', () => {
    // n=32: a 17-tap valid window (jump 1) and a 2×/2 window (jump 2) both give 16 units.
    const p1: Op1[] = [{ kind: 'win', k: 17, s: 1, d: 1, pad: 'valid' }];
    const p2: Op1[] = [{ kind: 'win', k: 2, s: 2, d: 1, pad: 'valid' }];
    const a1 = chainAxis(32, p1)!;
    const a2 = chainAxis(32, p2)!;
    expect([a1.n, a2.n, a1.a.j, a2.a.j]).toEqual([16, 16, 1, 2]);
    const merged = mergeAxes([a1.a, a2.a], 16);
    expect(merged.approx).toBe(true);
    const masks = orMasks(runChain(32, p1)!, runChain(32, p2)!);
    const widest = Math.max(...masks.map((m) => extent(m)!).map(([l, h]) => h - l + 1));
    const [lo, hi] = unitRegion(merged, 0);
    expect(hi - lo + 1).toBe(widest); // the widest union over the real units
    expect(extent(masks[0])).toEqual([0, 16]);
  });

  it('random 1-D chains of convolutions (strided, dilated), padding, transposed convolutions and upsampling', () => {
    let total = 0;
    fc.assert(
      fc.property(fc.integer({ min: 12, max: 40 }), fc.array(opArb, { minLength: 1, maxLength: 5 }), (n, ops) => {
        const masks = runChain(n, ops);
        const ax = chainAxis(n, ops);
        expect(ax === null).toBe(masks === null);
        if (!masks || !ax) return;
        expect(masks.length).toBe(ax.n);
        total += compareUnits(ax.a, masks);
      }),
      { numRuns: 400, seed: 1 },
    );
    expect(total).toBeGreaterThan(1000); // the comparison really ran
  });

  it('k=3, s=2 transposed conv: even units see 2 inputs, odd ones 1', () => {
    const a = transposedAxis(inputAxis(), 3, 2, 1, 0);
    // Unit 0 also counts the virtual input −1 (the transposed conv's implicit padding), as padding counts for convolutions.
    expect([0, 1, 2, 3].map((u) => unitRegion(a, u))).toEqual([[-1, 0], [0, 0], [0, 1], [1, 1]]);
  });

  it('merges: each unit sees the union of its branches, aligned or not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 16, max: 40 }), fc.array(opArb, { minLength: 1, maxLength: 3 }), fc.array(opArb, { minLength: 1, maxLength: 3 }), (n, p1, p2) => {
        const m1 = runChain(n, p1);
        const m2 = runChain(n, p2);
        const a1 = chainAxis(n, p1);
        const a2 = chainAxis(n, p2);
        if (!m1 || !m2 || !a1 || !a2 || m1.length !== m2.length || a1.a.j !== a2.a.j) return;
        const merged = mergeAxes([a1.a, a2.a], m1.length);
        compareUnits(merged, orMasks(m1, m2));
      }),
      { numRuns: 300, seed: 2 },
    );
  });
});

// ---------------------------------------------------------------------------
// [4] End to end: the layer catalog's rf() steps through analyzeGraph, both
// axes with different parameters, against the brute force.
// ---------------------------------------------------------------------------

type Op2 = [Op1, Op1];

/** Ops of the same kind on both axes (one layer), with per-axis values. */
const layerArb: fc.Arbitrary<Op2> = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom('same' as const, 'valid' as const)).map(
    ([kh, kw, sh, sw, dh, dw, pad]): Op2 => {
      // TF rejects stride > 1 together with dilation > 1.
      const strided = sh > 1 || sw > 1;
      return [{ kind: 'win', k: kh, s: sh, d: strided ? 1 : dh, pad }, { kind: 'win', k: kw, s: sw, d: strided ? 1 : dw, pad }];
    },
  ),
  fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom('same' as const, 'valid' as const)).map(
    // Max pooling: a window without weights (marked `pool` for addLayer).
    ([kh, kw, sh, sw, pad]): Op2 => [{ kind: 'win', k: kh, s: sh, d: 1, pad, pool: true } as Op1, { kind: 'win', k: kw, s: sw, d: 1, pad, pool: true } as Op1],
  ),
  fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })).map(
    ([t, b, l, r]): Op2 => [{ kind: 'zpad', before: t, after: b }, { kind: 'zpad', before: l, after: r }],
  ),
  fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom('same' as const, 'valid' as const)).map(
    ([kh, kw, sh, sw, pad]): Op2 => [{ kind: 'tconv', k: kh, s: sh, pad }, { kind: 'tconv', k: kw, s: sw, pad }],
  ),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.boolean()).map(([sh, sw, bl]): Op2 => [{ kind: 'up', s: sh, bilinear: bl }, { kind: 'up', s: sw, bilinear: bl }]),
);

function addLayer(x: NodeRef, [h, w]: Op2): NodeRef {
  if (h.kind === 'win' && w.kind === 'win') {
    if ((h as { pool?: boolean }).pool) return x.maxPool2d({ pool: [h.k, w.k], stride: [h.s, w.s], padding: h.pad });
    return x.conv2d({ filters: 2, kernel: [h.k, w.k], stride: [h.s, w.s], dilation: [h.d, w.d], padding: h.pad });
  }
  if (h.kind === 'zpad' && w.kind === 'zpad') return x.zeroPadding2d({ top: h.before, bottom: h.after, left: w.before, right: w.after });
  if (h.kind === 'tconv' && w.kind === 'tconv') return x.conv2dTranspose({ filters: 2, kernel: [h.k, w.k], stride: [h.s, w.s], padding: h.pad });
  if (h.kind === 'up' && w.kind === 'up') return x.to('upsampling2d', { size: [h.s, w.s], interpolation: h.bilinear ? 'bilinear' : 'nearest' });
  throw new Error('mixed op kinds');
}

describe('receptive field: analyzeGraph against brute force (both axes)', () => {
  it('random layer chains', () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 48 }), fc.integer({ min: 20, max: 48 }), fc.array(layerArb, { minLength: 1, maxLength: 4 }), (nh, nw, layers) => {
        const g = graph();
        let x = g.input([nh, nw, 1]);
        for (const l of layers) x = addLayer(x, l);
        const a = analyzeGraph(g.doc);
        const mh = runChain(nh, layers.map((l) => l[0]));
        const mw = runChain(nw, layers.map((l) => l[1]));
        const rf = a.nodes[x.id].receptiveField;
        if (!mh || !mw) {
          expect(a.issues.some((i) => i.severity === 'error')).toBe(true);
          return;
        }
        expect(a.nodes[x.id].outputShape?.slice(0, 2)).toEqual([mh.length, mw.length]);
        expect(rf).not.toBeNull();
        for (const [ax, masks] of [[0, mh], [1, mw]] as const) {
          const clean = masks.map((m, u) => [u, m] as const).filter(([, m]) => m.clean && m.deps.size > 0);
          if (!clean.length) continue;
          // The widest unit is at most `size` (equal once a whole period is clean).
          const widest = Math.max(...clean.map(([, m]) => extent(m)!).map(([l, h]) => h - l + 1));
          expect(widest).toBeLessThanOrEqual(rf!.size[ax]);
          // Every clean unit's region, from the analysis' pattern, is exact.
          for (const [u, m] of clean) expect(rfUnitRegion(rf!, ax, u)).toEqual(extent(m));
          if (!rf!.varies) {
            // Uniform field: every clean unit u is exactly start + u·j ± (size−1)/2.
            for (const [u, m] of clean) {
              const c = rf!.start[ax] + u * rf!.stride[ax];
              expect(extent(m)).toEqual([c - (rf!.size[ax] - 1) / 2, c + (rf!.size[ax] - 1) / 2]);
              checked++;
            }
          }
        }
      }),
      { numRuns: 250, seed: 3 },
    );
    expect(checked).toBeGreaterThan(500);
  });
});
