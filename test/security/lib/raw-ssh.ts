import { connect, type Socket } from 'node:net';
import ssh2 from 'ssh2';

/** Resolves when the server closes the socket (or `ms` passes: then `closed` is false). */
export function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

export function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // Flowing, so a close by the server is seen even when nobody reads the bytes.
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.resume();
    s.on('error', reject);
  });
}

/**
 * Reads the server's identification line and its (cleartext) KEXINIT after sending our banner;
 * returns the server's kex algorithm name-list.
 */
export async function serverKexAlgorithms(port: number): Promise<string[]> {
  const s = await rawConnect(port);
  s.write('SSH-2.0-drawbridge_security_probe\r\n');
  let buf = Buffer.alloc(0);
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no KEXINIT from the server')), 5_000);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        const pkt = buf.subarray(eol + 2);
        if (pkt.length < 5) return;
        const len = pkt.readUInt32BE(0);
        if (pkt.length < 4 + len) return;
        // packet: len, padlen, msg (20 = KEXINIT), 16 cookie bytes, then name-lists
        if (pkt[5] !== 20) return reject(new Error(`first packet is ${pkt[5]}, not KEXINIT`));
        const n = pkt.readUInt32BE(22);
        clearTimeout(t);
        resolve(
          pkt
            .subarray(26, 26 + n)
            .toString('ascii')
            .split(','),
        );
      });
    });
  } finally {
    s.destroy();
  }
}

export type SshOutcome =
  | { ready: true; client: ssh2.Client }
  | { ready: false; error: string; methodsOffered: string[][] };

/** Connects with the ssh2 client and the given auth handler; `ready` only if the server authenticated us. */
export function ssh2Attempt(
  port: number,
  authHandler: ssh2.ConnectConfig['authHandler'],
  extra: Partial<ssh2.ConnectConfig> = {},
): Promise<SshOutcome> {
  const methodsOffered: string[][] = [];
  return new Promise((resolve) => {
    const client = new ssh2.Client();
    const wrapped =
      typeof authHandler === 'function'
        ? (methodsLeft: string[], partial: boolean, next: (a: unknown) => void) => {
            if (methodsLeft) methodsOffered.push(methodsLeft);
            return (authHandler as (...a: unknown[]) => unknown)(methodsLeft, partial, next);
          }
        : authHandler;
    let done = false;
    const finish = (o: SshOutcome) => {
      if (done) return;
      done = true;
      if (!o.ready) client.end();
      resolve(o);
    };
    client.on('ready', () => finish({ ready: true, client }));
    client.on('error', (err) => finish({ ready: false, error: err.message, methodsOffered }));
    client.on('close', () => finish({ ready: false, error: 'closed', methodsOffered }));
    client.connect({
      host: '127.0.0.1',
      port,
      username: 'attacker',
      readyTimeout: 10_000,
      authHandler: wrapped as ssh2.ConnectConfig['authHandler'],
      ...extra,
    });
  });
}
