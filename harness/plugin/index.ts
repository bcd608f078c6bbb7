/**
 * The `meshspec()` Vite/Vitest plugin: `*.spec.yaml` files become test modules, the global
 * setup brings up the cluster, and every tag the specs use is declared (Vitest 4.1 rejects
 * undeclared tags).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import type { Plugin, TestTagDefinition } from 'vitest/config';
import { findSpecFiles, parseSpec, SPEC_SUFFIX } from '../spec/index.js';
import { generateTestModule } from './codegen.js';
import { istioNeeds, type IstioNeeds, type MeshspecOptions, type ProvidedOptions } from './options.js';
import { CLUSTER_KEY } from '../contract/provided.js';
import { OPTIONS_KEY } from './provided.js';

export type { MeshspecOptions } from './options.js';
export { istioNeeds, PROVIDER_NAMES, resolveRunSettings, SettingsError, type RunSettings } from './options.js';
export { startCluster, newRunId } from './cluster.js';
export { stderrProgress } from './progress.js';
export { CLUSTER_KEY } from '../contract/provided.js';

const DEFAULT_INCLUDE = ['specs/**/*.spec.yaml'];
/**
 * Spec files run at once. Scenarios mostly wait (for pods, config pushes, injected delays), so
 * far more of them than cores keep the machine busy; each has its own namespace.
 */
export const SCENARIO_WORKERS = 8;

// Sibling modules have this module's extension: .ts when Vite loads the sources, .js when built.
const extension = path.extname(fileURLToPath(import.meta.url));
const sibling = (relative: string) => fileURLToPath(new URL(`${relative}${extension}`, import.meta.url));

export function meshspec(options: MeshspecOptions = {}): Plugin[] {
  let rootDir = options.rootDir ?? process.cwd();
  let tags: string[] = [];
  const runtimeModule = options.runtimeModule ?? sibling('../runner/runtime');
  const transform: Plugin = {
    name: 'meshspec',
    enforce: 'pre',
    config(config) {
      rootDir = path.resolve(options.rootDir ?? config.root ?? process.cwd());
      const found = options.specs ? needsOf(options.specs.map((spec) => spec.scenario)) : scanSpecs(rootDir);
      tags = found.tags;
      const provided: ProvidedOptions = {
        provider: options.provider,
        istioVersion: options.istioVersion,
        reuse: options.reuse,
        settings: options.settings,
        rootDir,
        profiles: found.profiles,
        addons: found.addons,
      };
      return {
        test: {
          ...(config.test?.include ? {} : { include: options.include ?? DEFAULT_INCLUDE }),
          globalSetup: [sibling('./globalSetup')],
          tags: undeclared(tags, config.test?.tags),
          includeTaskLocation: true,
          maxWorkers: config.test?.maxWorkers ?? SCENARIO_WORKERS,
          // A worker imports the runtime (and the slow Kubernetes client) once for all its spec
          // files: the runtime keeps no state between scenarios but caches keyed by cluster.
          isolate: config.test?.isolate ?? false,
          provide: { [OPTIONS_KEY]: provided, ...(options.cluster ? { [CLUSTER_KEY]: options.cluster } : {}) },
        },
      };
    },
    transform(code, id) {
      const file = id.split('?')[0];
      if (!file.endsWith(SPEC_SUFFIX)) return null;
      const loaded = options.specs?.find((spec) => spec.file === file && spec.source === code);
      const { spec, errors } = loaded ? { spec: loaded, errors: [] } : parseSpec(code, file, rootDir);
      if (!spec) {
        const first = errors[0];
        this.error({
          message: `invalid spec:\n${errors.map((error) => error.format()).join('\n')}`,
          id: file,
          loc: { file, line: first.line, column: first.col - 1 },
        });
      }
      return generateTestModule(spec, { runtimeModule, rootDir });
    },
  };
  // An inline project (`test.projects: [{ plugins: [meshspec()] }]`) gets its tags reset from
  // its own options after the config hooks ran; declare them again once it is resolved.
  const projectTags: Plugin = {
    name: 'meshspec:tags',
    configResolved(config) {
      const resolved = config as { test?: { tags?: TestTagDefinition[] } };
      resolved.test ??= {};
      const test = resolved.test;
      test.tags = [...(test.tags ?? []), ...undeclared(tags, test.tags)];
    },
  };
  return [transform, projectTags];
}

function undeclared(tags: readonly string[], declared: readonly TestTagDefinition[] = []): TestTagDefinition[] {
  const names = new Set(declared.map((tag) => tag.name));
  return tags.filter((tag) => !names.has(tag)).map((name) => ({ name }));
}

/**
 * Tags and Istio needs (profiles, addons) of every spec under the root, read leniently: invalid
 * specs are reported when they are transformed, not here.
 */
function scanSpecs(rootDir: string): IstioNeeds & { tags: string[] } {
  const scenarios: { tags?: unknown; istio?: unknown }[] = [];
  for (const file of findSpecFiles(['.'], rootDir)) {
    const doc = parseDocument(readFileSync(file, 'utf8'));
    if (doc.errors.length === 0) scenarios.push((doc.toJS() as { tags?: unknown; istio?: unknown } | null) ?? {});
  }
  return needsOf(scenarios);
}

function needsOf(scenarios: readonly { tags?: unknown; istio?: unknown }[]): IstioNeeds & { tags: string[] } {
  const tags = new Set<string>();
  for (const { tags: given } of scenarios) {
    if (!Array.isArray(given)) continue;
    for (const tag of given) if (typeof tag === 'string') tags.add(tag);
  }
  return { tags: [...tags].sort(), ...istioNeeds(scenarios.map((scenario) => scenario.istio)) };
}
