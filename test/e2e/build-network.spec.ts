/**
 * The main story, through the real web host: build a small network from the
 * palette by drag and drop, wire it, edit a parameter and watch shapes and
 * counts follow, make a mistake and see it on the node, undo and redo, save,
 * reopen and get the same graph back.
 *
 * Expected numbers are the Keras formulas worked by hand, not read from the app:
 *   Conv2D 3×3, 32 filters on 28×28×1:  (3·3·1 + 1)·32 = 320
 *   with 64 filters:                    (3·3·1 + 1)·64 = 640
 *   MaxPool 2×2/2 of 28×28×64 → 14×14×64; Flatten → 12,544
 *   Dense 128 on 12,544:                (12,544 + 1)·128 = 1,605,760
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { connect, currentDoc, dropLayer, expect, node, structure, test } from './fixtures';

test('build, edit, break, undo/redo, save and reopen a network', async ({ app, web }) => {
  await app.getByTestId('welcome-new').click();
  await expect(app.getByTestId('welcome')).toBeHidden();

  // 1. Build from the palette by drag and drop.
  await dropLayer(app, 'input', 330, 50);
  await dropLayer(app, 'conv2d', 330, 160);
  await dropLayer(app, 'max-pool2d', 330, 270);
  await dropLayer(app, 'flatten', 330, 380);
  await dropLayer(app, 'dense', 330, 490);
  for (const id of ['input_1', 'conv2d_1', 'max-pool2d_1', 'flatten_1', 'dense_1']) await expect(node(app, id)).toBeVisible();
  // Unconnected layers have no shape yet.
  await expect(node(app, 'dense_1').getByTestId('node-shape')).toHaveText('?');

  // 2. Connect them by dragging between handles.
  await connect(app, 'input_1', 'conv2d_1');
  await connect(app, 'conv2d_1', 'max-pool2d_1');
  await connect(app, 'max-pool2d_1', 'flatten_1');
  await connect(app, 'flatten_1', 'dense_1');
  await expect(app.locator('.react-flow__edge')).toHaveCount(4);
  await expect(node(app, 'conv2d_1').getByTestId('node-shape')).toHaveText('28×28×32');
  await expect(node(app, 'conv2d_1').getByTestId('node-params')).toHaveText('320');
  await expect(node(app, 'max-pool2d_1').getByTestId('node-shape')).toHaveText('14×14×32');
  await expect(node(app, 'flatten_1').getByTestId('node-shape')).toHaveText('6272');
  await expect(node(app, 'dense_1').getByTestId('node-shape')).toHaveText('128');
  await expect(app.getByTestId('total-params')).toHaveText('803,264'); // 320 + (6272+1)·128
  // The edge into the pooling layer is labelled with the tensor it carries.
  await expect(app.getByTestId('edge-label').filter({ hasText: '28×28×32' })).toBeVisible();

  // 3. Edit a parameter in the inspector: shapes and counts follow.
  await node(app, 'conv2d_1').locator('.ln-head').click();
  await expect(app.getByTestId('inspector-layer')).toBeVisible();
  await app.getByTestId('param-filters').fill('64');
  await app.getByTestId('param-filters').press('Enter');
  await expect(node(app, 'conv2d_1').getByTestId('node-shape')).toHaveText('28×28×64');
  await expect(node(app, 'conv2d_1').getByTestId('node-params')).toHaveText('640');
  await expect(app.getByTestId('formula')).toHaveText('(3×3×1 + 1) × 64 = 640');
  await expect(node(app, 'flatten_1').getByTestId('node-shape')).toHaveText('12544');
  await expect(app.getByTestId('total-params')).toHaveText('1,606,400'); // 640 + 1,605,760

  // 4. Make a mistake: a 30-tall kernel on a 28×28 input with 'valid' padding.
  await app.getByTestId('param-padding').selectOption('valid');
  await expect(node(app, 'conv2d_1').getByTestId('node-shape')).toHaveText('26×26×64');
  await app.getByTestId('param-kernel-h').fill('30');
  await app.getByTestId('param-kernel-h').press('Enter');
  const conv = node(app, 'conv2d_1');
  await expect(conv).toHaveClass(/has-error/);
  await expect(conv.getByTestId('issue-badge')).toBeVisible();
  await expect(conv.getByTestId('node-issue')).toContainText('larger than its input height 28');
  await expect(app.getByTestId('inspector-issue').first()).toContainText('kernel');
  // Downstream layers have no shape until it is fixed.
  await expect(node(app, 'dense_1').getByTestId('node-shape')).toHaveText('?');
  // The problems list names the node; clicking it selects the node.
  await app.locator('.react-flow__pane').click({ position: { x: 700, y: 40 } });
  await expect(app.getByTestId('inspector-network')).toBeVisible();
  await app.getByTestId('problem').filter({ hasText: 'larger than its input' }).click();
  await expect(conv).toHaveClass(/selected/);
  await expect(app.getByTestId('inspector-layer')).toBeVisible();

  // 5. Undo and redo (keyboard), the error goes and comes back.
  await app.locator('.react-flow__pane').click({ position: { x: 700, y: 40 } });
  await app.keyboard.press('Control+z');
  await expect(conv).not.toHaveClass(/has-error/);
  await expect(conv.getByTestId('node-shape')).toHaveText('26×26×64');
  await app.keyboard.press('Control+Shift+z');
  await expect(conv).toHaveClass(/has-error/);
  await app.keyboard.press('Control+z');
  await app.keyboard.press('Control+z'); // padding back to 'same'
  await expect(conv.getByTestId('node-shape')).toHaveText('28×28×64');
  await app.keyboard.press('Control+y'); // redo padding 'valid'
  await expect(conv.getByTestId('node-shape')).toHaveText('26×26×64');
  await expect(app.getByTestId('total-params')).toHaveText('1,385,216'); // 640 + (13·13·64 + 1)·128

  // 6. Save (Ctrl+S asks for a name the first time, in the app's own file dialog).
  await app.getByTestId('doc-name').fill('My first CNN');
  await app.getByTestId('doc-name').press('Enter');
  await app.keyboard.press('Control+s');
  await expect(app.getByTestId('file-dialog')).toBeVisible();
  const fileName = await app.getByTestId('file-name').inputValue();
  expect(fileName).toMatch(/^my-first-cnn\./);
  await app.getByTestId('file-dialog-ok').click();
  await expect(app.getByTestId('toast-success')).toContainText('Saved');
  await expect(app.getByTestId('dirty')).toBeHidden();
  const saved = path.join(web.projectsDir, fileName);
  expect(existsSync(saved)).toBe(true);
  const onDisk = JSON.parse(readFileSync(saved, 'utf8'));
  expect(onDisk.name).toBe('My first CNN');
  const before = structure(await currentDoc(app));
  expect(structure(onDisk)).toEqual(before);

  // 7. Start over, then reopen the file: the same graph comes back.
  await app.getByTestId('cmd-new').click();
  await expect(app.locator('.react-flow__node')).toHaveCount(0);
  await app.keyboard.press('Control+o');
  await expect(app.getByTestId('file-dialog')).toBeVisible();
  await app.getByTestId(`file-${fileName}`).click();
  await app.getByTestId('file-dialog-ok').click();
  await expect(node(app, 'conv2d_1')).toBeVisible();
  expect(structure(await currentDoc(app))).toEqual(before);
  await expect(app.getByTestId('doc-name')).toHaveValue('My first CNN');
  await expect(node(app, 'conv2d_1').getByTestId('node-shape')).toHaveText('26×26×64');
  await expect(app.getByTestId('total-params')).toHaveText('1,385,216');
  // And it is in the recent files of the welcome screen.
  await app.getByTestId('cmd-gallery').click();
  await expect(app.getByTestId('recent')).toContainText(fileName);
});
