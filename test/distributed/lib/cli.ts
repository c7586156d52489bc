import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../kit/compose.js';

/** Runs the real `drawbridge` CLI (built) with the environment a compose replica gets. */
export function drawbridge(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Async on purpose: the test's upstream services live in this process and must keep answering.
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'packages/cli/bin/drawbridge.mjs'), ...args],
      { env: { ...process.env, ...env }, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
