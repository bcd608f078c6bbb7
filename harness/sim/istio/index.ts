export { installIstio, ISTIO_NAMESPACE, ISTIO_VERSION } from './install.js';
export { addonStandIn } from './addons.js';
