/**
 * Decoding one image file the way image folders are decoded, so a network
 * trained on a folder sees the same pixels when it predicts on a single
 * image ("try an image", pasted images).
 */
import type SharpNs from 'sharp';
import { DatasetError } from './errors';
import type { ImageShape } from './types';

/** How an image is fitted into the target size: stretched, centre-cropped, or padded. */
export type Fit = 'fill' | 'cover' | 'contain';

/** True for the names of a {@link Fit}. */
export function isFit(v: unknown): v is Fit {
  return v === 'fill' || v === 'cover' || v === 'contain';
}

export interface DecodeOptions {
  /** Default 'fill' (stretch, Keras' default). */
  fit?: Fit;
  /** Colour that transparent pixels are flattened onto. Default white, as image folders do. */
  background?: string;
}

let sharpPromise: Promise<typeof SharpNs> | undefined;

/**
 * sharp, loaded on first use: a native module, so built-in and IDX/CIFAR
 * datasets keep working where its binary is missing; only images need it.
 */
export function loadSharp(): Promise<typeof SharpNs> {
  sharpPromise ??= import('sharp').then(
    (m) => m.default,
    (e) => {
      sharpPromise = undefined;
      throw new DatasetError('UNREADABLE', `The image decoder (sharp) cannot be loaded: ${shortReason(e)}.`, 'Reinstall the app (or run `npm install` for a source checkout); built-in, MNIST and CIFAR-10 datasets still work.');
    },
  );
  return sharpPromise;
}

/** A sharp/libvips error on one line: its distinct lines joined, trailing colons dropped, at most 200 characters. */
export function shortReason(e: unknown): string {
  const lines = String((e as Error)?.message ?? e)
    .split('\n')
    .map((l) => l.trim().replace(/:+$/, ''))
    .filter(Boolean);
  const s = [...new Set(lines)].join('; ') || 'unknown error';
  return s.length > 200 ? `${s.slice(0, 199)}…` : s;
}

/**
 * Decodes a PNG/JPEG/WebP/GIF/TIFF file or buffer to uint8 HWC pixels of
 * `shape` ([h, w, 1] grey or [h, w, 3] sRGB): EXIF rotation applied,
 * transparency flattened onto `background`, resized with `fit`.
 * Throws DatasetError('BAD_IMAGE') naming the file when it cannot be decoded.
 */
export async function decodeImage(input: string | Uint8Array, shape: ImageShape, opts: DecodeOptions = {}): Promise<Uint8Array> {
  try {
    return await decodeImageRaw(input, shape, opts);
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    const name = typeof input === 'string' ? input : 'The image';
    throw new DatasetError('BAD_IMAGE', `${name} cannot be decoded: ${shortReason(e)}.`, 'Use a PNG, JPEG or WebP image.', typeof input === 'string' ? input : undefined);
  }
}

/** decodeImage without the error wrapping (sharp's own errors). */
export async function decodeImageRaw(input: string | Uint8Array, shape: ImageShape, opts: DecodeOptions = {}): Promise<Uint8Array> {
  const [h, w, channels] = shape;
  const sharp = await loadSharp();
  let img = sharp(typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.length))
    .rotate()
    .flatten({ background: opts.background ?? '#ffffff' })
    .resize(w, h, { fit: opts.fit ?? 'fill', background: '#000000' });
  img = channels === 1 ? img.toColourspace('b-w') : img.toColourspace('srgb');
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.channels === channels) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  // Should sharp ever return another channel count, map it (replicating grey) rather than return a wrong-sized image.
  const out = new Uint8Array(h * w * channels);
  for (let i = 0; i < h * w; i++) for (let c = 0; c < channels; c++) out[i * channels + c] = data[i * info.channels + Math.min(c, info.channels - 1)];
  return out;
}
