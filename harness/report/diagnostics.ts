/**
 * What a failed step leaves behind for whoever reads the failure: the namespace's events and
 * pod states, the objects the scenario applied as the server has them now, the last log lines
 * of the pods' app and istio-proxy containers and, where istioctl exists, Istio's own view
 * (proxy-status, routes of a client and the gateway, analyze). Everything is written under
 * `<artifactsDir>/<namespace>/`; the returned summary is short enough to show with the failure.
 * One collector failing never hides what the others found.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { kubeToolOptions } from '../kube/clients.js';
import { describeApiError } from '../kube/errors.js';
import { readObject } from '../kube/read.js';
import { hasSidecar, runningContainers } from '../matchers/pods.js';
import type { StepContext } from '../runner/types.js';

const LOG_LINES = 50;
/** Pods whose logs are kept: the scenarios run a handful; a runaway deployment should not flood the artifacts. */
const MAX_POD_LOGS = 20;
const ISTIOCTL_TIMEOUT_MS = 20_000;
const SUMMARY_EVENTS = 5;

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

/**
 * The summary shown with a failure: a headline saying where everything is, then, indented under
 * it (reporters print it after their own marker, so it must read as one block), pod states and
 * the latest warnings.
 */
export function summarize(dir: string, pods: V1Pod[] | string, events: CoreV1Event[] | string): string {
  const details = [typeof pods === 'string' ? `pods: ${pods}` : `pods:${pods.length ? '' : ' none'}`];
  if (typeof pods !== 'string') details.push(...pods.map((pod) => `  ${podLine(pod)}`));
  if (typeof events === 'string') details.push(`events: ${events}`);
  else {
    const warnings = sortEvents(events).filter((e) => e.type === 'Warning').slice(-SUMMARY_EVENTS);
    if (warnings.length) details.push('latest warnings:', ...warnings.map((e) => `  ${eventLine(e)}`));
  }
  return [`diagnostics written to ${dir}`, ...details.map((line) => `  ${line}`)].join('\n');
}

/** "backend-v1-7d9 Running ready 2/2 restarts 0 [app, istio-proxy]" */
export function podLine(pod: V1Pod): string {
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  const running = containersOf(pod);
  const ready = statuses.filter((s) => s.ready && running.includes(s.name)).length;
  const restarts = statuses.reduce((sum, s) => sum + s.restartCount, 0);
  const waiting = statuses.map((s) => s.state?.waiting?.reason).filter(Boolean);
  const phase = pod.metadata?.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? 'Unknown');
  return `${pod.metadata?.name} ${phase} ready ${ready}/${running.length} restarts ${restarts}${waiting.length ? ` (${waiting.join(', ')})` : ''} [${running.join(', ')}]`;
}

export function eventLine(event: CoreV1Event): string {
  const at = event.lastTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp;
  const when = at ? new Date(at).toISOString().slice(11, 19) : '--:--:--';
  const object = `${event.involvedObject.kind?.toLowerCase()}/${event.involvedObject.name}`;
  const count = event.count && event.count > 1 ? ` (x${event.count})` : '';
  return `${when} ${event.type ?? 'Normal'} ${event.reason ?? ''} ${object}: ${event.message ?? ''}${count}`;
}

function sortEvents(events: CoreV1Event[]): CoreV1Event[] {
  const time = (e: CoreV1Event) => new Date(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? 0).getTime();
  return [...events].sort((a, b) => time(a) - time(b));
}

/** Containers that run for the pod's life: the app containers and native sidecars. */
function containersOf(pod: V1Pod): string[] {
  return runningContainers(pod).map((c) => c.name);
}

function podLogs(ctx: StepContext, pod: V1Pod, dir: string): Promise<void>[] {
  const name = pod.metadata!.name!;
  return containersOf(pod).map(async (container) => {
    const log = await attempt(() =>
      ctx.kube.core.readNamespacedPodLog({ name, namespace: ctx.namespace, container, tailLines: LOG_LINES }),
    );
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

function istioctlReports(
  ctx: StepContext,
  istioctl: string,
  pods: V1Pod[],
  write: (name: string, text: string) => Promise<void>,
): Promise<void>[] {
  const cluster = kubeToolOptions(ctx.cluster);
  const client = pods.find((pod) => hasSidecar(pod) && !pod.metadata?.deletionTimestamp);
  const run = async (file: string, args: string[]) => {
    const result = await execa(istioctl, [...args, ...cluster.args], { env: cluster.env, timeout: ISTIOCTL_TIMEOUT_MS, reject: false, all: true });
    const status = result.timedOut ? `timed out after ${ISTIOCTL_TIMEOUT_MS / 1000}s` : `exit ${result.exitCode}`;
    await write(file, `$ istioctl ${args.join(' ')}   (${status})\n${result.all ?? ''}`);
  };
  return [
    run('istioctl-proxy-status.txt', ['proxy-status']),
    run('istioctl-analyze.txt', ['analyze', '-n', ctx.namespace]),
    run('istioctl-routes-gateway.txt', ['proxy-config', 'routes', 'deploy/istio-ingressgateway', '-n', 'istio-system']),
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
