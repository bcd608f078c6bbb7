/** Istio configuration as the data plane uses it: validated, durations in ms, hosts expanded. */

export type Predicate = (value: string | undefined) => boolean;

export interface HeaderOperations {
  set: Record<string, string>;
  add: Record<string, string>;
  remove: string[];
}

export interface HeaderRules {
  request?: HeaderOperations;
  response?: HeaderOperations;
}

export interface RouteMatch {
  uri?: Predicate;
  /** The matched prefix, for rewrite.uri. */
  uriPrefix?: string;
  method?: Predicate;
  authority?: Predicate;
  headers: Array<[string, Predicate]>;
  withoutHeaders: Array<[string, Predicate]>;
  queryParams: Array<[string, Predicate]>;
  port?: number;
  sourceLabels?: Record<string, string>;
  sourceNamespace?: string;
  /** Normalised gateway names ("ns/name" or "mesh"); undefined = the VirtualService's. */
  gateways?: string[];
}

export interface Destination {
  /** Expanded host (FQDN for short names). */
  host: string;
  subset?: string;
  port?: number;
}

export interface WeightedDestination extends Destination {
  weight: number;
  headers?: HeaderRules;
}

export interface RetryPolicy {
  attempts: number;
  perTryTimeoutMs?: number;
  retryOn: Set<string>;
  retriableStatusCodes: Set<number>;
}

export interface HttpRoute {
  name?: string;
  /** Empty: matches every request. */
  matches: RouteMatch[];
  route: WeightedDestination[];
  redirect?: { uri?: string; authority?: string; port?: number; scheme?: string; code: number };
  rewrite?: { uri?: string; authority?: string };
  directResponse?: { status: number; body: string };
  timeoutMs?: number;
  /** Undefined: Istio's default policy. */
  retries?: RetryPolicy;
  fault?: {
    delay?: { ms: number; percent: number };
    abort?: { status: number; percent: number };
  };
  mirrors: Array<{ destination: Destination; percent: number }>;
  headers?: HeaderRules;
}

/**
 * The namespaces an object is exported to: "*" for all, else the names ("." already resolved to
 * the object's own namespace; "~" is the empty set). Undefined: the mesh config's default.
 */
export type ExportTo = '*' | ReadonlySet<string>;

export interface VirtualService {
  namespace: string;
  name: string;
  exportTo?: ExportTo;
  hosts: string[];
  gateways: string[];
  http: HttpRoute[];
  createdAt: number;
}

type TlsMode = 'DISABLE' | 'ISTIO_MUTUAL' | 'SIMPLE' | 'MUTUAL';

export interface TrafficPolicy {
  tlsMode?: TlsMode;
  connectionPool?: {
    maxConnections?: number;
    http1MaxPendingRequests?: number;
    http2MaxRequests?: number;
    maxRequestsPerConnection?: number;
  };
  outlierDetection?: {
    consecutive5xxErrors?: number;
    consecutiveGatewayErrors?: number;
    baseEjectionTimeMs: number;
    maxEjectionPercent: number;
  };
}

export interface DestinationRule {
  namespace: string;
  name: string;
  exportTo?: ExportTo;
  host: string;
  trafficPolicy: TrafficPolicy;
  subsets: Map<string, { labels: Record<string, string>; trafficPolicy: TrafficPolicy }>;
  createdAt: number;
}

interface GatewayServer {
  port: number;
  /** Host patterns with their namespace restriction ("*" = any). */
  hosts: Array<{ namespace: string; host: string }>;
}

export interface Gateway {
  namespace: string;
  name: string;
  selector: Record<string, string>;
  servers: GatewayServer[];
}

export interface ServiceEntry {
  namespace: string;
  name: string;
  exportTo?: ExportTo;
  hosts: string[];
  ports: Array<{ number: number; name?: string; protocol?: string; targetPort?: number }>;
  resolution: 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN';
  location: 'MESH_EXTERNAL' | 'MESH_INTERNAL';
  endpoints: Array<{ address: string; ports: Record<string, number> }>;
}

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

