/**
 * Documents the OS or the command line asks the app to open (file
 * association, a second launch with a file, `npm run web -- my-net.cnnd`).
 * Until the renderer has asked for them once (takeOpenedFiles, at startup,
 * after subscribing to onOpenProject) they are kept here; afterwards they
 * are pushed as onOpenProject events. Nothing is lost in the race between
 * the OS event and the page loading.
 */
import { ok, type ProjectFile, type Result } from '../../engine/api';
import type { ProjectFiles } from './project-files';

export class OpenedFiles {
  private pending: ProjectFile[] = [];
  private delivering = false;

  constructor(
    private readonly files: ProjectFiles,
    private readonly push: (file: ProjectFile) => void,
  ) {}

  /** Open `file` (an absolute path from the OS) for the renderer. Errors are returned for the host to show. */
  async add(file: string): Promise<Result<ProjectFile>> {
    this.files.allow(file);
    const r = await this.files.openPath(file);
    if (!r.ok) return r;
    if (this.delivering) this.push(r.value);
    else this.pending.push(r.value);
    return r;
  }

  /** The documents kept so far; from now on new ones are pushed. */
  take(): Result<ProjectFile[]> {
    this.delivering = true;
    const out = this.pending;
    this.pending = [];
    return ok(out);
  }
}
