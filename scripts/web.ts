/**
 * `npm run web`: start the web host (the app in a browser, same engine).
 *
 *   npm run web -- [--port N] [--no-open] [--build] [--projects DIR] [--data DIR] [FILE.cnnd…]
 *
 * Builds the renderer first when dist/renderer has no build (or with --build).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWebHost, type WebHost } from '../electron/web-host';
import { buildRenderer, ROOT } from './build';
import { openInBrowser } from './open-url';

export interface WebOptions {
  port: number;
  open: boolean;
  build: boolean;
  projectsDir?: string;
  dataDir?: string;
  files: string[];
}

const USAGE = 'usage: npm run web -- [--port N] [--no-open] [--build] [--projects DIR] [--data DIR] [FILE.cnnd…]';

/** Parse the command line; throws with a message naming the bad option. */
export function parseWebArgs(argv: string[]): WebOptions {
  const o: WebOptions = { port: 0, open: true, build: false, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--port') {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be a whole number from 0 to 65535 (0 = any free port); got '${v}'`);
      o.port = n;
    } else if (a.startsWith('--port=')) {
      return parseWebArgs([...argv.slice(0, i), '--port', a.slice(7), ...argv.slice(i + 1)]);
    } else if (a === '--no-open') o.open = false;
    else if (a === '--build') o.build = true;
    else if (a === '--projects') o.projectsDir = path.resolve(value());
    else if (a === '--data') o.dataDir = path.resolve(value());
    else if (a === '--help' || a === '-h') throw new Error(USAGE);
    else if (a.startsWith('-')) throw new Error(`unknown option '${a}'\n${USAGE}`);
    else o.files.push(path.resolve(a));
  }
  return o;
}

/** Start the web host as `npm run web` / `npm start` do, print where to open it. */
export async function runWeb(o: WebOptions): Promise<WebHost> {
  const rendererDir = path.join(ROOT, 'dist', 'renderer');
  if (o.build || !existsSync(path.join(rendererDir, 'index.html'))) {
    console.log('Building the renderer (vite build)…');
    await buildRenderer();
  }
  const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  let host: WebHost;
  try {
    host = await startWebHost({ port: o.port, rendererDir, projectsDir: o.projectsDir, dataDir: o.dataDir, appVersion: version, open: o.files });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${o.port} is in use; choose another with --port, or --port 0 for any free port`);
    throw e;
  }
  for (const m of host.openErrors) console.error(`Could not open: ${m}`);
  console.log(`\nCNN Designer is running at\n\n    ${host.url}\n\nOpen that URL (with its token) in a browser on this machine. Press Ctrl+C to stop.`);
  if (o.open) {
    const why = openInBrowser(host.url);
    if (why) console.log(`(Not opening a browser: ${why}.)`);
  }
  const stop = () => {
    void host.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return host;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await runWeb(parseWebArgs(process.argv.slice(2)));
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
