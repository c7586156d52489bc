/** How long and how much each part of the bench runs. */
export interface BenchOptions {
  mode: 'full' | 'quick' | 'soak';
  rounds: number;
  loadSeconds: number;
  transferMiB: number;
  /** Idle tunnels the ssh2 fleet tries to hold open on one ssh-edge. */
  fleetTunnels: number;
  soakMinutes: number;
  profile: boolean;
  /** Subset of targets (direct, openssh, aio, dist); all by default. */
  only?: Set<string>;
  /** Where BENCHMARKS.md goes; stdout only when undefined. */
  outFile?: string;
}

/** `--quick` (≈2 min smoke), `--soak` (10 min churn), `--only=direct,openssh`, `--no-profile`, `--no-write`. */
export function parseOptions(argv: string[]): BenchOptions {
  const has = (f: string) => argv.includes(f);
  const value = (f: string) => argv.find((a) => a.startsWith(`${f}=`))?.slice(f.length + 1);
  const mode = has('--soak') ? 'soak' : has('--quick') ? 'quick' : 'full';
  const quick = mode === 'quick';
  const only = value('--only');
  return {
    mode,
    rounds: Number(value('--rounds') ?? (quick ? 1 : 3)),
    loadSeconds: Number(value('--seconds') ?? (quick ? 2 : 5)),
    transferMiB: quick ? 20 : 100,
    fleetTunnels: Number(value('--tunnels') ?? (quick ? 500 : 10_000)),
    soakMinutes: Number(value('--soak-minutes') ?? 10),
    profile: !has('--no-profile') && !quick,
    only: only ? new Set(only.split(',')) : undefined,
    outFile: has('--no-write') ? undefined : (value('--out') ?? 'BENCHMARKS.md'),
  };
}
