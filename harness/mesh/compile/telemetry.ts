/** Telemetry: the tracing part (providers, sampling, span reporting) the emulated sidecars act on. */
import type { Telemetry, TelemetryTracing } from '../config-types.js';
import type { ReadonlyKubeObject } from '../types.js';
import { created, Fields, labelFor } from './fields.js';

const WORKLOAD_MODES = ['CLIENT', 'SERVER', 'CLIENT_AND_SERVER'] as const;

export function compileTelemetry(obj: ReadonlyKubeObject): Telemetry {
  const f = new Fields(labelFor(obj));
  const spec = f.object(obj.spec, 'spec') ?? {};
  const tracing = f.array(spec.tracing, 'spec.tracing').map((entry, i): TelemetryTracing => {
    const path = `spec.tracing[${i}]`;
    const t = f.object(entry, path) ?? {};
    // google.protobuf.DoubleValue and BoolValue: plain values in YAML.
    const sampling = t.randomSamplingPercentage;
    if (sampling !== undefined && (typeof sampling !== 'number' || sampling < 0 || sampling > 100))
      f.fail(`${path}.randomSamplingPercentage`, `must be a number from 0 to 100 (got ${JSON.stringify(sampling)})`);
    const disable = t.disableSpanReporting;
    if (disable !== undefined && typeof disable !== 'boolean') f.fail(`${path}.disableSpanReporting`, `must be true or false (got ${JSON.stringify(disable)})`);
    return {
      providers: f.array(t.providers, `${path}.providers`).map((p, j) => {
        const name = f.string(f.object(p, `${path}.providers[${j}]`)?.name, `${path}.providers[${j}].name`);
        return name || f.fail(`${path}.providers[${j}].name`, 'is required: the name of a meshConfig.extensionProviders entry');
      }),
      randomSamplingPercentage: sampling,
      disableSpanReporting: disable,
      mode: f.oneOf(f.object(t.match, `${path}.match`)?.mode, `${path}.match.mode`, WORKLOAD_MODES) ?? 'CLIENT_AND_SERVER',
    };
  });
  return {
    namespace: obj.metadata.namespace ?? 'default',
    name: obj.metadata.name,
    selector: f.labels(f.object(spec.selector, 'spec.selector')?.matchLabels, 'spec.selector.matchLabels'),
    tracing,
    createdAt: created(obj),
  };
}
