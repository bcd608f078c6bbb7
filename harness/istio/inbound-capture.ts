/**
 * Which inbound ports of a pod its sidecar captures, set with the pod annotations
 * `traffic.sidecar.istio.io/includeInboundPorts` and `traffic.sidecar.istio.io/excludeInboundPorts`,
 * as Istio 1.29, 1.30 and 1.31 decide it (istio/istio@1.29.6, 1.30.3, 1.31.0-rc.0 agree):
 *
 * - The injector validates both (pkg/kube/inject/validate.go: a comma-separated list of ports;
 *   `*` only for includeInboundPorts) and refuses the pod otherwise (pkg/kube/inject/inject.go
 *   RunTemplate, pkg/kube/inject/webhook.go injectPod).
 * - It renders them as istio-init's `-b` (includeInboundPorts, default `*`: values.yaml
 *   global.proxy.includeInboundPorts) and `-d`: `15090,15021,` then excludeInboundPorts with the
 *   status port (15020, or `status.sidecar.istio.io/port`) appended unless listed
 *   (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml,
 *   pkg/kube/inject/template.go excludeInboundPort).
 * - istio-iptables redirects every inbound TCP port except the `-d` ports when `-b` is `*`; only
 *   the `-b` ports (and `-d` then does nothing) for a list; none for an empty `-b`
 *   (tools/istio-iptables/pkg/capture/run.go handleInboundPortsInclude; tools/istio-nftables
 *   alike at 1.31.0-rc.0; lists split on commas, tools/common/config/types.go Split).
 * - Without istio-init (Istio CNI), the CNI plugin reads the same annotations, defaults `*` and
 *   `15020`, and always adds 15020,15021,15090 to the exclusions (cni/pkg/plugin/sidecar_redirect.go).
 *
 * A port the sidecar does not capture reaches the app directly: no mutual TLS, no
 * PeerAuthentication, no AuthorizationPolicy.
 */

const INCLUDE_INBOUND_PORTS = 'traffic.sidecar.istio.io/includeInboundPorts';
export const EXCLUDE_INBOUND_PORTS = 'traffic.sidecar.istio.io/excludeInboundPorts';
const STATUS_PORT_ANNOTATION = 'status.sidecar.istio.io/port';
const DEFAULT_STATUS_PORT = '15020';
const INIT_CONTAINER = 'istio-init';
/** What the template puts before excludeInboundPorts: Envoy's Prometheus port and the health port. */
const TEMPLATE_EXCLUDED = '15090,15021';
const CNI_EXCLUDED = ['15020', '15021', '15090'];

type Annotations = Readonly<Record<string, string>> | undefined;

/** One port as Go's strconv.ParseUint(strings.TrimSpace(p), 10, 16) reads it, or Istio's error. */
function portError(text: string): string | undefined {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return `failed parsing port '${text}': strconv.ParseUint: parsing "${trimmed}": invalid syntax`;
  if (Number(trimmed) > 65535) return `failed parsing port '${text}': strconv.ParseUint: parsing "${trimmed}": value out of range`;
  return undefined;
}

/** Istio's parsePorts over a whole list: the first bad port's message, as validatePortList wraps it. */
function portListError(parameter: string, value: string): string | undefined {
  if (value.trim() === '') return undefined;
  for (const text of value.trim().split(',')) {
    const error = portError(text);
    if (error) return `${parameter} invalid: failed parsing port '${text}': ${error}`;
  }
  return undefined;
}

/**
 * The messages Istio's injector refuses a pod with for its inbound port annotations, in its
 * wording (pkg/kube/inject/validate.go validateAnnotations); empty when they are valid.
 */
export function inboundPortAnnotationErrors(annotations: Annotations): string[] {
  const errors: string[] = [];
  const include = annotations?.[INCLUDE_INBOUND_PORTS];
  const exclude = annotations?.[EXCLUDE_INBOUND_PORTS];
  const includeError = include === undefined || include === '*' ? undefined : portListError('includeInboundPorts', include);
  const excludeError = exclude === undefined ? undefined : portListError('excludeInboundPorts', exclude);
  if (includeError) errors.push(`invalid value '${include}' for annotation '${INCLUDE_INBOUND_PORTS}': ${includeError}`);
  if (excludeError) errors.push(`invalid value '${exclude}' for annotation '${EXCLUDE_INBOUND_PORTS}': ${excludeError}`);
  return errors;
}

/** template.go excludeInboundPort: the status port appended to the list unless it is in it already. */
function withStatusPort(statusPort: string, excluded: string): string {
  const port = statusPort.trim();
  if (port === '' || port === '0') return excluded;
  const ports = excluded.split(',');
  if (ports.includes(port)) return excluded;
  return [...ports.map((p) => p.trim()).filter((p) => p !== ''), port].join(',');
}

/** istio-init's `-b` and `-d` values for a pod with these annotations, as the injection template renders them. */
export function inboundCaptureArgs(annotations: Annotations): { include: string; exclude: string } {
  const excluded = withStatusPort(annotations?.[STATUS_PORT_ANNOTATION] ?? DEFAULT_STATUS_PORT, annotations?.[EXCLUDE_INBOUND_PORTS] ?? '');
  return {
    include: annotations?.[INCLUDE_INBOUND_PORTS] ?? '*',
    exclude: excluded === '' ? TEMPLATE_EXCLUDED : `${TEMPLATE_EXCLUDED},${excluded}`,
  };
}

/** The value of a flag of istio-iptables' command line, short (`-b X`, `-b=X`) or long (`--istio-inbound-ports`). */
function flagValue(args: readonly string[], short: string, long: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    for (const name of [`-${short}`, `--${long}`]) {
      if (arg === name) return args[i + 1] ?? '';
      if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
    }
  }
  return undefined;
}

/** Ports of a list, as istio-iptables splits it (empty entries dropped). */
const portsOf = (list: string) =>
  new Set(
    list
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== ''),
  );

interface PodLike {
  metadata?: { annotations?: Readonly<Record<string, string>> };
  spec?: { initContainers?: ReadonlyArray<{ name?: string; args?: readonly string[] }> };
}

/**
 * Whether a pod with a sidecar captures inbound `port`: from istio-init's arguments when the pod
 * has that init container (what istio-iptables applies), else from the annotations as Istio CNI reads them.
 */
export function inboundCaptureOf(pod: PodLike): (port: number) => boolean {
  const init = pod.spec?.initContainers?.find((c) => c.name === INIT_CONTAINER);
  const annotations = pod.metadata?.annotations;
  const include = init ? (flagValue(init.args ?? [], 'b', 'istio-inbound-ports') ?? '') : (annotations?.[INCLUDE_INBOUND_PORTS] ?? '*');
  const exclude = init
    ? portsOf(flagValue(init.args ?? [], 'd', 'istio-local-exclude-ports') ?? '')
    : new Set([...portsOf(annotations?.[EXCLUDE_INBOUND_PORTS] ?? ''), ...CNI_EXCLUDED]);
  if (include === '*') return (port) => !exclude.has(String(port));
  const included = portsOf(include);
  return (port) => included.has(String(port));
}
