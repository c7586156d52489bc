// Just enough of the SSH wire format (RFC 4251 §5) to build and read OpenSSH certificates.

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
}

export function str(data: Buffer | string): Buffer {
  const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([u32(b.length), b]);
}

/** An mpint from an unsigned big-endian magnitude (leading zero added when the top bit is set). */
export function mpint(magnitude: Buffer): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  let m = magnitude.subarray(i);
  if (m.length === 1 && m[0] === 0) m = Buffer.alloc(0);
  if (m.length > 0 && ((m[0] as number) & 0x80) !== 0) m = Buffer.concat([Buffer.from([0]), m]);
  return str(m);
}

/** Reads SSH strings off a buffer in order. */
export class WireReader {
  private off = 0;
  constructor(private readonly buf: Buffer) {}
  string(): Buffer {
    if (this.off + 4 > this.buf.length) throw new Error('truncated SSH string');
    const len = this.buf.readUInt32BE(this.off);
    const start = this.off + 4;
    if (start + len > this.buf.length) throw new Error('truncated SSH string');
    this.off = start + len;
    return this.buf.subarray(start, start + len);
  }
  rest(): Buffer {
    return this.buf.subarray(this.off);
  }
}
