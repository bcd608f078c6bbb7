export { installIstio, ISTIO_NAMESPACE } from './install.js';
export { addonStandIn } from './addons.js';
