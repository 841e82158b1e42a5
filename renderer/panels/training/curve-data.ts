/** Data for the live curves, in uPlot's aligned-columns layout. Pure. */
import type { CurvePoint, EpochPoint } from './training-store';

/**
 * uPlot wants one shared x array: batches and epoch ends are merged on x
 * (epoch e ends at x = e), with nulls where a series has no value.
 */
export function curveData(metric: 'loss' | 'accuracy', batches: CurvePoint[], epochs: EpochPoint[]): (number | null)[][] {
  const xs = new Map<number, [number | null, number | null, number | null]>();
  for (const b of batches) {
    const v = metric === 'loss' ? b.loss : b.accuracy;
    xs.set(b.x, [v, null, null]);
  }
  for (const e of epochs) {
    const row = xs.get(e.epoch) ?? [null, null, null];
    row[1] = metric === 'loss' ? e.loss : e.accuracy;
    row[2] = metric === 'loss' ? e.valLoss : e.valAccuracy;
    xs.set(e.epoch, row);
  }
  const keys = [...xs.keys()].sort((a, b) => a - b);
  return [keys, keys.map((k) => xs.get(k)![0]), keys.map((k) => xs.get(k)![1]), keys.map((k) => xs.get(k)![2])] as (number | null)[][];
}

