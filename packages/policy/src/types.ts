import type { PolicyInput } from '@drawbridge/protocol';

/** One problem inside a policy, with its path relative to the policy root. */
export interface PolicyIssue {
  path: (string | number)[];
  message: string;
  hint?: string;
}

export type PolicyAction = 'allow' | 'deny';
export type PolicyOperator = 'and' | 'or' | 'not' | 'nor';

/** A parsed criterion: `email: { is: … }` with its value already checked and normalised. */
export interface CriterionNode {
  type: 'criterion';
  /** Criterion name without sub-path, e.g. `claim`. */
  name: string;
  /** `family_name` for `claim/family_name`. */
  subPath?: string;
  /** Normalised data the criterion compiles from (criterion-specific). */
  spec: unknown;
  /** Where it sits in the policy, e.g. `allow[0].and[1]`. */
  label: string;
}

/** A logical operator over criteria or further operators (nesting is a Drawbridge extension). */
export interface OperatorNode {
  type: 'operator';
  op: PolicyOperator;
  children: PolicyNode[];
  label: string;
}

export type PolicyNode = CriterionNode | OperatorNode;

export interface PolicyRule {
  action: PolicyAction;
  /** Index among rules with the same action. */
  index: number;
  /** Operators of the rule; the rule matches when any of them matches (as in Pomerium). */
  operators: OperatorNode[];
  label: string;
}

export interface ParsedPolicy {
  rules: PolicyRule[];
}

/** What a compiled policy says about one input. Result objects are shared and frozen: do not mutate. */
export interface PolicyResult {
  readonly allow: boolean;
  readonly reason: 'allowed' | 'denied-by-rule' | 'no-matching-allow' | 'unauthenticated';
  /** e.g. `allow[0].and[1]`. */
  readonly rule?: string;
  /** e.g. `email`, `claim/groups`. */
  readonly criterion?: string;
}

export interface CompiledPolicy {
  /** Pure, synchronous, no I/O. */
  evaluate(input: PolicyInput): PolicyResult;
  /** True when some rule looks at who the user is (so an anonymous visitor should sign in). */
  readonly needsIdentity: boolean;
  readonly ruleCount: number;
}

/** The parts of a config route the matching helpers and the engine need (structural: no config dependency). */
export interface RouteLike {
  from: string;
  /** Stable id (`id`, `name` or `from`). */
  key?: string;
  fromHost: string;
  fromPort: number;
  fromScheme: string;
  prefix?: string;
  path?: string;
  regex?: string;
  policy?: unknown;
  allow_public_unauthenticated_access?: boolean;
  allow_any_authenticated_user?: boolean;
  upstream_tunnel?: { ssh_policy?: unknown } | undefined;
}
