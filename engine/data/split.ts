/**
 * Train/validation split of a training set, by sample index. Deterministic:
 * the same labels, fraction and seed give the same split everywhere.
 */
import { DatasetError } from './errors';
import { hash32, shuffleInPlace } from './rng';

/** Indices of the training samples to train on and to validate on, both ascending. */
export interface IndexSplit {
  train: Int32Array;
  validation: Int32Array;
}

/**
 * Splits the indices 0…n−1 of a training set. With `labels` (from
 * `dataset.labels('train')`) the split is stratified: each class gives the
 * same fraction (rounded) to validation, so rare classes are not lost.
 * With a count instead, a plain seeded random split.
 *
 * @param fraction share of samples for validation, 0 ≤ fraction < 1 (e.g. 0.1)
 * @example
 *   const { train, validation } = splitTrainValidation(await ds.labels('train'), 0.1, 42);
 *   for await (const b of ds.batches('train', { batchSize: 32, indices: train, shuffle: true, seed: epoch })) …
 */
export function splitTrainValidation(labelsOrCount: ArrayLike<number> | number, fraction: number, seed = 0): IndexSplit {
  if (!(fraction >= 0 && fraction < 1)) {
    throw new DatasetError('OUT_OF_RANGE', `Validation fraction ${fraction} is not from 0 up to (not including) 1.`, 'Use e.g. 0.1 to keep 10% of the training samples for validation.');
  }
  const n = typeof labelsOrCount === 'number' ? labelsOrCount : labelsOrCount.length;
  const isVal = new Uint8Array(n);
  if (typeof labelsOrCount === 'number') {
    const order = shuffleInPlace(Int32Array.from({ length: n }, (_, i) => i), hash32(seed, 0x5eed));
    const nVal = Math.round(n * fraction);
    for (let j = 0; j < nVal; j++) isVal[order[j]] = 1;
  } else {
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const l = labelsOrCount[i];
      let list = byClass.get(l);
      if (!list) byClass.set(l, (list = []));
      list.push(i);
    }
    for (const [cls, list] of byClass) {
      shuffleInPlace(list, hash32(seed, 0x5eed, cls));
      const nVal = Math.round(list.length * fraction);
      for (let j = 0; j < nVal; j++) isVal[list[j]] = 1;
    }
  }
  let nv = 0;
  for (let i = 0; i < n; i++) nv += isVal[i];
  const train = new Int32Array(n - nv);
  const validation = new Int32Array(nv);
  for (let i = 0, a = 0, b = 0; i < n; i++) (isVal[i] ? (validation[b++] = i) : (train[a++] = i));
  return { train, validation };
}
