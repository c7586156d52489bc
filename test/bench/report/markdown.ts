import { ratio } from '../lib/stats.js';
import { CONCURRENCIES } from '../measure/matrix.js';
import type { BenchReport } from './types.js';

const fmt = (v: number | undefined, digits = 0) =>
  v === undefined || !Number.isFinite(v)
    ? '—'
    : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const x = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '—');

interface Row {
  name: string;
  metric: string;
  digits: number;
}

const ROWS: Row[] = [
  ...CONCURRENCIES.map((c) => ({ name: `requests/s, c=${c}`, metric: `rps@${c}`, digits: 0 })),
  ...CONCURRENCIES.flatMap((c) => [
    { name: `p50 latency ms, c=${c}`, metric: `p50@${c}`, digits: 2 },
    { name: `p99 latency ms, c=${c}`, metric: `p99@${c}`, digits: 2 },
  ]),
  { name: 'download MiB/s', metric: 'download', digits: 0 },
  { name: 'upload MiB/s', metric: 'upload', digits: 0 },
  { name: 'CPU s per 10k requests (c=64)', metric: 'cpu10k', digits: 2 },
];

function matrixTable(r: BenchReport): string[] {
  const keys = ['direct', 'openssh', 'aio', 'dist'].filter((k) => r.medians[k]);
  const head = [
    '',
    ...keys.flatMap((k) => (k === 'aio' || k === 'dist' ? [r.labels[k]!, '÷ OpenSSH'] : [r.labels[k]!])),
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of ROWS) {
    const base = r.medians.openssh?.[row.metric] ?? Number.NaN;
    const cells = keys.flatMap((k) => {
      const v = r.medians[k]?.[row.metric] ?? Number.NaN;
      const paired = r.medians[k]?.[`ratio:${row.metric}`];
      return k === 'aio' || k === 'dist'
        ? [fmt(v, row.digits), x(paired ?? ratio(v, base))]
        : [fmt(v, row.digits)];
    });
    lines.push(`| ${row.name} | ${cells.join(' | ')} |`);
  }
  const errs = keys
    .map((k) => [k, CONCURRENCIES.reduce((s, c) => s + (r.medians[k]?.[`errors@${c}`] ?? 0), 0)] as const)
    .filter(([, n]) => n > 0);
  if (errs.length)
    lines.push(
      '',
      `Runs with non-2xx answers or socket errors (median count): ${errs.map(([k, n]) => `${r.labels[k]} ${n}`).join(', ')}.`,
    );
  return lines;
}

type Verdict = 'met' | 'not met' | 'not measured';
const verdict = (ok: boolean | undefined): Verdict =>
  ok === undefined ? 'not measured' : ok ? 'met' : 'not met';
const defined = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : undefined);

