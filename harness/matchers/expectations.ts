/**
 * Runs a step's `expect:` block through the registered matchers, as a TypeScript test would
 * write it: `true` -> `expect(subject).toX()`, `false` -> `expect(subject).not.toX()`, any other
 * value -> `expect(subject).toX(value)`; `calls` can give one expectation another subject and a
 * statistics policy, which share-based matchers take after the value. Every assertion is awaited (an async matcher that is
 * not awaited cannot fail its test), and every one runs even after a failure, so a step reports
 * all its failed expectations at once.
 */
import { expect } from 'vitest';
import type { StatsPolicy } from '../stats/policy.js';
import { installMatchers } from './index.js';

type Assertion = Record<string, (...args: unknown[]) => unknown> & { not: Record<string, (...args: unknown[]) => unknown> };

/** How one expectation is asserted where it differs from the rest of its step. */
export interface ExpectationCall {
  /** What it is asserted on instead of the step's subject (e.g. the first n requests). */
  subject?: unknown;
  /** The statistics policy a share-based matcher takes after its value (e.g. its share of the step's false-failure budget). */
  policy?: Partial<StatsPolicy>;
}

export async function assertExpectations(subject: unknown, expectations: Record<string, unknown>, calls: Record<string, ExpectationCall> = {}): Promise<void> {
  installMatchers();
  const failures: Error[] = [];
  for (const [matcher, value] of Object.entries(expectations)) {
    if (value === undefined) continue;
    const call = calls[matcher] ?? {};
    const assertion = expect('subject' in call ? call.subject : subject) as unknown as Assertion;
    const argument = value === true || value === false ? [] : [value];
    const args = call.policy ? [argument[0], call.policy] : argument;
    try {
      if (value === false) await assertion.not[matcher](...args);
      else await assertion[matcher](...args);
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
