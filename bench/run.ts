/**
 * Runs the benchmarks: every bench/*.bench.ts, or those named.
 *
 *   npm run bench                   all of them, one after the other
 *   npm run bench -- analysis data  only these
 *   npm run bench -- analysis --iterations 50   flags go to each bench
 *
 * Each bench runs in its own process (so they don't disturb each other's
 * timings or memory) and prints one JSON object on stdout, which is passed
 * through; progress goes to stderr. Exit code 1 if any bench failed.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();

const args = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith('-'));
const names = firstFlag < 0 ? args : args.slice(0, firstFlag);
const flags = firstFlag < 0 ? [] : args.slice(firstFlag);

const unknown = names.filter((n) => !available.includes(n));
if (unknown.length) {
  process.stderr.write(`Unknown bench ${unknown.map((u) => `"${u}"`).join(', ')}. Available: ${available.join(', ')}\n`);
  process.exit(2);
}

let failed = 0;
for (const name of names.length ? names : available) {
  process.stderr.write(`bench ${name}…\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, `${name}.bench.ts`), ...flags], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`bench ${name} failed (${r.signal ?? `exit ${r.status}`})\n`);
  }
}
process.exit(failed ? 1 : 0);
