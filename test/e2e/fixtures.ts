/**
 * Fixtures for the end-to-end tests: a real web host (the same handlers as
 * the desktop app) on a free port with its own temporary projects and data
 * folders, and a page with the app opened through it and connected.
 */
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface HostFixture {
  /** The page URL with the access token. */
  url: string;
  projectsDir: string;
  dataDir: string;
}

/** Start the web host in a child process (as `npm start` runs it) and read its URL. */
export async function startHostProcess(projectsDir: string, dataDir: string): Promise<{ url: string; proc: ChildProcess }> {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const proc = spawn(tsx, [path.join(ROOT, 'test', 'e2e', 'host-process.ts'), path.join(ROOT, 'dist', 'renderer'), projectsDir, dataDir], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: proc.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the web host did not start within 60 s')), 60_000);
    proc.once('exit', (code) => reject(new Error(`the web host exited with code ${code}`)));
    lines.once('line', (l) => {
      clearTimeout(timer);
      try {
        resolve((JSON.parse(l) as { url: string }).url);
      } catch {
        reject(new Error(`unexpected output from the web host: ${l}`));
      }
    });
  });
  return { url, proc };
}

export const test = base.extend<{ app: Page }, { web: HostFixture }>({
  web: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'cnn-e2e-'));
      const projectsDir = path.join(tmp, 'projects');
      const dataDir = path.join(tmp, 'data');
      mkdirSync(projectsDir);
      const { url, proc } = await startHostProcess(projectsDir, dataDir);
      await use({ url, projectsDir, dataDir });
      const exited = new Promise((r) => proc.once('exit', r));
      proc.stdin?.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
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
