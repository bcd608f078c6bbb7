// The embedded cluster's speed: start-to-ready with Istio demo, time until a Deployment of
// meshed echo pods is ready, and the API server's apply and list rates next to a bare loopback
// HTTPS server (same certificates, same client, same concurrency) measured in the same run.
//
//   pnpm build && node bench/sim.bench.mjs [--starts 3] [--pods 20] [--requests 400] [--concurrency 8]
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { parse } from 'yaml';
import { createServerCertificates } from '../dist/harness/sim/apiserver/certs.js';
import { startSim } from '../dist/harness/sim/index.js';

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}
const STARTS = option('starts', 3);
const PODS = option('pods', 20);
const REQUESTS = option('requests', 400);
const CONCURRENCY = option('concurrency', 8);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (ms) => `${ms.toFixed(0)} ms`;

/** Runs `count` requests, `concurrency` at a time; returns requests per second. */
async function rate(count, concurrency, send) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await send(next++);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

async function call(dispatcher, base, token, method, path, body, contentType) {
  const res = await request(`${base}${path}`, {
    dispatcher,
    method,
    body,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(contentType ? { 'content-type': contentType } : {}) },
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 200)}`);
  return text;
}

async function until(what, check, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// 1. Start to ready, Istio demo (istiod and both gateways Available).
const starts = [];
for (let i = 0; i < STARTS; i++) {
  const t0 = performance.now();
  const sim = await startSim({ istioProfile: 'demo' });
  starts.push(performance.now() - t0);
  await sim.stop();
}

const sim = await startSim({ istioProfile: 'demo' });
try {
  const kubeconfig = parse(readFileSync(sim.kubeconfigPath, 'utf8'));
  const ca = Buffer.from(kubeconfig.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
  const token = kubeconfig.users[0].user.token;
  const dispatcher = new Agent({ connect: { ca }, connections: CONCURRENCY });

  // 2. A Deployment of meshed echo pods, apply to all ready.
  await call(
    dispatcher,
    sim.server,
    token,
    'POST',
    '/api/v1/namespaces',
    JSON.stringify({ metadata: { name: 'bench', labels: { 'istio-injection': 'enabled' } } }),
    'application/json',
  );
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'echo', namespace: 'bench' },
    spec: {
      replicas: PODS,
      selector: { matchLabels: { app: 'echo' } },
      template: {
        metadata: { labels: { app: 'echo' } },
        spec: { containers: [{ name: 'echo', image: 'meshspec/echo:dev', ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
  const t0 = performance.now();
  await call(
    dispatcher,
    sim.server,
    token,
    'PATCH',
    '/apis/apps/v1/namespaces/bench/deployments/echo?fieldManager=bench',
    JSON.stringify(deployment),
    'application/apply-patch+yaml',
  );
  await until(
    `${PODS} ready pods`,
    async () => JSON.parse(await call(dispatcher, sim.server, token, 'GET', '/apis/apps/v1/namespaces/bench/deployments/echo')).status?.readyReplicas === PODS,
  );
  const podsReady = performance.now() - t0;

  // 3. Apply and list rates against a bare HTTPS server answering a fixed JSON body.
  const certs = await createServerCertificates();
  const answer = JSON.stringify({ kind: 'Status', status: 'Success' });
  const baseline = createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(answer));
  });
  await new Promise((r) => baseline.listen(0, '127.0.0.1', r));
  const baselineUrl = `https://127.0.0.1:${baseline.address().port}`;
  const baselineDispatcher = new Agent({ connect: { ca: certs.caPem }, connections: CONCURRENCY });
  const configMap = (i) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${i}`, namespace: 'bench', labels: { bench: 'yes' } },
      data: { value: String(i) },
    });
  const applyPath = (i) => `/api/v1/namespaces/bench/configmaps/cm-${i}?fieldManager=bench`;
  const listPath = '/api/v1/namespaces/bench/configmaps?labelSelector=bench%3Dyes';
  const results = {};
  // Alternate sim and baseline so both see the same machine load.
  for (const [name, dispatch, base] of [
    ['baseline', baselineDispatcher, baselineUrl],
    ['sim', dispatcher, sim.server],
    ['baseline2', baselineDispatcher, baselineUrl],
    ['sim2', dispatcher, sim.server],
  ]) {
    const key = name.replace('2', '');
    const apply = await rate(REQUESTS, CONCURRENCY, (i) => call(dispatch, base, token, 'PATCH', applyPath(i), configMap(i), 'application/apply-patch+yaml'));
    const list = await rate(Math.max(50, REQUESTS / 4), CONCURRENCY, () => call(dispatch, base, token, 'GET', listPath));
    results[key] ??= { apply: [], list: [] };
    results[key].apply.push(apply);
    results[key].list.push(list);
  }
  baseline.close();
  await Promise.all([dispatcher.close(), baselineDispatcher.close()]);

  const best = (values) => Math.max(...values);
  console.log(`sim start to ready (Istio demo, ${STARTS} starts): median ${fmt(median(starts))}, all ${starts.map(fmt).join(', ')}`);
  console.log(`${PODS} meshed echo pods (one Deployment), apply to all ready: ${fmt(podsReady)}`);
  for (const op of ['apply', 'list']) {
    const simRate = best(results.sim[op]);
    const baseRate = best(results.baseline[op]);
    const what = op === 'apply' ? 'server-side apply of a ConfigMap' : `list of ${REQUESTS} ConfigMaps by label`;
    console.log(
      `${what}: sim ${simRate.toFixed(0)}/s, bare HTTPS baseline ${baseRate.toFixed(0)}/s, ratio ${(simRate / baseRate).toFixed(2)} (concurrency ${CONCURRENCY})`,
    );
  }
} finally {
  await sim.stop();
}
