/**
 * Runs the web host in its own process for the end-to-end tests, as
 * `npm start` does (under tsx), and prints one JSON line with its URL.
 *
 *   tsx test/e2e/host-process.ts RENDERER_DIR PROJECTS_DIR DATA_DIR
 *
 * Exits when its stdin closes (the test runner ended or died).
 */
import { startWebHost } from '../../electron/web-host';

const [rendererDir, projectsDir, dataDir] = process.argv.slice(2);
if (!rendererDir || !projectsDir || !dataDir) {
  console.error('usage: tsx test/e2e/host-process.ts RENDERER_DIR PROJECTS_DIR DATA_DIR');
  process.exit(2);
}
const host = await startWebHost({ rendererDir, projectsDir, dataDir, appVersion: 'e2e' });
process.stdout.write(JSON.stringify({ url: host.url, origin: host.origin }) + '\n');
const stop = () => void host.close().finally(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
