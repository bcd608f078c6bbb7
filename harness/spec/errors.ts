import path from 'node:path';

/** 1-based line and column, as editors show them. */
export interface Position {
  line: number;
  col: number;
}

/** A problem in a spec file, always tied to the position of the offending key or value. */
export class SpecError extends Error {
  override name = 'SpecError';
  readonly code = 'MESHSPEC_SPEC_INVALID';

  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    message: string,
  ) {
    super(message);
  }

  /** `path/file.spec.yaml:LINE:COL: message`, the path relative to `cwd` when it lies inside it. */
  format(cwd = process.cwd()): string {
    return `${displayPath(this.file, cwd)}:${this.line}:${this.col}: ${this.message}`;
  }
}

export function displayPath(file: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** Orders errors by file, then position, so output reads top to bottom. */
export function sortErrors(errors: SpecError[]): SpecError[] {
  return [...errors].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}
