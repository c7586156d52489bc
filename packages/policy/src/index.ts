export { benchPolicy, type PolicyBenchResult } from './bench.js';
export { type CompileOptions, compileParsedPolicy, compilePolicy } from './compile.js';
export { CRITERION_NAMES } from './criteria/registry.js';
export { createPolicyEngine, type PolicyEngine, type PolicyEngineOptions } from './engine.js';
export { ERR_POLICY_INVALID, formatPolicyPath, PolicyError } from './errors.js';
export { POLICY_ACTIONS, POLICY_OPERATORS, parsePolicy } from './parse.js';
export {
  createRouteIndex,
  findHttpRoute,
  findTunnelRoute,
  matchHost,
  type RouteIndex,
} from './route-match.js';
export type {
  CompiledPolicy,
  CriterionNode,
  OperatorNode,
  ParsedPolicy,
  PolicyAction,
  PolicyIssue,
  PolicyNode,
  PolicyOperator,
  PolicyResult,
  PolicyRule,
  RouteLike,
} from './types.js';
export { validatePolicy } from './validate.js';
