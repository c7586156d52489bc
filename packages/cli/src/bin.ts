import { parseArgs } from 'node:util';
import { runConfigCheck } from './commands/config-check.js';
import { runInit } from './commands/init.js';
import { runOperator } from './commands/operator.js';
import { runStart } from './commands/start.js';

const HELP = `drawbridge — identity-aware HTTPS gateway for plain ssh -R tunnels

Usage:
  drawbridge init [--dir DIR] [--email EMAIL] [--force]     write a development setup (default .drawbridge/)
  drawbridge config check FILE|DIR                          validate a config and list its routes
  drawbridge start [--config FILE|DIR] [--services LIST]   run services (default: all, in one process)
  drawbridge tunnels ls [--config FILE|DIR]                 list tunnels (route, identity, edge, state)
  drawbridge sessions ls [--config FILE|DIR]                list sessions
  drawbridge sessions revoke ID|EMAIL [--config FILE|DIR]   end sessions and their SSH connections everywhere

Services: ssh-edge, authn, authz, proxy-edge, dev-idp.`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  const options = {
    dir: { type: 'string' },
    email: { type: 'string' },
    force: { type: 'boolean' },
    config: { type: 'string', short: 'c' },
    services: { type: 'string' },
    'https-port': { type: 'string' },
    'ssh-port': { type: 'string' },
    'idp-port': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const args = cmd === 'init' || cmd === 'start' ? argv.slice(1) : rest;
  const { values, positionals } = parseArgs({ args, options, allowPositionals: true });
  const configPath = values.config ?? process.env.DRAWBRIDGE_CONFIG ?? '.drawbridge';
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
  switch (cmd) {
    case 'init':
      return runInit({
        dir: values.dir,
        email: values.email,
        force: values.force,
        httpsPort: num(values['https-port']),
        sshPort: num(values['ssh-port']),
        idpPort: num(values['idp-port']),
      });
    case 'config':
      if (sub !== 'check' || !positionals[0]) break;
      return runConfigCheck(positionals[0]);
    case 'start':
      return runStart({ configPath, services: values.services?.split(',').map((s) => s.trim()) });
    case 'tunnels':
    case 'sessions':
      return runOperator(cmd, sub ?? 'ls', positionals, configPath);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return 0;
  }
  console.error(`unknown command: ${argv.join(' ')}\n\n${HELP}`);
  return 2;
}
