/** The value syntaxes specs and matchers share: durations, percentages, label selectors. */
import { z } from 'zod';

/** "500ms", "3s", "2m", "1h", or "1.5s". */
export const Duration = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'a duration such as "500ms", "3s" or "2m"')
  .describe('A duration: a number followed by ms, s, m or h, e.g. "3s".');
export type Duration = z.infer<typeof Duration>;

/** A percentage 0..100. */
export const Percent = z.number().min(0).max(100);

/** Label selector in kubectl syntax, e.g. "app=backend,version=v1". */
export const Selector = z.string().min(1).describe('A label selector, e.g. "app=backend,version=v1".');

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** Milliseconds of a spec duration such as "500ms", "1.5s" or "2m". */
export function durationMs(duration: Duration): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(duration);
  if (!match) throw new RangeError(`not a duration: ${JSON.stringify(duration)} (expected e.g. "3s")`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
