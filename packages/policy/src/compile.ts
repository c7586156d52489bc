import type { PolicyInput } from '@drawbridge/protocol';
import { CRITERIA } from './criteria/registry.js';
import { PolicyError } from './errors.js';
import { parsePolicy } from './parse.js';
import type {
  CompiledPolicy,
  OperatorNode,
  ParsedPolicy,
  PolicyNode,
  PolicyResult,
  PolicyRule,
} from './types.js';

export interface CompileOptions {
  /** Route flag `allow_public_unauthenticated_access`: adds an `accept` allow rule. */
  allowPublicUnauthenticatedAccess?: boolean;
  /** Route flag `allow_any_authenticated_user`: adds an `authenticated_user` allow rule. */
  allowAnyAuthenticatedUser?: boolean;
}

type Test = (input: PolicyInput) => boolean;

/**
 * The answers one criterion can give, made on first use and then shared, so evaluation allocates
 * nothing and compiling a thousand routes does not build answers that are never given.
 */
class Leaf {
  #allowed?: PolicyResult;
  #denied?: PolicyResult;
  #unauthenticated?: PolicyResult;
  #noMatch?: PolicyResult;
  constructor(
    readonly label: string,
    readonly criterion: string,
  ) {}
  get allowed(): PolicyResult {
    this.#allowed ??= result(true, 'allowed', this.label, this.criterion);
    return this.#allowed;
  }
  get denied(): PolicyResult {
    this.#denied ??= result(false, 'denied-by-rule', this.label, this.criterion);
    return this.#denied;
  }
  get unauthenticated(): PolicyResult {
    this.#unauthenticated ??= result(false, 'unauthenticated', this.label, this.criterion);
    return this.#unauthenticated;
  }
  get noMatch(): PolicyResult {
    this.#noMatch ??= result(false, 'no-matching-allow', this.label, this.criterion);
    return this.#noMatch;
  }
}

interface CompiledRule {
  test: Test;
  needsIdentity: boolean;
  unauthenticated: PolicyResult;
  denied: PolicyResult;
}

const NO_ALLOW_RULE: PolicyResult = Object.freeze({ allow: false, reason: 'no-matching-allow' });

function result(
  allow: boolean,
  reason: PolicyResult['reason'],
  rule: string,
  criterion?: string,
): PolicyResult {
  return Object.freeze(
    criterion === undefined ? { allow, reason, rule } : { allow, reason, rule, criterion },
  );
}

/**
 * Compiles a raw PPL policy into a closure. Deny wins; no matching allow denies. An allow rule that
 * looks at the user never matches an input without identity, and such a denial reads
 * `unauthenticated` so the edge can send the visitor to sign in rather than show a 403.
 * Throws PolicyError (`DRAWBRIDGE_POLICY_INVALID`) listing every issue.
 * @example compilePolicy({ allow: { and: [{ email: { is: 'alice@example.com' } }] } }).evaluate(input)
 */
export function compilePolicy(raw: unknown, opts: CompileOptions = {}): CompiledPolicy {
  const { policy, issues } = parsePolicy(raw);
  if (issues.length > 0) throw new PolicyError(issues);
  return compileParsedPolicy(policy, opts);
}

