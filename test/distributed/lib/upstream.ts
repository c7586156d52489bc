import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local service that answers every request with `body` (so a test can tell tunnels apart). */
export async function startNamedService(body: string): Promise<{ port: number; close(): void }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
