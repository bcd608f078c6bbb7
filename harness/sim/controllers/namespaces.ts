/**
 * What every namespace gets from the control plane: its `default` ServiceAccount and the
 * `kube-root-ca.crt` ConfigMap with the cluster's CA, as on any real cluster.
 */
import type { ClusterApi } from '../apiserver/api.js';

const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

export class NamespaceContentController {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly api: ClusterApi,
    private readonly caPem: string,
  ) {}

  start(): void {
    const serviceAccounts = this.api.type('', 'ServiceAccount');
    const configMaps = this.api.type('', 'ConfigMap');
    const ensure = (namespace: string) => {
      if (!this.api.store.get(serviceAccounts, namespace, 'default')) {
        this.api.create(serviceAccounts, namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } });
      }
      if (!this.api.store.get(configMaps, namespace, ROOT_CA_CONFIGMAP)) {
        this.api.create(configMaps, namespace, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: ROOT_CA_CONFIGMAP, namespace },
          data: { 'ca.crt': this.caPem },
        });
      }
    };
    this.unsubscribe = this.api.store.subscribe(({ typeKey, type, object }) => {
      if (typeKey === '/Namespace' && type === 'ADDED')
        setImmediate(() => {
          if (this.api.store.get(this.api.type('', 'Namespace'), undefined, object.metadata.name)?.status?.phase === 'Active') ensure(object.metadata.name);
        });
    });
    for (const ns of this.api.list(this.api.type('', 'Namespace'))) ensure(ns.metadata.name);
  }

  stop(): void {
    this.unsubscribe?.();
  }
}
