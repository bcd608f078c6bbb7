/**
 * What a failed step leaves behind for whoever reads the failure: the namespace's events and
 * pod states, the objects the scenario applied as the server has them now, the last log lines
 * of the pods' app and istio-proxy containers and, where istioctl exists, Istio's own view
 * (proxy-status, routes of a client and the gateway, analyze). Everything is written under
 * `<artifactsDir>/<namespace>/`; the summary attached to the failure is short enough to show
 * with it. One collector failing never hides what the others found, and the whole collection
 * runs within a budget: the plugin gives Vitest only a few seconds beyond the step's own
 * timeout, and diagnostics must never turn a readable failure into Vitest's bare "test timed out".
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { execa } from 'execa';
import type { TestContext } from 'vitest';
import { stringify } from 'yaml';
import { hasSidecar } from '../contract/pods.js';
import { describeApiError, readObject } from '../kube/index.js';
import { kubeToolOptions } from '../kube/clients.js';
import { listIstioGateways } from '../kube/istio-gateways.js';
import { containersOf, eventLine, podLine, sortEvents, summarize } from '../report/diagnostics.js';
import { DIAGNOSTICS_ANNOTATION } from '../report/types.js';
import type { StepContext } from './types.js';

const DIAGNOSTICS_BUDGET_MS = 8_000;
const LOG_LINES = 50;
/** Pods whose logs are kept: the scenarios run a handful; a runaway deployment should not flood the artifacts. */
const MAX_POD_LOGS = 20;
const ISTIOCTL_TIMEOUT_MS = 20_000;

/** Collects the diagnostics and attaches their summary to the step's test as an annotation, for the reporters. */
export async function attachFailureDiagnostics(ctx: StepContext, test: Pick<TestContext, 'annotate'>): Promise<void> {
  const late = `collecting diagnostics took longer than ${DIAGNOSTICS_BUDGET_MS / 1000}s; what was collected is under ${join(ctx.cluster.artifactsDir, ctx.namespace)}`;
  let timer: NodeJS.Timeout | undefined;
  const summary = await Promise.race([
    collectDiagnostics(ctx).catch((error: unknown) => `diagnostics could not be collected: ${describeApiError(error)}`),
    new Promise<string>((resolve) => (timer = setTimeout(resolve, DIAGNOSTICS_BUDGET_MS, late))),
  ]);
  clearTimeout(timer);
  try {
    await test.annotate(summary, DIAGNOSTICS_ANNOTATION);
  } catch {
    // Vitest refuses annotations once it has ended the test itself (its own timeout came
    // first); the test has failed with that message, and the files are on disk regardless.
  }
}

