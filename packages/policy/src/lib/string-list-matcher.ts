import type { PolicyIssue } from '../types.js';
import { describeValue, hintFor, isPlainObject, scalarToString } from './describe.js';

/** Pomerium's string list matcher: `has` (documented), `is` (the only element) and `exclude`. */
export const STRING_LIST_MATCHERS = ['has', 'is', 'exclude'] as const;
export type StringListMatcherOp = (typeof STRING_LIST_MATCHERS)[number];

export interface StringListMatcherSpec {
  checks: { op: StringListMatcherOp; values: string[] }[];
}

/** A bare scalar means `has`; a bare list means `has` any of them. */
export function parseStringListMatcher(
  value: unknown,
  path: (string | number)[],
  issues: PolicyIssue[],
  criterion: string,
): StringListMatcherSpec | undefined {
  const direct = values(value);
  if (direct) return { checks: [{ op: 'has', values: direct }] };
  if (!isPlainObject(value) || Object.keys(value).length === 0) {
    issues.push({
      path,
      message: `${criterion} needs a string, a list of strings or a matcher such as { has: … }, got ${describeValue(value)}`,
      hint: `valid matchers are: ${STRING_LIST_MATCHERS.join(', ')}`,
    });
    return undefined;
  }
  const checks: StringListMatcherSpec['checks'] = [];
  let ok = true;
  for (const [key, raw] of Object.entries(value)) {
    const at = [...path, key];
    if (!(STRING_LIST_MATCHERS as readonly string[]).includes(key)) {
      issues.push({
        path: at,
        message: `unknown matcher "${key}" for ${criterion}`,
        hint: hintFor(key, STRING_LIST_MATCHERS, 'matchers'),
      });
      ok = false;
      continue;
    }
    const vs = values(raw);
    if (!vs) {
      issues.push({
        path: at,
        message: `${key} needs a string or a list of strings, got ${describeValue(raw)}`,
      });
      ok = false;
      continue;
    }
    checks.push({ op: key as StringListMatcherOp, values: vs });
  }
  return ok ? { checks } : undefined;
}

function values(value: unknown): string[] | undefined {
  const s = scalarToString(value);
  if (s !== undefined) return [s];
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const out: string[] = [];
  for (const item of value) {
    const x = scalarToString(item);
    if (x === undefined) return undefined;
    out.push(x);
  }
  return out;
}

export interface StringListPredicate {
  (list: readonly string[]): boolean;
  /** The same test for a single value, without wrapping it in a list. */
  one(value: string): boolean;
}

/** Compiles to a predicate over the user's list (groups, claim values). */
export function compileStringListMatcher(spec: StringListMatcherSpec): StringListPredicate {
  const list = compileList(spec);
  const sets = spec.checks.map((c) => ({ op: c.op, set: new Set(c.values) }));
  const one = (value: string) => {
    for (const { op, set } of sets) if (set.has(value) === (op === 'exclude')) return false;
    return true;
  };
  return Object.assign(list, { one });
}

function compileList(spec: StringListMatcherSpec): (list: readonly string[]) => boolean {
  const checks = spec.checks.map(({ op, values }): ((list: readonly string[]) => boolean) => {
    if (op === 'has' && values.length === 1) {
      const v = values[0]!;
      return (list) => list.includes(v);
    }
    const set = new Set(values);
    const any = (list: readonly string[]) => {
      for (const x of list) if (set.has(x)) return true;
      return false;
    };
    if (op === 'has') return any;
    if (op === 'exclude') return (list) => !any(list);
    return (list) => list.length === 1 && set.has(list[0]!);
  });
  if (checks.length === 1) return checks[0]!;
  return (list) => {
    for (const c of checks) if (!c(list)) return false;
    return true;
  };
}
