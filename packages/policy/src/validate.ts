/** One problem inside a policy, with its path relative to the policy root. */
export interface PolicyIssue {
  path: (string | number)[];
  message: string;
  hint?: string;
}

/** Checks a raw policy value (as it appears in YAML) and lists every problem found. */
export function validatePolicy(_raw: unknown): PolicyIssue[] {
  // TODO(issue 6): replaced by the real parser.
  return [];
}
