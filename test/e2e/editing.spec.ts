/**
 * Editing details through the real host: search-and-add, refused wires,
 * merge inputs, clipboard, delete, select all, tidy layout, export, the
 * receptive-field teaching view, and recovery after a crash.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { connect, currentDoc, dropLayer, expect, node, test } from './fixtures';

test.beforeEach(async ({ app }) => {
  await app.getByTestId('welcome-new').click();
  await expect(app.getByTestId('welcome')).toBeHidden();
});

test('double-click the canvas to search and add a layer', async ({ app }) => {
  await app.locator('.react-flow__pane').dblclick({ position: { x: 400, y: 200 } });
  const popup = app.getByTestId('add-popup');
  await expect(popup).toBeVisible();
  await app.keyboard.type('relu');
  await app.keyboard.press('Enter');
  await expect(popup).toBeHidden();
  await expect(node(app, 'relu_1')).toBeVisible();
});

test('wires that would make a loop are refused while dragging, with the reason', async ({ app }) => {
  await dropLayer(app, 'input', 330, 60);
  await dropLayer(app, 'conv2d', 330, 180);
  await dropLayer(app, 'relu', 330, 300);
  await connect(app, 'input_1', 'conv2d_1');
  await connect(app, 'conv2d_1', 'relu_1');
  await expect(app.locator('.react-flow__edge')).toHaveCount(2);
  // relu → conv would close a loop: drag it and look at the hint before letting go.
  const src = await node(app, 'relu_1').locator('.react-flow__handle.source').boundingBox();
  const dst = await node(app, 'conv2d_1').locator('.react-flow__handle.target').boundingBox();
  await app.mouse.move(src!.x + 6, src!.y + 6);
  await app.mouse.down();
  await app.mouse.move(dst!.x + 20, dst!.y - 20, { steps: 4 });
  await app.mouse.move(dst!.x + 6, dst!.y + 6, { steps: 4 });
  await expect(app.getByTestId('connect-hint')).toContainText('loop');
  await app.mouse.up();
  await expect(app.getByTestId('connect-hint')).toBeHidden();
  await expect(app.locator('.react-flow__edge')).toHaveCount(2);
  // Input layers have no input handle at all.
  await expect(node(app, 'input_1').locator('.react-flow__handle.target')).toHaveCount(0);
});

test('Add gets one input per connection plus a free one; a shape mismatch is refused', async ({ app }) => {
  await dropLayer(app, 'input', 200, 50);
  await dropLayer(app, 'conv2d', 80, 170);
  await dropLayer(app, 'conv2d', 400, 170);
  await dropLayer(app, 'add', 240, 300);
  await dropLayer(app, 'max-pool2d', 560, 300);
  await connect(app, 'input_1', 'conv2d_1');
  await connect(app, 'input_1', 'conv2d_2');
  await connect(app, 'conv2d_2', 'max-pool2d_1');
  const add = node(app, 'add_1');
  await expect(add.locator('.react-flow__handle.target')).toHaveCount(2);
  await connect(app, 'conv2d_1', 'add_1', 0);
  await expect(add.locator('.react-flow__handle.target')).toHaveCount(2);
  // 28×28×32 + 14×14×32 can never be added: refused.
  await connect(app, 'max-pool2d_1', 'add_1', 1);
  await expect(app.locator('.react-flow__edge')).toHaveCount(4);
  await connect(app, 'conv2d_2', 'add_1', 1);
  await expect(app.locator('.react-flow__edge')).toHaveCount(5);
  await expect(add.locator('.react-flow__handle.target')).toHaveCount(3);
  await expect(add.getByTestId('node-shape')).toHaveText('28×28×32');
});

test('copy, paste, delete, select all, undo; tidy layout is one undo step', async ({ app }) => {
  await dropLayer(app, 'input', 330, 60);
  await dropLayer(app, 'conv2d', 330, 180);
  await connect(app, 'input_1', 'conv2d_1');
  await node(app, 'conv2d_1').locator('.ln-head').click();
  await app.keyboard.press('Control+c');
  await app.keyboard.press('Control+v');
  await expect(node(app, 'conv2d_2')).toBeVisible();
  await expect(node(app, 'conv2d_2')).toHaveClass(/selected/);
  await app.keyboard.press('Delete');
  await expect(node(app, 'conv2d_2')).toHaveCount(0);
  await app.keyboard.press('Control+a');
  await expect(app.getByTestId('inspector-multi')).toContainText('2 layers selected');
  await app.keyboard.press('Delete');
  await expect(app.locator('.react-flow__node')).toHaveCount(0);
  await app.keyboard.press('Control+z');
  await expect(app.locator('.react-flow__node')).toHaveCount(2);
  await expect(app.locator('.react-flow__edge')).toHaveCount(1);

  const before = (await currentDoc(app)) as unknown as { nodes: { id: string; position: { x: number; y: number } }[] };
  await app.locator('.react-flow__pane').click({ position: { x: 700, y: 500 } });
  await app.keyboard.press('l');
  await expect.poll(async () => JSON.stringify(((await currentDoc(app)) as unknown as typeof before).nodes.map((n) => n.position))).not.toBe(JSON.stringify(before.nodes.map((n) => n.position)));
  const laid = ((await currentDoc(app)) as unknown as typeof before).nodes;
  // Top to bottom: the input above the convolution, in one column.
  expect(laid[0].position.y).toBeLessThan(laid[1].position.y);
  expect(laid[0].position.x).toBe(laid[1].position.x);
  await app.keyboard.press('Control+z');
  await expect.poll(async () => JSON.stringify(((await currentDoc(app)) as unknown as typeof before).nodes.map((n) => n.position))).toBe(JSON.stringify(before.nodes.map((n) => n.position)));
});

test('export the diagram as SVG and PNG through the host', async ({ app, web }) => {
  await dropLayer(app, 'input', 330, 60);
  await dropLayer(app, 'conv2d', 330, 180);
  await connect(app, 'input_1', 'conv2d_1');
  await app.getByTestId('cmd-export-svg').click();
  await expect(app.getByTestId('file-dialog')).toBeVisible();
  const svgName = await app.getByTestId('file-name').inputValue();
  expect(svgName).toMatch(/\.svg$/);
  await app.getByTestId('file-dialog-ok').click();
  await expect(app.getByTestId('toast-success')).toContainText('Diagram saved');
  const svg = readFileSync(path.join(web.projectsDir, svgName), 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toContain('Conv2D');
  expect(svg).toContain('28×28×32');

  await app.getByTestId('cmd-export-png').click();
  const pngName = await app.getByTestId('file-name').inputValue();
  await app.getByTestId('file-dialog-ok').click();
  await expect(app.getByTestId('toast-success').last()).toContainText(pngName);
  const png = readFileSync(path.join(web.projectsDir, pngName));
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.length).toBeGreaterThan(2000);
  expect(existsSync(path.join(web.projectsDir, svgName))).toBe(true);
});

test('receptive field view grows layer by layer on a sample image (LeNet-5)', async ({ app }) => {
  await app.getByTestId('cmd-gallery').click();
  await app.getByTestId('template-lenet5').click();
  await node(app, 'c3').locator('.ln-head').click();
  // Worked by hand: c1 5×5 → s2 6 (jump 2) → c3 6 + 4·2 = 14.
  await expect(app.getByTestId('rf-size')).toHaveText('14×14');
  await app.getByTestId('tab-rf').click();
  await expect(app.getByTestId('rf-canvas')).toBeVisible();
  await expect(app.getByTestId('rf-caption')).toContainText('c3');
  await expect(app.getByTestId('rf-view-size')).toHaveText('14×14 px');
  // Step back to the first convolution: 5×5.
  await app.getByTestId('rf-slider').fill('1');
  await expect(app.getByTestId('rf-caption')).toContainText('c1');
  await expect(app.getByTestId('rf-view-size')).toHaveText('5×5 px');
  // The square is drawn: the canvas is not blank.
  const drawn = await app.getByTestId('rf-canvas').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let yellow = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 230 && d[i + 1] > 190 && d[i + 2] < 60) yellow++;
    return yellow;
  });
  expect(drawn).toBeGreaterThan(100);
});

test('after a crash, the autosaved work is offered back', async ({ app }) => {
  await dropLayer(app, 'input', 330, 60);
  await dropLayer(app, 'dense', 330, 180);
  await connect(app, 'input_1', 'dense_1');
  const before = await currentDoc(app);
  // Autosave runs 1.5 s after the last change; then the page "crashes" (reload without saving).
  await app.waitForTimeout(2500);
  await app.reload();
  await expect(app.getByTestId('recovery')).toBeVisible();
  await app.getByTestId('recovery-restore').click();
  await expect(node(app, 'dense_1')).toBeVisible();
  const after = await currentDoc(app);
  expect(after.nodes.map((n) => n.id)).toEqual(before.nodes.map((n) => n.id));
  expect(after.edges).toEqual(before.edges);
  await expect(app.getByTestId('dirty')).toBeVisible();
});
