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
