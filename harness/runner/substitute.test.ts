import { describe, expect, it } from 'vitest';
import { createSubstitute, substituteDeep } from './substitute.js';

const substitute = createSubstitute({ NAMESPACE: 'demo-x1', EXTERNAL_HOST: 'external.meshspec.test' });

describe('substitution', () => {
  it('replaces every ${NAME} the run defines', () => {
    expect(substitute('host: backend.${NAMESPACE}.svc, to ${EXTERNAL_HOST} in ${NAMESPACE}')).toBe(
      'host: backend.demo-x1.svc, to external.meshspec.test in demo-x1',
    );
  });

  it('leaves text without references, and $(VAR) container syntax, alone', () => {
    expect(substitute('args: ["$(POD_NAME)", "$NAMESPACE"]')).toBe('args: ["$(POD_NAME)", "$NAMESPACE"]');
  });

  it('names an unknown variable and lists the known ones', () => {
    expect(() => substitute('x: ${EXTERNAL_IPS}')).toThrow('unknown variable ${EXTERNAL_IPS}; this run defines ${EXTERNAL_HOST}, ${NAMESPACE}');
  });

  it('reaches every string of a step, but not its keys', () => {
    const step = {
      patch: { object: 'svc/b', patch: { metadata: { labels: { '${NAMESPACE}': '${NAMESPACE}' } } } },
      exec: { command: ['kubectl', '-n', '${NAMESPACE}'], exitCode: 0 },
    };
    expect(substituteDeep(step, substitute)).toEqual({
      patch: { object: 'svc/b', patch: { metadata: { labels: { '${NAMESPACE}': 'demo-x1' } } } },
      exec: { command: ['kubectl', '-n', 'demo-x1'], exitCode: 0 },
    });
  });
});
