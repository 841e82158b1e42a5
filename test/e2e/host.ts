/**
 * Start the web host in a child process, as `npm start` runs it (under tsx),
 * for the end-to-end tests and the editor benchmark.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface HostProcess {
  /** The page URL with the access token. */
  url: string;
  /** Stop the host (closes its stdin; kills it if it does not exit within 5 s). */
  stop(): Promise<void>;
}

/** Start the web host in a child process (as `npm start` runs it) and read its URL. */
export async function startHostProcess(projectsDir: string, dataDir: string): Promise<HostProcess> {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  // The e2e global setup builds into a folder of its own and says where.
  const rendererDir = process.env.E2E_RENDERER_DIR ?? path.join(ROOT, 'dist', 'renderer');
  const proc = spawn(tsx, [path.join(ROOT, 'test', 'e2e', 'host-process.ts'), rendererDir, projectsDir, dataDir], {
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
  return {
    url,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.stdin?.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}

