/**
 * Validates one step: a step is identified by the one action key it carries, so it is
 * checked against that kind's schema alone, and an unknown kind lists the allowed ones.
 */
import { didYouMean } from './closest.js';
import { SpecError } from './errors.js';
import { issuesToErrors, type IssueContext } from './issues.js';
import { STEP_KINDS, STEP_SCHEMAS, type Step, type StepKind } from './schema.js';

/** Keys every step may carry besides its action. */
const COMMON_KEYS = ['name', 'timeout', 'providers', 'expect'];

export function validateStep(raw: unknown, index: number, context: IssueContext): { step?: Step; errors: SpecError[] } {
  const path = ['steps', index];
  const error = (position: { line: number; col: number }, message: string) => ({
    errors: [new SpecError(context.file, position.line, position.col, message)],
  });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return error(context.positions.value(path), `a step must be a mapping with one action key: ${STEP_KINDS.join(', ')}`);
  }
  const keys = Object.keys(raw);
  const kinds = keys.filter((key): key is StepKind => (STEP_KINDS as readonly string[]).includes(key));
  if (kinds.length > 1) {
    return error(
      context.positions.key([...path, kinds[1]]),
      `a step has exactly one action, this one has ${kinds.join(' and ')}; split it into ${kinds.length} steps`,
    );
  }
  if (kinds.length === 0) {
    const unknown = keys.find((key) => !COMMON_KEYS.includes(key));
    const where = unknown === undefined ? context.positions.value(path) : context.positions.key([...path, unknown]);
    const found = unknown === undefined ? 'a step needs an action' : `unknown step kind "${unknown}"${didYouMean(unknown, STEP_KINDS)}`;
    return error(where, `${found}; allowed kinds: ${STEP_KINDS.join(', ')}`);
  }
  const schema = STEP_SCHEMAS[kinds[0]];
  const result = schema.safeParse(raw);
  if (!result.success) return { errors: issuesToErrors(result.error.issues, schema, path, context) };
  return { step: result.data as Step, errors: [] };
}
