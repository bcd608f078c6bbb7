/**
 * The spec language: the single source of truth for what a `*.spec.yaml` may say.
 * TypeScript types and `schema/spec.schema.json` (for editors) are both derived from it.
 *
 * Every object is strict: a mistyped key is an error, never silently ignored.
 * Steps are a union discriminated by which action key they carry, so an error can
 * say "unknown step kind" instead of zod's bare "Invalid input".
 */
import { z } from 'zod';
import { ADDONS } from '../contract/cluster.js';
import { Duration, Selector } from '../contract/units.js';
import { expectShape } from '../matchers/registry.js';

export { Duration, Selector };

/** An object reference in kubectl syntax: "deployment/backend", "svc/backend", "virtualservice/reviews". */
export const ObjectRef = z
  .string()
  .regex(/^[A-Za-z][\w.-]*\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'KIND/NAME, e.g. "deployment/backend"')
  .describe('KIND/NAME as kubectl writes it, e.g. "deployment/backend" or "svc/backend".');

/** A refinement: exactly one of `keys` must be set, e.g. the target of a label. */
function exactlyOneOf(what: string, keys: readonly string[]) {
  return (value: Record<string, unknown>, ctx: z.core.$RefinementCtx) => {
    const present = keys.filter((key) => value[key] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `${what} needs exactly one of ${keys.join(', ')}; found ${present.length ? present.join(', ') : 'none'}` });
    }
  };
}

// ---------------------------------------------------------------- actions

/** A manifest: a path relative to the repository root (file or directory), or inline YAML (contains a newline). */
export const ManifestSource = z.string().min(1).describe('A manifest file or directory relative to the repository root, or inline YAML (multi-document).');

const ApplyObject = z.strictObject({
  file: ManifestSource,
  namespace: z.string().optional().describe("Namespace for namespace-less objects; defaults to the scenario's namespace."),
});
export const ApplyAction = z.union([ManifestSource, ApplyObject]);

const DeleteObject = z
  .strictObject({
    object: ObjectRef.optional(),
    kind: z.string().optional(),
    selector: Selector.optional(),
    file: ManifestSource.optional(),
    namespace: z.string().optional(),
    wait: z.boolean().optional().describe('Wait until the objects are gone (default true).'),
  })
  .superRefine(exactlyOneOf('delete', ['object', 'selector', 'file']));
export const DeleteAction = z.union([ObjectRef, ManifestSource, DeleteObject]);

const LabelValues = z.record(z.string(), z.union([z.string(), z.null()])).describe('Labels to set; null removes one.');
export const LabelAction = z
  .strictObject({
    namespace: z
      .union([z.literal(true), z.string()])
      .optional()
      .describe("`namespace: true` targets the scenario's namespace; a string names another namespace."),
    object: ObjectRef.optional(),
    selector: Selector.optional(),
    kind: z.string().optional(),
    labels: LabelValues,
  })
  .superRefine(exactlyOneOf('label', ['namespace', 'object', 'selector']));
export const AnnotateAction = z
  .strictObject({
    namespace: z.union([z.literal(true), z.string()]).optional(),
    object: ObjectRef.optional(),
    selector: Selector.optional(),
    kind: z.string().optional(),
    annotations: LabelValues,
  })
  .superRefine(exactlyOneOf('annotate', ['namespace', 'object', 'selector']));

export const PatchAction = z.strictObject({
  object: ObjectRef,
  namespace: z.string().optional(),
  type: z.enum(['merge', 'json', 'strategic']).default('merge'),
  patch: z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]),
});

export const WaitAction = z.union([
  z.strictObject({ rollout: z.union([z.string(), z.array(z.string()).min(1)]) }),
  z.strictObject({ pods: Selector, ready: z.boolean().default(true), sidecar: z.boolean().optional() }),
  z.strictObject({ condition: z.strictObject({ object: ObjectRef, type: z.string(), status: z.string().default('True') }) }),
  z.strictObject({ deleted: ObjectRef }),
  /** Wait until the mesh has taken up every Istio object the scenario applied (proxies synced). */
  z.strictObject({ meshConfig: z.literal('synced') }),
]);

export const ExecAction = z.strictObject({
  command: z.array(z.string()).min(1).describe('The tool and its arguments, e.g. ["istioctl", "proxy-status"]. Never a shell string.'),
  outputContains: z.array(z.string()).optional().describe('Substrings the output must contain.'),
  exitCode: z.number().int().default(0),
  optional: z.boolean().default(false).describe('Skip (instead of fail) where the provider does not have the tool, e.g. istioctl on sim.'),
});

