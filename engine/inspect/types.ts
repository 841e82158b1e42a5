/**
 * Types of engine/inspect: numbers the views compute (maps with their shape)
 * and the pictures made from them. Pure data, no tfjs types, so results can
 * cross a worker or IPC boundary unchanged.
 */

/** An 8-bit RGBA picture, rows top to bottom, 4 bytes per pixel. */
export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes (R, G, B, A). */
  data: Uint8ClampedArray;
}

/**
 * A stack of 2-D maps of the same size: `channels` maps of `height × width`
 * floats in HWC order (value of map c at (y, x) is `data[(y·width + x)·channels + c]`),
 * the layout tfjs tensors use.
 */
export interface MapStack {
  height: number;
  width: number;
  channels: number;
  data: Float32Array;
}

/**
 * Where each tile sits in a grid picture, so a click on the picture can be
 * mapped back to (map, row, column): tile i is at column i % cols, row
 * ⌊i / cols⌋; its top-left pixel is (pad + col·(tileWidth + pad),
 * pad + row·(tileHeight + pad)); one map pixel is `scale` picture pixels.
 */
export interface GridLayout {
  /** Tiles shown (maps may be fewer than the layer's channels, see `channels`). */
  count: number;
  cols: number;
  rows: number;
  /** Tile size in picture pixels (= map size × scale). */
  tileWidth: number;
  tileHeight: number;
  /** Gap between tiles and around the grid, picture pixels. */
  pad: number;
  /** Picture pixels per map pixel: ≥ 1 for enlarged maps (nearest neighbour), 1/f for maps shrunk by f (block means). */
  scale: number;
  /** Channel index shown in each tile (tile i shows channel `channels[i]`). */
  channels: number[];
}

/** The axis-aligned region of the input one unit sees, inclusive pixel bounds (may reach outside the image: padding). */
export interface PixelBox {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/** Called by long computations (gradient ascent, SmoothGrad) with a fraction in [0, 1]. */
export type ProgressFn = (fraction: number, message?: string) => void;

/** Options every long computation accepts. */
export interface LongRunOptions {
  /** Aborts the computation between steps; it then rejects with an InspectError of code 'cancelled'. */
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

/** Why an inspection could not be done; `code` lets callers branch, the message says what to do. */
export class InspectError extends Error {
  constructor(
    message: string,
    readonly code: 'layer' | 'class' | 'unit' | 'image' | 'task' | 'cancelled' | 'options' = 'options',
  ) {
    super(message);
    this.name = 'InspectError';
  }
}
