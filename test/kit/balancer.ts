import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';

export interface Balancer {
  /** `http://127.0.0.1:PORT`, for Chromium's `--proxy-server`. */
  url: string;
  /** How many tunnels went to each backend port. */
  counts: Map<number, number>;
  close(): Promise<void>;
}

/**
 * Plays the TCP balancer in front of the proxy-edge replicas, as an HTTP proxy the browser uses:
 * CONNECT to `*.localhost:443` goes to the next backend port in turn; anything else (the dev IdP
 * on loopback) passes straight through.
 */
export async function startBalancer(backendPorts: number[]): Promise<Balancer> {
  const counts = new Map<number, number>();
  let next = 0;
  const server: Server = createServer((req, res) => {
    // Plain-HTTP proxying (absolute-form URL): the dev IdP's http issuer.
    const target = new URL(req.url ?? '/');
    const upstream = request(
      {
        host: '127.0.0.1',
        port: target.port || 80,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req, client, head) => {
    const [host, portText] = (req.url ?? '').split(':');
    let port = Number(portText);
    if (host?.endsWith('localhost') && port === 443) {
      port = backendPorts[next++ % backendPorts.length] as number;
      counts.set(port, (counts.get(port) ?? 0) + 1);
    }
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
