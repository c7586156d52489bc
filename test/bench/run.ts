// `npm run bench`: Drawbridge side by side with OpenSSH's own reverse forwarding, on loopback.
// Flags: --quick (≈2 min smoke), --soak (10 min churn), --only=direct,openssh,aio,dist, --no-profile, --no-write.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { Session } from '@drawbridge/protocol';
import { tempDir } from '../kit/index.js';
import { REPO_ROOT, startNodeChild } from './lib/child.js';
import { machineInfo } from './lib/machine.js';
import { benchIdentity } from './lib/signin.js';
import { measureAuthorize } from './measure/authorize.js';
import { measureConfigChanges } from './measure/config-change.js';
import { measureFleet } from './measure/fleet.js';
import { hasWrk, medians, runMatrix } from './measure/matrix.js';
import { profileAllInOne } from './measure/profile.js';
import { soak } from './measure/soak.js';
import { parseOptions } from './options.js';
import { renderMarkdown } from './report/markdown.js';
import type { BenchReport } from './report/types.js';
import { directTarget } from './targets/direct.js';
import { type DrawbridgeTarget, startAllInOne } from './targets/drawbridge-aio.js';
import { startDistributed } from './targets/drawbridge-dist.js';
import { startOpenSsh } from './targets/openssh.js';
import type { Target } from './targets/target.js';

const opts = parseOptions(process.argv.slice(2));
// Every launcher (kit and bench) adds a kill-on-exit hook; there are legitimately more than ten.
process.setMaxListeners(64);
const log = (line: string) => console.log(line);
const want = (k: string) => !opts.only || opts.only.has(k);
const firstLine = (err: unknown) => String(err instanceof Error ? err.message : err).split('\n')[0]!;

const tmp = tempDir('drawbridge-bench-');
const artifacts = join(REPO_ROOT, 'test/artifacts/bench');
mkdirSync(artifacts, { recursive: true });
const cleanups: Array<() => Promise<void>> = [];
const started = Date.now();
const report: BenchReport = {
  options: opts,
  machine: machineInfo(),
  startedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  durationSeconds: 0,
  loadGenerator: hasWrk() ? machineInfo().wrk.replace(/ Copyright.*/, '') : 'autocannon (wrk not installed)',
  labels: {
    direct: 'Direct',
    openssh: 'OpenSSH',
    aio: 'Drawbridge all-in-one',
    dist: 'Drawbridge distributed',
  },
  medians: {},
  timings: [],
  notes: [],
};

/** Runs one optional part; a failure becomes a note in the report instead of ending the run. */
async function part<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    log(`! ${name} failed: ${String(err).slice(0, 2000)}`);
    report.notes.push(`${name} could not be measured: ${firstLine(err)}`);
    return undefined;
  }
}

