/**
 * Training through the UI, against the real web host and engine: open a
 * network whose output does not fit the dataset, see the mismatch and fix it
 * with one click, train on the built-in set with live curves and progress,
 * reach well above chance, evaluate (confusion matrix, mistakes), try an
 * image; then start a long run and stop it. Screenshots go to
 * test-results/e2e/training-*.png.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { openDataset } from '../../engine/data';
import { currentDoc, expect, test } from './fixtures';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = path.join(ROOT, 'test-results', 'e2e');
/** Three shape classes at 20×20, low noise: a small CNN learns them in seconds. */
const SPEC = 'builtin:shapes?size=20&classes=3&n=2000&test=300&noise=0.02';
const FILE = 'train-net.cnnd';

/** A small CNN whose last Dense has 2 units: one too few for the 3 classes. */
const doc = {
  format: 'cnn-designer.graph',
  version: 1,
  name: 'Shapes CNN',
  nodes: [
    { id: 'input', type: 'input', params: { shape: [20, 20, 1] }, position: { x: 0, y: 0 } },
    { id: 'conv1', type: 'conv2d', name: 'conv1', params: { filters: 8, kernel: [3, 3], padding: 'same', activation: 'relu' }, position: { x: 0, y: 110 } },
    { id: 'pool1', type: 'max-pool2d', name: 'pool1', params: { pool: [2, 2], stride: [2, 2] }, position: { x: 0, y: 220 } },
    { id: 'conv2', type: 'conv2d', name: 'conv2', params: { filters: 16, kernel: [3, 3], padding: 'same', activation: 'relu' }, position: { x: 0, y: 330 } },
    { id: 'pool2', type: 'max-pool2d', name: 'pool2', params: { pool: [2, 2], stride: [2, 2] }, position: { x: 0, y: 440 } },
    { id: 'flat', type: 'flatten', name: 'flatten', params: {}, position: { x: 0, y: 550 } },
    { id: 'out', type: 'dense', name: 'classes', params: { units: 2, activation: 'softmax' }, position: { x: 0, y: 660 } },
  ],
  edges: [
    ['input', 'conv1'],
    ['conv1', 'pool1'],
    ['pool1', 'conv2'],
    ['conv2', 'pool2'],
    ['pool2', 'flat'],
    ['flat', 'out'],
  ].map(([source, target], i) => ({ id: `e${i + 1}`, source, target, targetIndex: 0 })),
  dataset: { spec: SPEC },
};

test.describe.configure({ timeout: 300_000 });

let imageFile = '';
test.beforeAll(async ({ web }) => {
  writeFileSync(path.join(web.projectsDir, FILE), JSON.stringify(doc, null, 2));
  // An image to try: a test sample, enlarged (the engine resizes it to the Input).
  const ds = await openDataset(SPEC);
  const s = await ds.sample('test', 0);
  await ds.close();
  const bytes = Buffer.from(s.pixels.map((v) => Math.round(v * 255)));
  imageFile = path.join(web.dataDir, 'try.png');
  mkdirSync(web.dataDir, { recursive: true });
  await sharp(bytes, { raw: { width: 20, height: 20, channels: 1 } }).resize(60, 60).png().toFile(imageFile);
});

const pctIn = (text: string | null, label: string) => {
  const m = new RegExp(`${label} (\\d+(?:\\.\\d+)?)%`).exec(text ?? '');
  return m ? Number(m[1]) / 100 : NaN;
};

