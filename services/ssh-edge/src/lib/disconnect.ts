import { createRequire } from 'node:module';
import type { Connection } from 'ssh2';

// ssh2's public `end()` sends SSH_MSG_DISCONNECT without a description, so the user would see a bare
// "Connection closed". OpenSSH prints the description ("Received disconnect from …: <text>"), which
// is the only channel to a `-N` client, so we build the packet with ssh2's own framing helpers.
const require = createRequire(import.meta.url);
const { sendPacket } = require('ssh2/lib/protocol/utils.js') as {
  sendPacket: (proto: unknown, packet: Buffer, bypass?: boolean) => void;
};

const MSG_DISCONNECT = 1;
/** SSH_DISCONNECT_BY_APPLICATION */
export const DISCONNECT_BY_APPLICATION = 11;
/** SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE */
export const DISCONNECT_NO_MORE_AUTH_METHODS = 14;
/** SSH_DISCONNECT_TOO_MANY_CONNECTIONS */
export const DISCONNECT_TOO_MANY_CONNECTIONS = 12;

interface PacketWriter {
  allocStartKEX: number;
  alloc(len: number, forceNotBuffered?: boolean): Buffer;
  finalize(packet: Buffer, force?: boolean): Buffer;
}

/** Sends SSH_MSG_DISCONNECT with a human-readable description, then closes the socket. */
export function disconnectWithMessage(
  conn: Connection,
  message: string,
  reason = DISCONNECT_BY_APPLICATION,
): void {
  const internal = conn as unknown as {
    _protocol?: { _packetRW?: { write: PacketWriter } };
    _sock?: NodeJS.WritableStream & { destroyed?: boolean; writable?: boolean };
  };
  const proto = internal._protocol;
  const sock = internal._sock;
  try {
    if (proto?._packetRW && sock?.writable) {
      const desc = Buffer.from(message.slice(0, 400), 'utf8');
      const len = 1 + 4 + 4 + desc.length + 4;
      const w = proto._packetRW.write;
      const p = w.allocStartKEX;
      const packet = w.alloc(len, true);
      packet[p] = MSG_DISCONNECT;
      packet.writeUInt32BE(reason, p + 1);
      packet.writeUInt32BE(desc.length, p + 5);
      desc.copy(packet, p + 9);
      packet.writeUInt32BE(0, p + 9 + desc.length);
      sendPacket(proto, w.finalize(packet, true), true);
    }
  } catch {
    // Before key exchange there is no packet layer to speak through; closing is all we can do.
  }
  try {
    sock?.end();
  } catch {
    // Already gone.
  }
}
