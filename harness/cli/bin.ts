#!/usr/bin/env node
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
// Vitest or a provider may leave handles open after a finished run; do not hang on them.
setTimeout(() => process.exit(), 2_000).unref();
