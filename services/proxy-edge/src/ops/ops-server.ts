import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAddress } from '@drawbridge/runtime';
import type { ProxyMetrics } from './metrics.js';

/** `/healthz`, `/readyz` and Prometheus `/metrics` on the internal `metrics_address`. */
export async function startOpsServer(
  address: string,
  metrics: ProxyMetrics,
  ready: () => Promise<boolean>,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      ready().then(
        (ok) =>
          res
            .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
            .end(JSON.stringify({ ready: ok })),
        () => res.writeHead(503).end(),
      );
    } else if (path === '/metrics') {
      metrics.text().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  const { host, port } = parseAddress(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** Plain-HTTP listener on `http_redirect_address` that sends every request to HTTPS. */
export async function startRedirectServer(
  address: string,
  httpsPort: number,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const raw = (req.headers.host ?? '').replace(/:\d+$/, '');
    const host = /^[A-Za-z0-9.-]+$|^\[[0-9a-fA-F:]+\]$/.test(raw) ? raw : 'localhost';
    const port = httpsPort === 443 ? '' : `:${httpsPort}`;
    res.writeHead(301, { location: `https://${host}${port}${req.url ?? '/'}`, 'content-length': '0' }).end();
  });
  const { host, port } = parseAddress(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
