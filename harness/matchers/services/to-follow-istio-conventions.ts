/**
 * Istio's requirements on Services and the pods behind them
 * (istio.io "Application Requirements"): ports named `<protocol>[-<suffix>]` or with an
 * appProtocol, so Istio knows the protocol; `app` and `version` labels on the pods, which
 * telemetry and version routing rely on.
 */
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import type { MatcherState } from 'vitest';
import { z } from 'zod';
import { defineMatcher } from '../definition.js';
import { conclude, expectReceived, type MatcherResult } from '../engines.js';

/** A Service with the pods its selector selects. */
export interface ServiceWithPods {
  service: V1Service;
  pods: V1Pod[];
}

const ISTIO_PROTOCOLS = ['http', 'http2', 'https', 'grpc', 'grpc-web', 'mongo', 'mysql', 'redis', 'tcp', 'tls', 'udp'] as const;
/** appProtocol values Kubernetes defines that Istio also understands. */
const KUBERNETES_APP_PROTOCOLS = ['kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss'];
const REQUIRED_POD_LABELS = ['app', 'version'];

function isServiceList(value: unknown): value is ServiceWithPods[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'object' && item !== null && 'service' in item && 'pods' in item);
}

function isIstioProtocol(name: string): boolean {
  const lower = name.toLowerCase();
  return ISTIO_PROTOCOLS.some((protocol) => lower === protocol || lower.startsWith(`${protocol}-`));
}

/** Every way the service breaks a convention, one readable line each. */
export function conventionViolations({ service, pods }: ServiceWithPods): string[] {
  const name = `service/${service.metadata?.name}`;
  const violations: string[] = [];
  for (const port of service.spec?.ports ?? []) {
    const label = `${name} port ${port.port}`;
    if (port.appProtocol !== undefined) {
      const known = isIstioProtocol(port.appProtocol) || KUBERNETES_APP_PROTOCOLS.includes(port.appProtocol);
      if (!known) violations.push(`${label}: appProtocol "${port.appProtocol}" is not a protocol Istio knows (${ISTIO_PROTOCOLS.join(', ')})`);
    } else if (!port.name) {
      // An unnamed port is protocol.Unsupported, i.e. sniffed, but TCP on the well-known ports (istio/istio@1.30.3 pkg/config/kube/conversion.go ConvertProtocol).
      violations.push(
        `${label}: unnamed and without appProtocol, so Istio has to guess its protocol (sniffing; on 25, 53, 3306 and 27017 it is plain TCP); name it e.g. "http" or "http-web"`,
      );
    } else if (!isIstioProtocol(port.name)) {
      violations.push(`${label}: name "${port.name}" does not start with a protocol (${ISTIO_PROTOCOLS.join(', ')}) and there is no appProtocol`);
    }
  }
  for (const pod of pods) {
    const missing = REQUIRED_POD_LABELS.filter((label) => !pod.metadata?.labels?.[label]);
    if (missing.length)
      violations.push(
        `${name} selects pod ${pod.metadata?.name}, which lacks the ${missing.map((l) => `"${l}"`).join(' and ')} label${missing.length > 1 ? 's' : ''}`,
      );
  }
  return violations;
}

export const toFollowIstioConventions = defineMatcher({
  subject: 'services',
  spec: z.boolean(),
  description: "Istio's port-naming rule (name `<protocol>[-suffix]` or appProtocol) and `app`/`version` labels.",
  example: '`true`',
  match(this: MatcherState, received: unknown): MatcherResult {
    const services = expectReceived(received, 'toFollowIstioConventions', 'a list of {service, pods}', isServiceList);
    const violations = services.flatMap(conventionViolations);
    const pass = services.length > 0 && violations.length === 0;
    return conclude(this, {
      matcher: 'toFollowIstioConventions',
      received: 'services',
      pass,
      detail:
        services.length === 0
          ? 'no services matched the selector'
          : violations.length === 0
            ? `${services.length} services follow Istio's port naming and pod labelling conventions`
            : `${violations.length} violations in ${services.length} services`,
      findings: () => violations.map((v) => `  ✗ ${v}`),
    });
  },
});