function targetRows(r: BenchReport): string[] {
  const aio = r.medians.aio ?? {};
  const ssh = r.medians.openssh ?? {};
  const rps = defined(aio['ratio:rps@64'] ?? ratio(aio['rps@64'] ?? Number.NaN, ssh['rps@64'] ?? Number.NaN));
  const p50a = defined(aio['p50@1']);
  const p50s = defined(ssh['p50@1']);
  const dl = defined(aio['ratio:download'] ?? ratio(aio.download ?? Number.NaN, ssh.download ?? Number.NaN));
  const auth = r.timings.find((t) => t.what === 'authorize' && t.target === 'aio')?.ms;
  const cfg = r.timings.find((t) => t.what === 'config-403' && t.target === 'aio')?.ms;
  const f = r.fleet;
  const rows: [string, string, Verdict][] = [
    [
      'Small requests c=64, all-in-one ≥ 0.6× OpenSSH',
      rps === undefined ? '—' : x(rps),
      verdict(rps === undefined ? undefined : rps >= 0.6),
    ],
    [
      'p50 at c=1 ≤ 1.5× OpenSSH + 0.3 ms',
      p50a === undefined || p50s === undefined
        ? '—'
        : `${p50a.toFixed(2)} ms vs limit ${(1.5 * p50s + 0.3).toFixed(2)} ms`,
      verdict(p50a === undefined || p50s === undefined ? undefined : p50a <= 1.5 * p50s + 0.3),
    ],
    [
      '100 MiB download ≥ 0.7× OpenSSH',
      dl === undefined ? '—' : x(dl),
      verdict(dl === undefined ? undefined : dl >= 0.7),
    ],
    [
      'Authorize → first 200 ≤ 300 ms',
      auth === undefined ? '—' : `${fmt(auth)} ms`,
      verdict(auth === undefined ? undefined : auth <= 300),
    ],
    [
      'Config write → 403 ≤ 1 s',
      cfg === undefined ? '—' : `${fmt(cfg)} ms`,
      verdict(cfg === undefined ? undefined : cfg <= 1000),
    ],
    [
      '≥ 10,000 idle tunnels on one ssh-edge',
      f ? `${fmt(f.held)} of ${fmt(f.attempted)} attempted` : '—',
      verdict(f ? f.held >= 10_000 : undefined),
    ],
    [
      '≤ 64 KiB memory per idle tunnel',
      f ? `${fmt(f.rssPerTunnelKiB, 1)} KiB RSS` : '—',
      verdict(f && f.held > 0 ? f.rssPerTunnelKiB <= 64 : undefined),
    ],
  ];
  return ['| target | measured | status |', '|---|---:|---|', ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

/** Shares of the busy time by cause, read off the profile so the sentence never goes stale. */
function profileReading(p: NonNullable<BenchReport['profile']>): string {
  const area = (re: RegExp) => p.byArea.filter((a) => re.test(a.area)).reduce((s, a) => s + a.selfPct, 0);
  const fn = (re: RegExp) => p.top.filter((t) => re.test(t.name)).reduce((s, t) => s + t.selfPct, 0);
  const logging = area(/pino|redact|sonic-boom/) + fn(/^writeString$/);
  const socketWrites = fn(/^(writeUtf8String|writev|writeBuffer)$/);
  return (
    `Reading: socket writes (TLS to the client and the SSH connection, native) ${socketWrites.toFixed(0)} %, ` +
    `the per-request access log (pino, sonic-boom writes) ${logging.toFixed(0)} %, ` +
    `undici (proxying over the tunnel stream) ${area(/undici/).toFixed(0)} %, ssh2 ${area(/ssh2/).toFixed(0)} %, ` +
    `proxy-edge's own code ${area(/proxy-edge/).toFixed(0)} %, metrics (prom-client) ${area(/prom-client/).toFixed(0)} %, GC ${area(/garbage/).toFixed(0)} %.`
  );
}

/** Renders BENCHMARKS.md. */
export function renderMarkdown(r: BenchReport): string {
  const m = r.machine;
  const out: string[] = [
    '# Benchmarks',
    '',
    `Measured by \`npm run bench${r.options.mode === 'full' ? '' : ` -- --${r.options.mode}`}\` on ${r.startedAt} in ${fmt(r.durationSeconds)} s, everything on loopback on one machine. ` +
      `Figures are the median of ${r.options.rounds} interleaved round(s) (direct, OpenSSH, all-in-one, distributed; then again), ` +
      `${r.options.loadSeconds} s per load run. Re-run it to check them; they move ±20 % between runs on a 2-core VM.`,
    '',
    '## Machine',
    '',
    '| | |',
    '|---|---|',
    `| CPU | ${m.cpuModel}, ${m.cores} cores |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| kernel | ${m.kernel} |`,
    `| Node | ${m.node} |`,
    `| OpenSSH | ${m.openssh} |`,
    `| load generator | ${r.loadGenerator} |`,
    `| load average (1 min) at start / end | ${m.loadStart ?? '—'} / ${m.loadEnd ?? '—'} |`,
    '',
    '## What is compared',
    '',
    '- **Direct**: client → the local Node HTTP service (`Hello world!`, 12 bytes).',
    '- **OpenSSH**: client → Debian `sshd` (stock config plus `AllowTcpForwarding yes`) remote forward from `ssh -N -R 127.0.0.1:PORT:127.0.0.1:UPSTREAM` → the same stock `ssh` client → the service. Plain HTTP: this is the reference.',
    '- **Drawbridge all-in-one**: HTTPS (TLS terminated by proxy-edge, session cookie opened and authz evaluated per request) → ssh-edge → the stock `ssh -R hello.localhost:443:…` client → the service; `startServices` in one Node process with the config `drawbridge init` writes (file registry, in-process bus), running the built `dist/` code as `drawbridge start` does.',
    '- **Drawbridge distributed**: the same through separate authz, authn, ssh-edge and proxy-edge processes with Redis (registry) and NATS (bus); proxy-edge reaches the tunnel over the CONNECT data plane; each is `node services/<name>/dist/main.js`.',
    '',
    "Load: `wrk` (`-t2`, one thread at c=1) against `/`; bulk: `curl` download of the service's generated body and upload (PUT) to its sink. " +
      'CPU: user+sys seconds of the gateway processes (sshd and its per-connection children, or the Drawbridge processes incl. Redis and NATS, plus the `ssh` client in both cases) from `/proc/<pid>/stat` around the c=64 run, per 10,000 requests. ' +
      'Ratios are Drawbridge ÷ OpenSSH, taken per round (figures seconds apart) and then the median of the rounds; for latency and CPU lower is better, for the rest higher is better. ' +
      'A load average above the core count means other work shared the machine: figures then drop for every target, which the interleaving and per-round ratios partly absorb.',
    '',
    '## Side by side',
    '',
    ...matrixTable(r),
    '',
    '## Control plane',
    '',
    '| event | mode | median ms | samples | note |',
    '|---|---|---:|---|---|',
    ...r.timings.map(
      (t) =>
        `| ${t.what} | ${r.labels[t.target] ?? t.target} | ${fmt(t.ms)} | ${t.samples.map((s) => fmt(s)).join(', ')} | ${t.note ?? ''} |`,
    ),
    '',
    'authorize = from the Authorize approval of a waiting `ssh -R` sign-in to the first 200 through the new tunnel (polled every 2 ms). ' +
      "config-403 = from rewriting config.yaml (write + rename, as `sed -i` does) with the route policy's email broken to the first 403; config-200 = the fix back to the first 200; " +
      'ssh-policy-503 / ssh-policy-200 = the same for the `upstream_tunnel.ssh_policy` email (tunnel detached → 503, re-attached → 200).',
    '',
  ];
  if (r.fleet) {
    const f = r.fleet;
    out.push(
      '## Idle tunnels on one ssh-edge',
      '',
      `| attempted | held open | registered attached | connect time | ssh-edge RSS before | RSS per tunnel | JS heap per tunnel |`,
      '|---:|---:|---:|---:|---:|---:|---:|',
      `| ${fmt(f.attempted)} | ${fmt(f.held)} | ${fmt(f.registered)} | ${fmt(f.connectSeconds, 1)} s | ${fmt(f.rssBaselineMiB, 1)} MiB | ${fmt(f.rssPerTunnelKiB, 1)} KiB | ${fmt(f.heapPerTunnelKiB, 1)} KiB |`,
      '',
      f.method,
      ...(f.failures.length
        ? ['', `Failures (first distinct): ${f.failures.map((s) => `\`${s}\``).join('; ')}`]
        : []),
      '',
    );
  }
  if (r.policy) {
    out.push(
      '## Policy decisions',
      '',
      `\`benchPolicy()\` from @drawbridge/policy, one core: seed policy (email is) **${fmt(r.policy.seed)}** decisions/s; 50-rule policy **${fmt(r.policy.fiftyRules)}** decisions/s.`,
      '',
    );
  }
  out.push('## Targets from issue 11', '', ...targetRows(r), '');
  if (r.profile) {
    const p = r.profile;
    out.push(
      '## CPU profile of the all-in-one hot path',
      '',
      `\`node --cpu-prof\` on the all-in-one process under wrk c=64 (${fmt(p.requests)} requests, ${fmt(p.sampledMs)} ms sampled). ` +
        `Profile: \`${p.file}\` (open in Chrome DevTools or speedscope for the flame graph); folded stacks for flamegraph.pl: \`${p.foldedFile}\`.`,
      '',
      profileReading(p),
      '',
      '| area | self time |',
      '|---|---:|',
      ...p.byArea.map((a) => `| ${a.area} | ${a.selfPct.toFixed(1)} % |`),
      '',
      '| function | where | self time |',
      '|---|---|---:|',
      ...p.top.map((t) => `| \`${t.name}\` | ${t.where} | ${t.selfPct.toFixed(1)} % |`),
      '',
    );
  }
  if (r.soak) {
    const s = r.soak;
    out.push(
      '## Soak',
      '',
      `${fmt(s.minutes, 1)} min, ${fmt(s.cycles)} cycles of 48 tunnels connecting (bound keys), HTTPS load through them, disconnecting. RSS ${fmt(s.rssStartMiB, 1)} → ${fmt(s.rssEndMiB, 1)} MiB (max ${fmt(s.rssMaxMiB, 1)}); ` +
        `open fds ${fmt(s.fdsStart)} → ${fmt(s.fdsEnd)}; tunnels left in the registry after all clients left: ${fmt(s.tunnelsLeft)}.`,
      ...(s.failures.length ? ['', `Failures: ${s.failures.join('; ')}`] : []),
      '',
    );
  }
  if (r.notes.length) out.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}
