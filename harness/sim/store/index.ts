export { ObjectStore } from './store.js';
