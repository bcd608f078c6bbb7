/**
 * How a failed step's diagnostics read: one line per pod and per event, and the summary shown
 * with the failure. Collecting them from the cluster is the runner's (runner/diagnostics.ts).
 */
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { runningContainers } from '../contract/pods.js';

const SUMMARY_EVENTS = 5;

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
    const warnings = sortEvents(events)
      .filter((e) => e.type === 'Warning')
      .slice(-SUMMARY_EVENTS);
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

export function sortEvents(events: CoreV1Event[]): CoreV1Event[] {
  const time = (e: CoreV1Event) => new Date(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? 0).getTime();
  return [...events].sort((a, b) => time(a) - time(b));
}

/** Containers that run for the pod's life: the app containers and native sidecars. */
export function containersOf(pod: V1Pod): string[] {
  return runningContainers(pod).map((c) => c.name);
}
