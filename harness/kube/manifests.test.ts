import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadManifests, parseManifests } from './manifests.js';

const identity = (text: string) => text;

describe('parseManifests', () => {
  it('reads every document, skips empty ones and remembers where each object was written', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\n';
    const manifests = parseManifests(text, 'm.yaml');
    expect(manifests.map((m) => `${m.object.kind}/${m.object.metadata.name}`)).toEqual(['Service/a', 'Deployment/b']);
    expect(manifests.map((m) => m.origin)).toEqual(['m.yaml:1 (document 1)', 'm.yaml:6 (document 3)']);
  });

  it('expands a List', () => {
    const text =
      'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: y}}\n';
    expect(parseManifests(text, 'l.yaml').map((m) => m.object.metadata.name)).toEqual(['x', 'y']);
  });

  it('names the document and the missing fields', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\nkind: ConfigMap\nmetadata: {}\n';
    expect(() => parseManifests(text, 'bad.yaml')).toThrow('bad.yaml:5 (document 2): missing apiVersion, metadata.name');
  });

  it('points at the line and column of invalid YAML', () => {
    expect(() => parseManifests('apiVersion: v1\nkind: [ConfigMap\n', 'broken.yaml')).toThrow(/^broken\.yaml:\d+:\d+ \(document 1\): invalid YAML/);
  });

  it('refuses a document that is not an object', () => {
    expect(() => parseManifests('- a\n- b\n', 'list.yaml')).toThrow('list.yaml:1 (document 1): expected a Kubernetes object');
  });
});

describe('loadManifests', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'meshspec-manifests-'));
    await mkdir(join(root, 'dir'));
    await writeFile(join(root, 'dir', 'b.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: second}\n');
    await writeFile(join(root, 'dir', 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first, namespace: "${NAMESPACE}"}\n');
    await writeFile(join(root, 'dir', 'notes.txt'), 'not a manifest');
    await mkdir(join(root, 'empty'));
  });

  const substitute = (text: string) => text.replaceAll('${NAMESPACE}', 'ns-1');

  it('reads a directory in name order, only *.yaml and *.yml, substituting variables', async () => {
    const manifests = await loadManifests('dir', root, substitute);
    expect(manifests.map((m) => [m.object.metadata.name, m.object.metadata.namespace])).toEqual([
      ['first', 'ns-1'],
      ['second', undefined],
    ]);
    expect(manifests[0]!.origin).toBe(`${join('dir', 'a.yaml')}:1 (document 1)`);
  });

  it('reads inline YAML (it has a newline)', async () => {
    const manifests = await loadManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: inline}\n', root, identity);
    expect(manifests[0]!.origin).toBe('inline YAML:1 (document 1)');
  });

  it('says which manifest is missing and where it looked', async () => {
    await expect(loadManifests('nope.yaml', root, identity)).rejects.toThrow(`manifest "nope.yaml" not found (looked for ${join(root, 'nope.yaml')})`);
  });

  it('refuses a directory without manifests', async () => {
    await expect(loadManifests('empty', root, identity)).rejects.toThrow('manifest directory "empty" has no .yaml or .yml files');
  });

  it('names the file whose substitution failed', async () => {
    const failing = () => {
      throw new Error('unknown variable ${X}');
    };
    await expect(loadManifests('dir', root, failing)).rejects.toThrow(`${join('dir', 'a.yaml')}: unknown variable \${X}`);
  });
});
