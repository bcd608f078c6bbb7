export { installIstio, ISTIO_NAMESPACE, ISTIO_VERSION } from './install.js';
export { injectSidecar } from './injection.js';
export { addonStandIn } from './addons.js';
