import { DrawbridgeError } from '@drawbridge/protocol';
import type { PolicyIssue } from './types.js';

/** A policy that does not parse: unknown criterion, matcher or operator, or a value of the wrong shape. */
export const ERR_POLICY_INVALID = 'DRAWBRIDGE_POLICY_INVALID';

/** Thrown by `compilePolicy` and `createPolicyEngine`; `issues` carry paths relative to the policy root. */
export class PolicyError extends DrawbridgeError {
  readonly issues: readonly PolicyIssue[];
  constructor(issues: PolicyIssue[], opts: { cause?: unknown; context?: string } = {}) {
    const first = issues[0];
    const where = (p: PolicyIssue) => (p.path.length > 0 ? `${formatPolicyPath(p.path)}: ` : '');
    const summary = first ? `${where(first)}${first.message}` : 'invalid policy';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super(ERR_POLICY_INVALID, `${opts.context ? `${opts.context}: ` : ''}${summary}${more}`, {
      cause: opts.cause,
      details: { issues },
    });
    this.name = 'PolicyError';
    this.issues = issues;
  }
}

/** `[0,'allow','and',1]` → `[0].allow.and[1]`. */
export function formatPolicyPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
