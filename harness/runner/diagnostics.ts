/**
 * A failed step's diagnostics: the scenario namespace's pod states and latest events, written
 * under the run's artifacts directory and summarised in the failure. Collecting them never
 * hides the step's own error: it is bounded in time and its own failures become a line.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { TestContext } from 'vitest';
import { describeApiError } from '../kube/index.js';
import type { ScenarioScope } from './step-context.js';

const COLLECT_TIMEOUT_MS = 5_000;
const EVENTS_SHOWN = 15;

export async function collectFailureDiagnostics(scope: ScenarioScope, test: TestContext, index: number): Promise<string> {
  const summary = await Promise.race([
    namespaceSummary(scope).catch((error: unknown) => `could not collect diagnostics: ${describeApiError(error)}`),
    new Promise<string>((resolve) => setTimeout(resolve, COLLECT_TIMEOUT_MS, 'diagnostics timed out').unref()),
  ]);
  try {
    const dir = join(scope.cluster.artifactsDir, scope.namespace);
    await mkdir(dir, { recursive: true });
    const file = join(dir, `step-${index + 1}-diagnostics.txt`);
    await writeFile(file, `${summary}\n`);
    const meta = test.task.meta as { meshspec?: Record<string, unknown> };
    meta.meshspec = { ...meta.meshspec, diagnostics: file };
    return `${summary}\n  (written to ${file})`;
  } catch {
    return summary;
  }
}

async function namespaceSummary({ kube, namespace }: ScenarioScope): Promise<string> {
  const [pods, events] = await Promise.all([
    kube.core.listNamespacedPod({ namespace }),
    kube.core.listNamespacedEvent({ namespace }),
  ]);
  const podLines = pods.items.map(podLine);
  const eventLines = events.items.sort(byTime).slice(-EVENTS_SHOWN).map(eventLine);
  return [
    `  Pods in ${namespace}:`,
    ...(podLines.length ? podLines : ['    (none)']),
    `  Latest events in ${namespace}:`,
    ...(eventLines.length ? eventLines : ['    (none)']),
  ].join('\n');
}

function podLine(pod: V1Pod): string {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const containers = statuses.map((c) => {
    const state = c.state?.waiting?.reason ?? (c.state?.terminated ? `terminated ${c.state.terminated.reason ?? ''}`.trim() : c.ready ? 'ready' : 'running, not ready');
    return `${c.name} ${state}${c.restartCount ? ` (${c.restartCount} restarts)` : ''}`;
  });
  return `    ${pod.metadata?.name}: ${pod.status?.phase ?? 'no phase'}${containers.length ? `; ${containers.join(', ')}` : ''}`;
}

const timeOf = (e: CoreV1Event) => new Date(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? 0).getTime();
const byTime = (a: CoreV1Event, b: CoreV1Event) => timeOf(a) - timeOf(b);

function eventLine(event: CoreV1Event): string {
  const object = `${event.involvedObject?.kind}/${event.involvedObject?.name}`;
  return `    ${[event.type, event.reason, `${object}:`, event.message].filter(Boolean).join(' ')}`;
}
