import type { PolicyInput } from '@drawbridge/protocol';
import type { PolicyIssue } from '../types.js';

/** A compiled criterion: a plain predicate over the input. */
export type Predicate = (input: PolicyInput) => boolean;

/** How one criterion parses its value and compiles to a predicate. */
export interface CriterionDefinition<S = unknown> {
  name: string;
  /** `claim/<name>` needs a sub-path; every other criterion refuses one. */
  subPath: 'required' | 'none';
  /** Looks at who the user is: undecidable (so "sign in first") when the input has no identity. */
  needsIdentity: boolean;
  /** Matchers this criterion accepts, for messages. */
  matchers: readonly string[];
  /** Returns the normalised spec, or undefined after pushing issues. */
  parse(
    value: unknown,
    path: (string | number)[],
    issues: PolicyIssue[],
    subPath: string | undefined,
  ): S | undefined;
  compile(spec: S, subPath: string | undefined): Predicate;
}

export function defineCriterion<S>(def: CriterionDefinition<S>): CriterionDefinition<unknown> {
  return def as CriterionDefinition<unknown>;
}
