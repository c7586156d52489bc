import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRouteIndex, findHttpRoute, findTunnelRoute, matchHost } from './route-match.js';
import type { RouteLike } from './types.js';

function route(from: string, extra: Partial<RouteLike> = {}): RouteLike {
  const u = new URL(from);
  const scheme = u.protocol.replace(':', '');
  return {
    from,
    fromHost: u.hostname,
    fromPort: u.port ? Number(u.port) : scheme === 'http' ? 80 : 443,
    fromScheme: scheme,
    ...extra,
  };
}

const routes = [
  route('https://api.example.com', { prefix: '/v2/', key: 'api-v2' }),
  route('https://api.example.com', { regex: '/v[0-9]+/health', key: 'api-health' }),
  route('https://api.example.com', { key: 'api-rest' }),
  route('https://exact.example.com', { path: '/only' }),
  route('https://*.example.com', { key: 'wild' }),
  route('https://*.apps.example.com', { key: 'wild-apps' }),
  route('https://hello.example.com', { upstream_tunnel: {}, key: 'hello-tunnel' }),
  route('http://plain.example.com', { upstream_tunnel: {}, key: 'plain-tunnel' }),
  route('https://alt.example.com:8443', { upstream_tunnel: {}, key: 'alt-tunnel' }),
  route('https://*.dev.example.com', { upstream_tunnel: {}, key: 'dev-tunnels' }),
];
const index = createRouteIndex(routes);
const http = (host: string, path = '/') => findHttpRoute(index, { host, path })?.key;

const cases: [string, string | undefined, string | undefined][] = [
  ['api.example.com /v2/users', http('api.example.com', '/v2/users'), 'api-v2'],
  ['api.example.com regex is a full match', http('api.example.com', '/v1/health'), 'api-health'],
  ['api.example.com regex does not match a longer path', http('api.example.com', '/v1/health/x'), 'api-rest'],
  ['api.example.com falls through to the catch-all', http('api.example.com', '/other'), 'api-rest'],
  ['query string is ignored for path matching', http('api.example.com', '/v2/?q=1'), 'api-v2'],
  ['host match ignores case and port', http('API.Example.com:8443', '/v2/x'), 'api-v2'],
  ['exact path route', http('exact.example.com', '/only'), undefined],
  ['wildcard covers a subdomain', http('foo.example.com'), 'wild'],
  ['longest wildcard suffix wins', http('x.apps.example.com'), 'wild-apps'],
  ['wildcard does not cover the bare domain', http('example.com'), undefined],
  ['exact host beats wildcard', http('hello.example.com'), 'hello-tunnel'],
  ['unknown host', http('example.org'), undefined],
];
for (const [name, got, want] of cases) test(`http route: ${name}`, () => assert.equal(got, want));

test('http route: exact path matches only that path, then the wildcard catches the rest', () => {
  assert.equal(
    findHttpRoute(index, { host: 'exact.example.com', path: '/only' })?.from,
    'https://exact.example.com',
  );
  assert.equal(http('exact.example.com', '/other'), 'wild');
});

const tunnel = (host: string, port: number) => findTunnelRoute(index, host, port)?.key;
const tunnelCases: [string, string | undefined, string | undefined][] = [
  ['https route on 443', tunnel('hello.example.com', 443), 'hello-tunnel'],
  ['any port with 0', tunnel('hello.example.com', 0), 'hello-tunnel'],
  ['wrong port', tunnel('hello.example.com', 80), undefined],
  ['http route on 80', tunnel('plain.example.com', 80), 'plain-tunnel'],
  ['http route refuses 443', tunnel('plain.example.com', 443), undefined],
  ['explicit port', tunnel('alt.example.com', 8443), 'alt-tunnel'],
  [
    "the scheme's port on a route with an explicit port (ssh -R host:443 for :8443)",
    tunnel('alt.example.com', 443),
    'alt-tunnel',
  ],
  ['another port on a route with an explicit port', tunnel('alt.example.com', 9443), undefined],
  ['wildcard tunnel route', tunnel('me.dev.example.com', 443), 'dev-tunnels'],
  ['host case ignored', tunnel('HELLO.example.com', 443), 'hello-tunnel'],
  ['only routes with upstream_tunnel', tunnel('api.example.com', 443), undefined],
];
for (const [name, got, want] of tunnelCases) test(`tunnel route: ${name}`, () => assert.equal(got, want));

test('matchHost handles exact, wildcard and ports', () => {
  assert.equal(matchHost('a.example.com', 'A.example.com:443'), true);
  assert.equal(matchHost('*.example.com', 'b.a.example.com'), true);
  assert.equal(matchHost('*.example.com', 'example.com'), false);
  assert.equal(matchHost('*.example.com', 'badexample.com'), false);
});
