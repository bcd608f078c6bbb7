/**
 * The echo app's wire protocol, shared by the app, the traffic layer and the mesh emulator.
 * Kept free of imports so the app builds alone into its image.
 */

/** What every echo response carries in its JSON body. */
export interface EchoResponse {
  service: string;
  version: string;
  pod: string;
  namespace: string;
  method: string;
  host: string;
  path: string;
  /** Every request header as received, lower-cased names. */
  headers: Record<string, string>;
  /** Request id (the `x-request-id` header, generated when absent). */
  requestId: string;
  /** Present when the app called its --upstream: that answer, or the error. */
  upstream?: { status: number; body: unknown } | { error: string };
}

/** GET /_echo/forward/<base64url(JSON ForwardRequest)>: the app sends these requests itself. */
export interface ForwardRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  count: number;
  concurrency?: number;
  qps?: number;
  /** Per-request timeout, milliseconds. */
  timeoutMs?: number;
  /** Overall deadline for the whole batch, milliseconds. */
  deadlineMs?: number;
  /** Prefix for generated x-request-id values, so a scenario can find its own requests in logs. */
  idPrefix?: string;
}

export interface ForwardedResult {
  /** The x-request-id sent. */
  id: string;
  /** HTTP status, or 0 when no response arrived (connection refused, reset, timeout). */
  status: number;
  latencyMs: number;
  /** Responding version and pod, when the response was an echo body. */
  version?: string;
  pod?: string;
  headers: Record<string, string>;
  /** The parsed JSON body when it was JSON, else the first 2 KiB of text. */
  body?: unknown;
  error?: string;
  /** When the request started, ms since the batch began. */
  startedMs: number;
}

export interface ForwardResponse {
  from: { pod: string; version: string; namespace: string };
  results: ForwardedResult[];
}

/** GET /_echo/requests?since=N: the request log, for counting mirrored copies. */
export interface RequestLogEntry {
  seq: number;
  id: string;
  method: string;
  host: string;
  path: string;
  at: number;
  status: number;
  /** x-envoy-attempt-count as received, when present. */
  attempt?: number;
}

/** The answer of GET /_echo/requests?since=N: entries with seq > N, oldest first. */
export interface RequestLogPage {
  pod: string;
  version: string;
  namespace: string;
  /** Highest seq so far: pass it as `since` next time. */
  lastSeq: number;
  entries: RequestLogEntry[];
}

/**
 * The port the control endpoints (forward call, request log, health) listen on in a container,
 * apart from the app's own port. A pod keeps it out of its sidecar's inbound capture with the
 * annotation `traffic.sidecar.istio.io/excludeInboundPorts: "8079"`, so the harness reaches it
 * through the API server's pod proxy (plaintext, no client certificate) even where a STRICT
 * PeerAuthentication or an AuthorizationPolicy refuses such a caller on the app's port. Only
 * inbound capture is skipped: the forward call's own requests still leave through the sidecar.
 */
export const CONTROL_PORT = 8079;

export const FORWARD_PATH = '/_echo/forward/';
export const REQUESTS_PATH = '/_echo/requests';
export const HEALTH_PATH = '/_echo/healthz';

export function encodeForward(req: ForwardRequest): string {
  return Buffer.from(JSON.stringify(req)).toString('base64url');
}
export function decodeForward(encoded: string): ForwardRequest {
  return JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as ForwardRequest;
}

/**
 * Sent once to the parent over the IPC channel, when the app has one (the embedded cluster's
 * kubelet starts it so), after both servers listen: the ports the OS chose for
 * MESHSPEC_LISTEN_PORT=0, the app's (`port`) and the control endpoints' (`controlPort`).
 */
export interface ListeningReport {
  listening: { port: number; controlPort: number };
}

export function isListeningReport(message: unknown): message is ListeningReport {
  const listening = (message as Partial<ListeningReport> | null)?.listening;
  const isPort = (port: unknown) => Number.isInteger(port) && (port as number) > 0 && (port as number) <= 65535;
  return isPort(listening?.port) && isPort(listening?.controlPort);
}
