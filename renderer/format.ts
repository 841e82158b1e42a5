/** How numbers are shown in the UI. */
export { formatInt, formatShape } from '../engine/core/shape';

/** 4_089_184_256 → "4.09 G", 1_234_567 → "1.23 M", 980 → "980". */
export function formatCompact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(Math.round(n));
}

/**
 * Model size as Keras' summary shows it: bytes / 1024², two decimals, "MB".
 * ResNet-50's 25,636,712 float32 weights → "97.80 MB".
 */
export function formatMB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(2)} MB`;
}
