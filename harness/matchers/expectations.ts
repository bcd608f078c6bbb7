/**
 * Runs a step's `expect:` block through the registered matchers, as a TypeScript test would
 * write it: `true` -> `expect(subject).toX()`, `false` -> `expect(subject).not.toX()`, any other
 * value -> `expect(subject).toX(value)`. Every assertion is awaited (an async matcher that is
 * not awaited cannot fail its test), and every one runs even after a failure, so a step reports
 * all its failed expectations at once.
 */
import { expect } from 'vitest';
import { installMatchers } from './index.js';

type Assertion = Record<string, (...args: unknown[]) => unknown> & { not: Record<string, (...args: unknown[]) => unknown> };

export async function assertExpectations(subject: unknown, expectations: Record<string, unknown>): Promise<void> {
  installMatchers();
  const failures: Error[] = [];
  for (const [matcher, value] of Object.entries(expectations)) {
    if (value === undefined) continue;
    const assertion = expect(subject) as unknown as Assertion;
    try {
      if (value === true) await assertion[matcher]();
      else if (value === false) await assertion.not[matcher]();
      else await assertion[matcher](value);
    } catch (error) {
      failures.push(error instanceof Error ? error : new Error(String(error)));
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    const error = new Error(`${failures.length} expectations failed\n\n${failures.map((f) => f.message).join('\n\n')}`);
    error.name = 'AssertionError';
    throw error;
  }
}
