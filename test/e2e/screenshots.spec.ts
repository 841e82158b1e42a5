/**
 * Screenshots of the editor for the README and for reviewing the design.
 * Not part of the normal run: `SCREENSHOTS=1 npx playwright test screenshots`
 * writes test-results/screens/<size>/*.png (every view, at 1440×900 and at a
 * projector's 1280×720), docs/screenshot.png (ResNet-18, a convolution
 * selected with its parameter formula) and docs/screenshots/*.png (gallery,
 * receptive-field view, GoogLeNet's Inception branches, a problem).
 *
 * Each view also checks what a person would see first: nothing of the page
 * sticks out sideways, and the toolbar's buttons are all inside the window.
 * That check (and that the toolbar opens the panels) also runs without
 * SCREENSHOTS, at a projector's size and at 150 % zoom of it.
 */
import type { Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, node, test } from './fixtures';
import { ROOT } from './host';

test.setTimeout(240_000);

type Cnn = {
  graph: { getState(): { select(ids: string[]): void; doc: { nodes: { id: string; position: { x: number; y: number } }[] } } };
  getFlow(): { setCenter(x: number, y: number, o: { zoom: number }): Promise<boolean> };
};

/** Select a node and centre the view on it (or, horizontally, on `centreX`'s node) at this zoom. */
async function focus(app: Page, id: string, zoom: number, dy = 0, centreX = id): Promise<void> {
  await app.evaluate(
    ([id, zoom, dy, centreX]) => {
      const cnn = (window as unknown as { __cnn: Cnn }).__cnn;
      const g = cnn.graph.getState();
      g.select([id as string]);
      const n = g.doc.nodes.find((x) => x.id === id)!;
      const c = g.doc.nodes.find((x) => x.id === centreX)!;
      void cnn.getFlow().setCenter(c.position.x + 110, n.position.y + 31 + (dy as number), { zoom: zoom as number });
    },
    [id, zoom, dy, centreX] as const,
  );
  await app.waitForTimeout(500);
}

async function openTemplate(app: Page, id: string): Promise<void> {
  if (!(await app.getByTestId('gallery').isVisible())) await app.getByTestId('cmd-gallery').click();
  await app.getByTestId(`template-${id}`).click();
  const discard = app.getByTestId('confirm-ok');
  if (await discard.isVisible().catch(() => false)) await discard.click();
  await expect(app.getByTestId('gallery')).toBeHidden();
  await app.waitForTimeout(700);
}

/** Nothing wider than the window, and every toolbar button fully inside it. */
async function checkFits(app: Page): Promise<void> {
  const r = await app.evaluate(() => {
    const W = document.documentElement.clientWidth;
    const out = [...document.querySelectorAll('.topbar .btn')]
      .filter((b) => {
        const x = b.getBoundingClientRect();
        return x.width > 0 && x.right > W + 0.5;
      })
      .map((b) => b.textContent);
    return { W, scroll: document.documentElement.scrollWidth, out };
  });
  expect(r.scroll, 'page wider than the window').toBeLessThanOrEqual(r.W);
  expect(r.out, 'toolbar buttons cut off at the right edge').toEqual([]);
}

