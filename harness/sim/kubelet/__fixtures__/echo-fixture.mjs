// A stand-in for the echo app in the kubelet's own tests: same env contract, no mesh features.
// GET /_echo/healthz -> 200; GET /exit?code=N -> the process exits with N; anything else -> JSON.
// The same answers on the app port and on a second, control port, as the echo app has.
import { createServer } from 'node:http';

const port = Number(process.env.MESHSPEC_LISTEN_PORT ?? process.env.PORT ?? 8080);
const handler = (req, res) => {
  const url = new URL(req.url ?? '/', 'http://fixture');
  if (url.pathname === '/_echo/healthz') return void res.writeHead(200).end('ok');
  if (url.pathname === '/exit') {
    res.writeHead(200).end('bye');
    setTimeout(() => process.exit(Number(url.searchParams.get('code') ?? 1)), 10);
    return;
  }
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-fixture': 'yes' });
    res.end(JSON.stringify({
      pod: process.env.POD_NAME ?? process.env.HOSTNAME,
      namespace: process.env.POD_NAMESPACE,
      method: req.method,
      path: url.pathname,
      query: url.search,
      body,
      headers: req.headers,
      args: process.argv.slice(2),
      env: { VERSION: process.env.VERSION, MY_POD_IP: process.env.MY_POD_IP, FROM_CM: process.env.FROM_CM, POD_IP: process.env.POD_IP, HOSTNAME: process.env.HOSTNAME },
    }));
  });
};
const server = createServer(handler);
const control = createServer(handler);
const listening = (s, p) => new Promise((resolve) => s.listen(p, '127.0.0.1', () => resolve(s.address().port)));
Promise.all([listening(server, port), listening(control, 0)]).then(([chosen, controlPort]) => {
  // The echo app's report to the kubelet (apps/echo/src/protocol.ts ListeningReport), and its exit with the parent.
  process.send?.({ listening: { port: chosen, controlPort } });
  process.on('disconnect', () => process.exit(0));
  console.log(`fixture listening on ${chosen} as ${process.env.POD_NAME}`);
});
// IGNORE_SIGTERM=1: a process that does not stop when asked, for the kubelet's SIGKILL after the grace period.
process.on('SIGTERM', () => {
  if (process.env.IGNORE_SIGTERM !== '1') {
    control.close();
    server.close(() => process.exit(0));
  }
});
