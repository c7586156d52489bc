import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { initDevSetup } from '@drawbridge/cli';
import { freePort, NodeProcess, tempDir, waitUntil } from '../kit/index.js';
import { readPassword, runWalkthrough } from './walkthrough.js';

const ROOT = join(import.meta.dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'test', 'artifacts');

let tmp: ReturnType<typeof tempDir>;
let gateway: NodeProcess;
let setup: ReturnType<typeof initDevSetup>;

before(async () => {
  tmp = tempDir('drawbridge-e2e-aio-');
  mkdirSync(ARTIFACTS, { recursive: true });
  setup = initDevSetup({
    dir: join(tmp.path, 'gw'),
    httpsPort: await freePort(),
    sshPort: await freePort(),
    idpPort: await freePort(),
    bindHost: '127.0.0.1',
  });
  // The README's command, as a user runs it.
  gateway = new NodeProcess([join(ROOT, 'packages/cli/bin/drawbridge.mjs'), 'start', '--config', setup.dir], {
    logFile: join(ARTIFACTS, 'all-in-one-gateway.log'),
  });
  await waitUntil(
    () => /ssh -R/.test(gateway.output) || !gateway.running,
    30_000,
    'drawbridge start to print the ssh command',
  );
  if (!gateway.running) throw new Error(`drawbridge start exited:\n${gateway.output}`);
});

after(async () => {
  await gateway?.stop();
  tmp?.cleanup();
});

test('all-in-one: the README walkthrough works end to end with OpenSSH and Chromium', {
  timeout: 120_000,
}, async () => {
  const timings = await runWalkthrough({
    name: 'all-in-one',
    configFile: setup.configFile,
    routeUrl: setup.routeUrl,
    sshPorts: [setup.sshPort],
    email: setup.email,
    password: readPassword(setup.dir),
    artifacts: ARTIFACTS,
    workDir: tmp.path,
  });
  console.log(`all-in-one timings (ms): ${JSON.stringify(timings)}`);
});
