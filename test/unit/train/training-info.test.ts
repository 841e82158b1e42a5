/** DIR/training.json as predict and inspect read it (engine/train/training-info.ts). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrainingInfo } from '../../../engine/train/training-info';

const dir = mkdtempSync(path.join(tmpdir(), 'cnnd-training-info-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readTrainingInfo', () => {
  it('reads the class names, the dataset spec and its image shape that `train` wrote', async () => {
    const d = path.join(dir, 'ok');
    mkdirSync(d);
    writeFileSync(path.join(d, 'training.json'), JSON.stringify({ dataset: 'folder:/photos?fit=cover', classNames: ['cat', 'dog'], dataShape: [64, 64, 3], settings: {} }));
    expect(await readTrainingInfo(d)).toEqual({ classNames: ['cat', 'dog'], trainedOn: { datasetSpec: 'folder:/photos?fit=cover', dataShape: [64, 64, 3] } });
  });

  it('gives empty values without the file, for malformed JSON, and drops fields of the wrong kind', async () => {
    expect(await readTrainingInfo(path.join(dir, 'missing'))).toEqual({ classNames: [], trainedOn: {} });
    const bad = path.join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(path.join(bad, 'training.json'), '{ not json');
    expect(await readTrainingInfo(bad)).toEqual({ classNames: [], trainedOn: {} });
    writeFileSync(path.join(bad, 'training.json'), JSON.stringify({ dataset: 7, classNames: 'cat', dataShape: [64, -1, 3] }));
    expect(await readTrainingInfo(bad)).toEqual({ classNames: [], trainedOn: { datasetSpec: undefined, dataShape: undefined } });
    writeFileSync(path.join(bad, 'training.json'), JSON.stringify({ classNames: ['cat', 7] }));
    expect((await readTrainingInfo(bad)).classNames).toEqual([]);
  });
});
