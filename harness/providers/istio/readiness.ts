/**
 * "Istio is ready" means more than istiod Running: the gateways rolled out, every Istio CRD is
 * Established, and the validation webhook answers. Right after install the webhook refuses or
 * times out for a while, and the first scenario would fail on it; a server-side dry-run of a small
 * VirtualService, retried until accepted, is the only check that proves it answers.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import pRetry, { AbortError } from 'p-retry';
import { ProviderError, type IstioProfile } from '../../contract/cluster.js';
import { describeApiError, httpStatusOf } from '../../kube/index.js';
import type { ProviderKube } from '../setup/kube.js';
import { pollUntilReady } from '../setup/wait.js';

export const ISTIO_NAMESPACE = 'istio-system';

/** Deployments a profile installs (istio.io "Installation configuration profiles"). */
export function istioDeployments(profile: IstioProfile): string[] {
  if (profile === 'minimal') return ['istiod'];
  if (profile === 'default') return ['istiod', 'istio-ingressgateway'];
  return ['istiod', 'istio-ingressgateway', 'istio-egressgateway'];
}

/** Null when the deployment's newest generation is fully rolled out, else what is missing. */
export function rolloutPending(deployment: V1Deployment): string | null {
  const name = deployment.metadata?.name;
  const wanted = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  if ((status.observedGeneration ?? 0) < (deployment.metadata?.generation ?? 0)) return `${name}: new generation not observed yet`;
  if ((status.updatedReplicas ?? 0) < wanted) return `${name}: ${status.updatedReplicas ?? 0}/${wanted} updated`;
  if ((status.availableReplicas ?? 0) < wanted) return `${name}: ${status.availableReplicas ?? 0}/${wanted} available`;
  if ((status.replicas ?? 0) > wanted) return `${name}: old replicas terminating`;
  return null;
}

/** A Deployment to wait for: its name in istio-system, or its namespace and name (a gateway installed elsewhere). */
export type DeploymentRef = string | { namespace: string; name: string };

interface ReadinessOptions {
  /** Deployments that must be rolled out, e.g. istioDeployments(profile). */
  deployments: readonly DeploymentRef[];
  timeoutMs: number;
  onStatus?: (detail: string) => void;
  /** Attempts of the webhook dry-run before giving up. */
  webhookAttempts?: number;
  webhookRetryDelayMs?: number;
}

export async function waitForIstioReady(kube: ProviderKube, options: ReadinessOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const onPending = options.onStatus;
  await pollUntilReady('the Istio control plane and gateways to roll out', () => deploymentsPending(kube, options.deployments), { deadline, onPending });
  await pollUntilReady('Istio CRDs to be Established', () => crdsPending(kube), { deadline, onPending });
  await waitForValidationWebhook(() => dryRunVirtualService(kube), {
    attempts: options.webhookAttempts ?? 60,
    delayMs: options.webhookRetryDelayMs ?? 2000,
    onRetry: onPending,
  });
}

async function deploymentsPending(kube: ProviderKube, deployments: readonly DeploymentRef[]): Promise<string | null> {
  for (const ref of deployments) {
    const { namespace, name } = typeof ref === 'string' ? { namespace: ISTIO_NAMESPACE, name: ref } : ref;
    try {
      const pending = rolloutPending(await kube.apps.readNamespacedDeployment({ name, namespace }));
      if (pending) return namespace === ISTIO_NAMESPACE ? pending : `${namespace}/${pending}`;
    } catch (error) {
      if (httpStatusOf(error) === 404) return `${namespace === ISTIO_NAMESPACE ? '' : `${namespace}/`}${name}: not created yet`;
      throw error;
    }
  }
  return null;
}

async function crdsPending(kube: ProviderKube): Promise<string | null> {
  const crds = (await kube.extensions.listCustomResourceDefinition()).items.filter((crd) => crd.metadata?.name?.endsWith('.istio.io'));
  if (!crds.some((crd) => crd.metadata?.name === 'virtualservices.networking.istio.io')) return 'virtualservices.networking.istio.io not created yet';
  const waiting = crds.filter((crd) => !crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));
  return waiting.length ? `${waiting.map((crd) => crd.metadata?.name).join(', ')} not Established` : null;
}

const PROBE = { group: 'networking.istio.io', resource: 'virtualservices', namespace: ISTIO_NAMESPACE, name: 'meshspec-webhook-probe' };