export async function collectDiagnostics(ctx: StepContext): Promise<string> {
  const dir = join(ctx.cluster.artifactsDir, ctx.namespace, `diagnostics-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await mkdir(join(dir, 'logs'), { recursive: true });
  const write = (name: string, text: string) => writeFile(join(dir, name), text.endsWith('\n') ? text : `${text}\n`);

  const pods = await attempt(async () => (await ctx.kube.core.listNamespacedPod({ namespace: ctx.namespace })).items);
  const events = await attempt(async () => (await ctx.kube.core.listNamespacedEvent({ namespace: ctx.namespace })).items);
  await Promise.all([
    write('pods.txt', typeof pods === 'string' ? pods : pods.map(podLine).join('\n') || 'no pods'),
    write('pods.yaml', typeof pods === 'string' ? pods : stringify(pods.map(withoutManagedFields))),
    write('events.txt', typeof events === 'string' ? events : sortEvents(events).map(eventLine).join('\n') || 'no events'),
    write('applied.yaml', await appliedObjects(ctx)),
    ...(typeof pods === 'string' ? [] : pods.slice(0, MAX_POD_LOGS).flatMap((pod) => podLogs(ctx, pod, dir))),
    ...(ctx.cluster.istio.istioctl && typeof pods !== 'string' ? istioctlReports(ctx, ctx.cluster.istio.istioctl, pods, write) : []),
  ]);
  return summarize(dir, pods, events);
}

function podLogs(ctx: StepContext, pod: V1Pod, dir: string): Promise<void>[] {
  const name = pod.metadata!.name!;
  return containersOf(pod).map(async (container) => {
    const log = await attempt(() => ctx.kube.core.readNamespacedPodLog({ name, namespace: ctx.namespace, container, tailLines: LOG_LINES }));
    await writeFile(join(dir, 'logs', `${name}.${container}.log`), log || '(empty)\n');
  });
}

async function appliedObjects(ctx: StepContext): Promise<string> {
  const seen = new Set<string>();
  const documents: string[] = [];
  for (const applied of ctx.applied) {
    const key = `${applied.apiVersion}/${applied.kind}/${applied.namespace ?? ''}/${applied.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const current = await attempt(() => readObject(ctx.kube, applied));
    documents.push(
      typeof current === 'string'
        ? `# ${applied.kind}/${applied.name}: ${current}\n`
        : current === undefined
          ? `# ${applied.kind}/${applied.name}: not found (deleted?)\n`
          : stringify(withoutManagedFields(current)),
    );
  }
  return documents.join('---\n') || '# nothing applied\n';
}

function istioctlReports(ctx: StepContext, istioctl: string, pods: V1Pod[], write: (name: string, text: string) => Promise<void>): Promise<void>[] {
  const cluster = kubeToolOptions(ctx.cluster);
  const client = pods.find((pod) => hasSidecar(pod) && !pod.metadata?.deletionTimestamp);
  const run = async (file: string, args: string[]) => {
    const result = await execa(istioctl, [...args, ...cluster.args], { env: cluster.env, timeout: ISTIOCTL_TIMEOUT_MS, reject: false, all: true });
    const status = result.timedOut ? `timed out after ${ISTIOCTL_TIMEOUT_MS / 1000}s` : `exit ${result.exitCode}`;
    await write(file, `$ istioctl ${args.join(' ')}   (${status})\n${result.all ?? ''}`);
  };
  // The ingress gateways wherever they run (an istio/gateway chart release in istio-ingress, say): one file, or one each.
  const gatewayRoutes = async () => {
    const gateways = await attempt(() => listIstioGateways(ctx.kube));
    if (typeof gateways === 'string') return write('istioctl-routes-gateway.txt', `the ingress gateways ${gateways}`);
    const ingress = gateways.filter((gateway) => gateway.role === 'ingress');
    if (ingress.length === 0) return write('istioctl-routes-gateway.txt', 'no Istio ingress gateway in any namespace');
    await Promise.all(
      ingress.map(({ namespace, name }) =>
        run(ingress.length === 1 ? 'istioctl-routes-gateway.txt' : `istioctl-routes-gateway-${namespace}-${name}.txt`, [
          'proxy-config',
          'routes',
          `deploy/${name}`,
          '-n',
          namespace,
        ]),
      ),
    );
  };
  return [
    run('istioctl-proxy-status.txt', ['proxy-status']),
    run('istioctl-analyze.txt', ['analyze', '-n', ctx.namespace]),
    gatewayRoutes(),
    ...(client ? [run('istioctl-routes-client.txt', ['proxy-config', 'routes', `${client.metadata!.name}.${ctx.namespace}`])] : []),
  ];
}

function withoutManagedFields<T extends { metadata?: { managedFields?: unknown } }>(object: T): T {
  if (!object.metadata?.managedFields) return object;
  const { managedFields: _, ...metadata } = object.metadata;
  return { ...object, metadata };
}

/** The value, or a one-line description of why it could not be had. */
async function attempt<T>(collect: () => Promise<T>): Promise<T | string> {
  try {
    return await collect();
  } catch (error) {
    return `could not be collected: ${describeApiError(error)}`;
  }
}
