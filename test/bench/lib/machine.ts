import { spawnSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';

/** What the figures were measured on; they mean little without it. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  openssh: string;
  wrk: string;
  curl: string;
  /** 1-minute load average when the run started and ended: other work on the machine skews everything. */
  loadStart?: number;
  loadEnd?: number;
}

function version(cmd: string, args: string[]): string {
  // `ssh -V` prints to stderr and `wrk -v` exits 1, so read both streams whatever the status.
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return 'not installed';
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]!.trim();
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    openssh: version('ssh', ['-V']),
    wrk: version('wrk', ['-v']),
    curl: version('curl', ['--version']),
    loadStart: Math.round(loadavg()[0]! * 100) / 100,
  };
}
