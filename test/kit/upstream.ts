import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The tutorial's local service: `Hello world!` on loopback only, so only the tunnel reaches it. */
export async function startHelloService(
  port = 0,
): Promise<{ server: Server; port: number; requests: () => number; close(): Promise<void> }> {
  let count = 0;
  const server = createServer((req, res) => {
    count++;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('Hello world!\n');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    requests: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
