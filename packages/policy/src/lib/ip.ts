/** An address as four 32-bit words; IPv4 uses only `w[3]` with `v4` set. */
export interface IpAddress {
  v4: boolean;
  w: [number, number, number, number];
}

/** A CIDR range with its mask precomputed, so a match is four ANDs. */
export interface CidrRange {
  v4: boolean;
  base: [number, number, number, number];
  mask: [number, number, number, number];
}

function parseV4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const x = Number(p);
    if (x > 255) return undefined;
    n = n * 256 + x;
  }
  return n >>> 0;
}

function parseGroups(part: string, out: number[]): boolean {
  if (part === '') return true;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= part.length; i++) {
    const c = i < part.length ? part.charCodeAt(i) : 58; // ':' ends the last group
    if (c === 58) {
      if (digits === 0) return false;
      out.push(value);
      value = 0;
      digits = 0;
      continue;
    }
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0 || ++digits > 4) return false;
    value = value * 16 + d;
  }
  return true;
}

function parseV6(input: string): [number, number, number, number] | undefined {
  let s = input;
  // A trailing dotted quad (::ffff:1.2.3.4) is two groups.
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) >= 0) {
    const v4 = parseV4(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const gap = s.indexOf('::');
  const head: number[] = [];
  const tail: number[] = [];
  if (gap >= 0) {
    if (s.indexOf('::', gap + 1) >= 0) return undefined;
    if (!parseGroups(s.slice(0, gap), head) || !parseGroups(s.slice(gap + 2), tail)) return undefined;
    if (head.length + tail.length > 7) return undefined;
  } else if (!parseGroups(s, head) || head.length !== 8) return undefined;
  const g = new Array<number>(8).fill(0);
  for (let i = 0; i < head.length; i++) g[i] = head[i]!;
  for (let i = 0; i < tail.length; i++) g[8 - tail.length + i] = tail[i]!;
  const w = (i: number) => ((g[i]! << 16) | g[i + 1]!) >>> 0;
  return [w(0), w(2), w(4), w(6)];
}

/** Parses an IPv4 or IPv6 address (zone ids dropped); IPv4-mapped IPv6 becomes IPv4. */
export function parseIp(raw: string): IpAddress | undefined {
  const s = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  if (!s.includes(':')) {
    const n = parseV4(s);
    return n === undefined ? undefined : { v4: true, w: [0, 0, 0, n] };
  }
  const pct = s.indexOf('%');
  const w = parseV6(pct >= 0 ? s.slice(0, pct) : s);
  if (!w) return undefined;
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return { v4: true, w: [0, 0, 0, w[3]] };
  return { v4: false, w };
}

/** `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a /32 or /128). */
export function parseCidr(raw: string): CidrRange | undefined {
  const slash = raw.indexOf('/');
  const ip = parseIp(slash >= 0 ? raw.slice(0, slash) : raw);
  if (!ip) return undefined;
  const max = ip.v4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const b = raw.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b)) return undefined;
    bits = Number(b);
    if (bits > max) return undefined;
  }
  const offset = ip.v4 ? 96 : 0;
  const mask: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    const covered = Math.max(0, Math.min(32, offset + bits - i * 32));
    mask[i] = covered === 0 ? 0 : covered === 32 ? 0xffffffff : (0xffffffff << (32 - covered)) >>> 0;
  }
  if (ip.v4) mask[0] = mask[1] = mask[2] = 0;
  const base = ip.w.map((x, i) => (x & mask[i]!) >>> 0) as [number, number, number, number];
  return { v4: ip.v4, base, mask };
}

export function cidrContains(range: CidrRange, ip: IpAddress): boolean {
  if (range.v4 !== ip.v4) return false;
  const { base, mask } = range;
  const w = ip.w;
  return (
    (w[3] & mask[3]) >>> 0 === base[3] &&
    (w[2] & mask[2]) >>> 0 === base[2] &&
    (w[1] & mask[1]) >>> 0 === base[1] &&
    (w[0] & mask[0]) >>> 0 === base[0]
  );
}
