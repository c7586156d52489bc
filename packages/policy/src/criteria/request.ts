import { describeValue, scalarToString } from '../lib/describe.js';
import { type CidrRange, cidrContains, parseCidr, parseIp } from '../lib/ip.js';
import { compileStringMatcher, parseStringMatcher, STRING_MATCHERS } from '../lib/string-matcher.js';
import { defineCriterion } from './definition.js';

/** `accept` — always true (the value is ignored, as in Pomerium). */
export const accept = defineCriterion<true>({
  name: 'accept',
  subPath: 'none',
  needsIdentity: false,
  matchers: [],
  parse: () => true,
  compile: () => () => true,
});

/** `reject` — always false. */
export const reject = defineCriterion<true>({
  name: 'reject',
  subPath: 'none',
  needsIdentity: false,
  matchers: [],
  parse: () => true,
  compile: () => () => false,
});

/** `http_method` — string matcher, case-insensitive; false for SSH decisions. */
export const httpMethod = defineCriterion({
  name: 'http_method',
  subPath: 'none',
  needsIdentity: false,
  matchers: STRING_MATCHERS,
  parse: (v, path, issues) => parseStringMatcher(v, path, issues, 'http_method'),
  compile: (spec) => {
    const m = compileStringMatcher(spec, 'upper');
    return (input) => input.http !== undefined && m(input.http.method);
  },
});

/** `http_path` — string matcher on the path without its query string (case-sensitive). */
export const httpPath = defineCriterion({
  name: 'http_path',
  subPath: 'none',
  needsIdentity: false,
  matchers: STRING_MATCHERS,
  parse: (v, path, issues) => parseStringMatcher(v, path, issues, 'http_path'),
  compile: (spec) => {
    const m = compileStringMatcher(spec, 'none');
    return (input) => {
      const http = input.http;
      if (http === undefined) return false;
      const q = http.path.indexOf('?');
      return m(q >= 0 ? http.path.slice(0, q) : http.path);
    };
  },
});

// Every source_ip criterion of a policy parses the same address; keep the last one.
let lastIpText: string | undefined;
let lastIp: ReturnType<typeof parseIp>;
function parsedSourceIp(text: string) {
  if (text !== lastIpText) {
    lastIpText = text;
    lastIp = parseIp(text);
  }
  return lastIp;
}

/** `source_ip` — an address or CIDR range, or a list of them (IPv4 and IPv6). */
export const sourceIp = defineCriterion<CidrRange[]>({
  name: 'source_ip',
  subPath: 'none',
  needsIdentity: false,
  matchers: [],
  parse: (value, path, issues) => {
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0) {
      issues.push({ path, message: 'source_ip needs at least one address or CIDR range' });
      return undefined;
    }
    const ranges: CidrRange[] = [];
    let ok = true;
    list.forEach((item, i) => {
      const at = Array.isArray(value) ? [...path, i] : path;
      const s = scalarToString(item);
      const range = s === undefined ? undefined : parseCidr(s.trim());
      if (!range) {
        issues.push({
          path: at,
          message: `source_ip needs an IP address or CIDR range, got ${describeValue(item)}`,
          hint: 'e.g. 10.0.0.0/8, 192.168.1.7 or 2001:db8::/32',
        });
        ok = false;
      } else ranges.push(range);
    });
    return ok ? ranges : undefined;
  },
  compile: (ranges) => (input) => {
    if (input.sourceIp === undefined) return false;
    const ip = parsedSourceIp(input.sourceIp);
    if (!ip) return false;
    for (const r of ranges) if (cidrContains(r, ip)) return true;
    return false;
  },
});
