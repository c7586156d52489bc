import { execFileSync } from 'node:child_process';
import { totalCpuSeconds } from '../lib/proc.js';
import { median, ratio } from '../lib/stats.js';
import { autocannonRun } from '../load/autocannon.js';
import { download, upload } from '../load/transfer.js';
import { type LoadResult, wrkRun } from '../load/wrk.js';
import type { Target } from '../targets/target.js';

export const CONCURRENCIES = [1, 16, 64] as const;

export interface MatrixOptions {
  rounds: number;
  /** Seconds per load run. */
  seconds: number;
  /** Size of the bulk download/upload. */
  mib: number;
  uploadFile: string;
  workDir: string;
  log(line: string): void;
}

/** Every figure of every round, per target key, then per metric name (e.g. `rps@64`). */
export type MatrixSamples = Record<string, Record<string, number[]>>;

export function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['-v'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    // wrk -v exits 1 after printing its version.
    return (err as { status?: number }).status === 1;
  }
}

function push(s: MatrixSamples, key: string, metric: string, value: number): void {
  s[key] ??= {};
  s[key][metric] ??= [];
  s[key][metric].push(value);
}

/**
 * Rounds interleave the targets (A B C D, A B C D, …) so a slow minute on the machine hurts every
 * target alike instead of one.
 */
export async function runMatrix(targets: Target[], o: MatrixOptions): Promise<MatrixSamples> {
  const useWrk = hasWrk();
  const load = (t: Target, c: number): Promise<LoadResult> =>
    useWrk ? wrkRun(t, o.workDir, c, o.seconds) : autocannonRun(t, c, o.seconds);
  const samples: MatrixSamples = {};
  for (const t of targets) {
    // Warm-up: JIT, TLS session state, pooled data-plane connections.
    await load(t, 16).catch(() => undefined);
  }
  for (let round = 1; round <= o.rounds; round++) {
    for (const t of targets) {
      for (const c of CONCURRENCIES) {
        const pids = t.gatewayPids();
        const cpu0 = totalCpuSeconds(pids);
        const r = await load(t, c);
        const cpu = totalCpuSeconds(pids) - cpu0;
        push(samples, t.key, `rps@${c}`, r.rps);
        push(samples, t.key, `p50@${c}`, r.p50);
        push(samples, t.key, `p99@${c}`, r.p99);
        push(samples, t.key, `errors@${c}`, r.errors);
        if (c === 64 && pids.length > 0) push(samples, t.key, 'cpu10k', (cpu / r.requests) * 10_000);
        o.log(
          `  round ${round} ${t.label.padEnd(24)} c=${String(c).padStart(2)}  ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms${r.errors ? `  errors ${r.errors}` : ''}${c === 64 && pids.length ? `  cpu ${((cpu / r.requests) * 10_000).toFixed(2)} s/10k` : ''}`,
        );
      }
      const dl = await download(t, o.mib).catch((err) => ({
        status: 0,
        mibPerSecond: Number.NaN,
        error: err,
      }));
      const ul = await upload(t, o.uploadFile).catch((err) => ({
        status: 0,
        mibPerSecond: Number.NaN,
        error: err,
      }));
      push(samples, t.key, 'download', dl.status === 200 ? dl.mibPerSecond : Number.NaN);
      push(samples, t.key, 'upload', ul.status === 200 ? ul.mibPerSecond : Number.NaN);
      o.log(
        `  round ${round} ${t.label.padEnd(24)} download ${dl.mibPerSecond.toFixed(0)} MiB/s (${dl.status})  upload ${ul.mibPerSecond.toFixed(0)} MiB/s (${ul.status})`,
      );
    }
  }
  return samples;
}

/**
 * Median per metric, plus `ratio:<metric>` for Drawbridge targets: the median of the per-round
 * ratios to OpenSSH, so each ratio pairs figures measured seconds apart on a machine whose load moves.
 */
export function medians(samples: MatrixSamples): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const base = samples.openssh ?? {};
  for (const [key, metrics] of Object.entries(samples)) {
    out[key] = {};
    for (const [m, values] of Object.entries(metrics)) {
      out[key][m] = median(values);
      const ref = base[m];
      if ((key === 'aio' || key === 'dist') && ref)
        out[key][`ratio:${m}`] = median(values.map((v, i) => ratio(v, ref[i] ?? Number.NaN)));
    }
  }
  return out;
}
