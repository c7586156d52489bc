import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAddress } from './address.js';
import type { Service } from './service.js';

/**
 * `/healthz` (process alive) and `/readyz` (every service ready and every shared dependency
 * answering) on the internal health port.
 */
export async function startHealthServer(
  address: string,
  services: Service[],
  extra?: (path: string) => Promise<{ status: number; body: string; type?: string } | undefined>,
  dependencies?: () => Promise<Record<string, boolean>>,
): Promise<{ server: Server; port: number; draining: { value: boolean } }> {
  const draining = { value: false };
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/readyz') {
      const [states, deps] = await Promise.all([
        Promise.all(services.map(async (s) => [s.name, await s.ready().catch(() => false)] as const)),
        dependencies ? dependencies().catch(() => ({ dependencies: false })) : {},
      ]);
      const ok =
        !draining.value && states.every(([, r]) => r) && Object.values(deps).every((r) => r === true);
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          ready: ok,
          draining: draining.value,
          services: Object.fromEntries(states),
          dependencies: deps,
        }),
      );
      return;
    }
    const answer = extra ? await extra(path ?? '/').catch(() => undefined) : undefined;
    if (answer) {
      res.writeHead(answer.status, { 'content-type': answer.type ?? 'text/plain' }).end(answer.body);
      return;
    }
    res.writeHead(404).end();
  });
  const { host, port } = parseAddress(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port, draining };
}
