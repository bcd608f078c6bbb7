/** Pieces the real-cluster providers share: Istio versions, istioctl, install and readiness, tools, timings. */
export { cacheRoot } from './cache-dir.js';
export { installIstio, istioOverlayPath, widestProfile, type IstioInstallOptions } from './istio-install.js';
export { ISTIO_NAMESPACE, istioDeployments, waitForIstioReady, waitForValidationWebhook, type ReadinessOptions } from './istio-readiness.js';
export { DEFAULT_ISTIO_VERSION, KIND_VERSION, resolveIstioVersion, SUPPORTED_ISTIO, type IstioRelease, type ResolvedIstio } from './istio-versions.js';
export { ensureIstioctl, istioctlAssetName, istioctlCachePath, ISTIO_RELEASES_URL, type CachedIstioctl } from './istioctl-download.js';
export { kubeClients, type ProviderKube } from './kube.js';
export { PhaseTimer } from './phase-timer.js';
export { checkPrerequisites, type MissingPrerequisite, type PrerequisiteCheck } from './prerequisites.js';
export { findOnPath, runTool, ToolNotFoundError, tryTool } from './tools.js';
