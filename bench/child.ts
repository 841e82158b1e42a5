/**
 * Benchmarks that measure in child processes (a fresh heap, its own peak
 * memory, its own core): run one under tsx and take the JSON object it
 * prints last on stdout.
 */
import { spawn } from 'node:child_process';

/**
 * Runs `node [...nodeArgs] --import tsx file ...args`; resolves with the last
 * line of its stdout parsed as JSON, rejects with the exit code and the end
 * of its stderr when that line is not JSON.
 */
export function jsonChild(file: string, args: string[], nodeArgs: string[] = []): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? ''));
      } catch {
        reject(new Error(`exit ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
      }
    });
  });
}
