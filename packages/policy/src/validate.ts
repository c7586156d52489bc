import { parsePolicy } from './parse.js';
import type { PolicyIssue } from './types.js';

export type { PolicyIssue } from './types.js';

/**
 * Checks a raw policy value (as it appears in YAML) and lists every problem found, each with its
 * path relative to the policy root (e.g. `[0, 'allow', 'and', 0, 'emial']`) and a hint.
 */
export function validatePolicy(raw: unknown): PolicyIssue[] {
  return parsePolicy(raw).issues;
}
