/**
 * What a traffic step produced, the seam between the traffic layer that sends and the matchers
 * that decide: plain serialisable data, plus where the servers' own request logs can be read.
 */
import type { ForwardedResult, RequestLogEntry } from '../../apps/echo/src/protocol.js';

/** One request of a traffic step as observed by its client. */
export type RequestRecord = ForwardedResult & {
  /** x-envoy-attempt-count the server saw (from the echo body's headers), when known. */
  attempts?: number;
};

/** What a traffic step produced: the input of every traffic matcher. */
export interface TrafficResult {
  kind: 'meshspec.traffic';
  /** Where the requests came from: a workload name or `ingress`. */
  from: string;
  to: string;
  namespace: string;
  requests: RequestRecord[];
  /** When the batch started and how long it took, ms. */
  startedAt: number;
  durationMs: number;
}

interface PodRequestLog {
  pod: string;
  entries: RequestLogEntry[];
}

/** Where a result's matchers read the servers' own request logs (mirroring is only visible there). */
export interface RequestLogSource {
  /** The request logs of the ready pods matching a label selector in the result's namespace. */
  logsOf(selector: string): Promise<PodRequestLog[]>;
}

/** Kept beside the result instead of inside it, so a TrafficResult stays plain serialisable data. */
const sources = new WeakMap<TrafficResult, RequestLogSource>();

export function attachRequestLogSource(result: TrafficResult, source: RequestLogSource): void {
  sources.set(result, source);
}

export function requestLogSourceOf(result: TrafficResult): RequestLogSource | undefined {
  return sources.get(result);
}
