/** A one-line summary of a step, used as its test name when the step has no `name`. */
import { parseAllDocuments } from 'yaml';
import { isInlineManifest } from './manifests.js';
import type { Step } from './schema.js';

export function describeStep(step: Step): string {
  if (step.name) return step.name;
  if ('apply' in step) return `apply ${manifest(step.apply)}`;
  if ('inject' in step) return `inject ${manifest(step.inject)}`;
  if ('delete' in step) {
    const target = step.delete;
    if (typeof target === 'string') return `delete ${manifest(target)}`;
    return `delete ${target.object ?? (target.file ? manifest(target.file) : `${target.kind ?? 'objects'} ${target.selector ?? ''}`.trim())}`;
  }
  if ('label' in step) return `label ${target(step.label)} ${changes(step.label.labels)}`;
  if ('annotate' in step) return `annotate ${target(step.annotate)} ${changes(step.annotate.annotations)}`;
  if ('patch' in step) return `patch ${step.patch.object} (${step.patch.type})`;
  if ('wait' in step) return describeWait(step.wait);
  if ('exec' in step) return `exec ${step.exec.command.join(' ')}`;
  if ('sleep' in step) return `sleep ${step.sleep}`;
  if ('traffic' in step) return `${step.traffic.from} -> ${step.traffic.to} ${expectations(step.expect)}`;
  if ('pods' in step) return `pods ${step.pods.selector} ${expectations(step.expect)}`;
  if ('services' in step) return `services ${step.services.selector ?? '(all)'} ${expectations(step.expect)}`;
  return `metric ${step.metrics.query} ${expectations(step.expect)}`;
}

/** A file path as written, or the kinds and names of an inline manifest's objects. */
function manifest(source: string | { file: string }): string {
  const text = typeof source === 'string' ? source : source.file;
  if (!isInlineManifest(text)) return text;
  const objects = parseAllDocuments(text);
  const names = (Array.isArray(objects) ? objects : [])
    .map((doc) => doc.toJS() as { kind?: string; metadata?: { name?: string } } | null)
    .filter((object) => object?.kind)
    .map((object) => `${object!.kind}/${object!.metadata?.name ?? '?'}`);
  return names.length > 0 ? names.join(', ') : 'inline manifest';
}

function target(action: { namespace?: true | string; object?: string; selector?: string; kind?: string }): string {
  if (action.namespace === true) return 'namespace';
  if (action.object) return action.object;
  if (action.selector) return `${action.kind ?? 'pods'} ${action.selector}`;
  return `namespace ${action.namespace}`;
}

function changes(values: Record<string, string | null>): string {
  return Object.entries(values)
    .map(([key, value]) => (value === null ? `${key}-` : `${key}=${value}`))
    .join(' ');
}

function describeWait(wait: Extract<Step, { wait: unknown }>['wait']): string {
  if ('rollout' in wait) return `wait for rollout of ${[wait.rollout].flat().join(', ')}`;
  if ('pods' in wait) return `wait for pods ${wait.pods} ${wait.ready ? 'ready' : 'present'}${wait.sidecar ? ' with sidecar' : ''}`;
  if ('condition' in wait) return `wait for ${wait.condition.object} ${wait.condition.type}=${wait.condition.status}`;
  if ('deleted' in wait) return `wait until ${wait.deleted} is deleted`;
  return 'wait until the mesh has taken up the configuration';
}

/** `toSplitTraffic, not toReach`: the matchers a step asserts, in order. */
function expectations(expect: Record<string, unknown>): string {
  return Object.entries(expect)
    .filter(([, value]) => value !== undefined)
    .map(([matcher, value]) => (value === false ? `not ${matcher}` : matcher))
    .join(', ');
}
