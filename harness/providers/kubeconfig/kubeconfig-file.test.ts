import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseContext, kubeconfigPath } from './kubeconfig-file.js';

describe('kubeconfigPath', () => {
  it('takes the setting as one file, else every file of $KUBECONFIG (absolute, once each), else ~/.kube/config', () => {
    const env = { KUBECONFIG: ['a', '', '/abs/b', 'a'].join(delimiter) };
    expect(kubeconfigPath('k.yaml', env)).toBe(resolve('k.yaml'));
    expect(kubeconfigPath(undefined, env)).toBe([resolve('a'), '/abs/b'].join(delimiter));
    expect(kubeconfigPath(undefined, { KUBECONFIG: delimiter })).toBe(join(homedir(), '.kube', 'config'));
  });
});

describe('chooseContext', () => {
  it('chooses from the merged files, and names them all when none exists or the context is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshspec-kubeconfig-file-'));
    const missing = [join(dir, 'x'), join(dir, 'y')];
    expect(() => chooseContext(missing.join(delimiter), undefined)).toThrow(
      expect.objectContaining({
        message: `Cannot read the kubeconfig: none of the kubeconfig files exists: ${missing.join(', ')}.`,
        hint: expect.stringContaining('set KUBECONFIG'),
      }),
    );
    const file = join(dir, 'config');
    writeFileSync(file, 'contexts: [{ name: second, context: { cluster: c, user: u } }]\ncurrent-context: second');
    const list = [...missing, file].join(delimiter);
    expect(chooseContext(list, undefined)).toEqual({ name: 'second', server: undefined });
    expect(() => chooseContext(list, 'third')).toThrow(
      expect.objectContaining({
        message: `The kubeconfig files ${[...missing, file].join(', ')} have no context "third".`,
        hint: 'Pick one with --context NAME (it has: second).',
      }),
    );
  });

  it("reports the server of the chosen context's cluster, for the context guard", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'meshspec-kubeconfig-file-')), 'config');
    writeFileSync(
      file,
      [
        'clusters: [{ name: kind-a, cluster: { server: "https://127.0.0.1:41234" } }]',
        'contexts: [{ name: kind-a, context: { cluster: kind-a, user: u } }]',
        'current-context: kind-a',
      ].join('\n'),
    );
    expect(chooseContext(file, undefined)).toEqual({ name: 'kind-a', server: 'https://127.0.0.1:41234' });
  });
});
