import type { PolicyInput } from '@drawbridge/protocol';
import { compilePolicy } from './compile.js';
import type { CompiledPolicy } from './types.js';

export interface PolicyBenchCase {
  name: string;
  rules: number;
  decisionsPerSecond: number;
  iterations: number;
  allowed: number;
}

export interface PolicyBenchResult {
  seed: PolicyBenchCase;
  fiftyRules: PolicyBenchCase;
}

/** The seed config's policy. */
export const SEED_POLICY = { allow: { and: [{ email: { is: 'alice@example.com' } }] } };

/** 49 allow rules that do not match alice (mixed criteria) and one that does, plus a deny rule. */
export function fiftyRulePolicy(): unknown {
  const rules: unknown[] = [
    { deny: { or: [{ email: { is: 'mallory@example.com' } }, { source_ip: '203.0.113.0/24' }] } },
  ];
  for (let i = 0; i < 49; i++) {
    const kind = i % 5;
    const crit =
      kind === 0
        ? { email: { is: `user${i}@example.com` } }
        : kind === 1
          ? { groups: { has: `group-${i}` } }
          : kind === 2
            ? { domain: { is: `corp${i}.example` } }
            : kind === 3
              ? { 'claim/department': `dept-${i}` }
              : { and: [{ http_path: { starts_with: `/team-${i}/` } }, { authenticated_user: true }] };
    rules.push({ allow: { and: [crit] } });
  }
  rules.push({ allow: { and: [{ domain: { is: 'example.com' } }, { groups: { has: 'engineering' } }] } });
  return rules;
}

function identity(email: string, groups: string[]) {
  return { sub: `sub-${email}`, email, groups, claims: { department: 'r&d' } };
}

function run(
  name: string,
  policy: CompiledPolicy,
  rules: number,
  inputs: PolicyInput[],
  durationMs: number,
): PolicyBenchCase {
  let allowed = 0;
  // Warm up so the measurement sees optimised code.
  for (let i = 0; i < 200_000; i++) if (policy.evaluate(inputs[i & 3]!).allow) allowed++;
  allowed = 0;
  let iterations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(durationMs) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 10_000; i++) if (policy.evaluate(inputs[i & 3]!).allow) allowed++;
    iterations += 10_000;
    now = process.hrtime.bigint();
  }
  const seconds = Number(now - start) / 1e9;
  return { name, rules, iterations, allowed, decisionsPerSecond: Math.round(iterations / seconds) };
}

/**
 * Measures decisions per second on one core for the seed policy and a 50-rule policy.
 * @example const { seed } = benchPolicy(); console.log(seed.decisionsPerSecond)
 */
export function benchPolicy(opts: { durationMs?: number } = {}): PolicyBenchResult {
  const durationMs = opts.durationMs ?? 1000;
  const now = Date.now();
  const http = { method: 'GET', path: '/', host: 'hello.example.com' };
  const inputs: PolicyInput[] = [
    { identity: identity('alice@example.com', ['engineering']), http, sourceIp: '192.0.2.10', now },
    { identity: identity('bob@example.com', ['sales']), http, sourceIp: '192.0.2.11', now },
    { identity: identity('Alice@Example.com', ['engineering']), http, sourceIp: '192.0.2.12', now },
    { identity: identity('carol@other.example', []), http, sourceIp: '192.0.2.13', now },
  ];
  return {
    seed: run('seed policy (email is)', compilePolicy(SEED_POLICY), 1, inputs, durationMs),
    fiftyRules: run('50-rule policy', compilePolicy(fiftyRulePolicy()), 51, inputs, durationMs),
  };
}
