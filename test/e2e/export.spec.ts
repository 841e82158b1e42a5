import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from './fixtures';

test('export dialog: fine-tune operations are undoable edits, and an ONNX export writes the file', async ({ app, web }) => {
  await app.getByTestId('template-mnist-cnn').click();
  await expect(app.getByTestId('welcome')).toBeHidden();
  await expect(app.getByTestId('nontrainable-params')).toHaveText('0');
  // Select the head (the last Dense) and freeze everything before it.
  const dense = app.locator('.react-flow__node').last();
  await dense.locator('.ln-head').click();
  await app.getByTestId('cmd-export-model').click();
  await expect(app.getByTestId('export-dialog')).toBeVisible();
  await app.getByTestId('freeze-before').click();
  await expect(app.getByTestId('finetune-info')).toContainText('Froze every layer before');
  // Replace the head for 3 classes.
  await app.getByTestId('head-classes').fill('3');
  await app.getByTestId('replace-head').click();
  await expect(app.getByTestId('finetune-info')).toContainText('3 outputs');
  // Untrained network: random weights, said so.
  await expect(app.getByTestId('export-untrained')).toBeVisible();
  const dir = path.join(web.projectsDir, 'onnx-out');
  await app.getByTestId('export-format-onnx').check();
  await app.getByTestId('export-dir').fill(dir);
  await app.getByTestId('export-start').click();
  await expect(app.getByTestId('export-done')).toContainText('model.onnx', { timeout: 60_000 });
  await expect(app.getByTestId('export-done')).toContainText('random');
  expect(existsSync(path.join(dir, 'model.onnx'))).toBe(true);
  await app.getByRole('button', { name: 'Close' }).click();
  // The frozen convolutions count as non-trainable; undo twice brings the original back.
  await expect(app.getByTestId('nontrainable-params')).not.toHaveText('0');
  await app.locator('.react-flow__pane').click({ position: { x: 700, y: 40 } });
  await app.keyboard.press('Control+z');
  await app.keyboard.press('Control+z');
  await expect(app.getByTestId('nontrainable-params')).toHaveText('0');
});
