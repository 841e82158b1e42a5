/**
 * Sample images per class for the dataset picker, as PNG data URLs that an
 * <img> can show directly (allow `img-src data:` in the CSP). Encoded with
 * pngjs (pure JS), so it also runs in a worker.
 */
import { PNG } from 'pngjs';
import { DatasetError } from './errors';
import { permutation } from './rng';
import { toUint8 } from './pixels';
import type { Dataset, DatasetInfo, ImageShape, Split } from './types';

/**
 * Encodes HWC pixels (floats in [0, 1] or bytes) as a PNG, each pixel
 * enlarged to `scale`×`scale` (nearest neighbour, so small images stay sharp).
 */
export function encodePng(pixels: Float32Array | Uint8Array, shape: ImageShape, scale = 1): Uint8Array {
  const [h, w, c] = shape;
  const bytes = pixels instanceof Float32Array ? toUint8(pixels) : pixels;
  const s = Math.max(1, Math.floor(scale));
  const png = new PNG({ width: w * s, height: h * s });
  for (let y = 0; y < h * s; y++) {
    for (let x = 0; x < w * s; x++) {
      const i = ((Math.floor(y / s) * w + Math.floor(x / s)) * c) | 0;
      const o = (y * w * s + x) * 4;
      png.data[o] = bytes[i];
      png.data[o + 1] = c >= 3 ? bytes[i + 1] : bytes[i];
      png.data[o + 2] = c >= 3 ? bytes[i + 2] : bytes[i];
      png.data[o + 3] = 255;
    }
  }
  return new Uint8Array(PNG.sync.write(png));
}

/** `data:image/png;base64,…` for bytes of a PNG. */
export function pngDataUrl(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.length).toString('base64')}`;
}

/** What the picker shows for one class. */
export interface ClassPreview {
  /** The class's label (index into classNames). */
  label: number;
  name: string;
  counts: { train: number; test: number };
  samples: { split: Split; index: number; dataUrl: string; width: number; height: number }[];
}

export interface DatasetPreview extends DatasetInfo {
  classes: ClassPreview[];
}

export interface PreviewOptions {
  /** Split to take samples from. Default 'train'. */
  split?: Split;
  /** Which samples: a seeded random pick per class. Default 0. */
  seed?: number;
  /** Enlarge each pixel to scale×scale. Default: enough to make the image at least 56 px wide. */
  scale?: number;
}

/** The plain summary of a dataset, safe to send over IPC. */
export function describeDataset(ds: Dataset): DatasetInfo {
  return {
    spec: ds.spec,
    name: ds.name,
    inputShape: [...ds.inputShape],
    classNames: [...ds.classNames],
    counts: { ...ds.counts },
    classCounts: { train: [...ds.classCounts.train], test: [...ds.classCounts.test] },
    skipped: ds.skipped.map((s) => ({ ...s })),
  };
}

/** Summary plus `perClass` sample images of each class (fewer when a class has fewer). */
export async function previewDataset(ds: Dataset, perClass = 4, opts: PreviewOptions = {}): Promise<DatasetPreview> {
  const split = opts.split ?? 'train';
  const labels = await ds.labels(split);
  const order = permutation(labels.length, opts.seed ?? 0);
  const picks: number[][] = ds.classNames.map(() => []);
  let missing = ds.classNames.length;
  for (let j = 0; j < order.length && missing > 0; j++) {
    const i = order[j];
    const list = picks[labels[i]];
    if (list.length < perClass) {
      list.push(i);
      if (list.length === perClass) missing--;
    }
  }
  const [h, w] = ds.inputShape;
  const scale = opts.scale ?? Math.max(1, Math.ceil(56 / Math.max(h, w)));
  const classes: ClassPreview[] = [];
  for (let k = 0; k < ds.classNames.length; k++) {
    const samples: ClassPreview['samples'] = [];
    for (const index of picks[k]) {
      // An image that breaks only when decoded (folders opened with skipBad) is left out of the preview.
      const s = await ds.sample(split, index).catch((e: unknown) => {
        if (e instanceof DatasetError && e.code === 'BAD_IMAGE') return null;
        throw e;
      });
      if (!s) continue;
      samples.push({ split, index, dataUrl: pngDataUrl(encodePng(s.pixels, s.shape, scale)), width: w * scale, height: h * scale });
    }
    classes.push({ label: k, name: ds.classNames[k], counts: { train: ds.classCounts.train[k], test: ds.classCounts.test[k] }, samples });
  }
  return { ...describeDataset(ds), classes };
}