for (const size of [
  { name: '1440x900', width: 1440, height: 900, docs: true },
  { name: '1280x720', width: 1280, height: 720, docs: false },
]) {
  test(`screenshots at ${size.name}`, async ({ app }) => {
    test.skip(!process.env.SCREENSHOTS, 'set SCREENSHOTS=1 to take the screenshots');
    await app.setViewportSize({ width: size.width, height: size.height });
    const dir = path.join(ROOT, 'test-results', 'screens', size.name);
    mkdirSync(dir, { recursive: true });
    const docsDir = path.join(ROOT, 'docs', 'screenshots');
    mkdirSync(docsDir, { recursive: true });
    const shot = async (name: string, docsName?: string) => {
      await app.waitForTimeout(300);
      await app.screenshot({ path: path.join(dir, name + '.png') });
      if (size.docs && docsName) await app.screenshot({ path: docsName.includes('/') ? docsName : path.join(docsDir, docsName) });
    };

    // The gallery a new user lands on.
    await expect(app.getByTestId('template-resnet50')).toBeVisible();
    await shot('01-gallery', 'gallery.png');

    // ResNet-18: the first residual block, its second convolution selected (formula in the inspector).
    await openTemplate(app, 'resnet18');
    await checkFits(app);
    await shot('02-resnet18-open');
    await focus(app, 'layer1.0.conv2', 0.88, -150);
    await expect(app.getByTestId('formula')).toBeVisible();
    await shot('03-resnet18-selected', path.join(ROOT, 'docs', 'screenshot.png'));

    // The receptive-field teaching view of that layer.
    await app.getByTestId('tab-rf').click();
    await expect(app.getByTestId('rf-view')).toBeVisible();
    await shot('04-resnet18-rf', 'receptive-field.png');
    await app.getByTestId('tab-layer').click();

    // Branching networks: Inception modules and dense blocks side by side.
    await openTemplate(app, 'googlenet');
    // The whole Inception module: four branches side by side between its input and its Concatenate.
    await focus(app, 'inception4a.branch3.1.conv', 0.74, -40, 'inception4a.concat');
    await shot('05-googlenet', 'googlenet.png');
    await openTemplate(app, 'densenet121');
    await focus(app, 'conv4_block1_1_conv', 0.6);
    await shot('06-densenet121');
    await openTemplate(app, 'resnet50');
    await focus(app, 'conv3_block1_2_conv', 0.75);
    await shot('07-resnet50');

    // LeNet-5 with a mistake: the node, the inspector and the problems list say what and how to fix.
    await openTemplate(app, 'lenet5');
    await node(app, 'c3').locator('.ln-head').click();
    await app.getByTestId('tab-layer').click();
    await app.getByTestId('param-padding').selectOption('valid');
    await app.getByTestId('param-kernel-h').fill('20');
    await app.getByTestId('param-kernel-h').press('Enter');
    await expect(app.getByTestId('problem').first()).toBeVisible();
    await shot('08-lenet-error', 'problems.png');

    // An empty network.
    await app.getByTestId('cmd-new').click();
    const discard = app.getByTestId('confirm-ok');
    if (await discard.isVisible().catch(() => false)) await discard.click();
    await expect(app.getByText('Start your network')).toBeVisible();
    await checkFits(app);
    await shot('09-empty');

    // The three panels on a small trainable network.
    await openTemplate(app, 'mnist-cnn');
    await checkFits(app);
    await app.getByTestId('training-open').click();
    await expect(app.getByTestId('training-panel')).toBeVisible();
    await app.waitForTimeout(1500);
    await shot('10-training');
    await app.getByTestId('training-close').click();
    await app.getByTestId('inspect-open').click();
    await expect(app.getByTestId('inspect-panel')).toBeVisible();
    await app.waitForTimeout(1500);
    await shot('11-inspect');
    await app.getByTestId('inspect-close').click();
    await app.getByTestId('cmd-export-model').click();
    await expect(app.getByTestId('export-dialog')).toBeVisible();
    await shot('12-export');
  });
}

// 1280×720 is a common projector; 853×480 is the same screen at 150 % browser zoom.
for (const v of [
  { width: 1280, height: 720 },
  { width: 853, height: 480 },
]) {
  test(`at ${v.width}×${v.height} nothing sticks out and the toolbar opens the panels`, async ({ app }) => {
    await app.setViewportSize(v);
    await openTemplate(app, 'googlenet');
    await checkFits(app);
    for (const id of ['training-open', 'inspect-open', 'cmd-export-model', 'cmd-gallery']) await expect(app.getByTestId(id)).toBeInViewport({ ratio: 1 });
    await app.getByTestId('training-open').click();
    await expect(app.getByTestId('training-panel')).toBeVisible();
    await app.getByTestId('training-close').click();
    await app.getByTestId('inspect-open').click();
    await expect(app.getByTestId('inspect-panel')).toBeVisible();
    await app.getByTestId('inspect-close').click();
    await expect(app.getByTestId('inspect-panel')).toBeHidden();
  });
}

test('the open dialog shows the projects folder as it is written (leading "/" first)', async ({ app, web }) => {
  await app.getByTestId('welcome-open').click();
  await expect(app.getByTestId('file-dialog')).toBeVisible();
  const dir = app.getByTestId('file-dir');
  await expect(dir).toHaveText(web.projectsDir);
  // Drawn in the same order as written: the text starts at the left of the box.
  const box = await dir.boundingBox();
  const first = await dir.evaluate((el) => {
    const r = document.createRange();
    r.setStart(el.querySelector('bdi')!.firstChild!, 0);
    r.setEnd(el.querySelector('bdi')!.firstChild!, 1);
    return r.getBoundingClientRect().x;
  });
  expect(first - box!.x).toBeLessThan(4);
  // Escape cancels the dialog, as everywhere else.
  await app.keyboard.press('Escape');
  await expect(app.getByTestId('file-dialog')).toBeHidden();
});

test('Escape cancels a confirmation and keeps the work', async ({ app }) => {
  await app.getByTestId('template-lenet5').click();
  await app.getByTestId('doc-name').fill('renamed');
  await app.getByTestId('doc-name').press('Enter');
  await app.getByTestId('cmd-new').click();
  await expect(app.getByTestId('confirm-dialog')).toBeVisible();
  await app.keyboard.press('Escape');
  await expect(app.getByTestId('confirm-dialog')).toBeHidden();
  await expect(app.getByTestId('node-c3')).toBeVisible();
});

test('a kernel too tall for its input outlines the height only', async ({ app }) => {
  await app.getByTestId('template-lenet5').click();
  await node(app, 'c3').locator('.ln-head').click();
  await app.getByTestId('param-padding').selectOption('valid');
  await app.getByTestId('param-kernel-h').fill('20');
  await app.getByTestId('param-kernel-h').press('Enter');
  await expect(app.getByTestId('param-kernel-h')).toHaveClass(/invalid/);
  await expect(app.getByTestId('param-kernel-w')).not.toHaveClass(/invalid/);
});
