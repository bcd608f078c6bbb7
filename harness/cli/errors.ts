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

/**
 * Bad command line (unknown command or flag, missing or invalid value): one line that names the
 * bad input and, when one is close, the valid input it was probably meant to be; exit code 2.
 */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(problem: string, suggestion?: string) {
    super(`${problem}${suggestion ? `; did you mean ${suggestion}?` : ''} (see \`meshspec help\`)`, 'MESHSPEC_USAGE', undefined, 2);
  }
}

/** A failure with a message and an optional hint, as the banner shows it. */
interface Actionable {
  message: string;
  hint?: string;
}

export function formatBanner(error: Actionable): string {
  return `\nmeshspec: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}\n`;
}
