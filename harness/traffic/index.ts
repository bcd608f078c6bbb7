/** The traffic layer: sending a traffic step's requests and what they observed. */
export { appendTraffic, DEFAULT_CONCURRENCY, sendTraffic } from './send.js';
export { appPort, forwardFromPod, requestLogOf } from './echo-pod.js';
export { clusterRequestLogSource } from './request-log.js';
export type { RequestRecord, TrafficResult } from '../contract/traffic.js';
