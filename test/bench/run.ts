// `npm run bench`: Drawbridge side by side with OpenSSH's own reverse forwarding, on loopback.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../kit/index.js';
import { REPO_ROOT, startNodeChild } from './lib/child.js';
import { machineInfo } from './lib/machine.js';
import { medians, runMatrix } from './measure/matrix.js';
import { parseOptions } from './options.js';
import { directTarget } from './targets/direct.js';
import { startAllInOne } from './targets/drawbridge-aio.js';
import { startOpenSsh } from './targets/openssh.js';
import type { Target } from './targets/target.js';

const opts = parseOptions(process.argv.slice(2));
const log = (line: string) => console.log(line);
const want = (k: string) => !opts.only || opts.only.has(k);

const tmp = tempDir('drawbridge-bench-');
const cleanups: Array<() => Promise<void>> = [];
const started = Date.now();
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
    const t = await startOpenSsh(tmp.path, upstreamPort);
    cleanups.push(() => t.stop());
    targets.push(t);
  }
  if (want('aio')) {
    const t = await startAllInOne(tmp.path, upstreamPort);
    cleanups.push(() => t.stop());
    targets.push(t);
    log(`all-in-one: Authorize → first 200 in ${t.authorizeToFirst200Ms.toFixed(0)} ms`);
  }
  log(`targets: ${targets.map((t) => `${t.label} ${t.url}`).join(', ')}`);
  const samples = await runMatrix(targets, {
    rounds: opts.rounds,
    seconds: opts.loadSeconds,
    mib: opts.transferMiB,
    uploadFile,
    workDir: tmp.path,
    log,
  });
  console.log(JSON.stringify({ machine: machineInfo(), medians: medians(samples) }, null, 2));
} finally {
  for (const c of cleanups.reverse()) await c().catch((err) => console.error('cleanup:', err));
  tmp.cleanup();
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
