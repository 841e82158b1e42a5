/**
 * Agreement of two results in the kernel benchmarks: the largest absolute
 * difference and the reference's largest magnitude (callers report their
 * ratio).
 */
export function maxDifference(actual: ArrayLike<number>, reference: ArrayLike<number>): { worst: number; scale: number } {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - reference[i]));
    scale = Math.max(scale, Math.abs(reference[i]));
  }
  return { worst, scale };
}
