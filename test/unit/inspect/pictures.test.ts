/**
 * Pictures: colour maps, grids and the click mapping back to a unit,
 * overlays, boxes, PNG round trip; and channel maximisation (progress,
 * cancel, the objective goes up even for a channel that starts switched off).
 */
import { describe, expect, it } from 'vitest';
import {
  colorOf,
  decodePngRgba,
  encodePngRgba,
  gridHit,
  maximizeChannel,
  overlayHeat,
  pixelsToImage,
  renderFeatureMaps,
  renderFilters,
  resizeBilinear,
  saliencyHeat,
  strokeBox,
  blankImage,
  InspectError,
} from '../../../engine/inspect';
import { graph } from '../../helpers/graph-builder';
import { build, tf } from './helpers';

describe('pictures', () => {
  it("colour maps match matplotlib's viridis (#440154, #21918c, #fde725) and inferno (#000004, #bc3754, #fcffa4) within 5/255", () => {
    const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) <= 5);
    expect(near(colorOf('viridis', 0.5), [0x21, 0x91, 0x8c])).toBe(true);
    expect(near(colorOf('inferno', 0.5), [0xbc, 0x37, 0x54])).toBe(true);
    expect(near(colorOf('viridis', 0), [0x44, 0x01, 0x54])).toBe(true);
    expect(near(colorOf('viridis', 1), [0xfd, 0xe7, 0x25])).toBe(true);
    expect(near(colorOf('inferno', 0), [0x00, 0x00, 0x04])).toBe(true);
    expect(near(colorOf('inferno', 1), [0xfc, 0xff, 0xa4])).toBe(true);
    expect(colorOf('diverging', 0.5)).toEqual([255, 255, 255]);
    expect(colorOf('grey', NaN)).toEqual([0, 0, 0]);
  });

  it('a click on a feature-map grid maps back to the channel, row and column it shows', () => {
    // 5 maps of 3×4; value of map c at (y, x) = 100c + 10y + x.
    const h = 3, w = 4, c = 5;
    const data = new Float32Array(h * w * c);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) data[(y * w + x) * c + k] = 100 * k + 10 * y + x;
    const { image, layout } = renderFeatureMaps({ height: h, width: w, channels: c, data }, { tileSize: 16 });
    expect(layout).toMatchObject({ count: 5, cols: 3, rows: 2, scale: 4, tileWidth: 16, tileHeight: 12, pad: 2 });
    expect(image.width).toBe(2 + 3 * (16 + 2));
    for (let k = 0; k < c; k++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const px = layout.pad + (k % layout.cols) * (layout.tileWidth + layout.pad) + x * layout.scale + 1;
          const py = layout.pad + Math.floor(k / layout.cols) * (layout.tileHeight + layout.pad) + y * layout.scale + 2;
          expect(gridHit(layout, px, py)).toEqual({ tile: k, channel: k, row: y, col: x });
        }
    expect(gridHit(layout, 0, 0)).toBeNull(); // the frame
    expect(gridHit(layout, layout.pad + 2 * (16 + 2) + 1, layout.pad + 12 + 2 + 1)).toBeNull(); // the 6th cell is empty
    // Each map is normalised to its own range: every tile spans the full colour map.
    const tl = (k: number, y: number, x: number) => {
      const px = layout.pad + (k % layout.cols) * (layout.tileWidth + layout.pad) + x * layout.scale;
      const py = layout.pad + Math.floor(k / layout.cols) * (layout.tileHeight + layout.pad) + y * layout.scale;
      return Array.from(image.data.subarray((py * image.width + px) * 4, (py * image.width + px) * 4 + 3));
    };
    for (let k = 0; k < c; k++) {
      expect(tl(k, 0, 0)).toEqual(colorOf('viridis', 0));
      expect(tl(k, 2, 3)).toEqual(colorOf('viridis', 1));
    }
  });

  it('RGB filters show their own min–max as black–white per channel', () => {
    const data = new Float32Array(2 * 1 * 1 * 3);
    data.set([-1, 0, 1], 0); // filter 0, one pixel: R = min, G = middle, B = max
    data.set([5, 5, 5], 3); // filter 1: constant
    const p = renderFilters({ layer: 'c', kernelHeight: 1, kernelWidth: 1, inChannels: 3, count: 2, data }, { tileSize: 4 });
    const at = (x: number, y: number) => Array.from(p.image.data.subarray((y * p.image.width + x) * 4, (y * p.image.width + x) * 4 + 4));
    expect(at(p.layout!.pad, p.layout!.pad)).toEqual([0, 128, 255, 255]);
  });

  it('heat overlays keep cold pixels as the image and colour hot ones; boxes clip at the border', () => {
    const base = pixelsToImage(new Float32Array([0.5, 0.5, 0.5, 0.5]), [2, 2, 1]);
    const o = overlayHeat(base, new Float32Array([0, 0, 0, 1]), { map: 'jet', alpha: 1 });
    expect(Array.from(o.data.subarray(0, 3))).toEqual([109, 109, 109]); // 128 · 0.85, no tint
    expect(Array.from(o.data.subarray(12, 15))).toEqual(colorOf('jet', 1));
    const img = blankImage(10, 10, [0, 0, 0, 255]);
    strokeBox(img, { top: -3, left: 2, bottom: 4, right: 20 }, 1, [0, 255, 0, 255], 1);
    expect(img.data[(0 * 10 + 5) * 4 + 1]).toBe(255); // top edge clipped to row 0
    expect(img.data[(4 * 10 + 5) * 4 + 1]).toBe(255); // bottom edge
    expect(img.data[(2 * 10 + 9) * 4 + 1]).toBe(255); // right edge clipped to column 9
    expect(img.data[(2 * 10 + 5) * 4 + 1]).toBe(0); // inside stays
  });

  it('bilinear resize matches tf.image.resizeBilinear (half-pixel centres)', () => {
    const src = Float32Array.from({ length: 3 * 4 }, (_, i) => (i * 7) % 5);
    const mine = resizeBilinear(src, 3, 4, 7, 9);
    const ref = tf.image.resizeBilinear(tf.tensor4d(src, [1, 3, 4, 1]), [7, 9], false, true).dataSync();
    for (let i = 0; i < ref.length; i++) expect(mine[i]).toBeCloseTo(ref[i], 5);
  });

  it('saliency heat is clipped at the 99th percentile', () => {
    const m = Float32Array.from({ length: 200 }, (_, i) => i);
    m[199] = 1e6;
    const h = saliencyHeat(m);
    expect(h[197]).toBeCloseTo(197 / 197, 5);
    expect(h[100]).toBeCloseTo(100 / 197, 5);
    expect(h[199]).toBe(1);
  });

  it('PNG round trip keeps every byte', () => {
    const img = blankImage(3, 2);
    img.data.set(Array.from({ length: 24 }, (_, i) => i * 10));
    const back = decodePngRgba(encodePngRgba(img));
    expect(back.width).toBe(3);
    expect(Array.from(back.data)).toEqual(Array.from(img.data));
  });
});

