/**
 * Loading manifests as `kubectl apply -f` reads them: a file, a directory (its *.yaml and
 * *.yml files in name order, not recursive), or inline YAML; multi-document, `kind: List`
 * expanded. Every object remembers where it came from, so errors can point there.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { isInlineManifest } from '../spec/manifests.js';
import { KubeError } from './errors.js';

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface Manifest {
  object: ManifestObject;
  /** Where the object was written, e.g. "manifests/backend.yaml:12 (document 2)". */
  origin: string;
}

export async function loadManifests(source: string, rootDir: string, substitute: (text: string) => string): Promise<Manifest[]> {
  if (isInlineManifest(source)) return parseManifests(substituteIn(source, 'inline YAML', substitute), 'inline YAML');
  const manifests: Manifest[] = [];
  for (const file of await manifestFiles(source, rootDir)) {
    const name = relative(rootDir, file) || file;
    const text = await readFile(file, 'utf8');
    manifests.push(...parseManifests(substituteIn(text, name, substitute), name));
  }
  return manifests;
}

async function manifestFiles(source: string, rootDir: string): Promise<string[]> {
  const path = isAbsolute(source) ? source : resolve(rootDir, source);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new KubeError(`manifest "${source}" not found (looked for ${path}); paths are relative to the repository root`);
  if (!info.isDirectory()) return [path];
  const files = (await readdir(path)).filter((f) => /\.ya?ml$/.test(f)).sort();
  if (files.length === 0) throw new KubeError(`manifest directory "${source}" has no .yaml or .yml files`);
  return files.map((f) => join(path, f));
}

function substituteIn(text: string, origin: string, substitute: (text: string) => string): string {
  try {
    return substitute(text);
  } catch (error) {
    throw new KubeError(`${origin}: ${(error as Error).message}`);
  }
}

/** Parses multi-document YAML; `origin` names the source in messages. Empty documents are skipped. */
export function parseManifests(text: string, origin: string): Manifest[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter });
  if (!Array.isArray(documents)) return [];
  const manifests: Manifest[] = [];
  documents.forEach((doc, index) => {
    const where = `${origin}:${lineCounter.linePos(doc.contents?.range[0] ?? doc.range[0]).line} (document ${index + 1})`;
    const [error] = doc.errors;
    if (error) {
      const at = error.linePos?.[0];
      throw new KubeError(`${origin}${at ? `:${at.line}:${at.col}` : ''} (document ${index + 1}): invalid YAML: ${error.message.split('\n')[0]}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    for (const object of expandList(value, where)) manifests.push({ object: checkObject(object, where), origin: where });
  });
  return manifests;
}

function expandList(value: unknown, where: string): unknown[] {
  const list = value as { kind?: unknown; items?: unknown };
  if (typeof list === 'object' && list.kind === 'List') {
    if (!Array.isArray(list.items)) throw new KubeError(`${where}: a List needs an items array`);
    return list.items;
  }
  return [value];
}

function checkObject(value: unknown, where: string): ManifestObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KubeError(`${where}: expected a Kubernetes object (a mapping with apiVersion, kind and metadata)`);
  }
  const object = value as Partial<ManifestObject>;
  const missing = [
    typeof object.apiVersion === 'string' ? undefined : 'apiVersion',
    typeof object.kind === 'string' ? undefined : 'kind',
    typeof object.metadata?.name === 'string' ? undefined : 'metadata.name',
  ].filter(Boolean);
  if (missing.length > 0) throw new KubeError(`${where}: missing ${missing.join(', ')}`);
  return object as ManifestObject;
}
