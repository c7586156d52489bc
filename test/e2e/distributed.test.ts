import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Balancer, startBalancer } from '../kit/balancer.js';
import { type ComposeStack, startComposeStack } from '../kit/compose.js';
import { tempDir } from '../kit/index.js';
import { readPassword, runWalkthrough } from './walkthrough.js';

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

let stack: ComposeStack;
let balancer: Balancer;
let tmp: ReturnType<typeof tempDir>;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  tmp = tempDir('drawbridge-e2e-dist-');
  // Every service its own process, exactly as docker-compose.yml runs them, with Redis and NATS.
  stack = await startComposeStack({ scale: { 'ssh-edge': 2, 'proxy-edge': 2 }, useDist: true });
  balancer = await startBalancer(stack.httpsPorts);
});

after(async () => {
  await balancer?.close();
  await stack?.stop();
  tmp?.cleanup();
});

test('distributed: the README walkthrough works across 2 ssh-edges and 2 proxy-edges with Redis and NATS', {
  timeout: 150_000,
}, async () => {
  const timings = await runWalkthrough({
    name: 'distributed',
    configFile: join(stack.configDir, 'config.yaml'),
    routeUrl: stack.setup.routeUrl,
    // The first connection goes to one edge, the reconnect to the other.
    sshPorts: stack.sshPorts,
    email: stack.setup.email,
    password: readPassword(stack.configDir),
    artifacts: ARTIFACTS,
    workDir: tmp.path,
    browserProxy: balancer.url,
  });
  console.log(`distributed timings (ms): ${JSON.stringify(timings)}`);
  const used = [...balancer.counts.entries()].filter(([, n]) => n > 0);
  assert.equal(
    used.length,
    2,
    `the browser reached both proxy-edges: ${JSON.stringify([...balancer.counts])}`,
  );
});