describe('channel maximisation', () => {
  function net() {
    const g = graph();
    g.input([16, 16, 1]).conv2d({ filters: 4, kernel: [3, 3], activation: 'relu' }, { name: 'c1' }).conv2d({ filters: 4, kernel: [3, 3], activation: 'relu' }, { name: 'c2' }).flatten().dense({ units: 2 });
    const r = build(g.doc, 3);
    // Channel 1 of c2 starts switched off on grey input (large negative bias).
    const [k, b] = r.model.getLayer('c2').getWeights();
    r.model.getLayer('c2').setWeights([k, tf.tensor1d([0, -50, 0, 0])]);
    return r.model;
  }

  it('raises the channel (measured before the ReLU), with progress for every step', async () => {
    const fr: number[] = [];
    const r = await maximizeChannel(tf, net(), 'c2', 1, { steps: 40, onProgress: (f) => fr.push(f) });
    expect(fr).toHaveLength(40);
    expect(fr.at(-1)).toBe(1);
    expect(r.endValue).toBeGreaterThan(r.startValue + 0.5);
    expect(r.shape).toEqual([16, 16, 1]);
    expect(Math.min(...r.pixels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...r.pixels)).toBeLessThanOrEqual(1);
  });

  it('stops when cancelled, and rejects out-of-range channels and steps', async () => {
    const ac = new AbortController();
    let n = 0;
    await expect(
      maximizeChannel(tf, net(), 'c2', 0, {
        steps: 300,
        signal: ac.signal,
        onProgress: () => {
          if (++n === 5) ac.abort();
        },
      }),
    ).rejects.toMatchObject({ code: 'cancelled' });
    expect(n).toBe(5);
    await expect(maximizeChannel(tf, net(), 'c2', 4)).rejects.toThrow(/channel 4 does not exist in layer 'c2', which has 4 \(0 to 3\)/);
    await expect(maximizeChannel(tf, net(), 'c2', 0, { steps: 501 })).rejects.toBeInstanceOf(InspectError);
  });
});

describe('big feature maps', () => {
  it('are shrunk by block means so the grid stays small, and clicks still land on the right unit', () => {
    const n = 4;
    const s = { height: 224, width: 224, channels: n, data: new Float32Array(224 * 224 * n) };
    // Channel k is bright only in the block rows 100…101, cols 50…51 (one 2×2 block after shrinking by 2).
    for (let k = 0; k < n; k++) for (const [y, x] of [[100, 50], [100, 51], [101, 50], [101, 51]]) s.data[(y * 224 + x) * n + k] = k + 1;
    const { image, layout } = renderFeatureMaps(s);
    expect(layout.scale).toBe(0.5);
    expect([layout.tileWidth, layout.tileHeight]).toEqual([112, 112]);
    expect(image.width).toBe(2 + 2 * (112 + 2));
    // The bright block's picture pixel is (25, 50) in tile 3: it maps back to map pixel (100, 50).
    const px = layout.pad + 1 * (112 + layout.pad) + 25;
    const py = layout.pad + 1 * (112 + layout.pad) + 50;
    expect(gridHit(layout, px, py)).toEqual({ tile: 3, channel: 3, row: 100, col: 50 });
    expect(Array.from(image.data.subarray((py * image.width + px) * 4, (py * image.width + px) * 4 + 3))).toEqual(colorOf('viridis', 1));
  });
});
