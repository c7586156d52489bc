import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, isolatedSshOptions, newClientKey, SshClient, waitUntil } from '../../kit/index.js';
import { processTree } from '../lib/proc.js';
import { getStatus } from '../lib/wait.js';
import type { Target } from './target.js';

export const SSHD_BIN = '/usr/sbin/sshd';

/**
 * The reference: Debian's sshd with a stock `ssh -N -R 127.0.0.1:PORT:127.0.0.1:UPSTREAM`.
 * Nothing is tuned on either side, because that is what a user compares against.
 */
export async function startOpenSsh(dir: string, upstreamPort: number): Promise<Target> {
  const hostKey = join(dir, 'sshd_host_ed25519_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const clientKey = newClientKey(dir, 'ed25519', 'openssh_client_key');
  writeFileSync(join(dir, 'authorized_keys'), execFileSync('ssh-keygen', ['-y', '-f', clientKey]));
  const sshdPort = await freePort();
  const fwdPort = await freePort();
  const cfg = join(dir, 'sshd_config');
  writeFileSync(
    cfg,
    [
      `Port ${sshdPort}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'AllowTcpForwarding yes',
      'GatewayPorts no',
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      '',
    ].join('\n'),
  );
  const sshd: ChildProcess = spawn(SSHD_BIN, ['-D', '-e', '-f', cfg], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let sshdLog = '';
  sshd.stderr?.on('data', (b: Buffer) => {
    sshdLog = (sshdLog + b.toString()).slice(-8000);
  });
  const killSshd = () => sshd.kill('SIGKILL');
  process.once('exit', killSshd);
  const client = new SshClient({
    args: [
      ...isolatedSshOptions(clientKey),
      '-o',
      'ExitOnForwardFailure=yes',
      '-N',
      '-R',
      `127.0.0.1:${fwdPort}:127.0.0.1:${upstreamPort}`,
      '-p',
      String(sshdPort),
      `${userInfo().username}@127.0.0.1`,
    ],
  });
  const target: Target = {
    key: 'openssh',
    label: 'OpenSSH',
    url: `http://127.0.0.1:${fwdPort}`,
    connectHost: '127.0.0.1',
    connectPort: fwdPort,
    headers: {},
    gatewayPids: () => [
      ...(sshd.pid ? processTree(sshd.pid) : []),
      ...(client.child.pid ? [client.child.pid] : []),
    ],
    async stop() {
      await client.stop();
      sshd.kill('SIGTERM');
      if (sshd.exitCode === null) await new Promise((r) => sshd.once('exit', r));
      process.removeListener('exit', killSshd);
    },
  };
  try {
    await waitUntil(async () => (await getStatus(target)) === 200, 15_000, 'the OpenSSH reverse forward');
  } catch (err) {
    await target.stop();
    throw new Error(`${String(err)}\nssh: ${client.output}\nsshd: ${sshdLog}`);
  }
  return target;
}
