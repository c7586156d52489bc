import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../lib/child.js';
import { wrkRun } from '../load/wrk.js';
import type { ProfileResult } from '../report/types.js';
import { startAllInOne } from '../targets/drawbridge-aio.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives, coarse enough to say which layer costs what. */
export function areaOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pnpm = url.match(/node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (pnpm) return `npm ${pnpm[1]}`;
  const mod = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (mod) return `npm ${mod[1]}`;
  const ws = url.match(/\/(services|packages)\/([^/]+)\//);
  if (ws) return `${ws[1] === 'services' ? 'service' : 'package'} ${ws[2]}`;
  const core = url.match(/^node:(?:internal\/)?([^/]+)/);
  if (core) return `node ${core[1]!.replace(/\.js$/, '')}`;
  return url.replace(/^file:\/\//, '');
}

/** Self time per function and per area, and folded stacks for flamegraph.pl / speedscope. */
export function analyzeProfile(
  profile: CpuProfile,
  window?: { fromUs: number; toUs: number },
  topN = 25,
): Omit<ProfileResult, 'file' | 'foldedFile' | 'requests'> & { folded: string } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    // V8 stamps samples with the monotonic clock process.hrtime reads, so the load window applies directly.
    if (window && (at < window.fromUs || at > window.toUs)) return;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const busy = [...self.entries()]
    .filter(([id]) => byId.get(id)?.callFrame.functionName !== '(idle)')
    .reduce((s, [, v]) => s + v, 0);
  const fnSelf = new Map<string, { name: string; where: string; us: number }>();
  const areaSelf = new Map<string, number>();
  const stacks = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') continue;
    const where = url
      ? `${relative(REPO_ROOT, url.replace(/^file:\/\//, '')).replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')}:${lineNumber + 1}`
      : '';
    const key = `${functionName}@${where}`;
    const e = fnSelf.get(key) ?? { name: functionName || '(anonymous)', where, us: 0 };
    e.us += us;
    fnSelf.set(key, e);
    const area = areaOf(url, functionName);
    areaSelf.set(area, (areaSelf.get(area) ?? 0) + us);
    const frames: string[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (f.functionName === '(root)') break;
      frames.push(`${f.functionName || '(anonymous)'} [${areaOf(f.url, f.functionName)}]`.replace(/;/g, ','));
    }
    const stack = frames.reverse().join(';');
    stacks.set(stack, (stacks.get(stack) ?? 0) + us);
  }
  const pct = (us: number) => (busy ? (us / busy) * 100 : 0);
  return {
    sampledMs: total / 1000,
    top: [...fnSelf.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((e) => ({ name: e.name, where: e.where, selfPct: pct(e.us) })),
    byArea: [...areaSelf.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([area, us]) => ({ area, selfPct: pct(us) })),
    folded: [...stacks.entries()].map(([s, us]) => `${s} ${Math.round(us)}`).join('\n'),
  };
}

/**
 * Runs a separate all-in-one under `node --cpu-prof`, loads it with wrk c=64, stops it cleanly so
 * the profile is written, and summarises where the time went.
 */
export async function profileAllInOne(
  dir: string,
  upstreamPort: number,
  seconds: number,
  outDir: string,
): Promise<ProfileResult> {
  // Every thread writes its own profile (tsx's loader hooks run in a worker); keep the main thread's.
  const profDir = join(dir, 'cpu-prof');
  const t = await startAllInOne(join(dir, 'profile'), upstreamPort, {
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
  });
  let requests = 0;
  let window: { fromUs: number; toUs: number } | undefined;
  try {
    await wrkRun(t, dir, 16, 2);
    // Startup (module loading, key generation) would otherwise fill a third of the profile.
    const fromUs = await t.child.call<number>('clock');
    requests = (await wrkRun(t, dir, 64, seconds)).requests;
    window = { fromUs, toUs: await t.child.call<number>('clock') };
  } finally {
    await t.stop();
  }
  const main = readdirSync(profDir).find((f) =>
    new RegExp(`^CPU\\.\\d+\\.\\d+\\.${t.child.pid}\\.0\\.`).test(f),
  );
  if (!main) throw new Error(`no main-thread profile in ${profDir}: ${readdirSync(profDir).join(', ')}`);
  const file = join(outDir, 'drawbridge-all-in-one.cpuprofile');
  copyFileSync(join(profDir, main), file);
  const a = analyzeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, window);
  const foldedFile = join(outDir, 'drawbridge-all-in-one.folded');
  writeFileSync(foldedFile, a.folded);
  return {
    file: relative(REPO_ROOT, file),
    foldedFile: relative(REPO_ROOT, foldedFile),
    requests,
    sampledMs: a.sampledMs,
    top: a.top,
    byArea: a.byArea,
  };
}
