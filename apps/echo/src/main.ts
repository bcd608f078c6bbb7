#!/usr/bin/env node
/** Entry point of the echo app: flags and environment in, a server until SIGTERM/SIGINT. */
import { resolveOptions, UsageError } from './options.js';
import { startEchoServer } from './server.js';

async function main(): Promise<void> {
  let options;
  try {
    options = resolveOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`echo: ${error.message}`);
    process.exit(2);
  }
  const server = await startEchoServer(options);
  console.log(`echo ${options.service} ${options.version} (pod ${options.pod}) listening on ${options.host}:${server.port}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`echo: ${signal}, shutting down`);
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('echo: failed to start:', error);
  process.exit(1);
});
