/**
 * A data plane without mesh behaviour: pods are reached directly on their app ports and no
 * gateway serves traffic. For running the sim without harness/mesh, and for the sim's own tests.
 */
import type { DataPlane, MeshHost } from '../mesh/types.js';

export function createPassthroughDataPlane(_host: MeshHost): DataPlane {
  return {
    async start() {},
    async attachPod({ appPorts }) {
      return { env: {}, inbound: (port) => appPorts.get(port) ?? null };
    },
    async detachPod() {},
    async startGateway() {
      return { ready: true };
    },
    async startAddon() {
      return null;
    },
    async startIstiod() {
      return null;
    },
    ingressAddress() {
      return null;
    },
    // No configuration is ever taken up.
    configGeneration() {
      return 0;
    },
    async stop() {},
  };
}
