/** The traffic layer: sending a traffic step's requests and what they observed. */
export { appendTraffic, DEFAULT_CONCURRENCY, INGRESS, sendTraffic, type TrafficContext } from './send.js';
export { formatMs, summarizeLatency, type LatencyBucket, type LatencySummary } from './latency.js';
export { appPort, forwardFromPod, isPodReady, readyPods, readyWorkloadPod, requestLogOf, workloadSelector } from './pods.js';
export { attachRequestLogSource, clusterRequestLogSource, requestLogSourceOf, type PodRequestLog, type RequestLogSource } from './request-log.js';
export type { RequestRecord, TrafficResult } from './types.js';