export interface PeerAuthentication {
  namespace: string;
  name: string;
  selector?: Record<string, string>;
  mode?: MtlsMode;
  portModes: Map<number, MtlsMode>;
}

export const OUTBOUND_MODES = ['ALLOW_ANY', 'REGISTRY_ONLY'] as const;
export type OutboundMode = (typeof OUTBOUND_MODES)[number];

/** One `namespace/dnsName` of a Sidecar egress listener; namespace "*", "." (the proxy's), "~" (none) or a name. */
interface EgressHost {
  namespace: string;
  host: string;
}

export interface EgressListener {
  /** Undefined: every port. */
  port?: number;
  hosts: EgressHost[];
}

/** The egress of a proxy no Sidecar resource narrows (or of one without egress): every host of every namespace. */
export const IMPORT_EVERYTHING: readonly EgressListener[] = [{ hosts: [{ namespace: '*', host: '*' }] }];

export interface SidecarConfig {
  namespace: string;
  name: string;
  selector?: Record<string, string>;
  /** What the proxy imports; a Sidecar without egress imports everything exported to its namespace. */
  egress: EgressListener[];
  outboundMode?: OutboundMode;
}

/** Mesh config `defaultServiceExportTo` and friends: only "*" and "." are honoured, as in Istio. */
interface ExportToDefaults {
  service: '*' | '.';
  virtualService: '*' | '.';
  destinationRule: '*' | '.';
}

/** How a tracer propagates context: Zipkin's B3 headers (optionally with W3C too), or OpenTelemetry's W3C traceparent. */
export type TracePropagation = 'b3' | 'b3+w3c' | 'w3c';

/** A tracing extension provider of the mesh config; `propagation` undefined: a provider kind the emulator does not trace with. */
export interface TracingProvider {
  name: string;
  propagation?: TracePropagation;
}

/** The mesh config's tracing settings, as istiod reads them when it builds each HCM's tracing. */
export interface MeshTracing {
  /** meshConfig.enableTracing: the legacy path, used only when no Telemetry or default provider applies. */
  enableTracing: boolean;
  /** meshConfig.defaultConfig.tracing.zipkin: the bootstrap tracer of the legacy path. */
  legacyZipkin: boolean;
  /** defaultConfig.tracing.sampling when set (0 counts as unset, above 100 as 1), else undefined. */
  sampling?: number;
  providers: TracingProvider[];
  /** meshConfig.defaultProviders.tracing; only the first one counts. */
  defaultProvider?: string;
}

/** What the mesh config (ConfigMap istio-system/istio) sets that the data plane uses. */
export interface MeshSettings {
  /** ALLOW_ANY by default. */
  outboundMode: OutboundMode;
  exportToDefaults: ExportToDefaults;
  tracing: MeshTracing;
}

/** One `spec.tracing[]` entry of a Telemetry. */
export interface TelemetryTracing {
  providers: string[];
  randomSamplingPercentage?: number;
  disableSpanReporting?: boolean;
  /** spec.tracing[].match.mode: CLIENT_AND_SERVER when unset. */
  mode: 'CLIENT' | 'SERVER' | 'CLIENT_AND_SERVER';
}

export interface Telemetry {
  namespace: string;
  name: string;
  selector?: Record<string, string>;
  tracing: TelemetryTracing[];
  createdAt: number;
}

/** One push: everything the proxies route by. */
export interface MeshConfig {
  virtualServices: VirtualService[];
  destinationRules: DestinationRule[];
  gateways: Gateway[];
  serviceEntries: ServiceEntry[];
  peerAuthentications: PeerAuthentication[];
  sidecars: SidecarConfig[];
  telemetries: Telemetry[];
  mesh: MeshSettings;
}

export const ROOT_NAMESPACE = 'istio-system';
