/** The web picker's listing of the projects folder when that folder does not exist yet. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProjectFiles } from '../../../electron/services/project-files';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cnn-pf-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const files = (projectsDir: string) => new ProjectFiles({ dataDir: path.join(tmp, 'data'), projectsDir, dialogs: null, pathPolicy: 'any' });

describe('ProjectFiles.list', () => {
  it('creates a missing projects folder when the picker names it (as the renderer does from hostInfo)', async () => {
    const projects = path.join(tmp, 'deep', 'projects');
    const r = await files(projects).list({ dir: projects });
    expect(r).toEqual({ ok: true, value: { dir: projects, parent: path.join(tmp, 'deep'), entries: [] } });
    expect(existsSync(projects)).toBe(true);
  });

  it('creates it for the default listing too', async () => {
    const projects = path.join(tmp, 'projects');
    const r = await files(projects).list();
    expect(r.ok && r.value.dir).toBe(projects);
    expect(existsSync(projects)).toBe(true);
  });

  it('still reports another missing folder instead of creating it', async () => {
    const other = path.join(tmp, 'nope');
    const r = await files(path.join(tmp, 'projects')).list({ dir: other });
    expect(r).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: `${other} does not exist.` } });
    expect(existsSync(other)).toBe(false);
  });

  it('says clearly when the projects folder cannot be created', async () => {
    const blocker = path.join(tmp, 'file');
    writeFileSync(blocker, 'x');
    const projects = path.join(blocker, 'projects');
    const r = await files(projects).list({ dir: projects });
    expect(r).toMatchObject({ ok: false, error: { code: 'IO_ERROR', message: expect.stringContaining('Could not create the projects folder') } });
  });
});
