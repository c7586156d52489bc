// The ssh2 client fleet: thousands of idle reverse tunnels from one process, each its own SSH
// connection with its own key (pre-bound to a session, since ssh2's client cannot offer certificates).
import ssh2 from 'ssh2';

// ssh2 is CommonJS: named imports of its namespaces do not survive ESM interop.
const { Client, utils } = ssh2;
type Client = InstanceType<typeof Client>;

import { createConnection } from 'node:net';
import { serveParent } from './lib/child.js';

interface Member {
  key: string;
  client?: Client;
}
const members: Member[] = [];

function keys(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let pair = utils.generateKeyPairSync('ed25519');
    // ssh2 now and then writes an ed25519 key its own parser refuses; draw again.
    while (utils.parseKey(pair.private) instanceof Error) pair = utils.generateKeyPairSync('ed25519');
    members.push({ key: pair.private });
    // "ssh-ed25519 AAAA… comment" → the wire blob the fingerprint is taken over.
    out.push(pair.public.split(' ')[1]!);
  }
  return out;
}

function connectOne(
  m: Member,
  o: { host: string; port: number; username: string; bindHost: string; forwardTo?: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      if (err) {
        c.end();
        reject(err);
      } else resolve();
    };
    c.on('ready', () => {
      c.forwardIn(o.bindHost, 443, (err) => finish(err ?? undefined));
    });
    c.on('error', (err) => finish(err));
    c.on('close', () => finish(new Error('closed before the tunnel was attached')));
    // Idle fleets refuse visitors; the soak's fleet serves them from the bench upstream.
    c.on('tcp connection', (_info, accept, rejectChannel) => {
      if (!o.forwardTo) return rejectChannel();
      const ch = accept();
      const up = createConnection(o.forwardTo, '127.0.0.1');
      ch.pipe(up).pipe(ch);
      up.on('error', () => ch.destroy());
      ch.on('error', () => up.destroy());
    });
    m.client = c;
    c.connect({
      host: o.host,
      port: o.port,
      username: o.username,
      privateKey: m.key,
      readyTimeout: 60_000,
      keepaliveInterval: 0,
    });
  });
}

serveParent(
  { pid: process.pid },
  {
    keys: (a) => keys((a as { n: number }).n),
    connect: async (a) => {
      const o = a as {
        host: string;
        port: number;
        username: string;
        bindHost: string;
        forwardTo?: number;
        concurrency: number;
        from?: number;
        to?: number;
      };
      const failures = new Map<string, number>();
      let held = 0;
      let next = o.from ?? 0;
      const end = o.to ?? members.length;
      const start = performance.now();
      const worker = async () => {
        while (next < end) {
          const m = members[next++]!;
          try {
            await connectOne(m, o);
            held++;
          } catch (err) {
            const msg = String((err as Error).message ?? err).slice(0, 120);
            failures.set(msg, (failures.get(msg) ?? 0) + 1);
          }
        }
      };
      await Promise.all(Array.from({ length: o.concurrency }, worker));
      return {
        held,
        seconds: (performance.now() - start) / 1000,
        failures: [...failures.entries()].map(([m, n]) => `${m} ×${n}`),
      };
    },
    disconnect: async (a) => {
      const { from = 0, to = members.length } = (a ?? {}) as { from?: number; to?: number };
      for (const m of members.slice(from, to)) m.client?.end();
      return to - from;
    },
  },
);
