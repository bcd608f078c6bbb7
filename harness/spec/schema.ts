/**
 * The spec language: the single source of truth for what a `*.spec.yaml` may say.
 * TypeScript types and `schema/spec.schema.json` (for editors) are both derived from it.
 *
 * Every object is strict: a mistyped key is an error, never silently ignored.
 * Steps are a union discriminated by which action key they carry, so an error can
 * say "unknown step kind" instead of zod's bare "Invalid input".
 */
import { z } from 'zod';

/** "500ms", "3s", "2m", "1h", or "1.5s". */
export const Duration = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'a duration such as "500ms", "3s" or "2m"')
  .describe('A duration: a number followed by ms, s, m or h, e.g. "3s".');
export type Duration = z.infer<typeof Duration>;

/** Label selector in kubectl syntax, e.g. "app=backend,version=v1". */
export const Selector = z.string().min(1).describe('A label selector, e.g. "app=backend,version=v1".');

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

/** A percentage 0..100. */
const Percent = z.number().min(0).max(100);

// ---------------------------------------------------------------- actions

/** A manifest: a path relative to the repository root (file or directory), or inline YAML (contains a newline). */
export const ManifestSource = z
  .string()
  .min(1)
  .describe('A manifest file or directory relative to the repository root, or inline YAML (multi-document).');

const ApplyObject = z.strictObject({
  file: ManifestSource,
  /** Namespace for namespace-less objects; defaults to the scenario's namespace. */
  namespace: z.string().optional(),
});
export const ApplyAction = z.union([ManifestSource, ApplyObject]);

const DeleteObject = z.strictObject({
  object: ObjectRef.optional(),
  kind: z.string().optional(),
  selector: Selector.optional(),
  file: ManifestSource.optional(),
  namespace: z.string().optional(),
  /** Wait until the objects are gone (default true). */
  wait: z.boolean().optional(),
}).superRefine(exactlyOneOf('delete', ['object', 'selector', 'file']));
export const DeleteAction = z.union([ObjectRef, ManifestSource, DeleteObject]);

const LabelValues = z.record(z.string(), z.union([z.string(), z.null()])).describe('Labels to set; null removes one.');
export const LabelAction = z.strictObject({
  /** `namespace: true` targets the scenario's namespace; a string names another namespace. */
  namespace: z.union([z.literal(true), z.string()]).optional(),
  object: ObjectRef.optional(),
  selector: Selector.optional(),
  kind: z.string().optional(),
  labels: LabelValues,
}).superRefine(exactlyOneOf('label', ['namespace', 'object', 'selector']));
export const AnnotateAction = z.strictObject({
  namespace: z.union([z.literal(true), z.string()]).optional(),
  object: ObjectRef.optional(),
  selector: Selector.optional(),
  kind: z.string().optional(),
  annotations: LabelValues,
}).superRefine(exactlyOneOf('annotate', ['namespace', 'object', 'selector']));

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
  /** The tool and its arguments, e.g. ["istioctl", "proxy-status"]. Never a shell string. */
  command: z.array(z.string()).min(1),
  /** Substrings the output must contain. */
  outputContains: z.array(z.string()).optional(),
  exitCode: z.number().int().default(0),
  /** Skip (instead of fail) where the provider does not have the tool, e.g. istioctl on sim. */
  optional: z.boolean().default(false),
});

/** Manual injection: the manifest as `istioctl kube-inject -f` would rewrite it, then applied. */
export const InjectAction = z.union([ManifestSource, ApplyObject]);

// ---------------------------------------------------------------- subjects of expectations

export const TrafficAction = z.strictObject({
  /** A workload in the scenario namespace that runs the echo app (its forward call sends the requests), or `ingress` for the ingress gateway. */
  from: z.string().min(1),
  /** Target URL. From `ingress`, the URL's host becomes the Host header and the request goes to the gateway. */
  to: z.string().min(1),
  method: z.string().default('GET'),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  /** Number of requests, or `auto` to let the statistics choose it from the expectations. */
  requests: z.union([z.number().int().positive(), z.literal('auto')]).default('auto'),
  concurrency: z.number().int().positive().optional(),
  qps: z.number().positive().optional(),
  /** Timeout of each request as the client sees it. */
  timeout: Duration.optional(),
});

export const PodsSubject = z.strictObject({ selector: Selector, namespace: z.string().optional() });
export const ServicesSubject = z.strictObject({ selector: Selector.optional(), namespace: z.string().optional() });
export const MetricsSubject = z.strictObject({
  /** A Prometheus metric name with optional label matchers, e.g. istio_requests_total{destination_version="v1"}. */
  query: z.string().min(1),
});

// ---------------------------------------------------------------- expectations

export const SplitExpectation = z.strictObject({
  /** What to tally responses by: `version`, `pod`, `status`, or a response field path such as `body.upstream.version`. */
  by: z.string().default('version'),
  /** Expected percentages per value; they must add up to 100. */
  split: z.record(z.string(), Percent),
}).superRefine((expectation, ctx) => {
  const total = Object.values(expectation.split).reduce((sum, share) => sum + share, 0);
  if (Math.abs(total - 100) > 1e-9) {
    ctx.addIssue({ code: 'custom', path: ['split'], message: `split percentages add up to ${total}; they must add up to 100` });
  }
});
export const DelayExpectation = z.strictObject({ delay: Duration, share: Percent });
export const AbortExpectation = z.strictObject({ status: z.number().int(), share: Percent });
export const SucceedExpectation = z.strictObject({
  /** Minimum true success rate in percent (default 100: every request succeeds). */
  atLeast: Percent.default(100),
});
export const RetryExpectation = z.strictObject({
  /** Most attempts the server may see for one request (the route's attempts + 1). */
  maxAttempts: z.number().int().positive().optional(),
  /** Some request needed more than one attempt. */
  observed: z.boolean().default(true),
});
export const MirrorExpectation = z.strictObject({
  /** Label selector of the pods that receive the mirrored copies. */
  mirror: Selector,
  /** Share of requests mirrored (mirrorPercentage), default 100. */
  share: Percent.default(100),
  /** What the answers must come from, tallied by version, e.g. "v1". */
  answeredBy: z.string().optional(),
});
export const RespondExpectation = z.strictObject({
  status: z.number().int().optional(),
  /** Subset of the JSON body every response must contain. */
  body: z.record(z.string(), z.unknown()).optional(),
  /** Headers every response must carry (value substring match). */
  headers: z.record(z.string(), z.string()).optional(),
});

