/** Server-side printing: the `Table` answers kubectl asks for (`Accept: ...;as=Table`), with kubectl's usual columns. */
import type { KubeObject } from '../store/types.js';
import type { ResourceType } from './registry.js';

interface Column {
  name: string;
  type?: string;
  priority?: number;
  cell: (obj: any) => string | number;
}

/** Elapsed time as kubectl prints it: 45s, 3m12s, 17m, 5h3m, 9h, 4d. */
export function humanAge(timestamp: string | undefined, nowMs = Date.now()): string {
  if (!timestamp) return '<unknown>';
  const seconds = Math.max(0, Math.floor((nowMs - Date.parse(timestamp)) / 1000));
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  if (seconds < 120) return `${seconds}s`;
  if (minutes < 10) return `${minutes}m${seconds % 60 ? `${seconds % 60}s` : ''}`;
  if (hours < 3) return `${minutes}m`;
  if (hours < 8) return `${hours}h${minutes % 60 ? `${minutes % 60}m` : ''}`;
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

const name: Column = { name: 'Name', cell: (o) => o.metadata.name };
const age: Column = { name: 'Age', cell: (o) => humanAge(o.metadata.creationTimestamp) };

function podStatus(pod: any): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  for (const c of pod.status?.initContainerStatuses ?? []) {
    if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') return `Init:${c.state.waiting.reason}`;
  }
  for (const c of pod.status?.containerStatuses ?? []) {
    if (c.state?.waiting?.reason && c.state.waiting.reason !== 'ContainerCreating') return c.state.waiting.reason;
    if (c.state?.terminated?.reason) return c.state.terminated.reason;
  }
  return pod.status?.reason ?? pod.status?.phase ?? 'Pending';
}

function servicePorts(svc: any): string {
  const ports = (svc.spec?.ports ?? []).map((p: any) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`);
  return ports.length ? ports.join(',') : '<none>';
}

function selectorText(selector: Record<string, string> | undefined): string {
  const entries = Object.entries(selector ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
}

const COLUMNS: Record<string, Column[]> = {
  '/Pod': [
    name,
    {
      name: 'Ready',
      cell: (o) =>
        `${(o.status?.containerStatuses ?? []).filter((c: any) => c.ready).length + (o.status?.initContainerStatuses ?? []).filter((c: any) => c.ready && c.started !== undefined).length}/${(o.spec?.containers ?? []).length + (o.spec?.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always').length}`,
    },
    { name: 'Status', cell: podStatus },
    { name: 'Restarts', type: 'string', cell: (o) => String((o.status?.containerStatuses ?? []).reduce((n: number, c: any) => n + (c.restartCount ?? 0), 0)) },
    age,
    { name: 'IP', priority: 1, cell: (o) => o.status?.podIP ?? '<none>' },
    { name: 'Node', priority: 1, cell: (o) => o.spec?.nodeName ?? '<none>' },
    { name: 'Nominated Node', priority: 1, cell: () => '<none>' },
    { name: 'Readiness Gates', priority: 1, cell: () => '<none>' },
  ],
  'apps/Deployment': [
    name,
    { name: 'Ready', cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}` },
    { name: 'Up-to-date', type: 'integer', cell: (o) => o.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', cell: (o) => o.status?.availableReplicas ?? 0 },
    age,
    { name: 'Containers', priority: 1, cell: (o) => (o.spec?.template?.spec?.containers ?? []).map((c: any) => c.name).join(',') },
    { name: 'Images', priority: 1, cell: (o) => (o.spec?.template?.spec?.containers ?? []).map((c: any) => c.image).join(',') },
    { name: 'Selector', priority: 1, cell: (o) => selectorText(o.spec?.selector?.matchLabels) },
  ],
  'apps/ReplicaSet': [
    name,
    { name: 'Desired', type: 'integer', cell: (o) => o.spec?.replicas ?? 0 },
    { name: 'Current', type: 'integer', cell: (o) => o.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', cell: (o) => o.status?.readyReplicas ?? 0 },
    age,
  ],
  '/Service': [
    name,
    { name: 'Type', cell: (o) => o.spec?.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', cell: (o) => o.spec?.clusterIP ?? '<none>' },
    {
      name: 'External-IP',
      cell: (o) =>
        (o.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip ?? i.hostname).join(',') || (o.spec?.type === 'LoadBalancer' ? '<pending>' : '<none>'),
    },
    { name: 'Port(s)', cell: servicePorts },
    age,
    { name: 'Selector', priority: 1, cell: (o) => selectorText(o.spec?.selector) },
  ],
  '/Namespace': [name, { name: 'Status', cell: (o) => o.status?.phase ?? 'Active' }, age],
  '/Endpoints': [
    name,
    {
      name: 'Endpoints',
      cell: (o) =>
        (o.subsets ?? []).flatMap((s: any) => (s.addresses ?? []).flatMap((a: any) => (s.ports ?? []).map((p: any) => `${a.ip}:${p.port}`))).join(',') ||
        '<none>',
    },
    age,
  ],
  '/Event': [
    { name: 'Last Seen', cell: (o) => humanAge(o.lastTimestamp ?? o.metadata.creationTimestamp) },
    { name: 'Type', cell: (o) => o.type ?? '' },
    { name: 'Reason', cell: (o) => o.reason ?? '' },
    { name: 'Object', cell: (o) => `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}` },
    { name: 'Message', cell: (o) => o.message ?? '' },
  ],
  'coordination.k8s.io/Lease': [name, { name: 'Holder', cell: (o) => o.spec?.holderIdentity ?? '' }, age],
  'apiextensions.k8s.io/CustomResourceDefinition': [name, { name: 'Created At', type: 'date', cell: (o) => o.metadata.creationTimestamp }],
};

/** Evaluates the simple JSONPath of a CRD printer column (`.spec.hosts`, `.spec.subsets[0].name`). */
function evaluateJsonPath(obj: unknown, path: string): string {
  let node: any = obj;
  for (const part of path
    .replace(/^\./, '')
    .split(/\.|\[(\d+)\]/)
    .filter((p) => p !== undefined && p !== '')) {
    node = node?.[part];
  }
  if (node === undefined || node === null) return '';
  return typeof node === 'object' ? JSON.stringify(node) : String(node);
}

function columnsOf(t: ResourceType): Column[] {
  if (t.custom && t.printerColumns.length) {
    return [
      name,
      ...t.printerColumns.map((c) => ({
        name: c.name,
        type: c.type,
        priority: c.priority,
        cell: (o: any) => (c.type === 'date' ? humanAge(evaluateJsonPath(o, c.jsonPath)) : evaluateJsonPath(o, c.jsonPath)),
      })),
      ...(t.printerColumns.some((c) => c.name === 'Age') ? [] : [age]),
    ];
  }
  return COLUMNS[`${t.group}/${t.kind}`] ?? [name, age];
}

export function toTable(t: ResourceType, objects: KubeObject[], resourceVersion: string): Record<string, unknown> {
  const columns = columnsOf(t);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type ?? 'string',
      format: c === name ? 'name' : '',
      description: c.name,
      priority: c.priority ?? 0,
    })),
    rows: objects.map((o) => ({ cells: columns.map((c) => c.cell(o)), object: o })),
  };
}
