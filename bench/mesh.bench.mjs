// Cost of the emulated data plane: client -> sidecar -> sidecar -> echo against client -> echo,
// on loopback, measured side by side in one run (phases alternate so both see the same machine).
//
//   pnpm build && node bench/mesh.bench.mjs [--seconds 2] [--rounds 2] [--concurrency 16]
//
// Two loads: one request at a time (added latency, p50/p99) and `concurrency` requests in flight
// (requests per second). The mesh path goes through the client's captured outbound listener, as
// an app's own traffic does on the embedded cluster, then the server's inbound sidecar.
import http from 'node:http';
import { startEchoServer } from '../dist/apps/echo/src/server.js';
import { createDataPlane } from '../dist/harness/mesh/index.js';

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}
const SECONDS = option('seconds', 2);
const ROUNDS = option('rounds', 2);
const CONCURRENCY = option('concurrency', 16);

const ready = { status: { conditions: [{ type: 'Ready', status: 'True' }] } };
const pod = (name, labels) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'bench', labels },
  spec: { containers: [{ name: 'app', ports: [{ containerPort: 8080 }] }, { name: 'istio-proxy' }] }, ...ready,
});
const objects = [
  pod('client', { app: 'client' }),
  pod('echo', { app: 'echo' }),
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: 'bench' }, spec: { selector: { app: 'echo' }, ports: [{ port: 8080, targetPort: 8080 }] } },
];
/** A fixed cluster: nothing changes during the benchmark. */
const host = {
  list: (group, kind, namespace) => objects.filter((o) => group === '' && o.kind === kind && (!namespace || o.metadata.namespace === namespace)),
  get: (group, kind, namespace, name) => objects.find((o) => group === '' && o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name),
  onChange: () => () => undefined,
  markReconciled: () => undefined,
  externalHosts: () => [],
};

const plane = createDataPlane(host, { log: (m) => console.error(m) });
await plane.start();
const echo = await startEchoServer({ service: 'echo', version: 'v1', pod: 'echo', namespace: 'bench' });
await plane.attachPod({ pod: objects[1], appPorts: new Map([[8080, { host: echo.host, port: echo.port }]]) });
const client = await plane.attachPod({ pod: objects[0], appPorts: new Map() });
const proxy = new URL(client.env.MESHSPEC_OUTBOUND_PROXY);

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const targets = {
  direct: { host: echo.host, port: echo.port, path: '/', headers: {} },
  mesh: { host: proxy.hostname, port: Number(proxy.port), path: 'http://echo.bench:8080/', headers: { host: 'echo.bench:8080' } },
};

function request(target) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    http.get({ ...target, agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`status ${res.statusCode}`))));
    }).on('error', reject);
  });
}

async function load(target, concurrency, seconds) {
  const latencies = [];
  const until = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) latencies.push(await request(target));
  }));
  return latencies;
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

function summary(latencies, seconds) {
  const sorted = Float64Array.from(latencies).sort();
  return { rps: latencies.length / seconds, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
}

const results = { direct: { serial: [], parallel: [] }, mesh: { serial: [], parallel: [] } };
for (const target of Object.values(targets)) await load(target, 4, 0.3); // warm up connections and JIT
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, target] of Object.entries(targets)) {
    results[name].serial.push(...(await load(target, 1, SECONDS)));
    results[name].parallel.push(...(await load(target, CONCURRENCY, SECONDS)));
  }
}

const total = SECONDS * ROUNDS;
const rows = Object.entries(results).map(([name, r]) => ({ name, serial: summary(r.serial, total), parallel: summary(r.parallel, total) }));
const [direct, mesh] = rows;
const ms = (v) => `${v.toFixed(3)} ms`;
console.log(`mesh.bench: ${ROUNDS} rounds x ${SECONDS}s per load, loopback, node ${process.version}`);
console.log(`${'path'.padEnd(38)}${'serial p50'.padStart(10)} ${'serial p99'.padStart(12)} ${'rps @1'.padStart(8)} ${`rps @${CONCURRENCY}`.padStart(10)} ${`p50 @${CONCURRENCY}`.padStart(10)} ${`p99 @${CONCURRENCY}`.padStart(10)}`);
for (const { name, serial, parallel } of rows) {
  const label = name === 'direct' ? 'client -> echo' : 'client -> sidecar -> sidecar -> echo';
  console.log(`${label.padEnd(38)}${ms(serial.p50).padStart(10)} ${ms(serial.p99).padStart(12)} ${serial.rps.toFixed(0).padStart(8)} ${parallel.rps.toFixed(0).padStart(10)} ${ms(parallel.p50).padStart(10)} ${ms(parallel.p99).padStart(10)}`);
}
console.log(`added latency (serial): p50 +${ms(mesh.serial.p50 - direct.serial.p50)}, p99 +${ms(mesh.serial.p99 - direct.serial.p99)}`);
console.log(`ratio mesh/direct: latency p50 x${(mesh.serial.p50 / direct.serial.p50).toFixed(2)}, p99 x${(mesh.serial.p99 / direct.serial.p99).toFixed(2)}; throughput @${CONCURRENCY} x${(mesh.parallel.rps / direct.parallel.rps).toFixed(2)}`);

agent.destroy();
await echo.close();
await plane.stop();