/** A minimal VirtualService sent with dryRun=All: it reaches the validation webhook and is never stored. */
async function dryRunVirtualService(kube: ProviderKube): Promise<void> {
  await kube.objects.create(
    {
      apiVersion: `${PROBE.group}/v1`,
      kind: 'VirtualService',
      metadata: { name: PROBE.name, namespace: PROBE.namespace },
      spec: { hosts: ['meshspec-webhook-probe.invalid'], http: [{ route: [{ destination: { host: 'meshspec-webhook-probe.invalid' } }] }] },
    },
    undefined,
    'All',
  );
}

interface WebhookWaitOptions {
  attempts: number;
  delayMs: number;
  onRetry?: (detail: string) => void;
}

/**
 * A webhook's denial, as the API server words it: `admission webhook "<name>" denied the request: <why>`,
 * answered 400 (or the webhook's own 4xx code) by Kubernetes 1.31 to 1.36 (kubernetes/apiserver@v0.33.0
 * pkg/admission/plugin/webhook/errors/statuserror.go ToStatusErr; Istio's webhook sets no code:
 * istio/istio@1.30.3 pkg/webhooks/validation/server/server.go toAdmissionResponse).
 */
const WEBHOOK_DENIAL = /admission webhook "([^"]+)" denied the request/;
/**
 * Authorization's refusal, 403 Forbidden: `<resource>.<group> is forbidden: User "<user>" cannot <verb> resource
 * "<resource>" in API group "<group>" in the namespace "<namespace>"` (kubernetes/apiserver@v0.33.0
 * pkg/endpoints/handlers/responsewriters/errors.go forbiddenMessage, in apimachinery's NewForbidden).
 */
const AUTHORIZATION_DENIAL = /User "([^"]*)" cannot (\S+) resource "([^"]+)" in API group "([^"]*)"(?: in the namespace "([^"]+)")?/;

/**
 * What a 4xx answer to the probe means, as a ProviderError to report at once; undefined when the
 * answer says "not yet" (404 before the CRD is served, 409, 429) and the probe is retried.
 */
function probeRefusal(error: unknown): ProviderError | undefined {
  const status = httpStatusOf(error);
  if (status === undefined || status < 400 || status >= 500 || [404, 409, 429].includes(status)) return undefined;
  const detail = describeApiError(error);
  const webhook = WEBHOOK_DENIAL.exec(detail)?.[1];
  if (webhook) {
    return new ProviderError(
      `${webhook.endsWith('.istio.io') ? 'The Istio validation webhook' : `The admission webhook "${webhook}"`} rejected a valid VirtualService: ${detail}`,
    );
  }
  const denied = status === 403 ? AUTHORIZATION_DENIAL.exec(detail) : null;
  if (denied) {
    const [, user, verb, resource, group, namespace = PROBE.namespace] = denied;
    const qualified = group ? `${resource}.${group}` : resource;
    return new ProviderError(
      `The API server's authorization (RBAC) forbids user "${user}" to ${verb} ${qualified} in namespace ${namespace}: meshspec checks that Istio's validation webhook answers with a server-side dry run of a VirtualService there, and a dry run needs the rights of the request itself. (${detail})`,
      `Grant that user ${verb} on ${qualified} in ${namespace}, e.g. kubectl create role meshspec-webhook-probe -n ${namespace} --verb=${verb} --resource=${qualified} && kubectl create rolebinding meshspec-webhook-probe -n ${namespace} --role=meshspec-webhook-probe --user=${user}`,
    );
  }
  return new ProviderError(
    `The API server refused the dry run of a valid VirtualService in ${PROBE.namespace}, before Istio's validation webhook answered: ${detail}`,
  );
}

/**
 * Retries `dryRun` while the webhook is unreachable (5xx, "failed calling webhook", connection
 * errors). A refusal of the probe (see probeRefusal) is reported at once, not retried.
 */
export async function waitForValidationWebhook(dryRun: () => Promise<void>, options: WebhookWaitOptions): Promise<void> {
  try {
    await pRetry(
      async () => {
        try {
          await dryRun();
        } catch (error) {
          const refusal = probeRefusal(error);
          if (refusal) throw new AbortError(refusal);
          throw new Error(describeApiError(error));
        }
      },
      {
        retries: options.attempts - 1,
        factor: 1,
        minTimeout: options.delayMs,
        maxTimeout: options.delayMs,
        randomize: false,
        onFailedAttempt: ({ error, attemptNumber }) =>
          options.onRetry?.(`validation webhook not ready (attempt ${attemptNumber}/${options.attempts}): ${error.message}`),
      },
    );
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    throw new ProviderError(
      `The Istio validation webhook did not accept configuration after ${options.attempts} attempts: ${(error as Error).message}`,
      'Check istiod: kubectl -n istio-system logs deploy/istiod',
    );
  }
}
