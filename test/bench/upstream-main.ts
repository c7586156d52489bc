// The local service every scenario publishes: small response, 100 MiB download, upload sink.
// Its own process, so its CPU never mixes with a gateway's or the load generator's.
import { createServer } from 'node:http';
import { serveParent } from './lib/child.js';

const MiB = 1024 * 1024;
const chunk = Buffer.alloc(MiB, 0x61);
const server = createServer((req, res) => {
  if (req.url?.startsWith('/download')) {
    const total = Number(new URL(req.url, 'http://x').searchParams.get('mib') ?? 100);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total * MiB) });
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent++;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
    return;
  }
  if (req.url?.startsWith('/upload')) {
    let bytes = 0;
    req.on('data', (b: Buffer) => {
      bytes += b.length;
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${bytes}\n`);
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '12' });
  res.end('Hello world!');
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  serveParent({ port: typeof addr === 'object' && addr ? addr.port : 0 }, {});
});