/** Manual injection: the manifest as `istioctl kube-inject -f` would rewrite it, then applied. */
export const InjectAction = z.union([ManifestSource, ApplyObject]);

// ---------------------------------------------------------------- subjects of expectations

export const TrafficAction = z.strictObject({
  from: z
    .string()
    .min(1)
    .describe('A workload in the scenario namespace that runs the echo app (its forward call sends the requests), or `ingress` for the ingress gateway.'),
  to: z.string().min(1).describe("Target URL. From `ingress`, the URL's host becomes the Host header and the request goes to the gateway."),
  method: z.string().default('GET'),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  requests: z
    .union([z.number().int().positive(), z.literal('auto')])
    .default('auto')
    .describe('Number of requests, or `auto` to let the statistics choose it from the expectations.'),
  concurrency: z.number().int().positive().optional(),
  qps: z.number().positive().optional(),
  timeout: Duration.optional().describe('Timeout of each request as the client sees it.'),
});

export const PodsSubject = z.strictObject({ selector: Selector, namespace: z.string().optional() });
export const ServicesSubject = z.strictObject({ selector: Selector.optional(), namespace: z.string().optional() });
export const MetricsSubject = z.strictObject({
  query: z.string().min(1).describe('A Prometheus metric name with optional label matchers, e.g. istio_requests_total{destination_version="v1"}.'),
});

// ---------------------------------------------------------------- expectations

/** Each subject's `expect:` keys come from the matcher registry: a matcher's argument is its own module's to define. */
export const TrafficExpect = z.strictObject(expectShape('traffic'));
export const PodsExpect = z.strictObject(expectShape('pods'));
export const ServicesExpect = z.strictObject(expectShape('services'));
export const MetricsExpect = z.strictObject(expectShape('metrics'));

// ---------------------------------------------------------------- steps

const StepCommon = {
  name: z.string().min(1).optional().describe("The test's name; defaults to a summary of the action."),
  timeout: Duration.optional().describe("This step's own timeout; each action has a sensible default."),
  providers: z
    .array(z.enum(['sim', 'kind', 'kubeconfig']))
    .min(1)
    .optional()
    .describe('Run the step only on these providers, e.g. [kind, kubeconfig]; skipped elsewhere.'),
};

