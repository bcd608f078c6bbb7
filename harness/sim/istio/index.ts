export { installIstio, istioAdmission, ISTIO_NAMESPACE, ISTIO_VERSION, type IstioInstallOptions, type SimIstioProfile } from './install.js';
export { injectSidecar, shouldInject, hasSidecar, STATUS_ANNOTATION, type InjectionOptions } from './injection.js';
export { validateIstioObject } from './validation.js';
export { ISTIO_KINDS } from './crds.js';
export { addonStandIn } from './addons.js';
