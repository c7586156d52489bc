import { CRITERIA, CRITERION_NAMES } from './criteria/registry.js';
import { describeValue, hintFor, isPlainObject } from './lib/describe.js';
import type {
  OperatorNode,
  ParsedPolicy,
  PolicyAction,
  PolicyIssue,
  PolicyNode,
  PolicyOperator,
  PolicyRule,
} from './types.js';

export const POLICY_ACTIONS: readonly PolicyAction[] = ['allow', 'deny'];
export const POLICY_OPERATORS: readonly PolicyOperator[] = ['and', 'or', 'not', 'nor'];

type Path = (string | number)[];

/**
 * Parses a raw PPL value (as YAML gives it) into rules; every problem is reported with its path.
 * Accepts what Pomerium accepts — a rule object or a list of them, criteria without a matcher — plus
 * operators nested inside criteria lists (`and: [{ or: [...] }]`).
 * @example parsePolicy({ allow: { and: [{ email: 'alice@example.com' }] } })
 */
export function parsePolicy(raw: unknown): { policy: ParsedPolicy; issues: PolicyIssue[] } {
  const issues: PolicyIssue[] = [];
  const rules: PolicyRule[] = [];
  const counts: Record<PolicyAction, number> = { allow: 0, deny: 0 };
  if (raw === null || raw === undefined) return { policy: { rules }, issues };
  if (Array.isArray(raw)) {
    raw.forEach((item, i) => {
      if (!isPlainObject(item)) {
        issues.push({
          path: [i],
          message: `each policy rule must be a mapping such as { allow: … }, got ${describeValue(item)}`,
        });
        return;
      }
      parseRuleObject(item, [i], rules, counts, issues);
    });
  } else if (isPlainObject(raw)) {
    parseRuleObject(raw, [], rules, counts, issues);
  } else {
    issues.push({
      path: [],
      message: `a policy must be a mapping with allow/deny or a list of them, got ${describeValue(raw)}`,
      hint: 'e.g. policy: { allow: { and: [ { email: { is: you@example.com } } ] } }',
    });
  }
  return { policy: { rules }, issues };
}

function parseRuleObject(
  obj: Record<string, unknown>,
  path: Path,
  rules: PolicyRule[],
  counts: Record<PolicyAction, number>,
  issues: PolicyIssue[],
): void {
  for (const [key, body] of Object.entries(obj)) {
    const at = [...path, key];
    if (key !== 'allow' && key !== 'deny') {
      const isOperator = (POLICY_OPERATORS as readonly string[]).includes(key);
      issues.push({
        path: at,
        message: `unknown action "${key}"`,
        hint: isOperator ? `put "${key}" under allow: or deny:` : hintFor(key, POLICY_ACTIONS, 'actions'),
      });
      continue;
    }
    const action: PolicyAction = key;
    const label = `${action}[${counts[action]++}]`;
    if (Array.isArray(body)) {
      issues.push({
        path: at,
        message: `${action} needs a logical operator above its list of criteria`,
        hint: `write ${action}: { and: [ … ] } (all must match) or ${action}: { or: [ … ] } (any may match)`,
      });
      continue;
    }
    if (!isPlainObject(body)) {
      issues.push({
        path: at,
        message: `${action} must be a mapping of and/or/not/nor to criteria, got ${describeValue(body)}`,
        hint: `e.g. ${action}: { or: [ { email: you@example.com } ] }`,
      });
      continue;
    }
    const operators: OperatorNode[] = [];
    for (const [opKey, list] of Object.entries(body)) {
      if (opKey === 'action') continue; // Pomerium tolerates it.
      if (!(POLICY_OPERATORS as readonly string[]).includes(opKey)) {
        const isCriterion = CRITERIA.has(opKey.split('/')[0] ?? '');
        issues.push({
          path: [...at, opKey],
          message: `unknown operator "${opKey}"`,
          hint: isCriterion
            ? `put criteria in a list under an operator: ${action}: { and: [ { ${opKey}: … } ] }`
            : hintFor(opKey, POLICY_OPERATORS, 'operators'),
        });
        continue;
      }
      const node = parseOperator(opKey as PolicyOperator, list, [...at, opKey], `${label}.${opKey}`, issues);
      if (node) operators.push(node);
    }
    if (operators.length === 0 && !issues.some((i) => startsWith(i.path, at))) {
      issues.push({
        path: at,
        message: `${action} has no operator`,
        hint: `add and, or, not or nor with a list of criteria`,
      });
    }
    rules.push({ action, index: counts[action] - 1, operators, label });
  }
}

