import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePolicy } from './compile.js';
import { ERR_POLICY_INVALID, PolicyError } from './errors.js';
import { validatePolicy } from './validate.js';

interface Case {
  name: string;
  policy: unknown;
  path: (string | number)[];
  message: RegExp;
  hint?: RegExp;
}

const cases: Case[] = [
  {
    name: 'unknown criterion with a did-you-mean hint',
    policy: [{ allow: { and: [{ emial: 'a@b.c' }] } }],
    path: [0, 'allow', 'and', 0, 'emial'],
    message: /unknown criterion "emial"/,
    hint: /did you mean "email"\?.*valid criteria are: accept, reject/,
  },
  {
    name: 'unknown matcher lists the valid ones',
    policy: { allow: { and: [{ email: { iz: 'a@b.c' } }] } },
    path: ['allow', 'and', 0, 'email', 'iz'],
    message: /unknown matcher "iz" for email/,
    hint: /did you mean "is"\?.*starts_with/,
  },
  {
    name: 'unknown list matcher for groups',
    policy: { allow: { or: [{ groups: { contains: 'x' } }] } },
    path: ['allow', 'or', 0, 'groups', 'contains'],
    message: /unknown matcher "contains" for groups/,
    hint: /has, is, exclude/,
  },
  {
    name: 'unknown operator',
    policy: { allow: { xor: [{ accept: true }] } },
    path: ['allow', 'xor'],
    message: /unknown operator "xor"/,
    hint: /and, or, not, nor/,
  },
  {
    name: 'criterion directly under the action',
    policy: { allow: { email: 'a@b.c' } },
    path: ['allow', 'email'],
    message: /unknown operator "email"/,
    hint: /and: \[ \{ email/,
  },
  {
    name: 'unknown action',
    policy: { permit: { and: [{ accept: true }] } },
    path: ['permit'],
    message: /unknown action "permit"/,
    hint: /allow, deny/,
  },
  {
    name: 'operator at the top level',
    policy: { and: [{ accept: true }] },
    path: ['and'],
    message: /unknown action "and"/,
    hint: /under allow: or deny:/,
  },
  {
    name: 'bare list of criteria under allow',
    policy: { allow: [{ email: 'a@b.c' }] },
    path: ['allow'],
    message: /needs a logical operator/,
    hint: /and: \[/,
  },
  { name: 'policy that is a string', policy: 'allow everyone', path: [], message: /must be a mapping/ },
  {
    name: 'rule list item that is not a mapping',
    policy: ['allow'],
    path: [0],
    message: /each policy rule must be a mapping/,
  },
  {
    name: 'criterion with two keys',
    policy: { allow: { and: [{ email: 'a@b.c', groups: 'x' }] } },
    path: ['allow', 'and', 0],
    message: /exactly one key, found 2/,
  },
  {
    name: 'empty operator list',
    policy: { allow: { and: [] } },
    path: ['allow', 'and'],
    message: /empty list/,
  },
  { name: 'rule without operator', policy: { allow: {} }, path: ['allow'], message: /has no operator/ },
  {
    name: 'claim without a name',
    policy: { allow: { and: [{ claim: 'x' }] } },
    path: ['allow', 'and', 0, 'claim'],
    message: /needs a claim name/,
  },
  {
    name: 'sub-path on a criterion that takes none',
    policy: { allow: { and: [{ 'email/x': 'a' }] } },
    path: ['allow', 'and', 0, 'email/x'],
    message: /takes no sub-path/,
  },
  {
    name: 'bad CIDR in a list',
    policy: { allow: { and: [{ source_ip: ['10.0.0.0/8', '10.0.0.0/33'] }] } },
    path: ['allow', 'and', 0, 'source_ip', 1],
    message: /IP address or CIDR/,
  },
  {
    name: 'bad IPv6',
    policy: { allow: { and: [{ source_ip: '2001:db8:::1' }] } },
    path: ['allow', 'and', 0, 'source_ip'],
    message: /IP address or CIDR/,
  },
  {
    name: 'in needs a list',
    policy: { allow: { and: [{ email: { in: { a: 1 } } }] } },
    path: ['allow', 'and', 0, 'email', 'in'],
    message: /in needs a list/,
  },
  {
    name: 'is needs a string',
    policy: { allow: { and: [{ email: { is: ['a'] } }] } },
    path: ['allow', 'and', 0, 'email', 'is'],
    message: /is needs a string/,
  },
  {
    name: 'bad date',
    policy: { allow: { and: [{ date: { after: 'yesterday' } }] } },
    path: ['allow', 'and', 0, 'date', 'after'],
    message: /ISO-8601/,
  },
  {
    name: 'unknown date matcher',
    policy: { allow: { and: [{ date: { since: '2024-01-01' } }] } },
    path: ['allow', 'and', 0, 'date', 'since'],
    message: /unknown matcher "since"/,
  },
  {
    name: 'bad day of week',
    policy: { allow: { and: [{ day_of_week: 'mon-funday' }] } },
    path: ['allow', 'and', 0, 'day_of_week'],
    message: /not a day/,
  },
  {
    name: 'time_of_day needs a timezone',
    policy: { allow: { and: [{ time_of_day: { after: '9:00' } }] } },
    path: ['allow', 'and', 0, 'time_of_day', 'timezone'],
    message: /needs a timezone/,
  },
  {
    name: 'time_of_day unknown zone',
    policy: { allow: { and: [{ time_of_day: { timezone: 'Mars/Olympus', after: '9:00' } }] } },
    path: ['allow', 'and', 0, 'time_of_day', 'timezone'],
    message: /unknown timezone/,
  },
  {
    name: 'time_of_day bad time',
    policy: { allow: { and: [{ time_of_day: { timezone: 'UTC', before: '25:00' } }] } },
    path: ['allow', 'and', 0, 'time_of_day', 'before'],
    message: /not a time of day/,
  },
  {
    name: 'bad ssh public key',
    policy: { allow: { and: [{ ssh_publickey: 'not a key' }] } },
    path: ['allow', 'and', 0, 'ssh_publickey'],
    message: /authorized_keys line/,
  },
  {
    name: 'error deep inside nesting',
    policy: [{ deny: { or: [{ and: [{ nor: [{ grups: 'x' }] }] }] } }],
    path: [0, 'deny', 'or', 0, 'and', 0, 'nor', 0, 'grups'],
    message: /unknown criterion "grups"/,
    hint: /did you mean "groups"/,
  },
];

for (const c of cases) {
  test(`invalid policy: ${c.name}`, () => {
    const issues = validatePolicy(c.policy);
    const issue = issues.find((i) => c.message.test(i.message));
    assert.ok(issue, `no issue matching ${c.message} in ${JSON.stringify(issues)}`);
    assert.deepEqual(issue.path, c.path);
    if (c.hint) assert.match(issue.hint ?? '', c.hint);
  });
}

test('valid policies have no issues, including the short forms', () => {
  for (const p of [
    undefined,
    null,
    [],
    { allow: { and: [{ email: 'a@b.c' }] } },
    [{ allow: { or: [{ groups: ['a', 'b'] }] } }, { deny: { not: [{ 'claim/x': { has: 'y' } }] } }],
    { allow: { and: [{ email: 'a@b.c' }], action: 'allow' } },
  ]) {
    assert.deepEqual(validatePolicy(p), [], JSON.stringify(p));
  }
});

test('every problem is reported, not just the first', () => {
  const issues = validatePolicy({
    allow: { and: [{ emial: 'x' }, { groups: { haz: 'y' } }] },
    deny: { xor: [] },
  });
  assert.equal(issues.length, 3);
});

test('compilePolicy throws a PolicyError with a stable code and the issues', () => {
  assert.throws(
    () => compilePolicy({ allow: { and: [{ emial: 'x' }] } }),
    (err: unknown) =>
      err instanceof PolicyError &&
      err.code === ERR_POLICY_INVALID &&
      err.issues.length === 1 &&
      /allow\.and\[0\]\.emial: unknown criterion "emial"/.test(err.message),
  );
});
