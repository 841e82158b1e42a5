/**
 * The one error type of engine/data. Every message names the file (or spec)
 * at fault, says what is wrong quoting what was found, and what to do.
 */

/** Stable codes; the UI may pick an icon or an action from them. */
export type DatasetErrorCode =
  /** The spec string cannot be parsed or names an unknown kind/option. */
  | 'BAD_SPEC'
  /** A directory or file that the format needs does not exist. */
  | 'NOT_FOUND'
  /** A file exists but cannot be read (permissions, I/O error). */
  | 'UNREADABLE'
  /** A file is not in the expected format (bad magic number, not gzip, wrong type). */
  | 'BAD_FORMAT'
  /** A file is shorter or longer than its header says. */
  | 'BAD_LENGTH'
  /** Two files that must agree do not (image count vs label count, sizes). */
  | 'MISMATCH'
  /** A label outside the class list. */
  | 'BAD_LABEL'
  /** An image in a folder cannot be decoded. */
  | 'BAD_IMAGE'
  /** A class folder has no images. */
  | 'EMPTY_CLASS'
  /** Fewer than two classes. */
  | 'TOO_FEW_CLASSES'
  /** A sample index or option out of range. */
  | 'OUT_OF_RANGE'
  /** Cancelled through an AbortSignal. */
  | 'ABORTED';

export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  constructor(
    readonly code: DatasetErrorCode,
    /** What is wrong, naming the file and quoting what was found. */
    readonly problem: string,
    /** What the user can do about it. */
    readonly fix: string,
    /** The file or directory at fault, when there is one. */
    readonly file?: string,
  ) {
    super(`${problem} ${fix}`.trim());
  }

  /** Plain form for a Result over IPC (`handle` keeps only `message` of thrown errors). */
  toJSON(): { code: DatasetErrorCode; message: string; problem: string; fix: string; file?: string } {
    return { code: this.code, message: this.message, problem: this.problem, fix: this.fix, file: this.file };
  }
}

/** Throws DatasetError('ABORTED') if the signal has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new DatasetError('ABORTED', `${what} was cancelled.`, '');
}
