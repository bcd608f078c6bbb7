/**
 * What the Prometheus addon adds to each series when it scrapes a pod: Istio's sample
 * configuration (istio/istio@1.30.3 samples/addons/prometheus.yaml, job `kubernetes-pods`) keeps
 * pods annotated `prometheus.io/scrape: "true"` that are not Pending, Succeeded, Failed or
 * Completed, maps every pod label, and sets `namespace`, `pod` and `node`; Prometheus adds `job`
 * and `instance` (the address it scraped). With `honor_labels: true` a metric's own label wins.
 */
import type { Labels, Sample } from './metrics.js';
import type { ReadonlyKubeObject } from './types.js';

const NOT_SCRAPED_PHASES = new Set(['Pending', 'Succeeded', 'Failed', 'Completed']);

/** Prometheus' labelmap copies `__meta_kubernetes_pod_label_<name>`, whose name has every character outside [a-zA-Z0-9_] as `_`. */
function labelName(podLabel: string): string {
  return podLabel.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** The target labels of a pod, or undefined when the job does not scrape it. */
export function scrapeTargetLabels(pod: ReadonlyKubeObject): Labels | undefined {
  const annotations = (pod.metadata.annotations ?? {}) as Record<string, string>;
  const phase = pod.status?.phase as string | undefined;
  if (annotations['prometheus.io/scrape'] !== 'true' || annotations['prometheus.io/scrape_slow'] === 'true') return undefined;
  if (phase && NOT_SCRAPED_PHASES.has(phase)) return undefined;
  const labels: Labels = {};
  for (const [name, value] of Object.entries(pod.metadata.labels ?? {})) labels[labelName(name)] = value;
  labels.namespace = pod.metadata.namespace ?? 'default';
  labels.pod = pod.metadata.name;
  const node = pod.spec?.nodeName as string | undefined;
  if (node) labels.node = node;
  labels.job = 'kubernetes-pods';
  const ip = pod.status?.podIP as string | undefined;
  if (ip) labels.instance = `${ip}:${annotations['prometheus.io/port'] ?? '80'}`;
  return labels;
}

/** A scraped pod's samples with its target labels under them. */
export function withTargetLabels(samples: readonly Sample[], target: Labels): Sample[] {
  return samples.map((s) => ({ ...s, labels: { ...target, ...s.labels } }));
}
