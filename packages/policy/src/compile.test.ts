import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PolicyInput } from '@drawbridge/protocol';
import { compilePolicy } from './compile.js';
import { ALICE_KEY, httpInput, identity, sshInput } from './testing/inputs.js';

interface Case {
  name: string;
  policy: unknown;
  input: PolicyInput;
  allow: boolean;
  reason?: string;
  rule?: string;
  criterion?: string;
  opts?: Parameters<typeof compilePolicy>[1];
}

const allowIf = (criterion: Record<string, unknown>) => ({ allow: { and: [criterion] } });
const anon = httpInput({ identity: undefined });
const bob = httpInput({
  identity: identity({ sub: 'bob-sub', email: 'bob@other.org', groups: ['sales'], claims: {} }),
});
const at = (iso: string) => httpInput({ now: Date.parse(iso) });
const ip = (sourceIp: string) => httpInput({ sourceIp });
const method = (m: string) => httpInput({ http: { method: m, path: '/', host: 'h' } });
const path = (p: string) => httpInput({ http: { method: 'GET', path: p, host: 'h' } });

const cases: Case[] = [
  // accept / reject / authenticated_user
  {
    name: 'accept allows anyone',
    policy: allowIf({ accept: true }),
    input: anon,
    allow: true,
    rule: 'allow[0].and[0]',
    criterion: 'accept',
  },
  { name: 'accept ignores its value', policy: allowIf({ accept: false }), input: bob, allow: true },
  {
    name: 'reject never allows',
    policy: allowIf({ reject: true }),
    input: httpInput(),
    allow: false,
    reason: 'no-matching-allow',
    criterion: 'reject',
  },
  {
    name: 'authenticated_user allows a signed-in user',
    policy: allowIf({ authenticated_user: true }),
    input: bob,
    allow: true,
    criterion: 'authenticated_user',
  },
  {
    name: 'authenticated_user asks an anonymous visitor to sign in',
    policy: allowIf({ authenticated_user: true }),
    input: anon,
    allow: false,
    reason: 'unauthenticated',
    rule: 'allow[0]',
  },

  // email
  {
    name: 'email short form means is',
    policy: allowIf({ email: 'alice@example.com' }),
    input: httpInput(),
    allow: true,
    criterion: 'email',
  },
  {
    name: 'email is',
    policy: allowIf({ email: { is: 'alice@example.com' } }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'email is rejects another user',
    policy: allowIf({ email: { is: 'alice@example.com' } }),
    input: bob,
    allow: false,
    reason: 'no-matching-allow',
    rule: 'allow[0].and[0]',
    criterion: 'email',
  },
  {
    name: 'email is ignores case',
    policy: allowIf({ email: { is: 'ALICE@example.com' } }),
    input: httpInput({ identity: identity({ email: 'Alice@Example.COM' }) }),
    allow: true,
  },
  {
    name: 'email starts_with',
    policy: allowIf({ email: { starts_with: 'alice@' } }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'email starts_with no match',
    policy: allowIf({ email: { starts_with: 'admin@' } }),
    input: httpInput(),
    allow: false,
  },
  {
    name: 'email ends_with',
    policy: allowIf({ email: { ends_with: '@example.com' } }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'email ends_with no match',
    policy: allowIf({ email: { ends_with: '@example.com' } }),
    input: bob,
    allow: false,
  },
  {
    name: 'email contains',
    policy: allowIf({ email: { contains: 'ice@exa' } }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'email contains no match',
    policy: allowIf({ email: { contains: 'bob' } }),
    input: httpInput(),
    allow: false,
  },
  {
    name: 'email in',
    policy: allowIf({ email: { in: ['bob@other.org', 'alice@example.com'] } }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'email in no match',
    policy: allowIf({ email: { in: ['carol@example.com'] } }),
    input: httpInput(),
    allow: false,
  },
  {
    name: 'email bare list means in',
    policy: allowIf({ email: ['carol@example.com', 'bob@other.org'] }),
    input: bob,
    allow: true,
  },
  {
    name: 'email not_in',
    policy: allowIf({ email: { not_in: ['bob@other.org'] } }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'email not_in excludes',
    policy: allowIf({ email: { not_in: ['bob@other.org'] } }),
    input: bob,
    allow: false,
  },
  {
    name: 'email not',
    policy: allowIf({ email: { not: 'bob@other.org' } }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'email not excludes',
    policy: allowIf({ email: { not: 'bob@other.org' } }),
    input: bob,
    allow: false,
  },
  {
    name: 'email with two matchers needs both',
    policy: allowIf({ email: { starts_with: 'alice', ends_with: '@other.org' } }),
    input: httpInput(),
    allow: false,
  },
  {
    name: 'email with two matchers both true',
    policy: allowIf({ email: { starts_with: 'alice', ends_with: '@example.com' } }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'email criterion without identity is unauthenticated',
    policy: allowIf({ email: 'alice@example.com' }),
    input: anon,
    allow: false,
    reason: 'unauthenticated',
  },

  // domain
  {
    name: 'domain is',
    policy: allowIf({ domain: { is: 'example.com' } }),
    input: httpInput(),
    allow: true,
    criterion: 'domain',
  },
  { name: 'domain short form', policy: allowIf({ domain: 'example.com' }), input: httpInput(), allow: true },
  {
    name: 'domain does not match a subdomain with is',
    policy: allowIf({ domain: 'example.com' }),
    input: httpInput({ identity: identity({ email: 'a@eu.example.com' }) }),
    allow: false,
  },
  {
    name: 'domain ends_with covers subdomains',
    policy: allowIf({ domain: { ends_with: 'example.com' } }),
    input: httpInput({ identity: identity({ email: 'a@eu.example.com' }) }),
    allow: true,
  },
  {
    name: 'domain ignores case',
    policy: allowIf({ domain: 'Example.COM' }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'domain in',
    policy: allowIf({ domain: { in: ['other.org', 'corp.example'] } }),
    input: bob,
    allow: true,
  },
  {
    name: 'domain of an email without @ never matches',
    policy: allowIf({ domain: { contains: '' } }),
    input: httpInput({ identity: identity({ email: 'nobody' }) }),
    allow: false,
  },

  // user
  {
    name: 'user matches the subject',
    policy: allowIf({ user: 'alice-sub' }),
    input: httpInput(),
    allow: true,
    criterion: 'user',
  },
  {
    name: 'user matches the email',
    policy: allowIf({ user: { is: 'alice@example.com' } }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'user subject is case-sensitive',
    policy: allowIf({ user: 'ALICE-SUB' }),
    input: httpInput(),
    allow: false,
  },
  {
    name: 'user starts_with on subject',
    policy: allowIf({ user: { starts_with: 'bob-' } }),
    input: bob,
    allow: true,
  },
  { name: 'user no match', policy: allowIf({ user: 'carol' }), input: httpInput(), allow: false },

  // groups
  {
    name: 'groups short form means has',
    policy: allowIf({ groups: 'admins' }),
    input: httpInput(),
    allow: true,
    criterion: 'groups',
  },
  {
    name: 'groups has',
    policy: allowIf({ groups: { has: 'engineering' } }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'groups has no match',
    policy: allowIf({ groups: { has: 'finance' } }),
    input: httpInput(),
    allow: false,
  },
  {
    name: 'groups has is case-sensitive',
    policy: allowIf({ groups: { has: 'Admins' } }),
    input: httpInput(),
    allow: false,
  },
  {
    name: 'groups bare list means has any',
    policy: allowIf({ groups: ['finance', 'sales'] }),
    input: bob,
    allow: true,
  },
  {
    name: 'groups is needs exactly that one group',
    policy: allowIf({ groups: { is: 'sales' } }),
    input: bob,
    allow: true,
  },
  {
    name: 'groups is fails with more groups',
    policy: allowIf({ groups: { is: 'admins' } }),
    input: httpInput(),
    allow: false,
  },
  {
    name: 'groups exclude',
    policy: allowIf({ groups: { exclude: 'contractors' } }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'groups exclude rejects members',
    policy: allowIf({ groups: { exclude: ['sales'] } }),
    input: bob,
    allow: false,
  },

  // claim/<name>
  {
    name: 'claim short form',
    policy: allowIf({ 'claim/family_name': 'Smith' }),
    input: httpInput(),
    allow: true,
    criterion: 'claim/family_name',
  },
  {
    name: 'claim is exact',
    policy: allowIf({ 'claim/family_name': 'smith' }),
    input: httpInput(),
    allow: false,
  },
  {
    name: 'claim list has',
    policy: allowIf({ 'claim/roles': { has: 'ops' } }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'claim list has no match',
    policy: allowIf({ 'claim/roles': { has: 'root' } }),
    input: httpInput(),
    allow: false,
  },
  {
    name: 'claim number compares as string',
    policy: allowIf({ 'claim/level': 3 }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'claim nested path',
    policy: allowIf({ 'claim/org/team': 'core' }),
    input: httpInput(),
    allow: true,
  },
  { name: 'claim missing', policy: allowIf({ 'claim/department': 'r&d' }), input: httpInput(), allow: false },
  {
    name: 'claim exclude',
    policy: allowIf({ 'claim/roles': { exclude: 'intern' } }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'claim email falls back to the identity',
    policy: allowIf({ 'claim/email': 'alice@example.com' }),
    input: httpInput(),
    allow: true,
  },

  // http_method / http_path
  {
    name: 'http_method is',
    policy: allowIf({ http_method: { is: 'GET' } }),
    input: method('GET'),
    allow: true,
    criterion: 'http_method',
  },
  {
    name: 'http_method ignores case',
    policy: allowIf({ http_method: 'get' }),
    input: method('GET'),
    allow: true,
  },
  {
    name: 'http_method in',
    policy: allowIf({ http_method: { in: ['GET', 'HEAD'] } }),
    input: method('POST'),
    allow: false,
  },
  {
    name: 'http_method is false for SSH',
    policy: allowIf({ http_method: 'GET' }),
    input: sshInput(),
    allow: false,
  },
  {
    name: 'http_path starts_with',
    policy: allowIf({ http_path: { starts_with: '/api/' } }),
    input: path('/api/users'),
    allow: true,
    criterion: 'http_path',
  },
  {
    name: 'http_path is ignores the query',
    policy: allowIf({ http_path: '/health' }),
    input: path('/health?x=1'),
    allow: true,
  },
  {
    name: 'http_path ends_with',
    policy: allowIf({ http_path: { ends_with: '.json' } }),
    input: path('/a/b.json'),
    allow: true,
  },
  {
    name: 'http_path contains',
    policy: allowIf({ http_path: { contains: '/admin/' } }),
    input: path('/x/admin/y'),
    allow: true,
  },
  {
    name: 'http_path is case-sensitive',
    policy: allowIf({ http_path: '/Health' }),
    input: path('/health'),
    allow: false,
  },

  // source_ip
  {
    name: 'source_ip v4 CIDR',
    policy: allowIf({ source_ip: '192.0.2.0/24' }),
    input: ip('192.0.2.77'),
    allow: true,
    criterion: 'source_ip',
  },
  {
    name: 'source_ip v4 outside CIDR',
    policy: allowIf({ source_ip: '192.0.2.0/24' }),
    input: ip('192.0.3.1'),
    allow: false,
  },
  {
    name: 'source_ip bare address',
    policy: allowIf({ source_ip: '10.1.2.3' }),
    input: ip('10.1.2.3'),
    allow: true,
  },
  {
    name: 'source_ip list',
    policy: allowIf({ source_ip: ['10.0.0.0/8', '172.16.0.0/12'] }),
    input: ip('172.20.1.1'),
    allow: true,
  },
  {
    name: 'source_ip /0 matches every v4',
    policy: allowIf({ source_ip: '0.0.0.0/0' }),
    input: ip('8.8.8.8'),
    allow: true,
  },
  {
    name: 'source_ip v6 CIDR',
    policy: allowIf({ source_ip: '2001:db8::/32' }),
    input: ip('2001:db8:1::5'),
    allow: true,
  },
  {
    name: 'source_ip v6 outside CIDR',
    policy: allowIf({ source_ip: '2001:db8::/32' }),
    input: ip('2001:db9::5'),
    allow: false,
  },
  {
    name: 'source_ip v6 /127 boundary',
    policy: allowIf({ source_ip: 'fe80::2/127' }),
    input: ip('fe80::3'),
    allow: true,
  },
  {
    name: 'source_ip IPv4-mapped IPv6 input matches v4 range',
    policy: allowIf({ source_ip: '192.0.2.0/24' }),
    input: ip('::ffff:192.0.2.9'),
    allow: true,
  },
  {
    name: 'source_ip v4 range does not match v6',
    policy: allowIf({ source_ip: '0.0.0.0/0' }),
    input: ip('2001:db8::1'),
    allow: false,
  },
  {
    name: 'source_ip missing input',
    policy: allowIf({ source_ip: '0.0.0.0/0' }),
    input: httpInput({ sourceIp: undefined }),
    allow: false,
  },
  {
    name: 'source_ip garbage input',
    policy: allowIf({ source_ip: '0.0.0.0/0' }),
    input: ip('not-an-ip'),
    allow: false,
  },

  // date / day_of_week / time_of_day
  {
    name: 'date after',
    policy: allowIf({ date: { after: '2024-01-01T00:00:00Z' } }),
    input: at('2024-06-01T00:00:00Z'),
    allow: true,
    criterion: 'date',
  },
  {
    name: 'date after not yet',
    policy: allowIf({ date: { after: '2025-01-01' } }),
    input: at('2024-06-01T00:00:00Z'),
    allow: false,
  },
  {
    name: 'date before',
    policy: allowIf({ date: { before: '2024-07-01T00:00:00' } }),
    input: at('2024-06-30T23:59:59Z'),
    allow: true,
  },
  {
    name: 'date window',
    policy: allowIf({ date: { after: '2024-01-01', before: '2024-02-01' } }),
    input: at('2024-03-01T00:00:00Z'),
    allow: false,
  },
  {
    name: 'date accepts a YAML timestamp',
    policy: allowIf({ date: { after: new Date('2020-01-01T00:00:00Z') } }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'day_of_week range',
    policy: allowIf({ day_of_week: 'mon-fri' }),
    input: httpInput(),
    allow: true,
    criterion: 'day_of_week',
  },
  {
    name: 'day_of_week range excludes weekend',
    policy: allowIf({ day_of_week: 'mon-fri' }),
    input: at('2024-06-08T12:00:00Z'),
    allow: false,
  },
  {
    name: 'day_of_week list with full names',
    policy: allowIf({ day_of_week: 'Monday, Wednesday' }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'day_of_week star',
    policy: allowIf({ day_of_week: '*' }),
    input: at('2024-06-09T12:00:00Z'),
    allow: true,
  },
  {
    name: 'day_of_week wrapping range',
    policy: allowIf({ day_of_week: 'fri-mon' }),
    input: at('2024-06-09T12:00:00Z'),
    allow: true,
  },
  {
    name: 'time_of_day window',
    policy: allowIf({ time_of_day: { timezone: 'UTC', after: '9:00', before: '5:30PM' } }),
    input: httpInput(),
    allow: true,
    criterion: 'time_of_day',
  },
  {
    name: 'time_of_day outside window',
    policy: allowIf({ time_of_day: { timezone: 'UTC', after: '15:00' } }),
    input: httpInput(),
    allow: false,
  },
  {
    name: 'time_of_day in a time zone',
    policy: allowIf({ time_of_day: { timezone: 'America/Phoenix', before: '8 AM' } }),
    input: httpInput(),
    allow: true,
  },
  {
    name: 'time_of_day zone shifts the window',
    policy: allowIf({ time_of_day: { timezone: 'Asia/Tokyo', after: '9:00', before: '17:00' } }),
    input: httpInput(),
    allow: false,
  },
  {
    name: 'time_of_day overnight window',
    policy: allowIf({ time_of_day: { timezone: 'UTC', after: '22:00', before: '06:00' } }),
    input: at('2024-06-05T23:10:00Z'),
    allow: true,
  },

  // ssh
  {
    name: 'ssh_username is',
    policy: allowIf({ ssh_username: 'alice' }),
    input: sshInput(),
    allow: true,
    criterion: 'ssh_username',
  },
  {
    name: 'ssh_username in',
    policy: allowIf({ ssh_username: { in: ['root', 'deploy'] } }),
    input: sshInput(),
    allow: false,
  },
  {
    name: 'ssh_username is false for HTTP',
    policy: allowIf({ ssh_username: 'alice' }),
    input: httpInput(),
    allow: false,
  },
  {
    name: 'ssh_username_from_email',
    policy: allowIf({ ssh_username_from_email: true }),
    input: sshInput(),
    allow: true,
  },
  {
    name: 'ssh_publickey authorized_keys line, comment ignored',
    policy: allowIf({ ssh_publickey: ALICE_KEY.replace('alice@laptop', 'other') }),
    input: sshInput(),
    allow: true,
    criterion: 'ssh_publickey',
  },
  {
    name: 'ssh_publickey by fingerprint',
    policy: allowIf({ ssh_publickey: 'SHA256:LIDB0wstu5qxYGDxb2b5qDrNGWn/Tx27ARb7tA6w0zk' }),
    input: sshInput(),
    allow: true,
  },
  {
    name: 'ssh_publickey key matches a fingerprint-only input',
    policy: allowIf({ ssh_publickey: [ALICE_KEY] }),
    input: sshInput({
      ssh: { username: 'alice', publicKeyFingerprint: 'SHA256:LIDB0wstu5qxYGDxb2b5qDrNGWn/Tx27ARb7tA6w0zk' },
    }),
    allow: true,
  },
  {
    name: 'ssh_publickey other key',
    policy: allowIf({
      ssh_publickey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOtherKeyOtherKeyOtherKeyOtherKey00 bob',
    }),
    input: sshInput(),
    allow: false,
  },

  // operators
  {
    name: 'and needs all',
    policy: { allow: { and: [{ email: 'alice@example.com' }, { groups: 'finance' }] } },
    input: httpInput(),
    allow: false,
    rule: 'allow[0].and[1]',
    criterion: 'groups',
  },
  {
    name: 'and all true reports the last criterion',
    policy: { allow: { and: [{ email: 'alice@example.com' }, { groups: 'admins' }] } },
    input: httpInput(),
    allow: true,
    rule: 'allow[0].and[1]',
  },
  {
    name: 'or needs any',
    policy: { allow: { or: [{ email: 'x@y.z' }, { groups: 'admins' }] } },
    input: httpInput(),
    allow: true,
    rule: 'allow[0].or[1]',
    criterion: 'groups',
  },
  {
    name: 'or none true',
    policy: { allow: { or: [{ email: 'x@y.z' }, { groups: 'nope' }] } },
    input: httpInput(),
    allow: false,
  },
  {
    name: 'not is none of (¬A ∧ ¬B)',
    policy: { allow: { not: [{ email: 'x@y.z' }, { groups: 'nope' }] } },
    input: httpInput(),
    allow: true,
  },
  {
    name: 'not fails when one matches',
    policy: { allow: { not: [{ email: 'x@y.z' }, { groups: 'admins' }] } },
    input: httpInput(),
    allow: false,
    rule: 'allow[0].not[1]',
  },
  {
    name: 'nor is not all (¬A ∨ ¬B)',
    policy: { allow: { nor: [{ email: 'alice@example.com' }, { groups: 'nope' }] } },
    input: httpInput(),
    allow: true,
    rule: 'allow[0].nor[1]',
  },
  {
    name: 'nor fails when all match',
    policy: { allow: { nor: [{ email: 'alice@example.com' }, { groups: 'admins' }] } },
    input: httpInput(),
    allow: false,
  },
  {
    name: 'several operators in one rule are alternatives',
    policy: { allow: { and: [{ 'claim/family_name': 'Jones' }], or: [{ domain: 'example.com' }] } },
    input: httpInput(),
    allow: true,
    rule: 'allow[0].or[0]',
  },
  {
    name: 'nested or inside and',
    policy: { allow: { and: [{ domain: 'example.com' }, { or: [{ groups: 'x' }, { groups: 'admins' }] }] } },
    input: httpInput(),
    allow: true,
    rule: 'allow[0].and[1].or[1]',
    criterion: 'groups',
  },
  {
    name: 'nested not inside or',
    policy: { allow: { or: [{ reject: true }, { not: [{ http_method: 'DELETE' }] }] } },
    input: method('GET'),
    allow: true,
  },
  {
    name: 'three levels deep',
    policy: {
      allow: { and: [{ or: [{ and: [{ nor: [{ reject: true }] }, { email: 'alice@example.com' }] }] }] },
    },
    input: httpInput(),
    allow: true,
    rule: 'allow[0].and[0].or[0].and[1]',
  },
  {
    name: 'an operator holding a single mapping',
    policy: { allow: { or: { email: 'alice@example.com' } } },
    input: httpInput(),
    allow: true,
  },

  // rules: deny over allow, lists
  {
    name: 'deny wins over allow',
    policy: { allow: { or: [{ accept: true }] }, deny: { or: [{ email: 'alice@example.com' }] } },
    input: httpInput(),
    allow: false,
    reason: 'denied-by-rule',
    rule: 'deny[0].or[0]',
    criterion: 'email',
  },
  {
    name: 'deny not matching lets allow through',
    policy: { allow: { or: [{ accept: true }] }, deny: { or: [{ email: 'mallory@example.com' }] } },
    input: httpInput(),
    allow: true,
    reason: 'allowed',
  },
  {
    name: 'deny only: nothing allowed',
    policy: { deny: { or: [{ email: 'mallory@example.com' }] } },
    input: httpInput(),
    allow: false,
    reason: 'no-matching-allow',
  },
  {
    name: 'list of rules: second allow matches',
    policy: [{ allow: { and: [{ email: 'bob@x.org' }] } }, { allow: { and: [{ groups: 'admins' }] } }],
    input: httpInput(),
    allow: true,
    rule: 'allow[1].and[0]',
  },
  {
    name: 'list of rules: deny anywhere wins',
    policy: [{ allow: { and: [{ accept: true }] } }, { deny: { and: [{ http_method: 'DELETE' }] } }],
    input: method('DELETE'),
    allow: false,
    reason: 'denied-by-rule',
    rule: 'deny[0].and[0]',
  },
  {
    name: 'empty policy allows nobody',
    policy: [],
    input: httpInput(),
    allow: false,
    reason: 'no-matching-allow',
  },
  {
    name: 'identity deny rule that matches an anonymous visitor asks to sign in',
    policy: { allow: { or: [{ accept: true }] }, deny: { not: [{ domain: 'example.com' }] } },
    input: anon,
    allow: false,
    reason: 'unauthenticated',
  },
  {
    name: 'identity deny rule that cannot match lets a public route through',
    policy: { allow: { or: [{ accept: true }] }, deny: { or: [{ email: 'mallory@example.com' }] } },
    input: anon,
    allow: true,
  },
  {
    name: 'a not over identity never admits an anonymous visitor',
    policy: { allow: { not: [{ email: 'mallory@example.com' }] } },
    input: anon,
    allow: false,
    reason: 'unauthenticated',
  },
  {
    name: 'identity-free allow rule still admits an anonymous visitor',
    policy: [{ allow: { and: [{ email: 'a@b.c' }] } }, { allow: { and: [{ source_ip: '192.0.2.0/24' }] } }],
    input: anon,
    allow: true,
    rule: 'allow[1].and[0]',
  },
  {
    name: 'IP deny for an anonymous visitor is a plain denial',
    policy: { allow: { or: [{ authenticated_user: true }] }, deny: { or: [{ source_ip: '192.0.2.0/24' }] } },
    input: anon,
    allow: false,
    reason: 'denied-by-rule',
  },

  // route flags
  {
    name: 'allow_public_unauthenticated_access admits anyone',
    policy: undefined,
    opts: { allowPublicUnauthenticatedAccess: true },
    input: anon,
    allow: true,
    rule: 'allow_public_unauthenticated_access',
    criterion: 'accept',
  },
  {
    name: 'allow_any_authenticated_user admits a signed-in user',
    policy: undefined,
    opts: { allowAnyAuthenticatedUser: true },
    input: bob,
    allow: true,
    rule: 'allow_any_authenticated_user',
  },
  {
    name: 'allow_any_authenticated_user sends anonymous visitors to sign in',
    policy: undefined,
    opts: { allowAnyAuthenticatedUser: true },
    input: anon,
    allow: false,
    reason: 'unauthenticated',
  },
  {
    name: 'a route flag does not override a deny rule',
    policy: { deny: { or: [{ email: 'bob@other.org' }] } },
    opts: { allowAnyAuthenticatedUser: true },
    input: bob,
    allow: false,
    reason: 'denied-by-rule',
  },
];

for (const c of cases) {
  test(`policy: ${c.name}`, () => {
    const result = compilePolicy(c.policy, c.opts).evaluate(c.input);
    assert.equal(result.allow, c.allow, `allow (${JSON.stringify(result)})`);
    if (c.reason) assert.equal(result.reason, c.reason);
    else assert.equal(result.reason, c.allow ? 'allowed' : result.reason);
    if (c.rule) assert.equal(result.rule, c.rule);
    if (c.criterion) assert.equal(result.criterion, c.criterion);
  });
}

test('results are shared frozen objects (no allocation per evaluation)', () => {
  const p = compilePolicy({ allow: { and: [{ email: 'alice@example.com' }] } });
  const a = p.evaluate(httpInput());
  assert.equal(p.evaluate(httpInput()), a);
  assert.ok(Object.isFrozen(a));
});

test('needsIdentity tells whether any rule looks at the user', () => {
  assert.equal(compilePolicy({ allow: { or: [{ source_ip: '10.0.0.0/8' }] } }).needsIdentity, false);
  assert.equal(
    compilePolicy({ allow: { or: [{ source_ip: '10.0.0.0/8' }, { groups: 'x' }] } }).needsIdentity,
    true,
  );
});
