// Cost of the emulated data plane: client -> sidecar -> sidecar -> echo in a namespace crowded
// with pods, Services, VirtualServices and DestinationRules, on the sim's real object store and
// MeshHost, measured side by side in one run (phases alternate so all see the same machine) with:
//   - the same route through a MeshHost that deep-copies every object it hands out (and sorts
//     each list again): what sharing the store's read-only objects saves, the baseline for the
//     ratio;
//   - client -> echo directly, without the mesh: what the data plane adds at all.
//
//   pnpm build && node bench/mesh.bench.mjs [--seconds 2] [--rounds 2] [--concurrency 16] [--pods 1000] [--services 100]
//
// Two loads: one request at a time (latency, p50/p99) and `concurrency` requests in flight
// (requests per second). The mesh path goes through the client's captured outbound listener, as
// an app's own traffic does on the embedded cluster, then the server's inbound sidecar; the route
// is a VirtualService to a DestinationRule subset.
import http from 'node:http';
import { startEchoServer } from '../dist/apps/echo/src/server.js';
import { createDataPlane } from '../dist/harness/mesh/index.js';
import { createMeshHost } from '../dist/harness/sim/host.js';
import { ObjectStore } from '../dist/harness/sim/store/store.js';

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}
const SECONDS = option('seconds', 2);
const ROUNDS = option('rounds', 2);
const CONCURRENCY = option('concurrency', 16);
const PODS = option('pods', 1000);
const SERVICES = option('services', 100);

const NS = 'bench';
const ready = { conditions: [{ type: 'Ready', status: 'True' }] };
const pod = (name, labels, ip) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, labels: { ...labels, 'pod-template-hash': '5d8f7c9b4' } },
  spec: {
    serviceAccountName: 'default',
    containers: [
      { name: 'app', image: 'meshspec/echo', ports: [{ name: 'http', containerPort: 8080 }] },
      { name: 'istio-proxy', image: 'istio/proxyv2' },
    ],
  },
  status: { phase: 'Running', podIP: ip, ...ready },
});
const service = (name, app) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: NS },
  spec: { selector: { app }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] },
});
const istio = (kind, name, spec) => ({ apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace: NS }, spec });
const virtualService = (host) =>
  istio('VirtualService', host, { hosts: [host], http: [{ match: [{ uri: { prefix: '/' } }], route: [{ destination: { host, subset: 'v1' } }] }] });
const destinationRule = (host) => istio('DestinationRule', host, { host, subsets: [{ name: 'v1', labels: { version: 'v1' } }] });

// The sim's store with a registry that knows every kind used here; createMeshHost reads only these two.
const store = new ObjectStore();
const types = new Map();
const registry = {
  byKind: (group, kind) => {
    if (!types.has(`${group}/${kind}`)) types.set(`${group}/${kind}`, { group, kind, plural: `${kind.toLowerCase()}s`, namespaced: kind !== 'Namespace' });
    return types.get(`${group}/${kind}`);
  },
};
const create = (obj) => store.create(registry.byKind(obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '', obj.kind), obj);
create(pod('client-5d8f7c9b4-x2x7q', { app: 'client', version: 'v1' }, '10.244.0.1'));
create(pod('echo-5d8f7c9b4-q8zkm', { app: 'echo', version: 'v1' }, '10.244.0.2'));
create(service('echo', 'echo'));
create(virtualService('echo'));
create(destinationRule('echo'));
for (let i = 0; i < PODS; i++)
  create(pod(`filler-${i}`, { app: `filler-${i % SERVICES}`, version: 'v1' }, `10.244.${4 + Math.floor(i / 250)}.${(i % 250) + 1}`));
for (let i = 0; i < SERVICES; i++) {
  create(service(`filler-${i}`, `filler-${i}`));
  create(virtualService(`filler-${i}`));
  create(destinationRule(`filler-${i}`));
}