/** Compiles an already parsed policy (see `parsePolicy`). */
export function compileParsedPolicy(policy: ParsedPolicy, opts: CompileOptions = {}): CompiledPolicy {
  // Evaluation is synchronous, so one slot per policy can carry "which criterion decided" out of the tree.
  const state: { last: Leaf | undefined } = { last: undefined };
  const rules = [...policy.rules];
  if (opts.allowPublicUnauthenticatedAccess)
    rules.push(flagRule('allow_public_unauthenticated_access', 'accept'));
  if (opts.allowAnyAuthenticatedUser)
    rules.push(flagRule('allow_any_authenticated_user', 'authenticated_user'));

  const compileRule = (rule: PolicyRule): CompiledRule => {
    const ops = rule.operators.map((op) => compileNode(op, state));
    const test: Test =
      ops.length === 1
        ? ops[0]!
        : (input) => {
            for (const t of ops) if (t(input)) return true;
            return false;
          };
    return {
      test,
      needsIdentity: rule.operators.some(needsIdentity),
      unauthenticated: result(false, 'unauthenticated', rule.label),
      denied: result(false, 'denied-by-rule', rule.label),
    };
  };
  const deny = rules.filter((r) => r.action === 'deny').map(compileRule);
  const allow = rules.filter((r) => r.action === 'allow').map(compileRule);
  const anyNeedsIdentity = [...deny, ...allow].some((r) => r.needsIdentity);

  const evaluate = (input: PolicyInput): PolicyResult => {
    const anonymous = input.identity === undefined;
    for (let i = 0; i < deny.length; i++) {
      const r = deny[i]!;
      state.last = undefined;
      if (r.test(input)) {
        const leaf = state.last as Leaf | undefined;
        if (anonymous && r.needsIdentity) return leaf?.unauthenticated ?? r.unauthenticated;
        return leaf?.denied ?? r.denied;
      }
    }
    let unauthenticated: PolicyResult | undefined;
    let lastTried: Leaf | undefined;
    for (let i = 0; i < allow.length; i++) {
      const r = allow[i]!;
      if (anonymous && r.needsIdentity) {
        unauthenticated ??= r.unauthenticated;
        continue;
      }
      state.last = undefined;
      if (r.test(input)) {
        const leaf = state.last as Leaf | undefined;
        return leaf?.allowed ?? NO_ALLOW_RULE;
      }
      lastTried = state.last;
    }
    return unauthenticated ?? lastTried?.noMatch ?? NO_ALLOW_RULE;
  };

  return Object.freeze({ evaluate, needsIdentity: anyNeedsIdentity, ruleCount: rules.length });
}

function flagRule(label: string, criterion: string): PolicyRule {
  return {
    action: 'allow',
    index: -1,
    label,
    operators: [
      {
        type: 'operator',
        op: 'or',
        label,
        children: [{ type: 'criterion', name: criterion, spec: true, label }],
      },
    ],
  };
}

function needsIdentity(node: PolicyNode): boolean {
  if (node.type === 'criterion') return CRITERIA.get(node.name)?.needsIdentity === true;
  return node.children.some(needsIdentity);
}

function compileNode(node: PolicyNode, state: { last: Leaf | undefined }): Test {
  if (node.type === 'criterion') {
    const def = CRITERIA.get(node.name);
    if (!def) throw new PolicyError([{ path: [], message: `unknown criterion "${node.name}"` }]);
    const predicate = def.compile(node.spec, node.subPath);
    const name = node.subPath === undefined ? node.name : `${node.name}/${node.subPath}`;
    const leaf = new Leaf(node.label, name);
    return (input) => {
      state.last = leaf;
      return predicate(input);
    };
  }
  return compileOperator(node, state);
}

/** `and`: all; `or`: any; `not`: none (¬A ∧ ¬B); `nor`: not all (¬A ∨ ¬B) — as Pomerium defines them. */
function compileOperator(node: OperatorNode, state: { last: Leaf | undefined }): Test {
  const c = node.children.map((child) => compileNode(child, state));
  if (c.length === 1) {
    const only = c[0]!;
    return node.op === 'and' || node.op === 'or' ? only : (input) => !only(input);
  }
  switch (node.op) {
    case 'and':
      return (input) => {
        for (let i = 0; i < c.length; i++) if (!c[i]!(input)) return false;
        return true;
      };
    case 'or':
      return (input) => {
        for (let i = 0; i < c.length; i++) if (c[i]!(input)) return true;
        return false;
      };
    case 'not':
      return (input) => {
        for (let i = 0; i < c.length; i++) if (c[i]!(input)) return false;
        return true;
      };
    case 'nor':
      return (input) => {
        for (let i = 0; i < c.length; i++) if (!c[i]!(input)) return true;
        return false;
      };
  }
}
