import { request } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import type { BrowserSession } from '../../deploy/lib/browser-session.js';

/** The Cookie header a browser session would send to `host`. */
export function cookieFor(b: BrowserSession, host: string): string {
  const jar = (b as unknown as { jar: Map<string, Map<string, string>> }).jar.get(host);
  return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request to the gateway on loopback, with any headers, SNI defaulting to the Host. */
export function httpsRequest(
  port: number,
  opts: {
    host: string;
    path: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    sni?: string;
  },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path,
        servername: opts.sni ?? opts.host.split(':')[0],
        rejectUnauthorized: false,
        agent: false,
        headers: { host: opts.host, ...opts.headers },
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Writes raw bytes over TLS and collects what comes back until the server closes or `ms` pass. */
export function rawTls(port: number, sni: string, data: string, ms = 3_000): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const s = tlsConnect(
      { host: '127.0.0.1', port, servername: sni, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] },
      () => s.write(data),
    );
    const done = () => {
      clearTimeout(t);
      s.destroy();
      resolve(out);
    };
    const t = setTimeout(done, ms);
    s.on('data', (d: Buffer) => {
      out += d.toString('latin1');
    });
    s.on('close', done);
    s.on('error', done);
  });
}