const sharing = createMeshHost({ registry, store }, () => []);
const byNamespaceName = (a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`);
/** MeshHost with every list and get deep-copied (and each list sorted anew) for the caller. */
const copying = {
  ...sharing,
  list: (group, kind, namespace) =>
    sharing
      .list(group, kind, namespace)
      .map((o) => structuredClone(o))
      .sort(byNamespaceName),
  get: (group, kind, namespace, name) => {
    const found = sharing.get(group, kind, namespace, name);
    return found && structuredClone(found);
  },
};

const echo = await startEchoServer({ service: 'echo', version: 'v1', pod: 'echo', namespace: NS });
const planes = [];
/** A data plane over `host` with the client and echo pods attached; returns the client's outbound proxy. */
async function meshOver(host) {
  const plane = createDataPlane(host, { log: (m) => console.error(m) });
  planes.push(plane);
  await plane.start();
  const pods = store.listShared(registry.byKind('', 'Pod'), NS);
  await plane.attachPod({ pod: pods.find((p) => p.metadata.name.startsWith('echo-')), appPorts: new Map([[8080, { host: echo.host, port: echo.port }]]) });
  const client = await plane.attachPod({ pod: pods.find((p) => p.metadata.name.startsWith('client-')), appPorts: new Map() });
  const proxy = new URL(client.env.MESHSPEC_OUTBOUND_PROXY);
  return { host: proxy.hostname, port: Number(proxy.port), path: 'http://echo.bench:8080/', headers: { host: 'echo.bench:8080' } };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const targets = {
  direct: { label: 'client -> echo (no mesh)', target: { host: echo.host, port: echo.port, path: '/', headers: {} } },
  copying: { label: 'mesh, objects copied (baseline)', target: await meshOver(copying) },
  sharing: { label: 'mesh, objects shared (MeshHost)', target: await meshOver(sharing) },
};

function request(target) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    http
      .get({ ...target, agent }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`status ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

async function load(target, concurrency, seconds) {
  const latencies = [];
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) latencies.push(await request(target));
    }),
  );
  return latencies;
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

function summary(latencies, seconds) {
  const sorted = Float64Array.from(latencies).sort();
  return { rps: latencies.length / seconds, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
}

const results = Object.fromEntries(Object.keys(targets).map((name) => [name, { serial: [], parallel: [] }]));
for (const { target } of Object.values(targets)) await load(target, 4, 0.3); // warm up connections and JIT
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, { target }] of Object.entries(targets)) {
    results[name].serial.push(...(await load(target, 1, SECONDS)));
    results[name].parallel.push(...(await load(target, CONCURRENCY, SECONDS)));
  }
}

const total = SECONDS * ROUNDS;
const rows = Object.fromEntries(Object.entries(results).map(([name, r]) => [name, { serial: summary(r.serial, total), parallel: summary(r.parallel, total) }]));
const ms = (v) => `${v.toFixed(3)} ms`;
console.log(`mesh.bench: ${ROUNDS} rounds x ${SECONDS}s per load, loopback, node ${process.version}`);
console.log(
  `namespace ${NS}: ${PODS + 2} pods, ${SERVICES + 1} Services, ${SERVICES + 1} VirtualServices, ${SERVICES + 1} DestinationRules; route: VirtualService -> subset v1`,
);
console.log(
  `${'path'.padEnd(34)}${'serial p50'.padStart(10)} ${'serial p99'.padStart(12)} ${'rps @1'.padStart(8)} ${`rps @${CONCURRENCY}`.padStart(10)} ${`p50 @${CONCURRENCY}`.padStart(10)} ${`p99 @${CONCURRENCY}`.padStart(10)}`,
);
for (const [name, { serial, parallel }] of Object.entries(rows)) {
  console.log(
    `${targets[name].label.padEnd(34)}${ms(serial.p50).padStart(10)} ${ms(serial.p99).padStart(12)} ${serial.rps.toFixed(0).padStart(8)} ${parallel.rps.toFixed(0).padStart(10)} ${ms(parallel.p50).padStart(10)} ${ms(parallel.p99).padStart(10)}`,
  );
}
const { direct, copying: before, sharing: after } = rows;
console.log(
  `per request through the sidecars (serial p50): shared ${ms(after.serial.p50)}, copied ${ms(before.serial.p50)}; added over direct: shared +${ms(after.serial.p50 - direct.serial.p50)}, copied +${ms(before.serial.p50 - direct.serial.p50)}`,
);
console.log(
  `ratio shared/copied (baseline: the same route with every object deep-copied, measured in this run): latency p50 x${(after.serial.p50 / before.serial.p50).toFixed(2)}, p99 x${(after.serial.p99 / before.serial.p99).toFixed(2)}; throughput @${CONCURRENCY} x${(after.parallel.rps / before.parallel.rps).toFixed(2)}`,
);
console.log(
  `ratio shared/direct: latency p50 x${(after.serial.p50 / direct.serial.p50).toFixed(2)}; throughput @${CONCURRENCY} x${(after.parallel.rps / direct.parallel.rps).toFixed(2)}`,
);

agent.destroy();
await echo.close();
for (const plane of planes) await plane.stop();
