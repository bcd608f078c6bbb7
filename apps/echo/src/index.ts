export { startEchoServer, type EchoServer } from './server.js';
export * from './protocol.js';
