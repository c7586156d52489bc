import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

/** Generates a brand-new client key with the real ssh-keygen; returns the private key path. */
export function newClientKey(
  dir: string,
  type: 'ed25519' | 'rsa' | 'ecdsa' = 'ed25519',
  name = `id_${type}`,
): string {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'drawbridge-test', '-f', path]);
  return path;
}

export interface SshClientOptions {
  /** Arguments after `ssh` (e.g. `-R host:443:localhost:3000 -N localhost -p 2222`). */
  args: string[];
  /** Run under a pseudo-terminal (util-linux `script`), as a person's terminal would. */
  pty?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** The stock OpenSSH client as a child process, with its output collected for assertions. */
export class SshClient {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(opts: SshClientOptions) {
    const ssh = ['ssh', ...opts.args];
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    this.child = opts.pty
      ? spawn('script', ['-qfec', ssh.map(quote).join(' '), '/dev/null'], {
          env: { ...process.env, ...opts.env },
        })
      : spawn(ssh[0] as string, ssh.slice(1), {
          env: { ...process.env, ...opts.env },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
    const collect = (b: Buffer) => {
      this.output += b.toString();
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Resolves with the match once the output matches `re`; rejects on exit or timeout. */
  waitFor(re: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.output.match(re);
        if (m) {
          cleanup();
          resolve(m);
        }
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`ssh exited (${code}) before ${re}; output:\n${this.output}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${re}; output:\n${this.output}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.child.stdout?.off('data', check);
        this.child.stderr?.off('data', check);
        this.child.off('exit', onExit);
      };
      this.child.stdout?.on('data', check);
      this.child.stderr?.on('data', check);
      this.child.once('exit', onExit);
      check();
    });
  }

  write(text: string): void {
    this.child.stdin?.write(text);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.running) this.child.kill(signal);
    await this.exited;
  }
}

/** Options that keep a test's ssh from touching the user's ~/.ssh. */
export function isolatedSshOptions(key: string, knownHosts = '/dev/null'): string[] {
  return [
    '-F',
    '/dev/null',
    '-i',
    key,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    knownHosts === '/dev/null' ? 'StrictHostKeyChecking=no' : 'StrictHostKeyChecking=ask',
    '-o',
    'ServerAliveInterval=5',
  ];
}
