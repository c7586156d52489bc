// Smoke check of the distributed target alone.
import { join } from 'node:path';
import { tempDir } from '../kit/index.js';
import { REPO_ROOT, startNodeChild } from './lib/child.js';
import { wrkRun } from './load/wrk.js';
import { startDistributed } from './targets/drawbridge-dist.js';

const tmp = tempDir('drawbridge-bench-dist-');
const upstream = await startNodeChild(join(REPO_ROOT, 'test/bench/upstream-main.ts'));
try {
  const t = await startDistributed(tmp.path, (upstream.ready as { port: number }).port);
  console.log('authorize→200', t.authorizeToFirst200Ms, 'pids', t.gatewayPids());
  console.log(await wrkRun(t, tmp.path, 16, 3));
  await t.stop();
} finally {
  await upstream.stop();
  tmp.cleanup();
}
