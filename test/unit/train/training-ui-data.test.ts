import { describe, expect, it } from 'vitest';
import { curveData } from '../../../renderer/panels/training/curve-data';
import { formFromDoc, settingsFromForm } from '../../../renderer/panels/training/training-store';

describe('training panel data', () => {
  it('merges batch and epoch points on one x axis with gaps as null', () => {
    const d = curveData(
      'loss',
      [
        { x: 0.5, loss: 2, accuracy: 0.1 },
        { x: 1, loss: 1.5, accuracy: 0.2 },
      ],
      [{ epoch: 1, loss: 1.8, accuracy: 0.15, valLoss: 1.6, valAccuracy: 0.3 }],
    );
    expect(d).toEqual([
      [0.5, 1],
      [2, 1.5],
      [null, 1.8],
      [null, 1.6],
    ]);
    expect(curveData('accuracy', [], [{ epoch: 2, loss: 1, accuracy: 0.5, valLoss: null, valAccuracy: null }])).toEqual([[2], [null], [0.5], [null]]);
  });

  it('form ↔ settings keep what the document saved', () => {
    const saved = { optimizer: 'sgd' as const, learningRate: 0.05, batchSize: 64, epochs: 3, augment: { flip: true, shift: 0.1 }, earlyStopping: { patience: 2 } };
    const s = settingsFromForm(formFromDoc(saved));
    expect(s).toMatchObject(saved);
    expect(settingsFromForm(formFromDoc(undefined))).toMatchObject({ optimizer: 'adam', earlyStopping: null, augment: undefined });
  });
});
