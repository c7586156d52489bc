import type { ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface AnswerProbe {
  /** Server name for the error message. */
  name: string;
  /** What proves the server is up, matched against its first bytes. */
  accept: RegExp;
  /** Sent once connected (e.g. `PING\r\n`); servers that greet first need nothing. */
  send?: string;
  tls?: boolean;
  timeoutMs?: number;
}

/** Resolves once a TCP server on loopback answers as `probe.accept` expects; the readiness check of the kit's launchers. */
export async function waitForAnswer(port: number, probe: AnswerProbe): Promise<void> {
  const timeoutMs = probe.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      // The probe only needs an answer, not a verified peer.
      const sock: Socket = probe.tls
        ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false })
        : connect(port, '127.0.0.1');
      sock.setTimeout(500);
      sock.once(probe.tls ? 'secureConnect' : 'connect', () => {
        if (probe.send) sock.write(probe.send);
      });
      sock.once('data', (d) => {
        sock.destroy();
        resolve(probe.accept.test(d.toString()));
      });
      sock.once('error', () => resolve(false));
      sock.once('timeout', () => {
        sock.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${probe.name} on 127.0.0.1:${port} did not answer within ${timeoutMs} ms`);
}

/** Resolves when the child has exited (at once if it already has). */
export function childExited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
