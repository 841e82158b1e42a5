/**
 * Look inside a trained network, through the real web host: the test trains a
 * small CNN with the command line (weights saved beside its document, as a
 * user's would be), opens the document, opens "Look inside", and sees the
 * feature maps, filters, saliency and Grad-CAM of a dataset image; clicking a
 * feature-map pixel shows that unit's receptive field (the analysis' box on
 * the image, the effective field from the engine). Screenshots go to
 * test-results/e2e/inspect-*.png.
 */
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { expect, test } from './fixtures';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SPEC = 'builtin:shapes?classes=3&noise=0.02';
const FILE = 'inspect-net.cnnd';
const SHOTS = path.join(ROOT, 'test-results', 'e2e');

/** 28×28 grey → conv 8·5×5 → pool → conv 16·3×3 → pool → dense 3: trains to well above chance in seconds. */
const doc = {
  format: 'cnn-designer.graph',
  version: 1,
  name: 'Shapes CNN',
  nodes: [
    { id: 'input', type: 'input', params: { shape: [28, 28, 1] }, position: { x: 0, y: 0 } },
    { id: 'conv1', type: 'conv2d', name: 'conv1', params: { filters: 8, kernel: [5, 5], padding: 'same', activation: 'relu' }, position: { x: 0, y: 110 } },
    { id: 'pool1', type: 'max-pool2d', name: 'pool1', params: { pool: [2, 2], stride: [2, 2] }, position: { x: 0, y: 220 } },
    { id: 'conv2', type: 'conv2d', name: 'conv2', params: { filters: 16, kernel: [3, 3], padding: 'same', activation: 'relu' }, position: { x: 0, y: 330 } },
    { id: 'pool2', type: 'max-pool2d', name: 'pool2', params: { pool: [2, 2], stride: [2, 2] }, position: { x: 0, y: 440 } },
    { id: 'flat', type: 'flatten', name: 'flatten', params: {}, position: { x: 0, y: 550 } },
    { id: 'out', type: 'dense', name: 'classes', params: { units: 3, activation: 'softmax' }, position: { x: 0, y: 660 } },
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
  weights: { path: 'inspect-net.weights' },
};

test.describe.configure({ timeout: 240_000 });
// Tall enough for the image, feature maps and saliency rows in one screenshot.
test.use({ viewport: { width: 1600, height: 1300 } });

test.beforeAll(async ({ web }) => {
  const file = path.join(web.projectsDir, FILE);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  // Train with the CLI, as a user would: the weights land beside the document.
  await promisify(execFile)(
    path.join(ROOT, 'node_modules', '.bin', 'tsx'),
    [path.join(ROOT, 'engine', 'cli.ts'), 'train', file, '--data', SPEC, '--epochs', '8', '--limit', '1500', '--test-limit', '200', '--lr', '0.003', '--out', path.join(web.projectsDir, 'inspect-net.weights')],
    { cwd: ROOT, timeout: 180_000 },
  );
  expect(existsSync(path.join(web.projectsDir, 'inspect-net.weights', 'model.json'))).toBe(true);
});

test('look inside a trained network: feature maps, filters, saliency, Grad-CAM, receptive field of a clicked unit', async ({ app, web }) => {
  // Open the trained network's document.
  await app.getByTestId('welcome-new').click();
  await app.keyboard.press('Control+o');
  await app.getByTestId(`file-${FILE}`).click();
  await app.getByTestId('file-dialog-ok').click();
  await expect(app.getByTestId('node-conv2')).toBeVisible();

  // Open the panel: weights come from the document, the layer defaults to the last spatial one.
  await app.getByTestId('inspect-open').click();
  const panel = app.getByTestId('inspect-panel');
  await expect(panel).toBeVisible();
  await expect(app.getByTestId('inspect-weights-path')).toHaveValue(path.join(web.projectsDir, 'inspect-net.weights'));
  await expect(app.getByTestId('inspect-layer')).toHaveValue('conv2');
  await expect(app.getByTestId('inspect-dataset')).toHaveValue(SPEC);

  // Pick the first layer and an image: the views follow.
  await app.getByTestId('inspect-layer').selectOption('conv1');
  await app.getByTestId('inspect-sample-index').fill('5');
  const fm = app.getByTestId('inspect-feature-map-img');
  await expect(fm).toBeVisible({ timeout: 90_000 });
  await expect(app.getByTestId('inspect-feature-maps')).toContainText('Feature maps of conv1: 28×28×8');
  await expect(app.getByTestId('inspect-filters')).toContainText('Filters of conv1: 8 × 5×5×1');
  await expect(app.getByTestId('inspect-saliency-img')).toBeVisible();
  await expect(app.getByTestId('inspect-saliency')).toContainText('SmoothGrad');
  // Grad-CAM stays at the last convolution (its usual layer) whatever layer the feature maps show.
  await expect(app.getByTestId('inspect-gradcam')).toContainText(/Grad-CAM for \w+ at conv2 \(14×14, upsampled\)/);
  await expect(app.getByTestId('inspect-prediction').locator('li')).toHaveCount(3);
  await expect(app.getByTestId('inspect-error')).toHaveCount(0);
  // The grid really is a picture the browser decoded: 8 maps of 28×28 at 2× in 3 columns and 3 rows with 2-px gaps: 2 + 3·(56 + 2) = 176.
  const size = await fm.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
  expect(size).toEqual([176, 176]);
  await panel.screenshot({ path: path.join(SHOTS, 'inspect-panel.png') });

  // Click pixel (row 5, col 20) of the second feature map (channel 1). Grid: tiles of 56 px (28 × 2) with 2-px gaps,
  // so that pixel's centre is at x = 2 + (56 + 2) + 20·2 + 1 = 101, y = 2 + 5·2 + 1 = 13 in picture pixels.
  const box = (await fm.boundingBox())!;
  const k = box.width / size[0];
  await fm.click({ position: { x: 101 * k, y: 13 * k } });
  // At once, the analysis' receptive field on the image: a 5×5 'same' conv unit (5, 20) sees rows 3…7 and
  // columns 18…22; the image is shown at 8× (28 → 224), so the box is at (144, 24), 40×40 picture pixels.
  const rfBox = app.getByTestId('inspect-rf-box');
  await expect(rfBox).toBeVisible();
  expect(await rfBox.evaluate((el: HTMLElement) => [el.style.left, el.style.top, el.style.width, el.style.height])).toEqual(['144px', '24px', '40px', '40px']);
  // Then the effective field from the engine, for that unit.
  await expect(app.getByTestId('inspect-erf')).toContainText('unit (row 5, col 20, channel 1)', { timeout: 60_000 });
  await expect(app.getByTestId('inspect-progress-erf')).toHaveCount(0);
  await expect(app.getByTestId('inspect-erf')).toContainText('theoretical field 5×5');
  await app.getByTestId('inspect-input').screenshot({ path: path.join(SHOTS, 'inspect-rf-box.png') });
  await app.getByTestId('inspect-erf').screenshot({ path: path.join(SHOTS, 'inspect-erf.png') });

  // Choose a class: saliency and Grad-CAM follow it.
  await app.getByTestId('inspect-class').selectOption('1');
  const cls = await app.getByTestId('inspect-class').locator('option[value="1"]').textContent();
  await expect(app.getByTestId('inspect-saliency')).toContainText(`for ${cls}`, { timeout: 60_000 });
  await expect(app.getByTestId('inspect-gradcam')).toContainText(`Grad-CAM for ${cls}`);
  await panel.screenshot({ path: path.join(SHOTS, 'inspect-class.png') });

  // An image file instead of a dataset sample: a bright 10×10 square on black, 40×40 (resized to the Input).
  const img = new PNG({ width: 40, height: 40 });
  for (let y = 0; y < 40; y++)
    for (let x = 0; x < 40; x++) {
      const on = y >= 15 && y < 25 && x >= 15 && x < 25 ? 255 : 0;
      img.data.set([on, on, on, 255], (y * 40 + x) * 4);
    }
  const before = await app.getByTestId('inspect-input').locator('img').getAttribute('src');
  await app.getByTestId('inspect-file').setInputFiles({ name: 'square.png', mimeType: 'image/png', buffer: PNG.sync.write(img) });
  await expect(app.getByTestId('inspect-image-source')).toHaveValue('file');
  await expect(app.getByTestId('inspect-input').locator('img')).not.toHaveAttribute('src', before!, { timeout: 60_000 });
  await expect(app.getByTestId('inspect-input')).not.toContainText('test sample');
  await expect(app.getByTestId('inspect-error')).toHaveCount(0);
  await app.getByTestId('inspect-input').screenshot({ path: path.join(SHOTS, 'inspect-file.png') });
});
