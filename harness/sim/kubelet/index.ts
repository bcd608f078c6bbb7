export { Kubelet, schedulerAdmission } from './kubelet.js';
