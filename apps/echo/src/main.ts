#!/usr/bin/env node
/** Entry point of the echo app: flags and environment in, a server until SIGTERM/SIGINT. */
import { resolveOptions, UsageError } from './options.js';
import type { ListeningReport } from './protocol.js';
import { startEchoServer } from './server.js';

async function main(): Promise<void> {
  let options: ReturnType<typeof resolveOptions>;
  try {
    options = resolveOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`echo: ${error.message}`);
    process.exit(2);
  }
  const server = await startEchoServer(options);
  console.log(
    `echo ${options.service} ${options.version} (pod ${options.pod}) listening on ${options.host}:${server.port}, control endpoints on ${options.host}:${server.controlPort}`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`echo: ${signal}, shutting down`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (process.send) {
    // Started by the embedded cluster's kubelet: it learns the port from here, and no pod may outlive
    // its cluster, so the app exits when the channel closes (also when the kubelet is SIGKILLed).
    process.on('disconnect', () => stop('parent process gone'));
    const report: ListeningReport = { listening: { port: server.port, controlPort: server.controlPort } };
    if (process.connected) process.send(report);
    else stop('parent process gone');
  }
}

main().catch((error: unknown) => {
  console.error('echo: failed to start:', error);
  process.exit(1);
});
