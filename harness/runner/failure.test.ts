import { describe, expect, it } from 'vitest';
import { presentFailure } from './failure.js';

describe('step failures', () => {
  it('adds the step log to the message, and keeps the error itself', () => {
    const original = Object.assign(new Error('deployment/b not found'), { expected: 1, actual: 2 });
    const failure = presentFailure(original, { specFile: 'specs/x.spec.yaml', log: ['applied Service/b', 'waited for deployment/b'] });
    expect(failure).toBe(original);
    expect(failure.message).toBe('deployment/b not found\n\nStep log:\n  applied Service/b\n  waited for deployment/b');
    expect(presentFailure(new Error('quiet'), { specFile: 's', log: [] }).message).toBe('quiet');
  });

  it('drops the harness frames from the stack: only frames of the spec would stay', () => {
    const failure = presentFailure(new Error('boom'), { specFile: 'specs/nowhere.spec.yaml', log: [] });
    expect(failure.stack).toBe('Error: boom');
  });

  it('turns thrown non-errors into errors', () => {
    expect(presentFailure('text', { specFile: 's' }).message).toBe('text');
  });
});