test('fix the mismatch, train, evaluate, try an image, and stop a run', async ({ app }) => {
  await app.getByTestId('welcome-new').click();
  await app.keyboard.press('Control+o');
  await app.getByTestId(`file-${FILE}`).click();
  await app.getByTestId('file-dialog-ok').click();
  await expect(app.getByTestId('node-conv2')).toBeVisible();

  await app.getByTestId('training-open').click();
  const panel = app.getByTestId('training-panel');
  await expect(panel).toBeVisible();
  // The dataset comes from the document; the picker shows its classes and samples.
  const summary = app.getByTestId('dataset-summary');
  const pickerError = app.getByTestId('dataset-picker').locator('.trn-error');
  await expect(summary.or(pickerError).first()).toBeVisible({ timeout: 60_000 });
  test.skip((await pickerError.count()) > 0 && /not (yet )?(implemented|available)/i.test((await pickerError.first().textContent()) ?? ''), 'the host does not serve datasets/training yet');
  await expect(summary).toContainText('20×20×1 images, 3 classes');
  await expect(app.getByTestId('dataset-picker').locator('img').first()).toBeVisible();

  // 3 classes vs 2 units: caught before training, fixed with one click (an undoable edit).
  await expect(app.getByTestId('compat-OUTPUT_UNITS')).toContainText("The dataset has 3 classes but the network's output has 2 units");
  await expect(app.getByTestId('training-start')).toBeDisabled();
  await app.getByTestId('fix-set-units').click();
  await expect(app.getByTestId('compat-check')).toContainText('The network fits this dataset.');

  // Train.
  await app.getByTestId('setting-epochs').fill('6');
  await app.getByTestId('setting-lr').fill('0.005');
  await app.getByTestId('training-start').click();
  await expect(app.getByTestId('training-progress')).toHaveAttribute('data-status', 'running');
  await expect(app.getByTestId('training-progress')).toContainText(/Epoch \d\/6/, { timeout: 90_000 });
  await expect(app.getByTestId('training-done')).toBeVisible({ timeout: 240_000 });
  await expect(app.getByTestId('training-done')).toContainText('Done after 6 epochs');
  // Batches of 32 over ≥ 8 steps: shared by one thread per core (data-parallel), which the progress says.
  if (os.availableParallelism() >= 2) await expect(app.getByTestId('training-progress')).toContainText('· 2 threads');
  const valAcc = pctIn(await app.getByTestId('last-epoch').textContent(), 'validation accuracy');
  expect(valAcc).toBeGreaterThan(0.5); // chance: 1/3
  await panel.screenshot({ path: path.join(SHOTS, 'training-curves.png') });

  // Evaluate on the test split.
  await app.getByTestId('training-tab-evaluate').click();
  await app.getByTestId('evaluate-start').click();
  await expect(app.getByTestId('confusion-matrix')).toBeVisible({ timeout: 60_000 });
  expect(pctIn(await app.getByTestId('test-accuracy').textContent(), 'Test accuracy')).toBeGreaterThan(0.5);
  await expect(app.getByTestId('confusion-matrix').locator('tbody tr')).toHaveCount(3);
  await panel.screenshot({ path: path.join(SHOTS, 'training-evaluation.png') });

  // Try an image.
  await app.getByTestId('training-tab-try').click();
  await app.getByTestId('try-file').setInputFiles(imageFile);
  await expect(app.getByTestId('prediction').locator('li')).toHaveCount(3, { timeout: 30_000 });

  // Fine-tune: one epoch at a tiny learning rate starting from the weights just trained
  // (matched by name and shape) keeps what was learnt — well above chance — where the same
  // epoch from random weights stays at chance (1/3).
  await app.getByTestId('training-tab-train').click();
  await app.getByTestId('training-finetune').locator('input').check();
  await app.getByTestId('setting-epochs').fill('1');
  await app.getByTestId('setting-lr').fill('0.000001');
  await app.getByTestId('training-start').click();
  await expect(app.getByTestId('training-done')).toContainText('Done after 1 epoch', { timeout: 120_000 });
  expect(pctIn(await app.getByTestId('last-epoch').textContent(), 'validation accuracy')).toBeGreaterThan(0.5);

  // A long run, stopped by the user: it ends at once and keeps what it learnt.
  await app.getByTestId('setting-epochs').fill('200');
  await app.getByTestId('training-start').click();
  await expect(app.getByTestId('training-progress')).toContainText(/batch \d+\//, { timeout: 60_000 });
  await app.getByTestId('training-stop').click();
  await expect(app.getByTestId('training-done')).toContainText('Stopped after', { timeout: 30_000 });
  await expect(app.getByTestId('training-start')).toBeEnabled();

  // The last run's settings and dataset are the document's now: saving the network keeps them.
  await app.getByTestId('training-close').click();
  const saved = (await currentDoc(app)) as Awaited<ReturnType<typeof currentDoc>> & { training?: Record<string, unknown>; dataset?: { spec: string } };
  expect(saved.training).toMatchObject({ epochs: 200, learningRate: 0.000001, optimizer: 'adam' });
  expect(saved.dataset).toEqual({ spec: SPEC });
});
