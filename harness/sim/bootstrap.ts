/** What a fresh cluster has before anyone applies anything: system namespaces and the one node, whose kubelet runs `kubeletVersion`. */
import type { ClusterApi } from './apiserver/api.js';
import { NODE_IP, NODE_NAME } from './kubelet/kubelet.js';
import { kubeTimestamp } from './store/store.js';

export function bootstrapCluster(api: ClusterApi, kubeletVersion: string): void {
  const namespaces = api.type('', 'Namespace');
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    api.create(namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  const now = kubeTimestamp();
  const node = api.create(api.type('', 'Node'), undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: NODE_NAME,
      labels: {
        'kubernetes.io/hostname': NODE_NAME,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': process.arch === 'arm64' ? 'arm64' : 'amd64',
        'node-role.kubernetes.io/control-plane': '',
      },
    },
    spec: { podCIDR: '10.244.0.0/16' },
  });
  api.updateStatus(api.type('', 'Node'), {
    ...node,
    status: {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now },
      ],
      addresses: [
        { type: 'InternalIP', address: NODE_IP },
        { type: 'Hostname', address: NODE_NAME },
      ],
      nodeInfo: { kubeletVersion, containerRuntimeVersion: 'meshspec-sim://1', operatingSystem: 'linux', architecture: process.arch },
      capacity: { cpu: '2', memory: '8Gi', pods: '250' },
      allocatable: { cpu: '2', memory: '8Gi', pods: '250' },
    },
  });
}