export const TrafficExpect = z.strictObject({
  toSplitTraffic: SplitExpectation.optional(),
  toInjectDelay: DelayExpectation.optional(),
  toAbortWith: AbortExpectation.optional(),
  toSucceed: SucceedExpectation.optional(),
  toRetry: RetryExpectation.optional(),
  toMirrorTo: MirrorExpectation.optional(),
  toRespondWith: RespondExpectation.optional(),
  toBeBlocked: z.boolean().optional(),
  toReach: z.boolean().optional(),
  toUseMutualTLS: z.boolean().optional(),
});
export const PodsExpect = z.strictObject({
  toHaveSidecar: z.boolean().optional(),
  toBeReady: z.boolean().optional(),
  /** Number of containers per pod as `kubectl get pods` READY shows it (e.g. 2 for app + sidecar). */
  toHaveContainers: z.number().int().positive().optional(),
  toHaveCount: z.number().int().nonnegative().optional(),
});
export const ServicesExpect = z.strictObject({
  /** Istio's port-naming rule (name `<protocol>[-suffix]` or appProtocol) and `app`/`version` labels. */
  toFollowIstioConventions: z.boolean().optional(),
});
export const MetricsExpect = z.strictObject({
  /** The metric's summed value is at least this. */
  toBeAtLeast: z.number().optional(),
});

// ---------------------------------------------------------------- steps

const StepCommon = {
  /** Shown as the test's name; defaults to a summary of the action. */
  name: z.string().min(1).optional(),
  /** This step's own timeout; each action has a sensible default. */
  timeout: Duration.optional(),
  /** Run the step only on these providers, e.g. [kind, kubeconfig]. */
  providers: z.array(z.enum(['sim', 'kind', 'kubeconfig'])).min(1).optional(),
};

export const STEP_KINDS = [
  'apply', 'delete', 'label', 'annotate', 'patch', 'wait', 'exec', 'sleep', 'inject',
  'traffic', 'pods', 'services', 'metrics',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const ApplyStep = z.strictObject({ ...StepCommon, apply: ApplyAction });
export const DeleteStep = z.strictObject({ ...StepCommon, delete: DeleteAction });
export const LabelStep = z.strictObject({ ...StepCommon, label: LabelAction });
export const AnnotateStep = z.strictObject({ ...StepCommon, annotate: AnnotateAction });
export const PatchStep = z.strictObject({ ...StepCommon, patch: PatchAction });
export const WaitStep = z.strictObject({ ...StepCommon, wait: WaitAction });
export const ExecStep = z.strictObject({ ...StepCommon, exec: ExecAction });
export const SleepStep = z.strictObject({ ...StepCommon, sleep: Duration });
export const InjectStep = z.strictObject({ ...StepCommon, inject: InjectAction });
export const TrafficStep = z.strictObject({ ...StepCommon, traffic: TrafficAction, expect: TrafficExpect });
export const PodsStep = z.strictObject({ ...StepCommon, pods: PodsSubject, expect: PodsExpect });
export const ServicesStep = z.strictObject({ ...StepCommon, services: ServicesSubject, expect: ServicesExpect });
export const MetricsStep = z.strictObject({ ...StepCommon, metrics: MetricsSubject, expect: MetricsExpect });

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
  | ApplyStep | DeleteStep | LabelStep | AnnotateStep | PatchStep | WaitStep | ExecStep
  | SleepStep | InjectStep | TrafficStep | PodsStep | ServicesStep | MetricsStep;
export type TrafficAction = z.infer<typeof TrafficAction>;
export type TrafficExpect = z.infer<typeof TrafficExpect>;
export type PodsExpect = z.infer<typeof PodsExpect>;

// ---------------------------------------------------------------- scenario

export const Scenario = z.strictObject({
  /** Unique across all specs, kebab-case; also the base of the scenario's namespace. */
  name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'kebab-case: lowercase letters, digits and dashes').max(40),
  title: z.string().min(1),
  /** The tutorial and chapter this scenario makes executable: "Tutorial / Chapter". */
  source: z.string().min(1),
  tags: z.array(z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes')).default([]),
  /** How the scenario's namespace joins the mesh: sidecar injection, ambient, or not at all. */
  mesh: z.enum(['sidecar', 'ambient', 'none']).default('sidecar'),
  /**
   * What the scenario needs of Istio. Mesh-wide settings are never changed by a scenario
   * (they run in parallel): scope policies to the namespace instead, e.g. a `Sidecar`
   * resource with `outboundTrafficPolicy: {mode: REGISTRY_ONLY}`.
   */
  istio: z
    .strictObject({
      profile: z.enum(['demo', 'default', 'minimal']).default('demo'),
    })
    .optional(),
  /** Default timeout of each step (each action has its own default otherwise). */
  timeout: Duration.optional(),
  steps: z.array(Step).min(1),
});
export type Scenario = Omit<z.infer<typeof Scenario>, 'steps'> & { steps: Step[] };
