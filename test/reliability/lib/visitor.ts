// A signed-in publisher (OpenSSH `ssh -R`) and visitor (cookie jar), plus the request loop the
// reliability cases run while they break things.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Agent, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BrowserSession } from '../../deploy/lib/browser-session.js';
import { isolatedSshOptions, newClientKey, SshClient, waitUntil } from '../../kit/index.js';
import type { Stack } from './stack.js';

export const ROUTE_HOST = 'hello.localhost';

/**
 * The local service behind a tunnel: `/` answers its name; `/slow?ms=N` answers after N ms;
 * `/big?bytes=N&rate=R` streams N bytes at about R bytes/s.
 */
export async function startUpstream(name: string): Promise<{ server: Server; port: number; close(): void }> {
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    res.setHeader('x-upstream', name);
    if (u.pathname === '/slow') {
      setTimeout(() => res.end(`${name} slow done\n`), Number(u.searchParams.get('ms') ?? 1000));
      return;
    }
    if (u.pathname === '/big') {
      const total = Number(u.searchParams.get('bytes') ?? 1_000_000);
      const rate = Number(u.searchParams.get('rate') ?? 2_000_000);
      const chunk = Buffer.alloc(32 * 1024, 0x61);
      res.writeHead(200, { 'content-length': String(total), 'content-type': 'application/octet-stream' });
      let sent = 0;
      const tick = setInterval(
        () => {
          if (res.destroyed) return clearInterval(tick);
          const n = Math.min(chunk.length, total - sent);
          res.write(chunk.subarray(0, n));
          sent += n;
          if (sent >= total) {
            clearInterval(tick);
            res.end();
          }
        },
        Math.max(1, Math.round((chunk.length / rate) * 1000)),
      );
      res.once('close', () => clearInterval(tick));
      return;
    }
    res.end(`${name}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

export interface Visitor {
  key: string;
  browser: BrowserSession;
  ca: string;
  /** `Cookie:` header the visitor sends to the route host. */
  cookie(): string;
}

/** `ssh -R hello.localhost:443:127.0.0.1:<upstreamPort>` to one ssh-edge of the stack. */
export function publish(stack: Stack, key: string, upstreamPort: number, edge = 0): SshClient {
  return new SshClient({
    args: [
      ...isolatedSshOptions(key),
      '-o',
      'ExitOnForwardFailure=no',
      '-R',
      `${ROUTE_HOST}:443:127.0.0.1:${upstreamPort}`,
      '-N',
      '-p',
      String(stack.sshPort(edge)),
      '127.0.0.1',
    ],
  });
}

/** Signs the SSH client in through the dev IdP (HTTP only) and returns the signed-in visitor. */
export async function signIn(stack: Stack, ssh: SshClient, key: string, proxyEdge = 0): Promise<Visitor> {
  const [signinUrl] = await ssh.waitFor(/https:\/\/\S+\/\.pomerium\/sign_in\?user_code=[A-Za-z0-9_-]{22}/);
  const ca = readFileSync(join(stack.configDir, 'certs/cert.pem'), 'utf8');
  const browser = new BrowserSession({
    ca,
    route: (host, port) => (host.endsWith('.localhost') && port === 443 ? stack.httpsPort(proxyEdge) : port),
  });
  const login = await browser.navigate(signinUrl);
  const verify = await browser.submit(login, { email: stack.setup.email, password: stack.setup.password });
  const done = await browser.submit(verify, { decision: 'authorize' });
  if (done.status >= 400) throw new Error(`Authorize answered ${done.status}: ${done.body.slice(0, 300)}`);
  // Visiting the route signs the visitor in on the route host too (the cookie handoff).
  await waitUntil(
    async () => (await browser.navigate(`https://${ROUTE_HOST}/`)).status === 200,
    20_000,
    `200 from https://${ROUTE_HOST}/ after sign-in`,
  );
  // The cookie jar is the session's own state; the streaming requests below need it as a header.
  const jar = (browser as unknown as { jar: Map<string, Map<string, string>> }).jar;
  const cookie = () => [...(jar.get(ROUTE_HOST) ?? new Map())].map(([k, v]) => `${k}=${v}`).join('; ');
  return { key, browser, ca, cookie };
}

export interface Outcome {
  at: number;
  status: number;
  upstream?: string;
  body?: Buffer;
  error?: string;
  /** Bytes received versus content-length, for downloads. */
  received?: number;
  expected?: number;
}

/** One GET to the route through proxy-edge `port`; never rejects (errors become outcomes). */
export function get(
  port: number,
  visitor: Visitor,
  path = '/',
  opts: { agent?: Agent; timeoutMs?: number; newConnection?: boolean } = {},
): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    let received = 0;
    let expected: number | undefined;
    let status = 0;
    let upstream: string | undefined;
    const chunks: Buffer[] = [];
    const done = (error?: string) =>
      resolve({ at: started, status, upstream, received, expected, error, body: Buffer.concat(chunks) });
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        servername: ROUTE_HOST,
        ca: visitor.ca,
        agent: opts.agent ?? false,
        headers: { host: ROUTE_HOST, cookie: visitor.cookie(), accept: 'text/plain' },
        timeout: opts.timeoutMs ?? 10_000,
      },
      (res) => {
        status = res.statusCode ?? 0;
        upstream = res.headers['x-upstream'] as string | undefined;
        expected = res.headers['content-length'] ? Number(res.headers['content-length']) : undefined;
        res.on('data', (c: Buffer) => {
          received += c.length;
          if (chunks.length < 64) chunks.push(c);
        });
        res.once('end', () => done(res.complete ? undefined : 'aborted'));
        res.once('error', (e) => done(e.message));
        res.once('aborted', () => done('aborted'));
      },
    );
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', (e) => done((e as NodeJS.ErrnoException).code ?? e.message));
    req.end();
  });
}

/** A steady request loop (`concurrency` workers) against one proxy-edge until stopped. */
export function requestLoop(port: number, visitor: Visitor, concurrency = 3) {
  const outcomes: Outcome[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca: visitor.ca });
  let running = true;
  const workers = Array.from({ length: concurrency }, async () => {
    while (running) {
      const o = await get(port, visitor, '/', { agent, timeoutMs: 5_000 });
      outcomes.push(o);
      if (o.status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
  });
  return {
    outcomes,
    since: (t: number) => outcomes.filter((o) => o.at >= t),
    async stop() {
      running = false;
      await Promise.all(workers);
      agent.destroy();
      return outcomes;
    },
  };
}

/** Short description of the failures among `outcomes`, for assertion messages. */
export function failures(outcomes: Outcome[]): string {
  const bad = outcomes.filter((o) => o.status !== 200 || o.error);
  const counts = new Map<string, number>();
  for (const o of bad) {
    const k = `${o.status}${o.error ? ` ${o.error}` : ''}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return `${bad.length}/${outcomes.length} failed: ${JSON.stringify(Object.fromEntries(counts))}`;
}

export { newClientKey };
