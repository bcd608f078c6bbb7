export { startEchoServer, type EchoServer, type EchoServerOptions } from './server.js';
export { resolveOptions, UsageError } from './options.js';
export { parseDuration } from './duration.js';
export * from './protocol.js';
