/**
 * A data plane without mesh behaviour: pods are reached directly on their app ports and no
 * gateway serves traffic. For running the sim without harness/mesh, and for the sim's own tests.
 */
import type { DataPlane, MeshHost } from '../mesh/types.js';

export function createPassthroughDataPlane(_host: MeshHost): DataPlane {
  const pods = new Map<string, Map<number, { host: string; port: number }>>();
  let generation = 0;
  return {
    async start() {},
    async attachPod({ pod, appPorts }) {
      pods.set(`${pod.metadata.namespace}/${pod.metadata.name}`, appPorts);
      return { env: {}, inbound: (port) => appPorts.get(port) ?? null };
    },
    async detachPod(namespace, name) {
      pods.delete(`${namespace}/${name}`);
    },
    async startGateway() {
      generation++;
      return { ready: true };
    },
    async startAddon() {
      return null;
    },
    ingressAddress() {
      return null;
    },
    configGeneration() {
      return generation;
    },
    async stop() {
      pods.clear();
    },
  };
}
