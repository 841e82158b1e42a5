/**
 * `npm start`: build what the app needs, then open the Electron window; where
 * the Electron binary is not installed (or there is no display), start the
 * web host instead and say why and where to open it.
 *
 *   npm start -- [--web] [--port N] [--no-open] [FILE.cnnd…]   (web options as in scripts/web.ts)
 */
import { spawn } from 'node:child_process';
import { buildElectron, buildRenderer, ROOT } from './build';
import { findElectronBinary, noDisplayReason } from './electron-binary';
import { parseWebArgs, runWeb } from './web';

async function main(argv: string[]): Promise<void> {
  const forceWeb = argv.includes('--web');
  const rest = argv.filter((a) => a !== '--web');
  const webOpts = parseWebArgs(rest); // validates options up front, for both paths

  console.log('Building the renderer and the Electron bundles…');
  await buildRenderer();
  await buildElectron();

  const bin = findElectronBinary(ROOT);
  const noDisplay = noDisplayReason();
  if (!forceWeb && bin.ok && !noDisplay) {
    console.log(`Starting Electron ${bin.version}…`);
    const child = spawn(bin.path, ['.', ...webOpts.files], { cwd: ROOT, stdio: 'inherit' });
    child.on('error', (e) => {
      console.error(`Electron could not start (${e.message}); starting the web host instead.`);
      void runWeb({ ...webOpts, build: false });
    });
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
    return;
  }
  const why = forceWeb ? '--web was given' : !bin.ok ? bin.reason : noDisplay;
  console.log(`\nNot using the Electron window: ${why}.`);
  if (!forceWeb && !bin.ok) console.log(bin.howToFix);
  console.log('Starting the web host: the same app and engine, in your browser.');
  await runWeb({ ...webOpts, build: false });
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
