/** What the API server needs from the node side (the kubelet): logs and where a pod answers. */
export interface PodRuntime {
  /** A container's output; `previous` is the output of the run before the last restart. */
  logs(namespace: string, pod: string, container: string | undefined, options: { tailLines?: number; previous?: boolean }): string;
  /** Calls `listener` with new output until the returned function is called or the container stops. */
  followLogs(namespace: string, pod: string, container: string | undefined, listener: (chunk: string) => void, onEnd: () => void): () => void;
  /**
   * Where a pod's containerPort is reached from outside it (through its sidecar if it has one).
   * `origin` is where the connection seems to come from inside the pod: `loopback` for a
   * port-forward, which the node's runtime dials on the pod's localhost; `network` (the default)
   * for the API server's proxy, a NodePort or another pod. Only istiod tells them apart.
   */
  inbound(namespace: string, pod: string, port: number, origin?: 'loopback' | 'network'): { host: string; port: number } | null;
}
