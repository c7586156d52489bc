import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '@drawbridge/config';
import { RouteTable } from './route-table.js';

const SECRET = Buffer.alloc(32, 7).toString('base64');

function table(routes: string): RouteTable {
  const text = `shared_secret: ${SECRET}\ncookie_secret: ${SECRET}\nauthenticate_service_url: https://auth.localhost\nidp_provider_url: https://idp.localhost\nidp_client_id: x\nidp_client_secret: y\nroutes:\n${routes}`;
  return new RouteTable(parseConfigText(text, '/tmp/config.yaml').config.routes);
}

test('matches exact hosts, wildcard hosts and path rules in config order', () => {
  const t = table(
    [
      '  - from: https://app.localhost',
      '    prefix: /api',
      '    to: http://127.0.0.1:1',
      '    name: api',
      '  - from: https://app.localhost',
      '    regex: "/v[0-9]+/.*"',
      '    to: http://127.0.0.1:2',
      '    name: versioned',
      '  - from: https://app.localhost',
      '    path: /exact',
      '    to: http://127.0.0.1:3',
      '    name: exact',
      '  - from: https://*.wild.localhost',
      '    upstream_tunnel: {}',
      '    name: wild',
    ].join('\n'),
  );
  assert.equal(t.match('app.localhost', '/api/x')?.key, 'api');
  assert.equal(t.match('app.localhost', '/v2/things')?.key, 'versioned');
  assert.equal(t.match('app.localhost', '/v2'), undefined);
  assert.equal(t.match('app.localhost', '/exact')?.key, 'exact');
  assert.equal(t.match('app.localhost', '/exact/no'), undefined);
  assert.equal(t.hasHost('app.localhost'), true);
  assert.equal(t.match('a.wild.localhost', '/')?.key, 'wild');
  assert.equal(t.match('wild.localhost', '/'), undefined);
  assert.equal(t.hasHost('a.wild.localhost'), true);
  assert.equal(t.match('other.localhost', '/'), undefined);
  assert.equal(t.hasHost('other.localhost'), false);
});
