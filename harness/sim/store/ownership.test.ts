import { describe, expect, it } from 'vitest';
import { appliedFields, conflictingFields, withoutFields } from './ownership.js';

const config = (replicas: number, image: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas,
    template: {
      spec: {
        containers: [
          { name: 'app', image },
          { name: 'log', image: 'log:1' },
        ],
      },
    },
  },
});

describe('server-side apply ownership', () => {
  it('lists leaf fields with keyed list items, leaving out the object identity', () => {
    expect([...appliedFields(config(1, 'a'), true).keys()]).toEqual([
      '.metadata.labels.app',
      '.spec.replicas',
      '.spec.template.spec.containers[name="app"].name',
      '.spec.template.spec.containers[name="app"].image',
      '.spec.template.spec.containers[name="log"].name',
      '.spec.template.spec.containers[name="log"].image',
    ]);
    expect([...appliedFields({ spec: { http: [{ route: [] }] } }, false).keys()]).toEqual(['.spec.http']);
  });

  it('finds fields applied with another value, and drops fields a manager lost', () => {
    expect(conflictingFields(config(2, 'a'), config(1, 'b'), true)).toEqual(['.spec.replicas', '.spec.template.spec.containers[name="app"].image']);
    expect(conflictingFields(config(1, 'a'), config(1, 'a'), true)).toEqual([]);
    const left = withoutFields(config(1, 'b'), ['.spec.replicas', '.spec.template.spec.containers[name="log"].image'], true) as any;
    expect(left.spec).not.toHaveProperty('replicas');
    expect(left.spec.template.spec.containers).toEqual([{ name: 'app', image: 'b' }, { name: 'log' }]);
  });
});
