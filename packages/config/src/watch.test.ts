import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { seedConfig } from './testing/seed.js';
import type { LoadedConfig } from './types.js';
import { watchConfig } from './watch.js';

function nextReload(
  source: ReturnType<typeof watchConfig>,
  timeoutMs: number,
): Promise<{ loaded: LoadedConfig; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reload within ${timeoutMs} ms`)), timeoutMs);
    const off = source.subscribe((loaded) => {
      clearTimeout(timer);
      off();
      resolve({ loaded, ms: Date.now() - started });
    });
  });
}

test('a `sed -i` edit reaches subscribers within 500 ms and an invalid edit keeps the last good config', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drawbridge-config-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, seedConfig());
  const source = watchConfig(dir, { env: {}, pollMs: 60_000 });
  try {
    assert.equal(source.current().generation, 1);

    // The tutorial's own edit: append .typo to the route policy's email (16-space indent).
    const reload = nextReload(source, 2000);
    execFileSync('sed', ['-i', '-E', 's/^( {16}is: .*)/\\1.typo/', file]);
    const { loaded, ms } = await reload;
    assert.ok(ms < 500, `reload took ${ms} ms`);
    assert.equal(loaded.generation, 2);
    const policy = JSON.stringify(loaded.config.routes[0]?.policy);
    assert.match(policy, /alice@example\.com\.typo/);
    assert.doesNotMatch(JSON.stringify(loaded.config.routes[0]?.upstream_tunnel), /typo/);

    // An invalid edit: nothing is published and generation 2 stays in force.
    let published = false;
    const off = source.subscribe(() => {
      published = true;
    });
    execFileSync('sed', ['-i', '-E', 's/^shared_secret: .*/shared_secret: nope/', file]);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(published, false);
    assert.equal(source.current().generation, 2);
    off();

    // Fixing the file publishes again.
    const fixed = nextReload(source, 2000);
    writeFileSync(file, seedConfig());
    assert.equal((await fixed).loaded.generation, 3);
  } finally {
    source.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
