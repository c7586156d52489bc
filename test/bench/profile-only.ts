// `node --conditions=development --import tsx test/bench/profile-only.ts [seconds]`: just the CPU profile.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../kit/index.js';
import { REPO_ROOT, startNodeChild } from './lib/child.js';
import { profileAllInOne } from './measure/profile.js';

const tmp = tempDir('drawbridge-bench-profile-');
const outDir = join(REPO_ROOT, 'test/artifacts/bench');
mkdirSync(outDir, { recursive: true });
const upstream = await startNodeChild(join(REPO_ROOT, 'test/bench/upstream-main.ts'));
try {
  const p = await profileAllInOne(
    tmp.path,
    (upstream.ready as { port: number }).port,
    Number(process.argv[2] ?? 10),
    outDir,
  );
  console.log(`${p.requests} requests, ${p.sampledMs.toFixed(0)} ms sampled; ${p.file}`);
  for (const a of p.byArea) console.log(`${a.selfPct.toFixed(1).padStart(5)} %  ${a.area}`);
  console.log('');
  for (const f of p.top) console.log(`${f.selfPct.toFixed(1).padStart(5)} %  ${f.name}  ${f.where}`);
} finally {
  await upstream.stop();
  tmp.cleanup();
}
