export { Kubelet, schedulerAdmission, NODE_NAME, NODE_IP } from './kubelet.js';
