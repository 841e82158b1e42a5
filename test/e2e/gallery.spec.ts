import { expect, test } from './fixtures';

test('opens ResNet-50 from the gallery and shows its published total (25,636,712)', async ({ app }) => {
  const card = app.getByTestId('template-resnet50');
  await expect(card).toBeVisible();
  // The card already shows the published figure (Keras Applications ResNet50).
  await expect(card.getByTestId('template-params')).toHaveText('25,636,712');
  await card.click();
  await expect(app.getByTestId('welcome')).toBeHidden();
  await expect(app.getByTestId('total-params')).toHaveText('25,636,712');
  await expect(app.getByTestId('nontrainable-params')).toHaveText('53,120');
  await expect(app.locator('.react-flow__node').first()).toBeVisible();
  await expect(app.getByTestId('problems')).toContainText('No problems');
  // The network's description and key idea are in the inspector.
  await expect(app.getByTestId('inspector-network')).toContainText('ResNet-50');
  // The first layers are drawn with their shapes.
  await expect(app.getByTestId('node-conv1_conv').getByTestId('node-shape')).toHaveText('112×112×64');
});

test('freezing a layer moves its weights to non-trainable (LeNet-5 C1: (5·5·1 + 1)·6 = 156)', async ({ app }) => {
  await app.getByTestId('template-lenet5').click();
  await expect(app.getByTestId('total-params')).toHaveText('61,706');
  await expect(app.getByTestId('nontrainable-params')).toHaveText('0');
  await app.getByTestId('node-c1').locator('.ln-head').click();
  await expect(app.getByTestId('formula')).toHaveText('(5×5×1 + 1) × 6 = 156');
  await app.getByTestId('node-frozen').check();
  await expect(app.getByTestId('nontrainable-params')).toHaveText('156');
  await expect(app.getByTestId('trainable-params')).toHaveText('61,550');
  await expect(app.getByTestId('statusbar')).toContainText('frozen 156');
  await expect(app.getByTestId('total-params')).toHaveText('61,706');
  await app.locator('.react-flow__pane').click({ position: { x: 700, y: 40 } });
  await app.keyboard.press('Control+z');
  await expect(app.getByTestId('nontrainable-params')).toHaveText('0');
});
