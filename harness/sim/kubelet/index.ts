export { Kubelet, schedulerAdmission, NODE_NAME, NODE_IP, type KubeletOptions } from './kubelet.js';
export { imageRepository, imageRole, type ImageRole } from './images.js';