function startsWith(path: Path, prefix: Path): boolean {
  return prefix.every((p, i) => path[i] === p);
}

function parseOperator(
  op: PolicyOperator,
  raw: unknown,
  path: Path,
  label: string,
  issues: PolicyIssue[],
): OperatorNode | undefined {
  // Pomerium needs a list; a single criterion mapping is unambiguous, so it is taken as a list of one.
  const list = isPlainObject(raw) ? [raw] : raw;
  if (!Array.isArray(list)) {
    issues.push({
      path,
      message: `${op} needs a list of criteria, got ${describeValue(raw)}`,
      hint: `e.g. ${op}: [ { email: you@example.com } ]`,
    });
    return undefined;
  }
  if (list.length === 0) {
    issues.push({
      path,
      message: `${op} has an empty list of criteria`,
      hint: 'add at least one criterion, or remove the operator',
    });
    return undefined;
  }
  const children: PolicyNode[] = [];
  let ok = true;
  list.forEach((item, i) => {
    const child = parseCriterion(item, Array.isArray(raw) ? [...path, i] : path, `${label}[${i}]`, issues);
    if (child) children.push(child);
    else ok = false;
  });
  return ok ? { type: 'operator', op, children, label } : undefined;
}

function parseCriterion(
  item: unknown,
  path: Path,
  label: string,
  issues: PolicyIssue[],
): PolicyNode | undefined {
  if (!isPlainObject(item)) {
    issues.push({
      path,
      message: `a criterion must be a mapping such as { email: … }, got ${describeValue(item)}`,
    });
    return undefined;
  }
  const keys = Object.keys(item);
  if (keys.length !== 1) {
    issues.push({
      path,
      message:
        keys.length === 0
          ? 'empty criterion'
          : `a criterion has exactly one key, found ${keys.length} (${keys.join(', ')})`,
      hint: 'write each criterion as its own list item: - email: … / - groups: …',
    });
    return undefined;
  }
  const key = keys[0]!;
  const value = item[key];
  const at = [...path, key];
  if ((POLICY_OPERATORS as readonly string[]).includes(key)) {
    return parseOperator(key as PolicyOperator, value, at, `${label}.${key}`, issues);
  }
  const slash = key.indexOf('/');
  const name = slash >= 0 ? key.slice(0, slash) : key;
  const subPath = slash >= 0 ? key.slice(slash + 1) : undefined;
  const def = CRITERIA.get(name);
  if (!def) {
    issues.push({
      path: at,
      message: `unknown criterion "${key}"`,
      hint: hintFor(name, CRITERION_NAMES, 'criteria'),
    });
    return undefined;
  }
  if (def.subPath === 'required' && !subPath) {
    issues.push({
      path: at,
      message: `${name} needs a claim name: ${name}/<name>`,
      hint: `e.g. ${name}/groups: admins`,
    });
    return undefined;
  }
  if (def.subPath === 'none' && subPath !== undefined) {
    issues.push({ path: at, message: `${name} takes no sub-path ("${key}")`, hint: `write ${name}: …` });
    return undefined;
  }
  const before = issues.length;
  const spec = def.parse(value, at, issues, subPath);
  if (spec === undefined) {
    if (issues.length === before)
      issues.push({ path: at, message: `invalid value for ${key}: ${describeValue(value)}` });
    return undefined;
  }
  return { type: 'criterion', name, subPath, spec, label };
}
