import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '@drawbridge/config';
import { findTunnelRoute } from './find-route.js';

const SECRET = Buffer.alloc(32, 7).toString('base64');
const base = (flag: boolean) => `
shared_secret: ${SECRET}
cookie_secret: ${SECRET}
authenticate_service_url: https://authenticate.localhost:8443
idp_provider_url: https://idp.example.com
idp_client_id: x
idp_client_secret: y
runtime_flags:
  ssh_upstream_tunnel: ${flag}
routes:
  - from: https://hello.localhost:8443
    upstream_tunnel:
      ssh_policy:
        - allow:
            or:
              - email:
                  is: a@example.com
  - from: http://plain-http.localhost
    upstream_tunnel: {}
  - from: https://static.localhost
    to: http://127.0.0.1:9
  - from: https://*.dev.localhost
    upstream_tunnel: {}
`;

const cfg = (flag = true) => parseConfigText(base(flag), '/tmp/config.yaml', { env: {} }).config;

test('a wildcard route takes tunnels for any host under it', () => {
  assert.equal(findTunnelRoute(cfg(), 'alice.dev.localhost', 443).from, 'https://*.dev.localhost');
  assert.throws(() => findTunnelRoute(cfg(), 'dev.localhost', 443), {
    message: /no route for dev\.localhost/,
  });
});

test('matches the route host with the scheme port, the explicit port or 0', () => {
  assert.equal(findTunnelRoute(cfg(), 'hello.localhost', 443).from, 'https://hello.localhost:8443');
  assert.equal(findTunnelRoute(cfg(), 'HELLO.localhost', 8443).from, 'https://hello.localhost:8443');
  assert.equal(findTunnelRoute(cfg(), 'hello.localhost', 0).from, 'https://hello.localhost:8443');
  assert.equal(findTunnelRoute(cfg(), 'plain-http.localhost', 80).from, 'http://plain-http.localhost');
});

test('says why a forward cannot attach, with a stable code', () => {
  assert.throws(() => findTunnelRoute(cfg(), 'nosuch.localhost', 443), {
    code: 'DRAWBRIDGE_SSH_ROUTE_NOT_FOUND',
    message: /no route for nosuch/,
  });
  assert.throws(() => findTunnelRoute(cfg(), 'static.localhost', 443), { message: /has no upstream_tunnel/ });
  assert.throws(() => findTunnelRoute(cfg(), 'hello.localhost', 22), {
    message: /does not listen on port 22/,
  });
  assert.throws(() => findTunnelRoute(cfg(false), 'hello.localhost', 443), {
    code: 'DRAWBRIDGE_SSH_TUNNELS_DISABLED',
  });
});
