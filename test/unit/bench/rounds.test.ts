/**
 * The benchmarks' combination of repeated rounds (bench/rounds.ts): the
 * figures of bench/training.bench.ts --rounds, against values worked out by
 * hand.
 */
import { describe, expect, it } from 'vitest';
import { median, medianOfRounds, type RoundMeasure } from '../../../bench/rounds';

const m = (impl: string, threads: number | undefined, train: number, infer: number, rss: number): RoundMeasure =>
  ({ net: 'resnet', impl, threads, trainImgPerSec: train, inferImgPerSec: infer, trainImgPerCpuSec: train - 1, inferImgPerCpuSec: infer - 1, peakRssMB: rss });

describe('median', () => {
  it('odd and even counts, unsorted input left as it is, none', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 10])).toBe(3.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });
});

describe('medianOfRounds', () => {
  it('one result per net, impl and thread count: median speeds, largest memory, the range', () => {
    const rounds = [
      [m('ours', 1, 100, 500, 400), m('ours', 2, 150, 800, 450), m('torch', undefined, 200, 900, 300)],
      [m('torch', undefined, 260, 700, 310), m('ours', 2, 170, 600, 470), m('ours', 1, 90, 520, 405)],
      [m('ours', 1, 130, 510, 398), m('ours', 2, 120, 900, 440), m('torch', undefined, 230, 1000, 305)],
    ];
    const out = medianOfRounds(rounds);
    expect(out.map((r) => `${r.impl}/${('threads' in r ? r.threads : undefined) ?? ''}`)).toEqual(['ours/1', 'ours/2', 'torch/']);
    expect(out[0]).toMatchObject({ trainImgPerSec: 100, inferImgPerSec: 510, trainImgPerCpuSec: 99, inferImgPerCpuSec: 509, peakRssMB: 405, rounds: 3, trainRange: [90, 130], inferRange: [500, 520] });
    expect(out[1]).toMatchObject({ trainImgPerSec: 150, inferImgPerSec: 800, peakRssMB: 470, trainRange: [120, 170], inferRange: [600, 900] });
    expect(out[2]).toMatchObject({ trainImgPerSec: 230, inferImgPerSec: 900, peakRssMB: 310 });
  });

  it('an even number of rounds rounds the mean of the middle two; failed rounds are left out, all failed keeps the error', () => {
    const rounds = [
      [m('ours', 1, 101, 500, 400), { error: 'boom', net: 'resnet', impl: 'tf-node' }],
      [{ error: 'child crashed', net: 'resnet', impl: 'ours' }, { error: 'boom again', net: 'resnet', impl: 'tf-node' }],
      [m('ours', 1, 104, 503, 420)],
    ];
    // The crashed round has no thread count, so it is its own configuration.
    const out = medianOfRounds(rounds);
    const ours = out.find((r) => r.impl === 'ours' && !('error' in r));
    expect(ours).toMatchObject({ trainImgPerSec: 103, inferImgPerSec: 502, peakRssMB: 420, rounds: 2 });
    expect(out.find((r) => r.impl === 'tf-node')).toEqual({ error: 'boom', net: 'resnet', impl: 'tf-node' });
  });
});
