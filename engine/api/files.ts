/**
 * File naming shared by host and renderer. Saved graph documents use the
 * `.cnnd` extension ("CNN Designer document"; JSON inside, the same format
 * as templates/*.json). A single, unique extension, because Windows and
 * macOS associate files by their LAST extension only: `.cnn.json` would
 * claim every .json file for the app. Plain `.json` documents (templates,
 * files from elsewhere) open too.
 */

/** Extension of saved graph documents, with the dot. */
export const DOCUMENT_EXTENSION = '.cnnd';
/** Extensions the open dialog and the web file picker accept. */
export const OPENABLE_EXTENSIONS = ['.cnnd', '.json'] as const;
/** MIME type registered for the file association. */
export const DOCUMENT_MIME = 'application/x-cnn-designer';

/** True when `name` ends with an extension we open (case-insensitive). */
export function isOpenableName(name: string): boolean {
  const n = name.toLowerCase();
  return OPENABLE_EXTENSIONS.some((e) => n.endsWith(e));
}

/** `name` with the document extension, unless it already has an openable one. */
export function withDocumentExtension(name: string): string {
  return isOpenableName(name) ? name : name + DOCUMENT_EXTENSION;
}

/** A safe file name from a document name: no path separators or control characters. */
export function fileNameFor(docName: string): string {
  // eslint-disable-next-line no-control-regex
  const base = docName.replace(/[\u0000-\u001f<>:"/\\|?*]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 100);
  return base === '' || base === '.' || base === '..' ? 'Untitled network' : base;
}
