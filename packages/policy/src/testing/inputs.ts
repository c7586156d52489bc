import type { Identity, PolicyInput } from '@drawbridge/protocol';

/** 2024-06-05 (a Wednesday) 14:30:00 UTC. */
export const WEDNESDAY_1430_UTC = Date.UTC(2024, 5, 5, 14, 30, 0);

export function identity(overrides: Partial<Identity> = {}): Identity {
  return {
    sub: 'alice-sub',
    email: 'alice@example.com',
    groups: ['engineering', 'admins'],
    claims: { family_name: 'Smith', roles: ['dev', 'ops'], level: 3, org: { team: 'core' } },
    ...overrides,
  };
}

/** An HTTP request by Alice unless overridden; `identity: undefined` makes it anonymous. */
export function httpInput(overrides: Partial<PolicyInput> = {}): PolicyInput {
  return {
    identity: identity(),
    http: { method: 'GET', path: '/', host: 'hello.example.com' },
    sourceIp: '192.0.2.10',
    now: WEDNESDAY_1430_UTC,
    ...overrides,
  };
}

export const ALICE_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBy2E1pmW6yVxk0a3n0w+qeGvFiv4Y1u6G8Q5j1iUu0b alice@laptop';

export function sshInput(overrides: Partial<PolicyInput> = {}): PolicyInput {
  return {
    identity: identity(),
    ssh: { username: 'alice', publicKey: ALICE_KEY },
    sourceIp: '198.51.100.7',
    now: WEDNESDAY_1430_UTC,
    ...overrides,
  };
}
