/**
 * Go-style durations ("300ms", "1.5s", "1m30s"), the form Istio and the echo app's controls use.
 */

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(h|ms|m|s|us|µs|ns)/y;

/** Milliseconds of a Go duration, or undefined when `text` is not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (trimmed === '0') return 0;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < trimmed.length) {
    const start = PART.lastIndex;
    const match = PART.exec(trimmed);
    if (!match || match.index !== start) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return total;
}
