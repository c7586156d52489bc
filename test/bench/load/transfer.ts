import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Target } from '../targets/target.js';

const run = promisify(execFile);

/** One bulk transfer: bytes moved and MiB/s over the whole request. */
export interface TransferResult {
  bytes: number;
  seconds: number;
  mibPerSecond: number;
  status: number;
}

function curlArgs(t: Target): string[] {
  const u = new URL(t.url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const args = [
    '-sS',
    '-k',
    '-o',
    '/dev/null',
    '--max-time',
    '120',
    '--resolve',
    `${u.hostname}:${port}:${t.connectHost}`,
  ];
  for (const [k, v] of Object.entries(t.headers)) args.push('-H', `${k}: ${v}`);
  return args;
}

/** curl: a C client, so the client side costs the same for every target. */
async function curl(args: string[]): Promise<TransferResult> {
  const { stdout } = await run(
    'curl',
    [...args, '-w', '%{http_code} %{size_download} %{size_upload} %{time_total}'],
    {
      maxBuffer: 1 << 20,
    },
  );
  const [code, down, up, time] = stdout.trim().split(' ').map(Number) as [number, number, number, number];
  const bytes = Math.max(down, up);
  return { status: code, bytes, seconds: time, mibPerSecond: bytes / (1024 * 1024) / time };
}

/** Downloads `mib` MiB from the upstream's /download route through the target. */
export function download(t: Target, mib: number): Promise<TransferResult> {
  return curl([...curlArgs(t), `${t.url}/download?mib=${mib}`]);
}

/** Uploads `file` (PUT) to the upstream's /upload sink through the target. */
export function upload(t: Target, file: string): Promise<TransferResult> {
  return curl([...curlArgs(t), '-H', 'Expect:', '-T', file, `${t.url}/upload`]);
}
