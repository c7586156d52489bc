// Drawbridge all-in-one under the bench: `startServices` exactly as `drawbridge start` runs it, plus a
// control channel so the bench can approve sign-ins in the (in-process) registry and read memory.
import { startServices } from '@drawbridge/cli';
import { type Identity, randomId } from '@drawbridge/protocol';
import { serveParent } from './lib/child.js';
import { approveSignin, bindKeys, createSession } from './lib/signin.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const configPath = arg('--config');
if (!configPath) throw new Error('usage: drawbridge-main.ts --config <dir> [--services a,b]');
const services = arg('--services')?.split(',');
const started = await startServices({ configPath, services, handleSignals: false });
const { ctx } = started;

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await started.stop().catch(() => {});
  // A clean exit is what makes --cpu-prof write its profile.
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const gc = (globalThis as { gc?: () => void }).gc;
serveParent(
  { pid: process.pid, instanceId: ctx.instanceId },
  {
    approve: async (a) => {
      const { userCode, identity } = a as { userCode: string; identity: Identity };
      return approveSignin(ctx.registry, ctx.bus, userCode, identity);
    },
    session: async (a) => createSession(ctx.registry, (a as { identity: Identity }).identity),
    bindKeys: async (a) => {
      const { sessionId, keys } = a as { sessionId: string; keys: string[] };
      const session = await ctx.registry.getSession(sessionId);
      if (!session) throw new Error(`no session ${sessionId}`);
      await bindKeys(
        ctx.registry,
        session,
        keys.map((k) => Buffer.from(k, 'base64')),
      );
      return keys.length;
    },
    tunnels: async () => (await ctx.registry.listTunnels({ state: 'attached' })).length,
    memory: async () => {
      // Two passes: the first frees objects whose finalizers release more.
      gc?.();
      gc?.();
      return { ...process.memoryUsage(), gc: gc !== undefined };
    },
    reload: async () => {
      await ctx.config.reload();
      return ctx.config.current().generation;
    },
    stop,
    ping: () => randomId(),
    clock: () => Number(process.hrtime.bigint() / 1000n),
  },
);
