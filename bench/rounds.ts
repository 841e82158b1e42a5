/**
 * Repeated measurements in the benchmarks: the median, and one result per
 * configuration from several rounds (bench/training.bench.ts --rounds).
 */

/** The median of `xs` (the mean of the middle two for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((p, q) => p - q);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** The figures of one configuration in one round that {@link medianOfRounds} combines. */
export interface RoundMeasure {
  net: string;
  impl: string;
  threads?: number;
  trainImgPerSec: number;
  inferImgPerSec: number;
  trainImgPerCpuSec: number;
  inferImgPerCpuSec: number;
  peakRssMB: number;
}

/** A configuration that could not be measured in a round. */
export interface RoundError {
  error: string;
  net: string;
  impl: string;
}

/** What {@link medianOfRounds} adds to a combined result. */
export interface RoundSummary {
  /** Rounds that measured it. */
  rounds: number;
  /** Smallest and largest images/s over those rounds. */
  trainRange: [number, number];
  inferRange: [number, number];
}

/**
 * One result per (net, impl, threads) from several rounds, in order of first
 * appearance: each speed the median of the rounds that measured it (rounded
 * to whole images/s), the largest peak memory, the min–max of the speeds.
 * A configuration that failed in every round keeps its first error.
 */
export function medianOfRounds<M extends RoundMeasure, E extends RoundError = RoundError>(rounds: readonly (readonly (M | E)[])[]): ((M & RoundSummary) | E)[] {
  const key = (m: { net: string; impl: string; threads?: number }) => `${m.net}/${m.impl}/${m.threads ?? ''}`;
  const groups = new Map<string, (M | E)[]>();
  for (const round of rounds) for (const m of round) groups.set(key(m), [...(groups.get(key(m)) ?? []), m]);
  return [...groups.values()].map((all) => {
    const ok = all.filter((m): m is M => !('error' in m));
    if (ok.length === 0) return all[0] as E;
    const mid = (f: 'trainImgPerSec' | 'inferImgPerSec' | 'trainImgPerCpuSec' | 'inferImgPerCpuSec') => Math.round(median(ok.map((m) => m[f])));
    const range = (f: 'trainImgPerSec' | 'inferImgPerSec'): [number, number] => [Math.min(...ok.map((m) => m[f])), Math.max(...ok.map((m) => m[f]))];
    return {
      ...ok[0],
      trainImgPerSec: mid('trainImgPerSec'),
      inferImgPerSec: mid('inferImgPerSec'),
      trainImgPerCpuSec: mid('trainImgPerCpuSec'),
      inferImgPerCpuSec: mid('inferImgPerCpuSec'),
      peakRssMB: Math.max(...ok.map((m) => m.peakRssMB)),
      rounds: ok.length,
      trainRange: range('trainImgPerSec'),
      inferRange: range('inferImgPerSec'),
    };
  });
}
