// Properties over the PPL parser and compiler: arbitrary nested structures either compile or are
// refused with issues / PolicyError (`DRAWBRIDGE_POLICY_INVALID`); a compiled policy evaluates
// any input to allow or deny without throwing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CRITERION_NAMES, compilePolicy, PolicyError, validatePolicy } from '@drawbridge/policy';
import fc from 'fast-check';

const KEYS = [
  'allow',
  'deny',
  'and',
  'or',
  'not',
  'nor',
  ...CRITERION_NAMES,
  'is',
  'in',
  'has',
  'starts_with',
  'ends_with',
  'contains',
  'exact',
  'prefix',
  'regex',
  '__proto__',
  'constructor',
  'x',
];

const leaf = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    'alice@example.com',
    '*',
    '.*',
    '(a+)+$',
    '[',
    '',
    'developers',
    '/admin',
    '10.0.0.0/8',
    'GET',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);

/** Nested structures shaped like PPL: lists of maps whose keys are mostly real PPL words. */
const ppl = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('node'), { maxKeys: 3 }),
  ),
})).node;

const input = fc.record({
  user: fc.option(
    fc.record({
      sub: fc.string(),
      email: fc.string(),
      groups: fc.array(fc.string(), { maxLength: 3 }),
      claims: fc.dictionary(fc.string(), fc.jsonValue()),
    }),
    { nil: undefined },
  ),
  http: fc.record({
    method: fc.constantFrom('GET', 'POST', ''),
    path: fc.string(),
    host: fc.string(),
    headers: fc.dictionary(fc.string(), fc.string()),
  }),
});

function refusesOrCompiles(raw: unknown, sample: unknown): boolean {
  const issues = validatePolicy(raw);
  assert.ok(Array.isArray(issues), 'validatePolicy returns a list of issues');
  let compiled: ReturnType<typeof compilePolicy>;
  try {
    compiled = compilePolicy(raw);
  } catch (err) {
    if (err instanceof PolicyError && err.code === 'DRAWBRIDGE_POLICY_INVALID') {
      assert.ok(issues.length > 0, 'compile refuses only what validate reports');
      return true;
    }
    throw new Error(
      `not a PolicyError: ${(err as Error)?.stack ?? String(err)}\n--- policy ---\n${JSON.stringify(raw)}`,
    );
  }
  assert.equal(issues.length, 0, `compiled although validate reported ${JSON.stringify(issues)}`);
  const result = compiled.evaluate(sample as never) as { allow?: boolean; allowed?: boolean } | boolean;
  assert.ok(result !== undefined, 'evaluation answers');
  return true;
}

test('arbitrary nested PPL-like structures: issues or PolicyError, never another exception', {
  timeout: 60_000,
}, () => {
  fc.assert(fc.property(ppl, input, refusesOrCompiles), { numRuns: 3000 });
});

test('arbitrary policies built from valid parts compile and evaluate any input without throwing', {
  timeout: 60_000,
}, () => {
  const criterion = fc.oneof(
    fc.record({ email: fc.record({ is: fc.string() }) }),
    fc.record({ groups: fc.record({ has: fc.string() }) }),
    fc.record({ accept: fc.constant(true) }),
    fc.record({ reject: fc.constant(true) }),
    fc.record({ authenticated_user: fc.constant(true) }),
  );
  const tree = fc.letrec((tie) => ({
    t: fc.oneof(
      { depthSize: 'small' },
      criterion,
      fc.record({ and: fc.array(tie('t'), { maxLength: 3 }) }),
      fc.record({ or: fc.array(tie('t'), { maxLength: 3 }) }),
      fc.record({ not: fc.array(tie('t'), { maxLength: 3 }) }),
    ),
  })).t;
  const policy = fc.array(fc.oneof(fc.record({ allow: tree }), fc.record({ deny: tree })), {
    minLength: 1,
    maxLength: 3,
  });
  fc.assert(fc.property(policy, input, refusesOrCompiles), { numRuns: 2000 });
});
