/** The export job: untrained documents export with a note; missing folder and bad graphs give contract codes. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExportJob } from '../../../engine/export/job';
import { loadTemplate } from '../../../engine/templates';
import { HANDLERS } from '../../../electron/handlers';
import { JOB_KINDS } from '../../../electron/services/job-kinds';

const dir = mkdtempSync(path.join(tmpdir(), 'cnnd-export-job-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ctx = () => ({ jobId: 'j1', signal: new AbortController().signal, progress: () => {} });

describe('export job', () => {
  it('is wired: handler starts the export job kind', async () => {
    expect(typeof JOB_KINDS.export).toBe('function');
    const calls: unknown[][] = [];
    const services = { jobs: { start: (...a: unknown[]) => (calls.push(a), { ok: true, value: { jobId: 'x' } }) } };
    const req = { model: { modelId: 'm' }, format: 'onnx' as const, dir: '/tmp/x' };
    expect(await HANDLERS.exportModel(req, services as never)).toEqual({ ok: true, value: { jobId: 'x' } });
    expect(calls).toEqual([['export', req]]);
  });

  it('exports an untrained document with a note saying the weights are random', async () => {
    const doc = await loadTemplate('mnist-cnn');
    const r = await runExportJob({ model: { doc }, format: 'keras', dir: path.join(dir, 'k') }, ctx());
    expect(r.files.map((f) => path.basename(f)).sort()).toEqual(['model.py', 'train.py', 'weights.npz']);
    expect(r.files.every(existsSync)).toBe(true);
    expect(r.notes.join(' ')).toMatch(/random/);
  });

  it('refuses without a folder, and a graph with errors, with contract codes', async () => {
    const doc = await loadTemplate('mnist-cnn');
    await expect(runExportJob({ model: { doc }, format: 'onnx' }, ctx())).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    doc.edges = doc.edges.slice(1);
    await expect(runExportJob({ model: { doc }, format: 'onnx', dir: path.join(dir, 'o') }, ctx())).rejects.toMatchObject({ code: 'INVALID_GRAPH' });
    await expect(runExportJob({ model: { doc: await loadTemplate('mnist-cnn'), weightsPath: path.join(dir, 'nope') }, format: 'onnx', dir: path.join(dir, 'o') }, ctx())).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
