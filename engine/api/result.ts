/**
 * Failures cross the process boundary as values, not exceptions (style.md
 * convention 8): Electron's `ipcMain.handle` keeps only an Error's `message`,
 * and a WebSocket carries no exceptions at all. Every contract method resolves
 * to a {@link Result}; it never rejects for an expected failure.
 */

/**
 * Stable error codes. The renderer branches on these, never on messages.
 * Add new codes at the end; never rename one.
 */
export const ERROR_CODES = [
  /** The argument failed its schema; the message names the field and the value. */
  'INVALID_ARGUMENT',
  /** The method is declared in the contract but its engine service is not there yet. */
  'NOT_IMPLEMENTED',
  /** This host cannot do it (e.g. a native dialog in the web host); the message says what to use instead. */
  'NOT_SUPPORTED',
  /** A file, template, dataset or job that does not exist. */
  'NOT_FOUND',
  /** The file exists but is not a valid graph document (the message names the node and field). */
  'INVALID_DOCUMENT',
  /** Reading or writing a file failed (permissions, disk full…). */
  'IO_ERROR',
  /** The request is not allowed (a path outside what the user chose, a wrong sender). */
  'FORBIDDEN',
  /** A job failed or crashed; the app keeps working. */
  'JOB_FAILED',
  /** A job was cancelled by the user. */
  'CANCELLED',
  /** The transport failed (socket closed, host gone). Produced by the client, never by a handler. */
  'TRANSPORT',
  /** A bug on our side; the message is generic, details are logged in the host. */
  'INTERNAL',
  /** The graph has errors that must be fixed first (e.g. before training). */
  'INVALID_GRAPH',
  /** The target file exists and the request did not say `overwrite: true`. */
  'ALREADY_EXISTS',
  /** A path from the renderer that the user did not choose (Electron); the message says to pick it with Open… / Choose folder…. */
  'PATH_NOT_ALLOWED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** What went wrong, in plain words, with a stable code. Never a stack trace. */
export interface ApiError {
  code: ErrorCode;
  /** For the user: what is wrong, quoting the value received, and how to fix it. */
  message: string;
  /** The argument field at fault, as a dotted path, e.g. `doc.nodes.3.position.x`. */
  field?: string;
}

/**
 * The value every contract method resolves to.
 * @example
 * const r = await engine.loadTemplate('resnet50');
 * if (r.ok) setDoc(r.value); else showError(r.error.message);
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err<T = never>(code: ErrorCode, message: string, field?: string): Result<T> {
  return { ok: false, error: field === undefined ? { code, message } : { code, message, field } };
}

/** The value of an ok result, or throw with the error's message (for tests and scripts). */
export function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  throw new Error(`${r.error.code}: ${r.error.message}`);
}
