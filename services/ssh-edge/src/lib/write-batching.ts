import type { Socket } from 'node:net';

/**
 * Coalesces the SSH packets written to `socket` during one event-loop turn into one `writev`.
 * ssh2 writes every packet (each request, each window adjust) with its own `socket.write`, which on
 * loopback is one syscall each; under load many tunnel streams write in the same turn. The socket is
 * corked at the first write of a turn and uncorked by `setImmediate`, right after the turn's I/O
 * callbacks, so a lone write waits microseconds. ssh2 ignores the socket's backpressure (SSH windows
 * bound what is in flight), so corking changes no flow control; `end()` uncorks by itself.
 */
export function batchSocketWrites(socket: Socket): void {
  let corked = false;
  const flush = () => {
    corked = false;
    if (!socket.destroyed) socket.uncork();
  };
  const write = socket.write;
  socket.write = function batchedWrite(this: Socket, ...args: unknown[]): boolean {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(flush);
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Socket['write'];
}
