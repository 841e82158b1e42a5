/**
 * What `cli train --out DIR` writes beside the weights (DIR/training.json)
 * and the CLI's predict / inspect and the inspect job read back: the class
 * names, and the dataset the network was trained on, so that a new image is
 * decoded as its images were.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { TrainedOn } from './predict';

export interface TrainingInfo {
  classNames: string[];
  trainedOn: TrainedOn;
}

/** DIR/training.json, or empty values when it is absent or unreadable (weights not saved by `train`). */
export async function readTrainingInfo(dir: string): Promise<TrainingInfo> {
  try {
    const t = JSON.parse(await readFile(path.join(dir, 'training.json'), 'utf8')) as { classNames?: unknown; dataset?: unknown; dataShape?: unknown };
    // Names only when every one is a string: anything else labels outputs by number.
    const names = Array.isArray(t.classNames) && t.classNames.every((n) => typeof n === 'string') ? (t.classNames as string[]) : [];
    const shape = Array.isArray(t.dataShape) && t.dataShape.every((d) => Number.isInteger(d) && d > 0) ? (t.dataShape as number[]) : undefined;
    return { classNames: names, trainedOn: { datasetSpec: typeof t.dataset === 'string' ? t.dataset : undefined, dataShape: shape } };
  } catch {
    return { classNames: [], trainedOn: {} };
  }
}
