import { describe, expect, it } from 'vitest';
import { curveData } from '../../../renderer/panels/training/curve-data';
import { emptyDoc } from '../../../engine/graph/doc';
import { DEFAULT_FORM, docWithSettings, formFromDoc, settingsFromForm } from '../../../renderer/panels/training/training-store';

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

  it('the form and dataset go into the document only when they differ from it', () => {
    const doc = { ...emptyDoc('net'), training: { optimizer: 'sgd' as const, learningRate: 0.05, epochs: 3 }, dataset: { spec: 'builtin:shapes' } };
    // Unchanged (the form read from the document, same dataset): nothing to commit.
    expect(docWithSettings(doc, formFromDoc(doc.training), 'builtin:shapes')).toBeNull();
    // Keys in another order are the same form.
    const reordered = Object.fromEntries(Object.entries(formFromDoc(doc.training)).reverse()) as typeof DEFAULT_FORM;
    expect(docWithSettings(doc, reordered, 'builtin:shapes')).toBeNull();
    // A changed field, or another dataset: written, the rest of the document untouched.
    const more = docWithSettings(doc, { ...formFromDoc(doc.training), epochs: 20 }, 'builtin:shapes');
    expect(more?.training).toMatchObject({ optimizer: 'sgd', learningRate: 0.05, epochs: 20 });
    expect(more?.name).toBe('net');
    expect(docWithSettings(doc, formFromDoc(doc.training), 'fashion-mnist:/data')?.dataset).toEqual({ spec: 'fashion-mnist:/data' });
    // A document without settings gets the form's (defaults included) and its dataset.
    const fresh = docWithSettings(emptyDoc('n'), DEFAULT_FORM, 'builtin:shapes');
    expect(fresh?.training).toMatchObject({ optimizer: 'adam', learningRate: 0.001, epochs: 5 });
    expect(fresh?.dataset).toEqual({ spec: 'builtin:shapes' });
    expect(formFromDoc(fresh?.training)).toEqual(DEFAULT_FORM);
  });
});
