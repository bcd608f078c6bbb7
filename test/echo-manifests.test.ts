/**
 * Every workload of manifests/ that runs the echo app is one the harness can drive on a real
 * cluster: its sidecar leaves the echo control port out of inbound capture, and the downward API
 * gives echo its pod and namespace (without them it reports the hostname and `default`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONTROL_PORT } from '../apps/echo/src/protocol.js';
import { inboundCaptureArgs, inboundCaptureOf } from '../harness/istio/inbound-capture.js';
import { parseManifests } from '../harness/kube/manifests.js';

const rootDir = fileURLToPath(new URL('..', import.meta.url));

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : [],
  );
}

interface Template {
  metadata?: { annotations?: Record<string, string> };
  spec?: {
    containers?: Array<{
      image?: string;
      ports?: Array<{ containerPort: number }>;
      env?: Array<{ name: string; valueFrom?: { fieldRef?: { fieldPath?: string } } }>;
    }>;
  };
}

const echoTemplates = yamlFiles(join(rootDir, 'manifests')).flatMap((file) =>
  parseManifests(readFileSync(file, 'utf8'), file)
    .map((m) => (m.object as { spec?: { template?: Template } }).spec?.template)
    .filter((t): t is Template => t?.spec?.containers?.some((c) => /meshspec\/echo/.test(c.image ?? '')) ?? false)
    .map((template) => [relative(rootDir, file), template] as const),
);

describe('echo workloads under manifests/', () => {
  it('exist', () => {
    expect(echoTemplates.length).toBeGreaterThan(10);
  });

  it.each(echoTemplates)('%s: the injected sidecar leaves the control port alone, the app port stays captured', (_file, template) => {
    const { include, exclude } = inboundCaptureArgs(template.metadata?.annotations);
    const captures = inboundCaptureOf({ spec: { initContainers: [{ name: 'istio-init', args: ['-b', include, '-d', exclude] }] } });
    expect(captures(CONTROL_PORT)).toBe(false);
    const appPorts = template.spec!.containers!.flatMap((c) => c.ports ?? []).map((p) => p.containerPort);
    expect(appPorts.length).toBeGreaterThan(0);
    expect(appPorts.map(captures)).toEqual(appPorts.map(() => true));
  });

  it.each(echoTemplates)('%s: POD_NAME and POD_NAMESPACE come from the downward API', (_file, template) => {
    for (const container of template.spec!.containers!.filter((c) => /meshspec\/echo/.test(c.image ?? ''))) {
      const fieldRefs = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
      expect(fieldRefs).toMatchObject({ POD_NAME: 'metadata.name', POD_NAMESPACE: 'metadata.namespace' });
    }
  });
});
