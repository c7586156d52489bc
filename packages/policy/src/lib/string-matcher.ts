import type { PolicyIssue } from '../types.js';
import { describeValue, hintFor, isPlainObject, scalarToString } from './describe.js';

/** Operators of Pomerium's string matcher (`not` is accepted by Pomerium's parser, `not_in` by its docs). */
export const STRING_MATCHERS = ['is', 'starts_with', 'ends_with', 'contains', 'in', 'not_in', 'not'] as const;
export type StringMatcherOp = (typeof STRING_MATCHERS)[number];

export interface StringMatcherSpec {
  /** All checks must hold (several keys in one matcher are ANDed, as in Pomerium). */
  checks: { op: StringMatcherOp; values: string[] }[];
}

export type Fold = 'none' | 'lower' | 'upper';

const LIST_OPS = new Set<StringMatcherOp>(['in', 'not_in']);

/** A bare scalar means `is`; a bare list means `in`. */
export function parseStringMatcher(
  value: unknown,
  path: (string | number)[],
  issues: PolicyIssue[],
  criterion: string,
): StringMatcherSpec | undefined {
  const scalar = scalarToString(value);
  if (scalar !== undefined) return { checks: [{ op: 'is', values: [scalar] }] };
  if (Array.isArray(value)) {
    const values = parseList(value, path, issues, criterion);
    return values ? { checks: [{ op: 'in', values }] } : undefined;
  }
  if (!isPlainObject(value)) {
    issues.push({
      path,
      message: `${criterion} needs a string or a matcher such as { is: … }, got ${describeValue(value)}`,
      hint: `valid matchers are: ${STRING_MATCHERS.join(', ')}`,
    });
    return undefined;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) {
    issues.push({
      path,
      message: `${criterion} has an empty matcher`,
      hint: `use one of: ${STRING_MATCHERS.join(', ')}`,
    });
    return undefined;
  }
  const checks: StringMatcherSpec['checks'] = [];
  let ok = true;
  for (const key of keys) {
    const at = [...path, key];
    if (!(STRING_MATCHERS as readonly string[]).includes(key)) {
      issues.push({
        path: at,
        message: `unknown matcher "${key}" for ${criterion}`,
        hint: hintFor(key, STRING_MATCHERS, 'matchers'),
      });
      ok = false;
      continue;
    }
    const op = key as StringMatcherOp;
    const raw = value[key];
    if (LIST_OPS.has(op)) {
      const list = Array.isArray(raw) ? parseList(raw, at, issues, criterion) : scalarToString(raw);
      if (list === undefined) {
        if (!Array.isArray(raw))
          issues.push({ path: at, message: `${op} needs a list of strings, got ${describeValue(raw)}` });
        ok = false;
        continue;
      }
      checks.push({ op, values: Array.isArray(list) ? list : [list] });
    } else {
      const s = scalarToString(raw);
      if (s === undefined) {
        issues.push({ path: at, message: `${op} needs a string, got ${describeValue(raw)}` });
        ok = false;
        continue;
      }
      checks.push({ op, values: [s] });
    }
  }
  return ok ? { checks } : undefined;
}

function parseList(
  list: unknown[],
  path: (string | number)[],
  issues: PolicyIssue[],
  criterion: string,
): string[] | undefined {
  const out: string[] = [];
  let ok = true;
  list.forEach((item, i) => {
    const s = scalarToString(item);
    if (s === undefined) {
      issues.push({
        path: [...path, i],
        message: `${criterion} list items must be strings, got ${describeValue(item)}`,
      });
      ok = false;
    } else out.push(s);
  });
  return ok ? out : undefined;
}

function foldFn(fold: Fold): (s: string) => string {
  if (fold === 'lower') return (s) => s.toLowerCase();
  if (fold === 'upper') return (s) => s.toUpperCase();
  return (s) => s;
}

function check(op: StringMatcherOp, values: string[]): (s: string) => boolean {
  const v = values[0] ?? '';
  switch (op) {
    case 'is':
      return (s) => s === v;
    case 'not':
      return (s) => s !== v;
    case 'starts_with':
      return (s) => s.startsWith(v);
    case 'ends_with':
      return (s) => s.endsWith(v);
    case 'contains':
      return (s) => s.includes(v);
    case 'in': {
      const set = new Set(values);
      return (s) => set.has(s);
    }
    case 'not_in': {
      const set = new Set(values);
      return (s) => !set.has(s);
    }
  }
}

/**
 * Compiles a string matcher to a predicate. With `fold`, configured values are folded once here and
 * the input once per call; the common single `is` skips folding when the input already matches.
 * `valueFold` folds only the configured values, for callers that pass inputs already folded.
 */
export function compileStringMatcher(
  spec: StringMatcherSpec,
  fold: Fold = 'none',
  valueFold: Fold = fold,
): (s: string) => boolean {
  const f = foldFn(fold);
  const vf = foldFn(valueFold);
  const checks = spec.checks.map((c) => check(c.op, c.values.map(vf)));
  const single = spec.checks.length === 1 ? spec.checks[0] : undefined;
  if (single && fold !== 'none' && single.op === 'is') {
    const v = vf(single.values[0] ?? '');
    return (s) => s === v || f(s) === v;
  }
  if (checks.length === 1) {
    const c = checks[0]!;
    return fold === 'none' ? c : (s) => c(f(s));
  }
  return (s) => {
    const x = fold === 'none' ? s : f(s);
    for (const c of checks) if (!c(x)) return false;
    return true;
  };
}
