/** Failures the user can act on: printed as a banner with a hint, never a stack trace. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly code: string,
    readonly hint?: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Bad command line: unknown command or flag, missing value. */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(message: string, hint = 'see `meshspec help`') {
    super(message, 'MESHSPEC_USAGE', hint);
  }
}

/** A failure with a message and an optional hint, as the banner shows it. */
export interface Actionable {
  message: string;
  hint?: string;
}

export function formatBanner(error: Actionable): string {
  return `\nmeshspec: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}\n`;
}
