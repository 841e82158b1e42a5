/**
 * Fixtures for the end-to-end tests: a real web host (the same handlers as
 * the desktop app) on a free port with its own temporary projects and data
 * folders, and a page with the app opened through it and connected.
 */
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHostProcess } from './host';

export interface HostFixture {
  /** The page URL with the access token. */
  url: string;
  projectsDir: string;
  dataDir: string;
}

export const test = base.extend<{ app: Page }, { web: HostFixture }>({
  web: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'cnn-e2e-'));
      const projectsDir = path.join(tmp, 'projects');
      const dataDir = path.join(tmp, 'data');
      mkdirSync(projectsDir);
      const h = await startHostProcess(projectsDir, dataDir);
      await use({ url: h.url, projectsDir, dataDir });
      await h.stop();
      rmSync(tmp, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
  app: async ({ page, web }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(web.url);
    await expect(page.locator('html[data-engine-ready=true]')).toBeAttached({ timeout: 30_000 });
    await use(page);
    expect(errors, 'uncaught errors in the page').toEqual([]);
  },
});

export { expect };

/** The node of the canvas with this id. */
export const node = (page: Page, id: string): Locator => page.getByTestId(`node-${id}`);

/** Drag a palette entry onto the canvas at (x, y) relative to the canvas' top-left. */
export async function dropLayer(page: Page, type: string, x: number, y: number): Promise<void> {
  const canvas = page.locator('.react-flow__pane');
  await page.getByTestId(`palette-${type}`).dragTo(canvas, { targetPosition: { x, y } });
}

/** Drag a wire from the output handle of `from` to input slot `slot` of `to`. */
export async function connect(page: Page, from: string, to: string, slot = 0): Promise<void> {
  const src = node(page, from).locator('.react-flow__handle.source');
  const dst = node(page, to).locator(`.react-flow__handle.target[data-handleid="in-${slot}"]`);
  const a = await src.boundingBox();
  const b = await dst.boundingBox();
  if (!a || !b) throw new Error(`handles of ${from} → ${to} are not on screen`);
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}

/** The document being edited, as the store holds it. */
export function currentDoc(page: Page): Promise<{ name: string; nodes: { id: string; type: string; params: Record<string, unknown> }[]; edges: { source: string; target: string; targetIndex: number }[] }> {
  return page.evaluate(() => (window as unknown as { __cnn: { graph: { getState(): { doc: never } } } }).__cnn.graph.getState().doc);
}

/** A stable, comparable form of a document: what the user built, not where it sits. */
export function structure(doc: Awaited<ReturnType<typeof currentDoc>>) {
  return {
    nodes: doc.nodes.map((n) => ({ id: n.id, type: n.type, params: n.params })).sort((a, b) => a.id.localeCompare(b.id)),
    edges: doc.edges.map((e) => `${e.source}->${e.target}:${e.targetIndex}`).sort(),
  };
}
