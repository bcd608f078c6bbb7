/** Every namespace gets its `default` ServiceAccount, as the service account controller ensures. */
import type { ClusterApi } from '../apiserver/api.js';

export class ServiceAccountController {
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly api: ClusterApi) {}

  start(): void {
    const serviceAccounts = this.api.type('', 'ServiceAccount');
    const ensure = (namespace: string) => {
      if (this.api.store.get(serviceAccounts, namespace, 'default')) return;
      this.api.create(serviceAccounts, namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } });
    };
    this.unsubscribe = this.api.store.subscribe(({ typeKey, type, object }) => {
      if (typeKey === '/Namespace' && type === 'ADDED') setImmediate(() => {
        if (this.api.store.get(this.api.type('', 'Namespace'), undefined, object.metadata.name)?.status?.phase === 'Active') ensure(object.metadata.name);
      });
    });
    for (const ns of this.api.list(this.api.type('', 'Namespace'))) ensure(ns.metadata.name);
  }

  stop(): void {
    this.unsubscribe?.();
  }
}
