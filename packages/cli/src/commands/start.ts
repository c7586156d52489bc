import type { Logger } from '@drawbridge/log';
import type { AuthzApi, TunnelDialer } from '@drawbridge/protocol';
import {
  createContext,
  type RunningServices,
  runServices,
  type Service,
  type ServiceContext,
} from '@drawbridge/runtime';

export const SERVICE_NAMES = ['dev-idp', 'authz', 'authn', 'ssh-edge', 'proxy-edge'] as const;
type ServiceName = (typeof SERVICE_NAMES)[number];

export interface StartOptions {
  configPath: string;
  /** Which services to run in this process; default all (the all-in-one mode). */
  services?: string[];
  logger?: Logger;
  handleSignals?: boolean;
}

export interface StartedServices {
  ctx: ServiceContext;
  services: Service[];
  running: RunningServices;
  stop(): Promise<void>;
}

/**
 * Runs the chosen services in this process, sharing one context. Services that run elsewhere are
 * reached through the bus (authz) or their internal URL (authn).
 */
export async function startServices(opts: StartOptions): Promise<StartedServices> {
  const wanted = new Set<string>(opts.services ?? SERVICE_NAMES);
  for (const name of wanted) {
    if (!(SERVICE_NAMES as readonly string[]).includes(name)) {
      throw new Error(`unknown service "${name}"; choose from ${SERVICE_NAMES.join(', ')}`);
    }
  }
  const ctx = await createContext({
    configPath: opts.configPath,
    name: wanted.size === SERVICE_NAMES.length ? 'drawbridge' : [...wanted].join('+'),
    logger: opts.logger,
  });
  const c = ctx.config.current().config;
  const has = (n: ServiceName) => wanted.has(n);
  const services: Service[] = [];

  // Services load lazily: a process that runs only ssh-edge never loads fastify or oidc-provider.
  if (has('dev-idp') && c.dev_idp) {
    const { createDevIdp } = await import('@drawbridge/dev-idp');
    services.push(createDevIdp(ctx));
  }

  let authz: AuthzApi;
  if (has('authz')) {
    const { createAuthz } = await import('@drawbridge/authz');
    const local = createAuthz({
      config: ctx.config,
      bus: ctx.bus,
      logger: ctx.logger.child({ service: 'authz' }),
    });
    services.push(local);
    authz = local;
  } else {
    const { AuthzBusClient } = await import('@drawbridge/bus');
    authz = new AuthzBusClient(ctx.bus);
  }

  let authenticateUrl = () => c.authenticate_internal_url ?? '';
  if (has('authn')) {
    const { createAuthn } = await import('@drawbridge/authn');
    const authn = createAuthn(ctx);
    services.push(authn);
    authenticateUrl = () => authn.internalUrl();
  }

  const localDialers = new Map<string, TunnelDialer>();
  if (has('ssh-edge')) {
    const { createSshEdge } = await import('@drawbridge/ssh-edge');
    const edge = createSshEdge(ctx, { authz });
    localDialers.set(edge.edgeId, edge.dialer);
    services.push(edge);
  }
  if (has('proxy-edge')) {
    const { createProxyEdge } = await import('@drawbridge/proxy-edge');
    services.push(createProxyEdge(ctx, { authz, authenticateUrl, localDialers }));
  }

  const running = await runServices(ctx, services, { handleSignals: opts.handleSignals });
  return { ctx, services, running, stop: () => running.stop() };
}

/** What a person needs to publish a service through this gateway, from the config. */
export function nextSteps(ctx: ServiceContext, configPath: string): string[] {
  const c = ctx.config.current().config;
  const sshPort = Number(c.ssh_address.split(':').pop());
  const tunnels = c.routes.filter((r) => r.isTunnel);
  const lines: string[] = [];
  if (tunnels.length === 0) {
    lines.push('No route has upstream_tunnel yet: add one to the config to publish a service with ssh -R.');
  }
  if (!c.runtime_flags.ssh_upstream_tunnel) {
    lines.push('runtime_flags.ssh_upstream_tunnel is off: ssh -R will be refused until you set it to true.');
  }
  for (const r of tunnels) {
    lines.push(
      `Publish localhost:3000 as ${r.from}:`,
      `  ssh -R ${r.fromHost}:${r.fromScheme === 'http' ? 80 : 443}:localhost:3000 -N localhost${sshPort === 22 ? '' : ` -p ${sshPort}`}`,
    );
  }
  const user = c.dev_idp?.users[0];
  if (user) {
    lines.push(
      `Sign in as ${user.email}; the password is in ${configPath.replace(/\/config\.ya?ml$/, '')}/dev-idp-password`,
    );
  }
  lines.push(`Signed-in user page: ${c.authenticate_service_url}/.pomerium/`);
  return lines;
}

/** `drawbridge start`: runs the services and prints what to do next. */
export async function runStart(opts: StartOptions): Promise<number> {
  const started = await startServices(opts);
  const lines = started.services.flatMap((s) => s.describe?.() ?? []);
  if (wantsTunnels(opts)) lines.push('', ...nextSteps(started.ctx, opts.configPath));
  console.log(`\n${lines.join('\n')}\n`);
  return 0;
}

function wantsTunnels(opts: StartOptions): boolean {
  return opts.services === undefined || opts.services.includes('ssh-edge');
}