export const STEP_KINDS = [
  'apply',
  'delete',
  'label',
  'annotate',
  'patch',
  'wait',
  'exec',
  'sleep',
  'inject',
  'traffic',
  'pods',
  'services',
  'metrics',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** What each action does, for editors (the JSON Schema's descriptions). */
const ACTION_HELP = {
  apply: 'Apply manifests (server-side apply) in the scenario namespace: a file, a directory, inline YAML, or {file, namespace}.',
  delete: 'Delete an object (KIND/NAME), the objects of a manifest, or {kind, selector}; waits until they are gone.',
  label: 'Set or remove (null) labels of the namespace, an object, or objects by selector.',
  annotate: 'Set or remove (null) annotations of the namespace, an object, or objects by selector.',
  patch: 'Patch an object: merge (default), json or strategic.',
  wait: 'Wait for a rollout, pods, a condition, a deletion, or the mesh taking up the configuration.',
  exec: 'Run a tool such as istioctl (never a shell string) and check its exit code and output.',
  inject: 'Manual injection: the manifest as `istioctl kube-inject -f` rewrites it, then applied.',
  traffic: 'Send requests from a client workload or the ingress gateway; `expect` says what must come back.',
  pods: 'Pods by label selector; `expect` says what they must look like.',
  services: 'Services of the namespace (optionally by selector); `expect` says what they must follow.',
  metrics: 'A Prometheus query; `expect` says what its value must be.',
} as const;

export const ApplyStep = z.strictObject({ ...StepCommon, apply: ApplyAction.describe(ACTION_HELP.apply) });
export const DeleteStep = z.strictObject({ ...StepCommon, delete: DeleteAction.describe(ACTION_HELP.delete) });
export const LabelStep = z.strictObject({ ...StepCommon, label: LabelAction.describe(ACTION_HELP.label) });
export const AnnotateStep = z.strictObject({ ...StepCommon, annotate: AnnotateAction.describe(ACTION_HELP.annotate) });
export const PatchStep = z.strictObject({ ...StepCommon, patch: PatchAction.describe(ACTION_HELP.patch) });
export const WaitStep = z.strictObject({ ...StepCommon, wait: WaitAction.describe(ACTION_HELP.wait) });
export const ExecStep = z.strictObject({ ...StepCommon, exec: ExecAction.describe(ACTION_HELP.exec) });
/** Only as a last resort: prefer `wait`. */
export const SleepStep = z.strictObject({ ...StepCommon, sleep: Duration });
export const InjectStep = z.strictObject({ ...StepCommon, inject: InjectAction.describe(ACTION_HELP.inject) });
export const TrafficStep = z.strictObject({ ...StepCommon, traffic: TrafficAction.describe(ACTION_HELP.traffic), expect: TrafficExpect });
export const PodsStep = z.strictObject({ ...StepCommon, pods: PodsSubject.describe(ACTION_HELP.pods), expect: PodsExpect });
export const ServicesStep = z.strictObject({ ...StepCommon, services: ServicesSubject.describe(ACTION_HELP.services), expect: ServicesExpect });
export const MetricsStep = z.strictObject({ ...StepCommon, metrics: MetricsSubject.describe(ACTION_HELP.metrics), expect: MetricsExpect });

/** Step schemas by the action key that identifies them. */
export const STEP_SCHEMAS = {
  apply: ApplyStep,
  delete: DeleteStep,
  label: LabelStep,
  annotate: AnnotateStep,
  patch: PatchStep,
  wait: WaitStep,
  exec: ExecStep,
  sleep: SleepStep,
  inject: InjectStep,
  traffic: TrafficStep,
  pods: PodsStep,
  services: ServicesStep,
  metrics: MetricsStep,
} as const satisfies Record<StepKind, z.ZodType>;

export const Step = z.union(Object.values(STEP_SCHEMAS) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
export type ApplyStep = z.infer<typeof ApplyStep>;
export type DeleteStep = z.infer<typeof DeleteStep>;
export type LabelStep = z.infer<typeof LabelStep>;
export type AnnotateStep = z.infer<typeof AnnotateStep>;
export type PatchStep = z.infer<typeof PatchStep>;
export type WaitStep = z.infer<typeof WaitStep>;
export type ExecStep = z.infer<typeof ExecStep>;
export type SleepStep = z.infer<typeof SleepStep>;
export type InjectStep = z.infer<typeof InjectStep>;
export type TrafficStep = z.infer<typeof TrafficStep>;
export type PodsStep = z.infer<typeof PodsStep>;
export type ServicesStep = z.infer<typeof ServicesStep>;
export type MetricsStep = z.infer<typeof MetricsStep>;
export type Step =
  | ApplyStep
  | DeleteStep
  | LabelStep
  | AnnotateStep
  | PatchStep
  | WaitStep
  | ExecStep
  | SleepStep
  | InjectStep
  | TrafficStep
  | PodsStep
  | ServicesStep
  | MetricsStep;
export type TrafficAction = z.infer<typeof TrafficAction>;
export type TrafficExpect = z.infer<typeof TrafficExpect>;
export type PodsExpect = z.infer<typeof PodsExpect>;

// ---------------------------------------------------------------- scenario

export const Scenario = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'kebab-case: lowercase letters, digits and dashes')
    .max(40)
    .describe("Unique across all specs, kebab-case; the base of the scenario's namespace and what --filter matches."),
  title: z.string().min(1).describe('What the scenario shows, for people.'),
  source: z.string().min(1).describe('The tutorial and chapter this scenario makes executable: "Tutorial / Chapter".'),
  tags: z
    .array(z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes'))
    .default([])
    .describe('Tags such as traffic, fault, retries, mirror, egress, ingress, injection, mtls, observability, canary; --filter TAG selects by them.'),
  mesh: z
    .enum(['sidecar', 'ambient', 'none'])
    .default('sidecar')
    .describe("How the scenario's namespace joins the mesh: sidecar injection (default), ambient, or not at all."),
  /**
   * What the scenario needs of Istio. Mesh-wide settings are never changed by a scenario
   * (they run in parallel): scope policies to the namespace instead, e.g. a `Sidecar`
   * resource with `outboundTrafficPolicy: {mode: REGISTRY_ONLY}`.
   */
  istio: z
    .strictObject({
      profile: z.enum(['demo', 'default', 'minimal']).default('demo'),
      addons: z
        .array(z.enum(ADDONS))
        .default([])
        .describe("Observability addons (Istio's samples/addons) the scenario uses; the provider installs them in istio-system before any scenario runs."),
    })
    .optional()
    .describe('What the scenario needs of Istio: the profile (default demo) and the observability addons (default none).'),
  timeout: Duration.optional().describe('Default timeout of each step (each action has its own default otherwise).'),
  steps: z.array(Step).min(1).describe('The ordered steps; each has exactly one action key.'),
});
export type Scenario = Omit<z.infer<typeof Scenario>, 'steps'> & { steps: Step[] };
