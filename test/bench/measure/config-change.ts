import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { median } from '../lib/stats.js';
import { waitForStatus } from '../lib/wait.js';
import type { Timing } from '../report/types.js';
import type { DrawbridgeTarget } from '../targets/drawbridge-aio.js';

/** Editors and `sed -i` replace the file by rename; the watcher must see that, so the bench does it too. */
function replaceFile(path: string, text: string): void {
  writeFileSync(`${path}.bench-tmp`, text);
  renameSync(`${path}.bench-tmp`, path);
}

/**
 * The tutorial's `sed -i -E 's/^( {16}is: .*)/\1.typo/'` (route policy → 403) and the same on the
 * ssh_policy's 18-space line (tunnel detached → 503), each timed to the first answer and back to 200.
 */
export async function measureConfigChanges(t: DrawbridgeTarget, attempts: number): Promise<Timing[]> {
  const file = t.setup.configFile;
  const original = readFileSync(file, 'utf8');
  const cases = [
    { broken: 'config-403', fixed: 'config-200', re: /^( {16}is: .*)$/m, status: 403 },
    { broken: 'ssh-policy-503', fixed: 'ssh-policy-200', re: /^( {18}is: .*)$/m, status: 503 },
  ];
  const out: Timing[] = [];
  for (const c of cases) {
    const broken: number[] = [];
    const fixed: number[] = [];
    let note: string | undefined;
    for (let i = 0; i < attempts; i++) {
      try {
        let start = performance.now();
        replaceFile(file, original.replace(c.re, '$1.typo'));
        broken.push(await waitForStatus(t, [c.status], { since: start, timeoutMs: 10_000, intervalMs: 2 }));
        start = performance.now();
        replaceFile(file, original);
        fixed.push(await waitForStatus(t, [200], { since: start, timeoutMs: 10_000, intervalMs: 2 }));
      } catch (err) {
        note = String(err).split('\n')[0];
        replaceFile(file, original);
        await waitForStatus(t, [200], { timeoutMs: 15_000 }).catch(() => undefined);
        break;
      }
      // Let the watcher settle so the next write is a separate reload.
      await new Promise((r) => setTimeout(r, 300));
    }
    out.push({
      what: c.broken,
      target: t.key,
      ms: broken.length ? median(broken) : undefined,
      samples: broken,
      note,
    });
    out.push({ what: c.fixed, target: t.key, ms: fixed.length ? median(fixed) : undefined, samples: fixed });
  }
  return out;
}
