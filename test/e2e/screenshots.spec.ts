/**
 * Screenshots of the editor for the README and for reviewing the design.
 * Not part of the normal run: `SCREENSHOTS=1 npx playwright test screenshots`
 * writes test-results/screens/*.png and docs/screenshot.png.
 */
import path from 'node:path';
import { expect, node, test } from './fixtures';
import { ROOT } from './host';

test.skip(!process.env.SCREENSHOTS, 'set SCREENSHOTS=1 to take the screenshots');

const out = (name: string) => path.join(ROOT, 'test-results', 'screens', name);

test('screenshots', async ({ app }) => {
  await expect(app.getByTestId('template-resnet50')).toBeVisible();
  await app.screenshot({ path: out('welcome.png') });

  await app.getByTestId('template-resnet18').click();
  await app.waitForTimeout(600);
  await app.screenshot({ path: out('resnet18.png') });
  // The stem's end and the first residual block, with its second convolution selected.
  await app.evaluate(() => {
    const cnn = (window as unknown as { __cnn: { graph: { getState(): { select(ids: string[]): void } }; getFlow(): { setCenter(x: number, y: number, o: { zoom: number }): Promise<boolean> } } }).__cnn;
    cnn.graph.getState().select(['layer1.0.conv2']);
    void cnn.getFlow().setCenter(250, 800, { zoom: 0.88 });
  });
  await app.waitForTimeout(500);
  await app.screenshot({ path: out('resnet18-selected.png') });
  await app.screenshot({ path: path.join(ROOT, 'docs', 'screenshot.png') });
  await app.getByTestId('tab-rf').click();
  await app.waitForTimeout(400);
  await app.screenshot({ path: out('resnet18-rf.png') });

  await app.getByTestId('cmd-gallery').click();
  await app.getByTestId('template-lenet5').click();
  await app.waitForTimeout(400);
  await node(app, 'c3').locator('.ln-head').click();
  await app.getByTestId('tab-layer').click();
  await app.getByTestId('param-padding').selectOption('valid');
  await app.getByTestId('param-kernel-h').fill('20');
  await app.getByTestId('param-kernel-h').press('Enter');
  await app.waitForTimeout(300);
  await app.screenshot({ path: out('lenet-error.png') });
});
