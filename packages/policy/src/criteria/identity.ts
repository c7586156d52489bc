import type { Identity } from '@drawbridge/protocol';
import { emailDomain, lowerEmail } from '../lib/derived.js';
import {
  compileStringListMatcher,
  parseStringListMatcher,
  STRING_LIST_MATCHERS,
} from '../lib/string-list-matcher.js';
import { compileStringMatcher, parseStringMatcher, STRING_MATCHERS } from '../lib/string-matcher.js';
import { defineCriterion } from './definition.js';

const anyValue = () => true as const;

/** `authenticated_user: true` — any signed-in user (the value is ignored, as in Pomerium). */
export const authenticatedUser = defineCriterion<true>({
  name: 'authenticated_user',
  subPath: 'none',
  needsIdentity: true,
  matchers: [],
  parse: anyValue,
  compile: () => (input) => input.identity !== undefined,
});

/** `email` — string matcher on the user's email, case-insensitive. */
export const email = defineCriterion({
  name: 'email',
  subPath: 'none',
  needsIdentity: true,
  matchers: STRING_MATCHERS,
  parse: (v, path, issues) => parseStringMatcher(v, path, issues, 'email'),
  compile: (spec) => {
    // Values are folded here and the email once per evaluation (shared by every email/domain criterion).
    const m = compileStringMatcher(spec, 'none', 'lower');
    return (input) => {
      const id = input.identity;
      return id !== undefined && typeof id.email === 'string' && m(lowerEmail(id));
    };
  },
});

/** `domain` — string matcher on the part of the email after the last `@`, case-insensitive. */
export const domain = defineCriterion({
  name: 'domain',
  subPath: 'none',
  needsIdentity: true,
  matchers: STRING_MATCHERS,
  parse: (v, path, issues) => parseStringMatcher(v, path, issues, 'domain'),
  compile: (spec) => {
    const m = compileStringMatcher(spec, 'none', 'lower');
    return (input) => {
      const id = input.identity;
      return id !== undefined && typeof id.email === 'string' && id.email.includes('@') && m(emailDomain(id));
    };
  },
});

/** `user` — the IdP subject (exact) or the email (case-insensitive), as Pomerium's user id. */
export const user = defineCriterion({
  name: 'user',
  subPath: 'none',
  needsIdentity: true,
  matchers: STRING_MATCHERS,
  parse: (v, path, issues) => parseStringMatcher(v, path, issues, 'user'),
  compile: (spec) => {
    const bySub = compileStringMatcher(spec, 'none');
    const byEmail = compileStringMatcher(spec, 'none', 'lower');
    return (input) => {
      const id = input.identity;
      if (id === undefined) return false;
      return bySub(id.sub) || (typeof id.email === 'string' && id.email !== '' && byEmail(lowerEmail(id)));
    };
  },
});

/** `groups` — string list matcher on the user's groups (exact). */
export const groups = defineCriterion({
  name: 'groups',
  subPath: 'none',
  needsIdentity: true,
  matchers: STRING_LIST_MATCHERS,
  parse: (v, path, issues) => parseStringListMatcher(v, path, issues, 'groups'),
  compile: (spec) => {
    const m = compileStringListMatcher(spec);
    return (input) => {
      const g = input.identity?.groups;
      return g !== undefined && m(g);
    };
  },
});

const NO_VALUES: readonly string[] = [];

/** Claim values as strings: a list stays a list, a scalar becomes one string. */
function claimValues(
  identity: Identity,
  name: string,
  nested: string[] | undefined,
): readonly string[] | string {
  let v: unknown = identity.claims?.[name];
  if (v === undefined && nested) {
    v = identity.claims;
    for (const k of nested)
      v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  }
  if (v === undefined) {
    if (name === 'email') v = identity.email;
    else if (name === 'sub') v = identity.sub;
    else if (name === 'groups') v = identity.groups;
  }
  if (v === undefined || v === null) return NO_VALUES;
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return v as string[];
    return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  }
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** `claim/<name>` — string list matcher on an ID token / userinfo claim (`a/b` reaches into objects). */
export const claim = defineCriterion({
  name: 'claim',
  subPath: 'required',
  needsIdentity: true,
  matchers: STRING_LIST_MATCHERS,
  parse: (v, path, issues, sub) => parseStringListMatcher(v, path, issues, `claim/${sub ?? ''}`),
  compile: (spec, sub) => {
    const m = compileStringListMatcher(spec);
    const name = sub ?? '';
    const nested = name.includes('/') ? name.split('/') : undefined;
    return (input) => {
      if (input.identity === undefined) return false;
      const values = claimValues(input.identity, name, nested);
      return typeof values === 'string' ? m.one(values) : m(values);
    };
  },
});