try {
  log(
    `drawbridge bench (${opts.mode}): ${opts.rounds} round(s), ${opts.loadSeconds} s per load run, ${opts.transferMiB} MiB transfers`,
  );
  const upstream = await startNodeChild(join(REPO_ROOT, 'test/bench/upstream-main.ts'));
  cleanups.push(() => upstream.stop());
  const upstreamPort = (upstream.ready as { port: number }).port;
  const uploadFile = join(tmp.path, 'upload.bin');
  writeFileSync(uploadFile, Buffer.alloc(opts.transferMiB * 1024 * 1024, 0x62));

  const targets: Target[] = [];
  if (want('direct')) targets.push(directTarget(upstreamPort));
  if (want('openssh')) {
    const t = await part('OpenSSH reference', () => startOpenSsh(tmp.path, upstreamPort));
    if (t) cleanups.push(() => t.stop()), targets.push(t);
  }
  const aio = want('aio')
    ? await part('Drawbridge all-in-one', () => startAllInOne(tmp.path, upstreamPort))
    : undefined;
  if (aio) cleanups.push(() => aio.stop()), targets.push(aio);
  const dist = want('dist')
    ? await part('Drawbridge distributed', () => startDistributed(tmp.path, upstreamPort))
    : undefined;
  if (dist) cleanups.push(() => dist.stop()), targets.push(dist);
  for (const t of [aio, dist])
    if (t) log(`${t.label}: Authorize → first 200 in ${t.authorizeToFirst200Ms.toFixed(0)} ms`);

  if (opts.mode === 'soak') {
    if (!aio) throw new Error('the soak needs the all-in-one target');
    log(`soak: ${opts.soakMinutes} min of tunnels connecting and disconnecting under load`);
    report.soak = await soak(aio, tmp.path, upstreamPort, opts.soakMinutes, log);
  } else {
    log(`matrix: ${targets.map((t) => t.label).join(', ')}`);
    const samples = await runMatrix(targets, {
      rounds: opts.rounds,
      seconds: opts.loadSeconds,
      mib: opts.transferMiB,
      uploadFile,
      workDir: tmp.path,
      log,
    });
    report.medians = medians(samples);
    writeFileSync(join(artifacts, 'samples.json'), JSON.stringify(samples, null, 1));

    const attempts = opts.mode === 'quick' ? 1 : 3;
    for (const t of [aio, dist]) {
      if (!t) continue;
      log(`${t.label}: config write → 403/503 and back`);
      const timings = await part(`${t.label} config changes`, () => measureConfigChanges(t, attempts));
      if (timings) report.timings.push(...timings);
    }
    const approvers: [DrawbridgeTarget | undefined, (code: string) => Promise<Session>][] = [
      [
        aio,
        (code) =>
          aio!.child.call<Session>('approve', { userCode: code, identity: benchIdentity(aio!.setup.email) }),
      ],
      [dist, (code) => (dist as unknown as { approve(c: string): Promise<Session> }).approve(code)],
    ];
    for (const [t, approve] of approvers) {
      if (!t) continue;
      log(`${t.label}: Authorize → first 200`);
      const timing = await part(`${t.label} Authorize timing`, () =>
        measureAuthorize(t, tmp.path, upstreamPort, approve, attempts - 1),
      );
      if (timing) report.timings.push(timing);
    }
    for (const c of cleanups.splice(1).reverse()) await c().catch((err) => log(`cleanup: ${firstLine(err)}`));

    if (want('aio')) {
      log(`fleet: ${opts.fleetTunnels} idle tunnels on one ssh-edge`);
      report.fleet = await part('idle tunnel fleet', () => measureFleet(tmp.path, opts.fleetTunnels, log));
      const { benchPolicy } = await import('@drawbridge/policy');
      const p = benchPolicy({ durationMs: opts.mode === 'quick' ? 300 : 1000 });
      report.policy = { seed: p.seed.decisionsPerSecond, fiftyRules: p.fiftyRules.decisionsPerSecond };
      log(
        `policy: ${p.seed.decisionsPerSecond} decisions/s (seed), ${p.fiftyRules.decisionsPerSecond} (50 rules)`,
      );
      if (opts.profile) {
        log('profile: all-in-one under --cpu-prof, wrk c=64');
        report.profile = await part('CPU profile', () =>
          profileAllInOne(tmp.path, upstreamPort, 10, artifacts),
        );
        for (const a of report.profile?.byArea.slice(0, 8) ?? [])
          log(`  ${a.selfPct.toFixed(1).padStart(5)} %  ${a.area}`);
      }
    }
  }
} finally {
  for (const c of cleanups.reverse()) await c().catch((err) => console.error('cleanup:', firstLine(err)));
  tmp.cleanup();
  report.durationSeconds = (Date.now() - started) / 1000;
  report.machine.loadEnd = Math.round(loadavg()[0]! * 100) / 100;
  const md = renderMarkdown(report);
  writeFileSync(
    join(artifacts, 'report.json'),
    JSON.stringify(report, (k, v) => (v instanceof Set ? [...v] : v), 1),
  );
  // The soak has its own report; BENCHMARKS.md keeps the side-by-side figures.
  if (opts.mode === 'soak') writeFileSync(join(artifacts, 'soak.md'), md);
  else if (opts.outFile && Object.keys(report.medians).length > 0)
    writeFileSync(resolve(REPO_ROOT, opts.outFile), md);
  log(`\n${md}`);
  log(`done in ${report.durationSeconds.toFixed(0)} s`);
}
